// What the three hosted providers (Cloudflare Pages, Vercel, CloudFront) share: the rows in
// `deployments` and `cdn_domains`. A backend only talks to its API; this file keeps our
// records in step with what the backend did, so every provider reads the same to callers.
//
// Activation runs the backend's switch inside the transaction that holds the site row lock:
// two activations of one site cannot interleave, and sites.live_deployment_id only changes
// when the provider has switched.
import { isUuid, withTenant, type Sql, type TransactionSql } from '../../db/index.ts';
import { buildManifest } from '../deployments.ts';
import { SITE_LIVE_CHANNEL, type SiteLiveNotification } from '../deployments.ts';
import { CdnError } from '../errors.ts';
import type { DeployFile, DeploymentManifest, DeploymentStatus, DeployResult } from '../types.ts';
import type {
  CdnProvider, DailyUsage, DeletedSiteRef, DomainState, ProviderDeploymentRef, ProviderDomainRef, ProviderHealth, ProviderName, ProviderSiteRef, RedirectPlan,
  UsagePeriod,
} from './types.ts';

export interface RemoteSite {
  tenantId: string;
  siteId: string;
  slug: string;
  /** Custom domains of the site on this provider (cdn_domains), verified or not. */
  domains: string[];
  /** The provider's id of the deployment the site serves, when the site is live on this provider. */
  liveProviderRef?: string | null;
  /** The site's primary domain when it is one of `domains` (a new name can be told to redirect there at once). */
  primaryDomain?: string | null;
}

export interface RemoteDeployment {
  id: string;
  /** The provider's own id for this deployment, once it has one. */
  providerRef: string | null;
  manifest: DeploymentManifest;
  /** What the backend stored at upload time (deployments.provider_data). */
  providerData: Record<string, unknown>;
}

/** One body to upload, named by our sha256, with every path that serves it. */
export interface UploadObject {
  sha256: string;
  body: Buffer;
  contentType: string;
  paths: string[];
}

export interface UploadOutcome {
  /** The provider's id for the deployment when the upload created one (else null until activation). */
  providerRef: string | null;
  /** Kept in deployments.provider_data for activation and removal. */
  providerData: Record<string, unknown>;
  uploadedFiles: number;
  uploadedBytes: number;
}

export interface RemoteBackend {
  readonly name: Exclude<ProviderName, 'local'>;
  /** Uploads what the provider lacks and stores the deployment there (not live). */
  upload(site: RemoteSite, deployment: RemoteDeployment, objects: UploadObject[], onProgress?: (done: number, total: number) => void): Promise<UploadOutcome>;
  /** Makes the deployment the one the site serves; returns the provider's deployment id when it changed. */
  switchTo(site: RemoteSite, deployment: RemoteDeployment): Promise<string | null>;
  /** Removes a deployment that is not live from the provider. */
  remove(site: RemoteSite, deployment: RemoteDeployment): Promise<void>;
  /** `stored` is the domain's cdn_domains.provider_data ({} for a new domain). */
  attachDomain(site: RemoteSite, hostname: string, stored: Record<string, unknown>): Promise<DomainState>;
  domainStatus(site: RemoteSite, hostname: string, stored: Record<string, unknown>): Promise<DomainState>;
  /** Disconnects the domain at the provider (a domain already gone there is not an error). */
  detachDomain?(site: RemoteSite, hostname: string, stored: Record<string, unknown>): Promise<void>;
  /**
   * Each name in `from` answers REDIRECT_STATUS to https://<primary> (same path and query); the
   * site's other names (site.domains) stop redirecting. `primary` null clears the site's redirects.
   */
  setRedirects?(site: RemoteSite, primary: string | null, from: string[]): Promise<void>;
  /** Deletes what the provider keeps for the site (nothing of it is live there any more). */
  removeSite?(site: RemoteSite): Promise<void>;
  /** Deletes everything the provider keeps for a site its owner deleted, the live deployment included. */
  deleteSite?(site: RemoteSite): Promise<void>;
  usage(site: RemoteSite, from: string, to: string): Promise<DailyUsage[]>;
  /** A cheap authenticated call; resolves with a line for ops, throws when the provider fails. */
  probe(): Promise<string>;
}

