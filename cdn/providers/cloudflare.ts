// Cloudflare Pages, with the official `cloudflare` SDK: one Pages project per site, direct upload.
//
//   deploy   = upload-token (a short-lived JWT) → check-missing (which asset keys Pages lacks)
//              → upload the missing ones in buckets (base64, JWT auth) → upsert-hashes
//              (nothing is live yet: Pages keeps the assets, we keep the manifest)
//   activate = create a production deployment whose manifest names the already-uploaded assets
//              (Pages switches the project to it in one step); a deployment that was live
//              before is made live again with Pages' own rollback endpoint.
//
//   redirects = Pages cannot redirect by host (_redirects matches paths only), so the site's other
//              domains go in the account's Bulk Redirects: one list of kind `redirect`
//              (REDIRECT_LIST) holding an item per name — the project's <project>.pages.dev too —
//              (source <name>/ → https://<primary>/, 301,
//              subpath matching, path suffix and query kept), enabled by one rule in the account's
//              http_request_redirect phase. Item changes are asynchronous bulk operations, polled
//              to completion (Cloudflare allows one pending per account).
//   removeSite = the site's redirect items out of the list, then the Pages project deleted.
//
// The asset key is Pages' own: blake3 over (base64 of the body + the file's extension), hex,
// first 32 characters — what wrangler computes (docs/decisions/030-cdn-provider-keys.md).
// Retries: the SDK retries 408/409/429/5xx with backoff and honours Retry-After.
import path from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import type CloudflareClient from 'cloudflare';
import { CdnError } from '../errors.ts';
import { cloudflareUsage } from './cloudflare-usage.ts';
import type { RemoteBackend, RemoteSite } from './remote.ts';
import { REDIRECT_STATUS, type DnsRecord, type DomainPhase, type DomainState } from './types.ts';

export interface CloudflareConfig {
  apiToken: string;
  accountId: string;
  /** https://api.cloudflare.com/client/v4 unless set (tests point it at the contract server). */
  baseUrl?: string;
  maxRetries?: number;
  /** The zone of the site base domain, for usage from the GraphQL Analytics API (CLOUDFLARE_ZONE_ID). */
  zoneId?: string;
  /** Sites answer at <slug>.<siteBaseDomain> (SITE_BASE_DOMAIN). */
  siteBaseDomain?: string;
  /** Wait between looks at a pending list operation; 250 ms unless set. */
  operationPollMs?: number;
}

/** The account-level Bulk Redirect List every site's redirects live in (names: a-z, 0-9, _). */
export const REDIRECT_LIST = 'windwalker_domain_redirects';
const REDIRECT_PHASE = 'http_request_redirect';
const REDIRECT_RULE = 'WindWalker: custom domains to their site\'s primary domain';

/** The list item comment that names the site an item belongs to. */
export function redirectItemComment(siteId: string): string {
  return `windwalker site ${siteId}`;
}

interface RedirectItem {
  id: string;
  comment?: string;
  redirect?: { source_url: string; target_url: string; status_code?: number; subpath_matching?: boolean; preserve_path_suffix?: boolean; preserve_query_string?: boolean; include_subdomains?: boolean };
}

/** Pages' limits for direct upload. */
export const PAGES_MAX_ASSET_BYTES = 25 * 1024 * 1024;
export const PAGES_MAX_FILES = 20_000;
const BUCKET_MAX_BYTES = 40 * 1024 * 1024;
const BUCKET_MAX_FILES = 2_000;
const PRODUCTION_BRANCH = 'main';

/** The Pages asset key of a file: blake3(base64(body) + extension) in hex, first 32 characters. */
export function pagesAssetKey(body: Buffer, filePath: string): string {
  const extension = path.extname(filePath).slice(1);
  const digest = blake3(Buffer.from(body.toString('base64') + extension, 'utf8'));
  return Buffer.from(digest).toString('hex').slice(0, 32);
}

export function pagesProjectName(siteId: string): string {
  return `ww-${siteId}`;
}

function phase(status: string | undefined): DomainPhase {
  if (status === 'active') return 'active';
  if (status === 'error' || status === 'blocked' || status === 'deactivated') return 'failed';
  return 'pending';
}

// The SDK costs about 70 MB of resident memory once loaded, so it is loaded on first use: a
// process that never talks to Cloudflare (a web server without Cloudflare credentials) never
// carries it.
type CloudflareSdk = typeof import('cloudflare');
let sdkLoading: Promise<CloudflareSdk> | undefined;
let sdk: CloudflareSdk | undefined;
const loadSdk = () => (sdkLoading ??= import('cloudflare').then((module) => (sdk = module)));

