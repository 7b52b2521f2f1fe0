// The stable name in front of the CDN providers (decision 143). Each site with custom domains gets
// <key>.cname.<DNS_ZONE_NAME> — a CNAME in a zone WindWalker runs, kept through the Cloudflare DNS
// API (/zones/{zone_id}/dns_records) — pointing at the provider that serves the site now
// (`<slug>.<SITE_BASE_DOMAIN>` on the edge, `<project>.pages.dev`, `cname.vercel-dns.com`, …).
// Owners CNAME their own names to it, so a move between providers changes our record, not theirs:
//
//   1. deploy on the new provider (not live yet),
//   2. attach the custom domains there (the old provider keeps serving them; our record still
//      points at it), refusing the move when the new provider cannot serve a name before DNS
//      points at it (CloudFront: the alias needs an issued certificate),
//   3. switch the site, 4. flip our record, 5. wait for the new provider to see it (its domain
//      status, recorded) and for resolvers' cached answers to expire (the record's TTL),
//   6. detach the domains from the old provider.
//
// A domain whose owner still points straight at a provider's host (connected before this, told to
// CNAME there; cdn_domains.dns_target = 'provider', kept current by the re-check) does not move:
// traffic and admin moves leave its site where it is, as before.
//
// Embedded mode (no DNS_ZONE_ID): the names are kept in cdn_stable_names only. A site on the edge
// still answers them — <key>.cname.<SITE_BASE_DOMAIN> falls under the *.SITE_BASE_DOMAIN wildcard
// that already sends every site address to the edge — but a move that needs our record changed
// fails, loudly, before anything is deployed.
import { promises as dns } from 'node:dns';
import type CloudflareClient from 'cloudflare';
import { env } from '../config/index.ts';
import { withTenant, type Sql, type TransactionSql } from '../db/index.ts';
import { DOMAINS_CHANGED_CHANNEL } from './domains.sql.ts';
import { CdnError } from './errors.ts';
import { pagesProjectName } from './providers/cloudflare.ts';
import type { CdnProvider, DnsRecord, DomainPhase, DomainState, ProviderName } from './providers/types.ts';

/** What the stable names need from the installation: the zone, and its DNS API when configured. */
export interface StableNameConfig {
  /** The zone the names live in (DNS_ZONE_NAME, else SITE_BASE_DOMAIN). */
  zoneName: string;
  /** Sites answer at <slug>.<siteBaseDomain> on the edge (SITE_BASE_DOMAIN). */
  siteBaseDomain: string;
  /** Null in embedded mode: the names are kept in our database only. */
  api: StableDnsApi | null;
  /** Seconds resolvers may cache our record (60 unless set): a move waits this long before it detaches the old provider. */
  ttl?: number;
}

/** Our zone's records, as the stable names use them. */
export interface StableDnsApi {
  /** Makes `name` a CNAME to `target` (creating or correcting the record); returns the record's id. */
  point(name: string, target: string, ttl: number): Promise<string>;
  /** Removes the CNAME at `name` (none there is not an error). */
  remove(name: string): Promise<void>;
}

export const DEFAULT_STABLE_TTL = 60;
const RECORD_COMMENT = 'WindWalker stable name (cdn/dns-stable-names.ts); changed by site moves';

// ── The names ────────────────────────────────────────────────────────────────────────────────────

/** `<first 16 hex digits of the site id>.cname.<zone>`: fixed for the site's life (a slug may change). */
export function stableNameFor(siteId: string, zoneName: string): string {
  return `${siteId.replace(/-/g, '').slice(0, 16).toLowerCase()}.cname.${zoneName.toLowerCase()}`;
}