// The last label may be punycode too (an internationalised top-level domain such as xn--3e0b707e, '한국').
const HOSTNAME = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

interface DeploymentFields {
  status: DeploymentStatus;
  provider: string;
  provider_ref: string | null;
  manifest: DeploymentManifest;
  provider_data: Record<string, unknown>;
}

function siteNotFound(): CdnError {
  return new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
}

function deploymentNotFound(): CdnError {
  return new CdnError('not_found', '배포를 찾을 수 없습니다. 배포 목록을 새로 고친 뒤 다시 선택해 주세요.');
}

/** A host name an owner typed, normalised, or a Korean error naming the field. */
export function normaliseHostname(input: string): string {
  const hostname = input.trim().toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(hostname)) {
    throw new CdnError('invalid_domain', `도메인 '${input}'의 형식이 올바르지 않습니다. 'www.example.co.kr'처럼 입력해 주세요.`);
  }
  return hostname;
}

/** Groups files by content: one upload per distinct body, whatever number of paths serve it. */
export function objectsOf(files: DeployFile[], manifest: DeploymentManifest): UploadObject[] {
  const bySha = new Map<string, UploadObject>();
  for (const file of files) {
    const { sha256 } = manifest[file.path];
    const existing = bySha.get(sha256);
    if (existing) existing.paths.push(file.path);
    else bySha.set(sha256, { sha256, body: file.body, contentType: file.contentType, paths: [file.path] });
  }
  return [...bySha.values()];
}

async function siteRow(tx: TransactionSql, provider: string, siteId: string, lock = false): Promise<RemoteSite & { liveDeploymentId: string | null }> {
  const rows = lock
    ? await tx<{ tenant_id: string; id: string; slug: string; live_deployment_id: string | null }[]>`
        select tenant_id, id, slug, live_deployment_id from sites where id = ${siteId} for update`
    : await tx<{ tenant_id: string; id: string; slug: string; live_deployment_id: string | null }[]>`
        select tenant_id, id, slug, live_deployment_id from sites where id = ${siteId}`;
  const [row] = rows;
  if (!row) throw siteNotFound();
  const domains = await tx<{ hostname: string; is_primary: boolean }[]>`
    select hostname, is_primary from cdn_domains where site_id = ${siteId} and provider = ${provider} order by hostname`;
  const [live] = row.live_deployment_id
    ? await tx<{ provider_ref: string | null }[]>`select provider_ref from deployments where id = ${row.live_deployment_id} and provider = ${provider}`
    : [];
  return {
    tenantId: row.tenant_id, siteId: row.id, slug: row.slug, liveDeploymentId: row.live_deployment_id, domains: domains.map((d) => d.hostname),
    liveProviderRef: live?.provider_ref ?? null, primaryDomain: domains.find((d) => d.is_primary)?.hostname ?? null,
  };
}