/** True for the SDK's API error with that HTTP status (the SDK is loaded before any call can throw one). */
function isApiError(error: unknown, status: number): boolean {
  return sdk !== undefined && error instanceof sdk.APIError && error.status === status;
}

export function createCloudflareBackend(config: CloudflareConfig): RemoteBackend {
  let clientLoading: Promise<CloudflareClient> | undefined;
  const cloudflare = () =>
    (clientLoading ??= loadSdk().then(
      ({ default: Cloudflare }) =>
        new Cloudflare({
          apiToken: config.apiToken,
          baseURL: config.baseUrl ?? 'https://api.cloudflare.com/client/v4',
          maxRetries: config.maxRetries ?? 4,
        }),
    ));
  const account = { account_id: config.accountId };
  const knownProjects = new Set<string>();

  async function ensureProject(site: RemoteSite): Promise<string> {
    const name = pagesProjectName(site.siteId);
    if (knownProjects.has(name)) return name;
    try {
      await (await cloudflare()).pages.projects.get(name, account);
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
      await (await cloudflare()).pages.projects.create({ ...account, name, production_branch: PRODUCTION_BRANCH });
    }
    knownProjects.add(name);
    return name;
  }

  function domainState(hostname: string, projectName: string, domain: {
    status: string; validation_data?: { method?: string; status?: string; txt_name?: string; txt_value?: string; error_message?: string };
    verification_data?: { status?: string; error_message?: string };
  }): DomainState {
    const records: DnsRecord[] = [{ type: 'CNAME', name: hostname, value: `${projectName}.pages.dev`, purpose: '사이트 연결' }];
    const validation = domain.validation_data;
    if (validation?.method === 'txt' && validation.txt_name && validation.txt_value) {
      records.push({ type: 'TXT', name: validation.txt_name, value: validation.txt_value, purpose: '인증서 발급 확인' });
    }
    const errors = [validation?.error_message, domain.verification_data?.error_message].filter(Boolean);
    return {
      hostname,
      status: phase(domain.verification_data?.status ?? domain.status),
      certificate: phase(validation?.status),
      dnsRecords: records,
      detail: errors.length ? errors.join('; ') : `pages domain ${domain.status}`,
    };
  }

  let redirectListId: string | undefined;

  /** The id of REDIRECT_LIST, created (kind redirect) and enabled by the phase rule the first time. */
  async function redirectList(): Promise<string> {
    if (redirectListId) return redirectListId;
    const client = await cloudflare();
    let id: string | undefined;
    for await (const list of client.rules.lists.list(account)) {
      if (list.name === REDIRECT_LIST) id = list.id;
    }
    id ??= (await client.rules.lists.create({
      ...account, name: REDIRECT_LIST, kind: 'redirect', description: 'WindWalker: custom domains that redirect to their site\'s primary domain',
    })).id;
    // The list does nothing until a rule in the account's redirect phase names it.
    let rules: { id?: string; action?: string; action_parameters?: unknown; expression?: string; description?: string; enabled?: boolean }[] = [];
    try {
      rules = ((await client.rulesets.phases.get(REDIRECT_PHASE, account)).rules ?? []) as typeof rules;
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
    }
    const ours = rules.find((r) => (r.action_parameters as { from_list?: { name?: string } } | undefined)?.from_list?.name === REDIRECT_LIST);
    if (!ours || ours.enabled === false) {
      const rule = {
        action: 'redirect' as const, description: REDIRECT_RULE, enabled: true,
        expression: `http.request.full_uri in $${REDIRECT_LIST}`,
        action_parameters: { from_list: { name: REDIRECT_LIST, key: 'http.request.full_uri' } },
      };
      // PUT replaces the phase's rules: the account's other rules go back as they were (id kept).
      const others = rules.filter((r) => r !== ours).map(({ id: ruleId, action, action_parameters, expression, description, enabled }) => ({
        id: ruleId, action, action_parameters, expression, description, enabled,
      }));
      await client.rulesets.phases.update(REDIRECT_PHASE, { ...account, rules: [...others, rule] as never });
    }
    redirectListId = id;
    return id;
  }

  /** Waits for a bulk list operation to finish; throws with Cloudflare's words when it failed. */
  async function settled(operationId: string): Promise<void> {
    const client = await cloudflare();
    for (let attempt = 0; ; attempt++) {
      const operation = await client.rules.lists.bulkOperations.get(operationId, account);
      if (operation.status === 'completed') return;
      if (operation.status === 'failed') throw new Error(`Cloudflare list operation ${operationId} failed: ${operation.error}`);
      if (attempt >= 120) throw new Error(`Cloudflare list operation ${operationId} still ${operation.status} after ${attempt} looks`);
      await new Promise((resolve) => setTimeout(resolve, config.operationPollMs ?? 250));
    }
  }

  async function replaceRedirects(site: RemoteSite, primary: string | null, from: string[]): Promise<void> {
    try {
      await replaceRedirectsIn(await redirectList(), site, primary, from);
    } catch (error) {
      // The list was deleted since we looked it up (by hand, in the dashboard): find or make it again.
      if (!isApiError(error, 404) || !redirectListId) throw error;
      redirectListId = undefined;
      await replaceRedirectsIn(await redirectList(), site, primary, from);
    }
  }

  async function replaceRedirectsIn(listId: string, site: RemoteSite, primary: string | null, from: string[]): Promise<void> {
    const client = await cloudflare();
    const comment = redirectItemComment(site.siteId);
    // The project's own <project>.pages.dev answers the site as well: it goes to the primary too,
    // as Cloudflare's guide for Pages does it with Bulk Redirects (preview subdomains are left).
    const names = primary === null ? [] : [...from, `${pagesProjectName(site.siteId)}.pages.dev`];
    const hosts = new Set([...site.domains, ...names]);
    const wanted = new Map(names.map((host) => [`${host}/`, {
      redirect: {
        source_url: `${host}/`, target_url: `https://${primary}/`, status_code: REDIRECT_STATUS,
        subpath_matching: true, preserve_path_suffix: true, preserve_query_string: true, include_subdomains: false,
      },
      comment,
    }]));
    const stale: string[] = [];
    for await (const raw of client.rules.lists.items.list(listId, { ...account, per_page: 500 })) {
      const item = raw as unknown as RedirectItem;
      const source = item.redirect?.source_url ?? '';
      const host = source.replace(/^https?:\/\//, '').split('/')[0].toLowerCase();
      if (item.comment !== comment && !hosts.has(host)) continue;
      const want = wanted.get(source);
      const same = want && item.redirect?.target_url === want.redirect.target_url && item.redirect.status_code === REDIRECT_STATUS &&
        item.redirect.subpath_matching === true && item.redirect.preserve_path_suffix === true && item.redirect.preserve_query_string === true &&
        item.comment === comment;
      if (same) wanted.delete(source);
      else stale.push(item.id);
    }
    // Out first: a source URL may be in the list once, so a changed target is removed, then added.
    if (stale.length) await settled((await client.rules.lists.items.delete(listId, { ...account, items: stale.map((id) => ({ id })) })).operation_id);
    if (wanted.size) await settled((await client.rules.lists.items.create(listId, { ...account, body: [...wanted.values()] })).operation_id);
  }

  return {
    name: 'cloudflare',

    async upload(site, deployment, objects, onProgress) {
      const fileCount = Object.keys(deployment.manifest).length;
      if (fileCount > PAGES_MAX_FILES) {
        throw new CdnError('invalid_files', `Cloudflare Pages는 배포당 파일 ${PAGES_MAX_FILES}개까지 받습니다(지금 ${fileCount}개). 페이지나 이미지를 줄여 주세요.`);
      }
      const tooBig = objects.find((o) => o.body.length > PAGES_MAX_ASSET_BYTES);
      if (tooBig) {
        throw new CdnError('invalid_files', `${tooBig.paths[0]} 파일이 Cloudflare Pages의 파일당 한도 25MiB를 넘습니다. 더 작은 파일로 바꿔 주세요.`);
      }
      let projectName = await ensureProject(site);
      const keys = new Map<string, string>();
      for (const object of objects) for (const p of object.paths) keys.set(p, pagesAssetKey(object.body, p));
      // One upload per asset key (the key includes the extension, so one body may have two keys).
      const byKey = new Map<string, { body: Buffer; contentType: string }>();
      for (const object of objects) for (const p of object.paths) byKey.set(keys.get(p)!, { body: object.body, contentType: object.contentType });

      let jwt: string;
      try {
        ({ jwt } = await (await cloudflare()).pages.projects.getUploadToken(projectName, account));
      } catch (error) {
        // Another process deleted the project when the site last left Cloudflare: create it again.
        if (!isApiError(error, 404)) throw error;
        knownProjects.delete(projectName);
        projectName = await ensureProject(site);
        ({ jwt } = await (await cloudflare()).pages.projects.getUploadToken(projectName, account));
      }
      const withJwt = () => ({ headers: { Authorization: `Bearer ${jwt}` } });
      const refreshOn401 = async <T>(call: () => Promise<T>): Promise<T> => {
        try {
          return await call();
        } catch (error) {
          if (!isApiError(error, 401)) throw error;
          ({ jwt } = await (await cloudflare()).pages.projects.getUploadToken(projectName, account));
          return call();
        }
      };

      const hashes = [...byKey.keys()];
      const missing: string[] = [];
      await refreshOn401(async () => {
        missing.length = 0;
        for await (const key of (await cloudflare()).pages.assets.checkMissing({ hashes }, withJwt())) missing.push(key as unknown as string);
      });

      // Buckets bounded by bytes and count, as wrangler does.
      const buckets: string[][] = [];
      let bucket: string[] = [];
      let bucketBytes = 0;
      for (const key of missing) {
        const size = Math.ceil(byKey.get(key)!.body.length / 3) * 4;
        if (bucket.length && (bucketBytes + size > BUCKET_MAX_BYTES || bucket.length >= BUCKET_MAX_FILES)) {
          buckets.push(bucket);
          bucket = [];
          bucketBytes = 0;
        }
        bucket.push(key);
        bucketBytes += size;
      }
      if (bucket.length) buckets.push(bucket);

      let done = 0;
      let uploadedBytes = 0;
      for (const keysInBucket of buckets) {
        const body = keysInBucket.map((key) => {
          const asset = byKey.get(key)!;
          return { key, value: asset.body.toString('base64'), metadata: { contentType: asset.contentType }, base64: true as const };
        });
        await refreshOn401(async () => (await cloudflare()).pages.assets.upload({ body }, withJwt()));
        for (const key of keysInBucket) uploadedBytes += byKey.get(key)!.body.length;
        done += keysInBucket.length;
        onProgress?.(done, missing.length);
      }
      await refreshOn401(async () => (await cloudflare()).pages.assets.upsertHashes({ hashes }, withJwt()));
      // The manifest Pages wants at activation (URL path → asset key), kept with our deployment.
      const pagesManifest = Object.fromEntries(Object.keys(deployment.manifest).map((p) => [p, keys.get(p)!]));
      return { providerRef: null, providerData: { pagesManifest }, uploadedFiles: missing.length, uploadedBytes };
    },

    async switchTo(site, deployment) {
      const projectName = await ensureProject(site);
      if (deployment.providerRef) {
        await (await cloudflare()).pages.projects.deployments.rollback(deployment.providerRef, { ...account, project_name: projectName });
        return null;
      }
      const manifest = deployment.providerData.pagesManifest;
      if (!manifest || typeof manifest !== 'object') throw new Error(`deployment ${deployment.id} has no Pages manifest; deploy it again`);
      const created = await (await cloudflare()).pages.projects.deployments.create(projectName, {
        ...account,
        branch: PRODUCTION_BRANCH,
        manifest: JSON.stringify(manifest),
      });
      return created.id;
    },

    async remove(site, deployment) {
      if (!deployment.providerRef) return;
      try {
        await (await cloudflare()).pages.projects.deployments.delete(deployment.providerRef, { ...account, project_name: pagesProjectName(site.siteId) });
      } catch (error) {
        if (!isApiError(error, 404)) throw error;
      }
    },

    async attachDomain(site, hostname) {
      const projectName = await ensureProject(site);
      try {
        const domain = await (await cloudflare()).pages.projects.domains.create(projectName, { ...account, name: hostname });
        return domainState(hostname, projectName, domain);
      } catch (error) {
        // Already attached to this project: report its state instead.
        if (!isApiError(error, 409)) throw error;
        const domain = await (await cloudflare()).pages.projects.domains.get(hostname, { ...account, project_name: projectName });
        return domainState(hostname, projectName, domain);
      }
    },

    async domainStatus(site, hostname) {
      const projectName = pagesProjectName(site.siteId);
      const domain = await (await cloudflare()).pages.projects.domains.get(hostname, { ...account, project_name: projectName });
      return domainState(hostname, projectName, domain);
    },

    async detachDomain(site, hostname) {
      try {
        await (await cloudflare()).pages.projects.domains.delete(hostname, { ...account, project_name: pagesProjectName(site.siteId) });
      } catch (error) {
        if (!isApiError(error, 404)) throw error;
      }
    },

    setRedirects: (site, primary, from) => replaceRedirects(site, primary, from),

    async removeSite(site) {
      await replaceRedirects(site, null, []);
      const name = pagesProjectName(site.siteId);
      try {
        await (await cloudflare()).pages.projects.delete(name, account);
      } catch (error) {
        if (!isApiError(error, 404)) throw error;
      }
      knownProjects.delete(name);
    },

    usage: (site, from, to) => cloudflareUsage(config, site, from, to),

    async probe() {
      let projects = 0;
      for await (const _project of (await cloudflare()).pages.projects.list({ ...account })) {
        projects += 1;
        if (projects >= 10) break;
      }
      return `pages projects listed (${projects}${projects >= 10 ? '+' : ''})`;
    },
  };
}