/** True when `name` is `zone` or lies under it. */
function within(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * Whether a new domain on `provider` can be told to point at the stable name: always with the DNS
 * API; without it only on the edge, and only when the zone lies under SITE_BASE_DOMAIN (its
 * wildcard then answers the name). Otherwise the owner is told the provider's host, as before.
 */
export function stableNameUsable(config: StableNameConfig, provider: string): boolean {
  if (config.api) return true;
  return provider === 'local' && within(config.zoneName.toLowerCase(), config.siteBaseDomain.toLowerCase());
}

/** The host a provider's "사이트 연결" CNAME names for a domain (its DomainState), or null. */
export function siteRecordTarget(state: Pick<DomainState, 'hostname' | 'dnsRecords'>): string | null {
  const record = state.dnsRecords.find((r) => r.type === 'CNAME' && r.name === state.hostname);
  return record ? record.value.toLowerCase().replace(/\.$/, '') : null;
}

/** The host our record points at for a site on `provider` when no domain there says it (null: unknown). */
export function defaultProviderTarget(provider: ProviderName, site: { siteId: string; slug: string }, siteBaseDomain: string): string | null {
  switch (provider) {
    case 'local':
      return `${site.slug}.${siteBaseDomain}`;
    case 'cloudflare':
      return `${pagesProjectName(site.siteId)}.pages.dev`;
    case 'vercel':
      return 'cname.vercel-dns.com';
    case 'cloudfront':
      return null; // a distribution per custom domain (decision 132): only a domain's state names it
  }
}

/** The owner's instructions with the site-connection CNAME pointing at our stable name; the provider's other records stay. */
export function stableInstructions(records: DnsRecord[], hostname: string, stableName: string): DnsRecord[] {
  const others = records.filter((r) => !(r.type === 'CNAME' && r.name === hostname));
  return [{ type: 'CNAME', name: hostname, value: stableName, purpose: '사이트 연결' }, ...others];
}

// ── Configuration ────────────────────────────────────────────────────────────────────────────────

const fromEnv = new WeakMap<object, StableNameConfig>();

/** The installation's stable-name configuration (config/env.ts), built once per parsed environment. */
export function stableNamesFromEnv(): StableNameConfig {
  const config = env();
  const known = fromEnv.get(config);
  if (known) return known;
  const token = config.DNS_API_TOKEN ?? config.CLOUDFLARE_API_TOKEN;
  const zoneName = (config.DNS_ZONE_NAME ?? config.SITE_BASE_DOMAIN).toLowerCase();
  const built: StableNameConfig = {
    zoneName,
    siteBaseDomain: config.SITE_BASE_DOMAIN.toLowerCase(),
    api: config.DNS_ZONE_ID && token
      ? createCloudflareDnsApi({ apiToken: token, zoneId: config.DNS_ZONE_ID, baseUrl: config.CLOUDFLARE_API_BASE })
      : null,
  };
  fromEnv.set(config, built);
  return built;
}

/** The Korean refusal when a move needs our DNS record changed and the DNS API is not configured. */
export function dnsNotConfigured(siteName: string, hostnames: string[], stableName: string): CdnError {
  return new CdnError(
    'not_configured',
    `'${siteName}'의 도메인(${hostnames.join(', ')})은 WindWalker 이름 ${stableName}을(를) 가리키는데, 이 설치에는 DNS API가 설정되지 않아 ` +
      `그 레코드를 새 CDN으로 바꿀 수 없습니다. DNS_ZONE_ID와 DNS_API_TOKEN(또는 CLOUDFLARE_API_TOKEN)을 설정한 뒤 다시 옮겨 주세요.`,
  );
}

// ── The Cloudflare DNS API ───────────────────────────────────────────────────────────────────────

type CloudflareSdk = typeof import('cloudflare');
let sdkLoading: Promise<CloudflareSdk> | undefined;

interface ApiRecord {
  id: string;
  type: string;
  name: string;
  content?: string;
  ttl: number;
  proxied?: boolean;
}

/** The SDK error's Cloudflare codes (`errors: [{ code }]`), for telling a race from a refusal. */
function apiCodes(error: unknown): number[] {
  const errors = (error as { errors?: { code?: number }[] }).errors;
  return Array.isArray(errors) ? errors.map((e) => e.code ?? 0) : [];
}

/**
 * Our zone's records through the `cloudflare` SDK: list by exact name, then create (POST), change
 * the target only (PATCH) or overwrite a record someone altered (PUT: proxied, TTL or comment), or
 * delete. Idempotent: a record already right is left alone, so a retried move changes nothing.
 */
export function createCloudflareDnsApi(opts: { apiToken: string; zoneId: string; baseUrl?: string; maxRetries?: number }): StableDnsApi {
  const zone = { zone_id: opts.zoneId };
  let clientLoading: Promise<CloudflareClient> | undefined;
  const client = () =>
    (clientLoading ??= (sdkLoading ??= import('cloudflare')).then(
      ({ default: Cloudflare }) =>
        new Cloudflare({ apiToken: opts.apiToken, baseURL: opts.baseUrl ?? 'https://api.cloudflare.com/client/v4', maxRetries: opts.maxRetries ?? 4 }),
    ));

  /** The records at exactly `name`: one page (a name holds a handful at most; iterating would ask for an empty page 2). */
  async function recordsAt(name: string): Promise<ApiRecord[]> {
    const page = await (await client()).dns.records.list({ ...zone, name: { exact: name }, per_page: 100 });
    return page.result as unknown as ApiRecord[];
  }

  async function point(name: string, target: string, ttl: number, attempt = 0): Promise<string> {
    const cf = await client();
    const existing = await recordsAt(name);
    const blocking = existing.filter((r) => r.type === 'A' || r.type === 'AAAA');
    if (blocking.length) {
      throw new Error(`DNS name ${name} holds ${blocking.map((r) => `${r.type} ${r.content}`).join(', ')}, not a CNAME; remove it by hand (a stable name is ours alone)`);
    }
    const cname = existing.find((r) => r.type === 'CNAME');
    const wanted = { type: 'CNAME' as const, name, content: target, ttl, proxied: false, comment: RECORD_COMMENT };
    if (!cname) {
      try {
        const created = await cf.dns.records.create({ ...zone, ...wanted });
        return created.id;
      } catch (error) {
        // Another process created it between our list and create: read it again, once.
        if (attempt === 0 && apiCodes(error).some((code) => code === 81053 || code === 81057)) return point(name, target, ttl, 1);
        throw error;
      }
    }
    const sameTarget = (cname.content ?? '').toLowerCase().replace(/\.$/, '') === target;
    if (sameTarget && cname.ttl === ttl && cname.proxied === false) return cname.id;
    if (cname.ttl === ttl && cname.proxied === false) {
      await cf.dns.records.edit(cname.id, { ...zone, type: 'CNAME', name, ttl, content: target });
    } else {
      // Proxied or another TTL: someone changed it; put the whole record back as we keep it.
      await cf.dns.records.update(cname.id, { ...zone, ...wanted });
    }
    return cname.id;
  }

  return {
    point: (name, target, ttl) => point(name.toLowerCase(), target.toLowerCase().replace(/\.$/, ''), ttl),
    async remove(name) {
      const cf = await client();
      for (const record of await recordsAt(name.toLowerCase())) {
        if (record.type !== 'CNAME') continue;
        try {
          await cf.dns.records.delete(record.id, zone);
        } catch (error) {
          if (!apiCodes(error).includes(81044)) throw error;
        }
      }
    },
  };
}

// ── Our copy of the records ──────────────────────────────────────────────────────────────────────

export interface StableName {
  siteId: string;
  name: string;
  provider: ProviderName;
  target: string;
  recordId: string | null;
  ttl: number;
  syncedAt: Date | null;
}

interface StableNameRow {
  site_id: string;
  name: string;
  provider: ProviderName;
  target: string;
  record_id: string | null;
  ttl: number;
  synced_at: Date | null;
}

function toStableName(r: StableNameRow): StableName {
  return { siteId: r.site_id, name: r.name, provider: r.provider, target: r.target, recordId: r.record_id, ttl: r.ttl, syncedAt: r.synced_at };
}

export async function selectStableName(tx: TransactionSql, siteId: string): Promise<StableName | null> {
  const [row] = await tx<StableNameRow[]>`
    select site_id, name, provider, target, record_id, ttl, synced_at from cdn_stable_names where site_id = ${siteId}`;
  return row ? toStableName(row) : null;
}

export async function getStableName(sql: Sql, tenantId: string, siteId: string): Promise<StableName | null> {
  return withTenant(sql, tenantId, (tx) => selectStableName(tx, siteId));
}

/**
 * Points the site's stable name at `target` on `provider`: the row first (our copy, and all there
 * is in embedded mode), then the zone's record when the DNS API is configured. Returns the name.
 */
export async function pointStableName(
  sql: Sql, config: StableNameConfig,
  input: { tenantId: string; siteId: string; provider: ProviderName; target: string },
): Promise<StableName> {
  const name = stableNameFor(input.siteId, config.zoneName);
  const ttl = config.ttl ?? DEFAULT_STABLE_TTL;
  const target = input.target.toLowerCase().replace(/\.$/, '');
  const row = await withTenant(sql, input.tenantId, async (tx) => {
    const [saved] = await tx<StableNameRow[]>`
      insert into cdn_stable_names (site_id, tenant_id, name, provider, target, ttl)
      values (${input.siteId}, ${input.tenantId}, ${name}, ${input.provider}, ${target}, ${ttl})
      on conflict (site_id) do update set
        provider = excluded.provider, target = excluded.target, ttl = excluded.ttl,
        synced_at = case when cdn_stable_names.target = excluded.target and cdn_stable_names.ttl = excluded.ttl then cdn_stable_names.synced_at end,
        updated_at = now()
      returning site_id, name, provider, target, record_id, ttl, synced_at`;
    return toStableName(saved);
  });
  if (!config.api) return row;
  const recordId = await config.api.point(row.name, target, ttl);
  return withTenant(sql, input.tenantId, async (tx) => {
    const [synced] = await tx<StableNameRow[]>`
      update cdn_stable_names set record_id = ${recordId}, synced_at = now() where site_id = ${input.siteId}
      returning site_id, name, provider, target, record_id, ttl, synced_at`;
    return toStableName(synced);
  });
}

/** Deletes the site's stable name (its last domain was disconnected): the zone's record, then our row. */
export async function removeStableName(sql: Sql, config: StableNameConfig, tenantId: string, siteId: string): Promise<void> {
  const row = await getStableName(sql, tenantId, siteId);
  if (!row) return;
  if (row.recordId) {
    if (!config.api) throw dnsNotConfigured('사이트', [row.name], row.name);
    await config.api.remove(row.name);
  }
  await withTenant(sql, tenantId, (tx) => tx`delete from cdn_stable_names where site_id = ${siteId}`);
}

// ── Where an owner's name points (the domain re-check) ──────────────────────────────────────────

/** Looks up CNAME records (node:dns resolveCname's shape). */
export type ResolveCname = (name: string) => Promise<string[]>;

let resolver: dns.Resolver | undefined;
/** The system's resolvers, asked briefly: a re-check must not hang on DNS. */
const systemResolveCname: ResolveCname = (name) => (resolver ??= new dns.Resolver({ timeout: 3_000, tries: 2 })).resolveCname(name);

/**
 * 'stable' when the owner's name is a CNAME to the site's stable name, 'provider' when it is a
 * CNAME to anything else (a provider's host), null when DNS gives no CNAME (not there yet, an
 * apex ALIAS/ANAME flattened to addresses) or no answer at all: the caller keeps what it knew.
 */
export async function observeDnsTarget(hostname: string, stableName: string, resolveCname: ResolveCname = systemResolveCname): Promise<'stable' | 'provider' | null> {
  let answers: string[];
  try {
    answers = await resolveCname(hostname);
  } catch {
    return null; // NXDOMAIN, no CNAME, a timeout or a resolver failure: nothing learned this time
  }
  if (!answers.length) return null;
  return answers.some((a) => a.toLowerCase().replace(/\.$/, '') === stableName) ? 'stable' : 'provider';
}

// ── A move of a site's domains ───────────────────────────────────────────────────────────────────

interface DomainBefore {
  id: string;
  hostname: string;
  provider: string;
  status: DomainPhase;
  certificate_status: DomainPhase;
  dns_records: DnsRecord[];
  provider_data: Record<string, unknown>;
  detail: string;
  dns_target: 'stable' | 'provider';
}

/** Whether `provider` answers a just-attached name before DNS points at it (HTTP at least: certificates follow DNS). */
function servesBeforeDns(provider: ProviderName, state: DomainState): boolean {
  // CloudFront puts the alias on the domain's distribution only once ACM has issued its
  // certificate, which needs the owner's validation record (decision 132).
  if (provider === 'cloudfront') return state.status === 'active';
  return true;
}

export interface DomainMoveOptions {
  tenantId: string;
  siteId: string;
  siteName: string;
  slug: string;
  from: CdnProvider;
  to: CdnProvider;
  config: StableNameConfig;
  /** The old provider is down: its domains are not detached (that would only wait out its retries). */
  keepOld: boolean;
  /** How long to wait for the new provider to report the domains active after the flip; 30 s unless set. */
  activeWaitMs?: number;
  /** How long resolvers may still send visitors to the old provider after the flip; the record's TTL unless set. */
  drainMs?: number;
}

/**
 * The custom-domain half of a move (migrateSite drives it): `prepare` before the deploy (refuses
 * what cannot work, before anything changes), `attach` before the switch, `flip` right after it,
 * `settle` last. `abandon` undoes `attach` when the move fails before the flip. Notes for the
 * migration's detail collect in `notes`.
 */
export async function planDomainMove(sql: Sql, opts: DomainMoveOptions) {
  const { tenantId, siteId, from, to, config } = opts;
  const ttl = config.ttl ?? DEFAULT_STABLE_TTL;
  const { domains, stable } = await withTenant(sql, tenantId, async (tx) => ({
    domains: await tx<DomainBefore[]>`
      select id, hostname, provider, status, certificate_status, dns_records, provider_data, detail, dns_target
      from cdn_domains where site_id = ${siteId} order by hostname`,
    stable: await selectStableName(tx, siteId),
  }));
  const moving = domains.filter((d) => d.dns_target === 'stable');
  const staying = domains.filter((d) => d.dns_target !== 'stable');
  const stableName = stable?.name ?? stableNameFor(siteId, config.zoneName);
  const notes: string[] = [];
  if (staying.length) notes.push(`domains pointing straight at ${from.name} stay there: ${staying.map((d) => d.hostname).join(', ')}`);

  // Refuse before anything is deployed.
  if ((moving.length || stable?.recordId) && !config.api) {
    throw dnsNotConfigured(opts.siteName, moving.length ? moving.map((d) => d.hostname) : [stableName], stableName);
  }
  if (to.name === 'cloudfront' && moving.length > 1) {
    throw new CdnError('unsupported', `CloudFront에서는 도메인마다 따로 배포가 있어, 도메인이 여러 개(${moving.map((d) => d.hostname).join(', ')})인 '${opts.siteName}'을(를) WindWalker 이름 하나로 옮길 수 없습니다. 다른 CDN을 골라 주세요.`);
  }

  const attachedStates = new Map<string, DomainState>();
  let target: string | null = defaultProviderTarget(to.name, { siteId, slug: opts.slug }, config.siteBaseDomain);

  /** The edge reloads its host map (a name it serves may have changed hands). */
  async function announce(): Promise<void> {
    await withTenant(sql, tenantId, (tx) => tx`select pg_notify(${DOMAINS_CHANGED_CHANNEL}, ${JSON.stringify({ siteId })})`);
  }

  async function restoreRow(d: DomainBefore): Promise<void> {
    await withTenant(sql, tenantId, (tx) => tx`
      update cdn_domains set provider = ${d.provider}, status = ${d.status}, certificate_status = ${d.certificate_status},
        dns_records = ${tx.json(d.dns_records as never)}, provider_data = ${tx.json(d.provider_data as never)}, detail = ${d.detail}
      where id = ${d.id}`);
  }

  return {
    moving: moving.map((d) => d.hostname),
    staying: staying.map((d) => d.hostname),
    notes,

    /** Attaches each moving domain on the new provider while the old one keeps answering it. */
    async attach(): Promise<void> {
      for (const d of moving) {
        // The new provider starts from nothing of the old one's (CloudFront keeps ids there).
        await withTenant(sql, tenantId, (tx) => tx`update cdn_domains set provider_data = '{}' where id = ${d.id}`);
        let state: DomainState;
        try {
          state = await to.attachDomain({ tenantId, siteId, hostname: d.hostname });
        } catch (error) {
          await restoreRow(d);
          throw new Error(`attaching ${d.hostname} on ${to.name} failed: ${(error as Error).message}`, { cause: error });
        }
        attachedStates.set(d.hostname, state);
        if (!servesBeforeDns(to.name, state)) {
          throw new CdnError('unsupported', `${to.name}은(는) 도메인 '${d.hostname}'을(를) 인증서가 발급되기 전에는 서비스하지 못해 옮기지 않았습니다 (${state.detail}).`);
        }
        target = siteRecordTarget(state) ?? target;
        // Until the flip the old provider answers the name: the row keeps saying it is served.
        await withTenant(sql, tenantId, (tx) => tx`
          update cdn_domains set status = ${d.status}, certificate_status = ${d.certificate_status},
            dns_records = ${tx.json(stableInstructions(state.dnsRecords, d.hostname, stableName) as never)},
            detail = ${`moving from ${from.name} to ${to.name}: ${state.detail}`.slice(0, 500)}
          where id = ${d.id}`);
      }
      if (moving.length) await announce();
    },

    /** The move failed before the flip: detach what was attached on the new provider and put the rows back. */
    async abandon(): Promise<void> {
      for (const d of moving) {
        if (!attachedStates.has(d.hostname)) continue;
        try {
          await to.detachDomain?.({ tenantId, siteId, hostname: d.hostname });
        } catch (error) {
          notes.push(`could not detach ${d.hostname} from ${to.name}: ${(error as Error).message}`);
        }
        await restoreRow(d);
      }
      if (attachedStates.size) await announce();
    },

    /** Points our record at the new provider. Throws (the caller switches the site back) when the DNS API refuses. */
    async flip(): Promise<StableName | null> {
      if (!stable && !moving.length) return null;
      if (!target) {
        notes.push(`stable name ${stableName} left on ${stable?.target ?? 'nothing'}: ${to.name} names no host for a site without domains there`);
        return stable;
      }
      return pointStableName(sql, config, { tenantId, siteId, provider: to.name, target });
    },

    /**
     * After the flip: asks the new provider for each domain's status until it is active (or the
     * wait is over) and records it, waits out resolvers' cached answers, then detaches the domains
     * from the old provider. The local edge needs no check: our name now leads to it.
     */
    async settle(): Promise<void> {
      const deadline = Date.now() + (opts.activeWaitMs ?? 30_000);
      for (const d of moving) {
        const before = attachedStates.get(d.hostname);
        if (!before) continue;
        let state = before;
        if (to.name === 'local') {
          // The owner's name leads to our stable name, and that to the edge now: the name that was
          // verified stays so (a fresh TXT token would only make the edge stop answering it).
          const phase: DomainPhase = d.status === 'active' ? 'active' : state.status;
          await withTenant(sql, tenantId, (tx) => tx`
            update cdn_domains set status = ${phase}, certificate_status = ${phase}, checked_at = now(),
              detail = ${`served by the edge through ${stableName}; HTTPS is terminated in front of the edge.`}
            where id = ${d.id}`);
          continue;
        }
        for (;;) {
          try {
            state = await to.domainStatus({ tenantId, siteId, hostname: d.hostname });
          } catch (error) {
            notes.push(`${d.hostname}: status check on ${to.name} failed: ${(error as Error).message}`);
          }
          if (state.status === 'active' || Date.now() >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
        await withTenant(sql, tenantId, (tx) => tx`
          update cdn_domains set status = ${state.status}, certificate_status = ${state.certificate},
            dns_records = ${tx.json(stableInstructions(state.dnsRecords, d.hostname, stableName) as never)},
            detail = ${state.detail.slice(0, 500)}, checked_at = now()
          where id = ${d.id}`);
        notes.push(`${d.hostname} on ${to.name}: domain ${state.status}, certificate ${state.certificate}`);
      }
      if (!moving.length) return;
      await announce();
      if (opts.keepOld) {
        notes.push(`domains left attached on ${from.name} (it is down)`);
        return;
      }
      const drainMs = opts.drainMs ?? ttl * 1000;
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      for (const d of moving) {
        if (!from.detachDomain) continue; // the edge only stops being asked about the name
        // The old provider finds its own resources again (CloudFront's distribution) in provider_data.
        const [now] = await withTenant(sql, tenantId, (tx) => tx<{ provider_data: Record<string, unknown> }[]>`
          select provider_data from cdn_domains where id = ${d.id}`);
        try {
          await withTenant(sql, tenantId, (tx) => tx`update cdn_domains set provider_data = ${tx.json(d.provider_data as never)} where id = ${d.id}`);
          await from.detachDomain({ tenantId, siteId, hostname: d.hostname });
        } catch (error) {
          notes.push(`could not detach ${d.hostname} from ${from.name}: ${(error as Error).message}`);
        } finally {
          await withTenant(sql, tenantId, (tx) => tx`update cdn_domains set provider_data = ${tx.json((now?.provider_data ?? {}) as never)} where id = ${d.id}`);
        }
      }
    },
  };
}

export type DomainMove = Awaited<ReturnType<typeof planDomainMove>>;

// ── A domain connected, re-checked or disconnected (cdn/domains.ts) ─────────────────────────────

/**
 * A domain just attached on `provider`: when the stable name can be used there, points the site's
 * name at the provider's host and tells the owner to CNAME to our name (dns_target 'stable').
 * Returns false when the owner is told the provider's host, as before (a hosted provider without
 * the DNS API), or when our record could not be written (logged; the domain works as before).
 */
export async function adoptStableName(
  sql: Sql, config: StableNameConfig,
  input: { tenantId: string; siteId: string; slug: string; provider: ProviderName; state: DomainState },
): Promise<boolean> {
  if (!stableNameUsable(config, input.provider)) return false;
  const { tenantId, siteId, state } = input;
  const target = siteRecordTarget(state) ?? defaultProviderTarget(input.provider, { siteId, slug: input.slug }, config.siteBaseDomain);
  if (!target) return false;
  // One name leads to one host: a second CloudFront domain has its own distribution, so its owner
  // is told that host rather than our name being taken from the first domain.
  const current = await getStableName(sql, tenantId, siteId);
  if (current && current.provider === input.provider && current.target !== target) return false;
  let name: string;
  try {
    ({ name } = await pointStableName(sql, config, { tenantId, siteId, provider: input.provider, target }));
  } catch (error) {
    console.error(`[cdn] stable name for site ${siteId} not written; ${state.hostname} is connected with ${input.provider}'s host: ${(error as Error).message}`);
    return false;
  }
  await withTenant(sql, tenantId, (tx) => tx`
    update cdn_domains set dns_target = 'stable', dns_records = ${tx.json(stableInstructions(state.dnsRecords, state.hostname, name) as never)}
    where site_id = ${siteId} and hostname = ${state.hostname}`);
  return true;
}

/**
 * After a provider's re-check of a domain whose site has a stable name: looks up where the owner's
 * name points and keeps dns_target current (a domain connected before the stable names becomes
 * movable once its owner changes the CNAME), shows our name in the instructions while it is
 * 'stable', and — on the edge, when the owner's name leads through our name to it — takes that as
 * the proof of control the TXT record gives (the edge then answers the name).
 */
export async function observeStableTarget(
  sql: Sql, config: StableNameConfig,
  input: { tenantId: string; siteId: string; hostname: string; resolveCname?: ResolveCname },
): Promise<void> {
  const { tenantId, siteId, hostname } = input;
  const stable = (await getStableName(sql, tenantId, siteId)) ?? (await nameForOlderDomain(sql, config, input));
  if (!stable) return;
  const seen = await observeDnsTarget(hostname, stable.name, input.resolveCname);
  await withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<{ id: string; provider: string; dns_target: 'stable' | 'provider'; dns_records: DnsRecord[]; status: DomainPhase }[]>`
      select id, provider, dns_target, dns_records, status from cdn_domains where site_id = ${siteId} and hostname = ${hostname} for update`;
    if (!row) return;
    const dnsTarget = seen ?? row.dns_target;
    const records = dnsTarget === 'stable' ? stableInstructions(row.dns_records, hostname, stable.name) : row.dns_records;
    const edgeVerified = seen === 'stable' && row.provider === 'local' && stable.provider === 'local' && row.status !== 'active';
    await tx`
      update cdn_domains set dns_target = ${dnsTarget}, dns_records = ${tx.json(records as never)}
        ${edgeVerified ? tx`, status = 'active', certificate_status = 'active', detail = ${`CNAME to ${stable.name} verified. HTTPS is terminated in front of the edge (load balancer certificates); the edge itself serves HTTP.`}` : tx``}
      where id = ${row.id}`;
  });
}

/**
 * A site whose domains were all connected before the stable names has none yet: it gets one at the
 * first re-check (pointing where the domain's provider said), so the owner has a name to switch to.
 */
async function nameForOlderDomain(sql: Sql, config: StableNameConfig, input: { tenantId: string; siteId: string; hostname: string }): Promise<StableName | null> {
  const [row] = await withTenant(sql, input.tenantId, (tx) => tx<{ provider: ProviderName; dns_records: DnsRecord[]; slug: string }[]>`
    select d.provider, d.dns_records, s.slug from cdn_domains d join sites s on s.id = d.site_id
    where d.site_id = ${input.siteId} and d.hostname = ${input.hostname}`);
  if (!row || !stableNameUsable(config, row.provider)) return null;
  const target = siteRecordTarget({ hostname: input.hostname, dnsRecords: row.dns_records })
    ?? defaultProviderTarget(row.provider, { siteId: input.siteId, slug: row.slug }, config.siteBaseDomain);
  if (!target) return null;
  try {
    return await pointStableName(sql, config, { tenantId: input.tenantId, siteId: input.siteId, provider: row.provider, target });
  } catch (error) {
    console.error(`[cdn] stable name for site ${input.siteId} not written at re-check: ${(error as Error).message}`);
    return null;
  }
}

/**
 * The site's last domain was disconnected: our record goes too (a name left pointing at a deleted
 * Pages project could be claimed by someone else). When the DNS API fails, our row goes anyway and
 * the record is queued for the monitor's retry (retryStableNameRemovals).
 */
export async function releaseStableName(sql: Sql, config: StableNameConfig, tenantId: string, siteId: string): Promise<void> {
  const [left] = await withTenant(sql, tenantId, (tx) => tx<{ n: number }[]>`select count(*)::int as n from cdn_domains where site_id = ${siteId}`);
  if (left.n > 0) return;
  await removeOrQueueStableName(sql, config, tenantId, siteId);
}

/**
 * Deletes the site's stable name (record, then row); when the DNS API fails, deletes our row and
 * writes the record into cdn_stable_name_removals (which outlives the site) for the monitor to
 * retry. Returns what happened; never throws for the DNS API.
 */
export async function removeOrQueueStableName(
  sql: Sql, config: StableNameConfig, tenantId: string, siteId: string,
): Promise<{ outcome: 'removed' | 'none' | 'queued'; name?: string; error?: string }> {
  const row = await getStableName(sql, tenantId, siteId);
  if (!row) return { outcome: 'none' };
  try {
    await removeStableName(sql, config, tenantId, siteId);
    return { outcome: 'removed', name: row.name };
  } catch (error) {
    const message = (error as Error).message.slice(0, 500);
    await withTenant(sql, tenantId, async (tx) => {
      await tx`
        insert into cdn_stable_name_removals (name, site_id, tenant_id, record_id, last_error)
        values (${row.name}, ${siteId}, ${tenantId}, ${row.recordId}, ${message})
        on conflict (name) do update set attempts = cdn_stable_name_removals.attempts + 1, last_error = excluded.last_error, tried_at = now()`;
      await tx`delete from cdn_stable_names where site_id = ${siteId}`;
    });
    console.error(`[cdn] stable name ${row.name} of site ${siteId} not removed; the monitor's domain re-check retries it: ${message}`);
    return { outcome: 'queued', name: row.name, error: message };
  }
}

export interface StableNameRemovalRound {
  removed: string[];
  failed: { name: string; error: string }[];
}

/**
 * The monitor's retry (with the domain re-check, every minute) of the records a deletion could not
 * remove. A name some site holds again (cdn_stable_names: a domain connected again), or whose site
 * still has domains pointing at it (a deletion that did not commit), is left alone: its record is in use. A failure counts an attempt and is in
 * the round's `failed` (an error line of the monitor's).
 */
export async function retryStableNameRemovals(sql: Sql, config: StableNameConfig, opts: { limit?: number } = {}): Promise<StableNameRemovalRound> {
  const due = await sql<{ name: string }[]>`
    select r.name from cdn_stable_name_removals r
    where not exists (select 1 from cdn_stable_names n where n.name = r.name)
      and not exists (select 1 from cdn_domains d where d.site_id = r.site_id and d.dns_target = 'stable')
    order by r.tried_at limit ${opts.limit ?? 20}`;
  const round: StableNameRemovalRound = { removed: [], failed: [] };
  for (const { name } of due) {
    try {
      if (!config.api) throw new Error('the DNS API is not configured (DNS_ZONE_ID, DNS_API_TOKEN): delete the record by hand, then this row');
      await config.api.remove(name);
      await sql`delete from cdn_stable_name_removals where name = ${name}`;
      round.removed.push(name);
    } catch (error) {
      const message = (error as Error).message.slice(0, 500);
      await sql`update cdn_stable_name_removals set attempts = attempts + 1, last_error = ${message}, tried_at = now() where name = ${name}`;
      round.failed.push({ name, error: message });
    }
  }
  return round;
}