export function createRemoteProvider(sql: Sql, backend: RemoteBackend): CdnProvider {
  const name = backend.name;

  async function findSite(tenantId: string, siteId: string): Promise<RemoteSite> {
    if (!isUuid(siteId)) throw siteNotFound();
    return withTenant(sql, tenantId, (tx) => siteRow(tx, name, siteId));
  }

  /** The site as its rows say, or as a retried deletion kept it once the rows are gone. */
  async function siteToRemove(ref: ProviderSiteRef | DeletedSiteRef): Promise<RemoteSite> {
    if (!('slug' in ref)) return findSite(ref.tenantId, ref.siteId);
    return { tenantId: ref.tenantId, siteId: ref.siteId, slug: ref.slug, domains: ref.domains, liveProviderRef: null, primaryDomain: null };
  }

  async function activate(ref: ProviderDeploymentRef): Promise<void> {
    const { tenantId, siteId, deploymentId } = ref;
    if (!isUuid(siteId) || !isUuid(deploymentId)) throw deploymentNotFound();
    await withTenant(sql, tenantId, async (tx) => {
      const site = await siteRow(tx, name, siteId, true);
      const [row] = await tx<DeploymentFields[]>`
        select status, provider, provider_ref, manifest, provider_data from deployments where id = ${deploymentId} and site_id = ${siteId}`;
      if (!row || row.provider !== name) throw deploymentNotFound();
      if (row.status !== 'ready') {
        throw new CdnError('not_ready', `이 배포는 '${row.status}' 상태라 게시할 수 없습니다. 준비된(ready) 배포를 선택해 주세요.`);
      }
      const providerRef = await backend.switchTo(site, { id: deploymentId, providerRef: row.provider_ref, manifest: row.manifest, providerData: row.provider_data });
      await tx`update sites set live_deployment_id = ${deploymentId}, cdn_provider = ${name} where id = ${siteId}`;
      await tx`
        update deployments set activated_at = now(), provider_ref = coalesce(${providerRef}, provider_ref)
        where id = ${deploymentId}`;
      const notification: SiteLiveNotification = { siteId, slug: site.slug, deploymentId };
      await tx`select pg_notify(${SITE_LIVE_CHANNEL}, ${JSON.stringify(notification)})`;
    });
  }

  async function storedDomainData(site: RemoteSite, hostname: string): Promise<Record<string, unknown>> {
    return withTenant(sql, site.tenantId, async (tx) => {
      const [row] = await tx<{ provider_data: Record<string, unknown> }[]>`
        select provider_data from cdn_domains where site_id = ${site.siteId} and hostname = ${hostname}`;
      return row?.provider_data ?? {};
    });
  }

  async function saveDomain(site: RemoteSite, state: DomainState): Promise<void> {
    await withTenant(sql, site.tenantId, async (tx) => {
      const [taken] = await tx`select 1 from cdn_domains where hostname = ${state.hostname} and site_id <> ${site.siteId}`;
      if (taken) throw new CdnError('domain_taken', `도메인 '${state.hostname}'은(는) 이미 다른 사이트에 연결되어 있습니다. 그 사이트에서 먼저 연결을 해제해 주세요.`);
      await tx`
        insert into cdn_domains (tenant_id, site_id, hostname, provider, status, certificate_status, dns_records, detail, checked_at, provider_data)
        values (${site.tenantId}, ${site.siteId}, ${state.hostname}, ${name}, ${state.status}, ${state.certificate},
                ${tx.json(state.dnsRecords as never)}, ${state.detail}, now(), ${tx.json((state.providerData ?? {}) as never)})
        on conflict (hostname) do update set
          provider = excluded.provider, status = excluded.status, certificate_status = excluded.certificate_status,
          dns_records = excluded.dns_records, detail = excluded.detail, checked_at = now(),
          provider_data = case when ${state.providerData !== undefined} then excluded.provider_data else cdn_domains.provider_data end`;
    });
  }

  return {
    name,

    async deploy(input): Promise<DeployResult> {
      const { tenantId, siteId, buildId, files } = input;
      if (!isUuid(siteId)) throw siteNotFound();
      const manifest = buildManifest(files);
      const totalBytes = Object.values(manifest).reduce((sum, e) => sum + e.size, 0);
      const { site, deploymentId } = await withTenant(sql, tenantId, async (tx) => {
        const site = await siteRow(tx, name, siteId);
        if (buildId !== null) {
          const [build] = await tx`select id from builds where id = ${buildId} and site_id = ${siteId}`;
          if (!build) throw new CdnError('not_found', '빌드를 찾을 수 없습니다. 다시 게시해 주세요.');
        }
        const [row] = await tx<{ id: string }[]>`
          insert into deployments (tenant_id, site_id, build_id, provider, status, manifest, file_count, total_bytes)
          values (${tenantId}, ${siteId}, ${buildId}, ${name}, 'uploading', ${tx.json(manifest as never)}, ${files.length}, ${totalBytes})
          returning id`;
        return { site, deploymentId: row.id };
      });
      try {
        const outcome = await backend.upload(site, { id: deploymentId, providerRef: null, manifest, providerData: {} }, objectsOf(files, manifest), input.onProgress);
        await withTenant(sql, tenantId, (tx) => tx`
          update deployments set status = 'ready', uploaded_bytes = ${outcome.uploadedBytes}, provider_ref = ${outcome.providerRef},
              provider_data = ${tx.json(outcome.providerData as never)}
          where id = ${deploymentId}`);
        return { deploymentId, fileCount: files.length, totalBytes, uploadedFiles: outcome.uploadedFiles, uploadedBytes: outcome.uploadedBytes };
      } catch (cause) {
        await withTenant(sql, tenantId, (tx) => tx`update deployments set status = 'failed' where id = ${deploymentId}`).catch(
          (markError) => console.error(`[cdn] could not mark deployment ${deploymentId} failed: ${(markError as Error).message}`),
        );
        throw new Error(`Deploying site ${siteId} to ${name} failed: ${(cause as Error).message}`, { cause });
      }
    },

    activate,
    rollback: activate,

    async deleteDeployment(ref) {
      const { tenantId, siteId, deploymentId } = ref;
      if (!isUuid(siteId) || !isUuid(deploymentId)) throw deploymentNotFound();
      await withTenant(sql, tenantId, async (tx) => {
        const site = await siteRow(tx, name, siteId, true);
        if (site.liveDeploymentId === deploymentId) {
          throw new CdnError('live_deployment', '지금 게시 중인 배포는 삭제할 수 없습니다. 다른 배포를 먼저 게시해 주세요.');
        }
        const [row] = await tx<DeploymentFields[]>`
          select status, provider, provider_ref, manifest, provider_data from deployments where id = ${deploymentId} and site_id = ${siteId}`;
        if (!row || row.provider !== name) throw deploymentNotFound();
        if (row.status === 'uploading') throw new CdnError('not_ready', '업로드 중인 배포는 삭제할 수 없습니다. 업로드가 끝난 뒤 다시 시도해 주세요.');
        if (row.status === 'deleted') return;
        await backend.remove(site, { id: deploymentId, providerRef: row.provider_ref, manifest: row.manifest, providerData: row.provider_data });
        await tx`update deployments set status = 'deleted' where id = ${deploymentId}`;
      });
    },

    async attachDomain(ref: ProviderDomainRef) {
      const hostname = normaliseHostname(ref.hostname);
      const site = await findSite(ref.tenantId, ref.siteId);
      const state = await backend.attachDomain(site, hostname, await storedDomainData(site, hostname));
      await saveDomain(site, state);
      return state;
    },

    async domainStatus(ref: ProviderDomainRef) {
      const hostname = normaliseHostname(ref.hostname);
      const site = await findSite(ref.tenantId, ref.siteId);
      const state = await backend.domainStatus(site, hostname, await storedDomainData(site, hostname));
      await saveDomain(site, state);
      return state;
    },

    detachDomain: backend.detachDomain
      ? async (ref: ProviderDomainRef) => {
          const hostname = normaliseHostname(ref.hostname);
          const site = await findSite(ref.tenantId, ref.siteId);
          await backend.detachDomain!(site, hostname, await storedDomainData(site, hostname));
        }
      : undefined,

    setRedirects: backend.setRedirects
      ? async (plan: RedirectPlan) => {
          const primary = plan.primary === null ? null : normaliseHostname(plan.primary);
          const from = [...new Set(plan.from.map(normaliseHostname))].filter((h) => h !== primary);
          const site = await findSite(plan.tenantId, plan.siteId);
          await backend.setRedirects!(site, primary, primary === null ? [] : from.sort());
        }
      : undefined,

    removeSite: backend.removeSite
      ? async (ref: ProviderSiteRef | DeletedSiteRef) => {
          await backend.removeSite!(await siteToRemove(ref));
        }
      : undefined,

    deleteSite: backend.deleteSite
      ? async (ref: ProviderSiteRef | DeletedSiteRef) => {
          await backend.deleteSite!(await siteToRemove(ref));
        }
      : undefined,

    async usage(period: UsagePeriod): Promise<DailyUsage[]> {
      if (!DAY.test(period.from) || !DAY.test(period.to)) throw new Error(`usage period needs YYYY-MM-DD days, got ${period.from} – ${period.to}`);
      const site = await findSite(period.tenantId, period.siteId);
      return backend.usage(site, period.from, period.to);
    },

    async health(): Promise<ProviderHealth> {
      const started = Date.now();
      try {
        const detail = await backend.probe();
        return { provider: name, ok: true, checkedAt: new Date(), latencyMs: Date.now() - started, detail };
      } catch (error) {
        return { provider: name, ok: false, checkedAt: new Date(), latencyMs: Date.now() - started, detail: (error as Error).message };
      }
    },
  };
}
