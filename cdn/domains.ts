// Custom domains as the owner sees them: the rows in cdn_domains and, for each, the DNS records
// to create, explained in Korean. Adding reserves the host name (unique across workspaces) and
// counts it against the plan in one transaction, then attaches it on the site's current CDN
// provider (CdnProvider.attachDomain), which writes the DNS records into the row. A re-check asks
// the provider again (domainStatus); the first time a domain turns active it is announced once
// on DOMAIN_VERIFIED_CHANNEL (web turns that into the webhook event domain.verified) and, when
// the site has no primary domain yet, becomes its primary. Non-primary domains redirect to the
// primary: the edge answers 301 from cdn_domains, the hosted CDNs are told in the transaction that
// changes the primary (domains-redirects.ts, decision 146). Every change is announced on
// DOMAINS_CHANGED_CHANNEL so the edge reloads its host map at once.
import { domainToASCII } from 'node:url';
import { assertWithinPlanLimit, BillingError, planInForce, UPGRADE_URL } from '../billing/index.ts';
import { env } from '../config/index.ts';
import { isUuid, withTenant, type Sql, type TransactionSql } from '../db/index.ts';
import { adoptStableName, observeStableTarget, releaseStableName, retryStableNameRemovals, stableNamesFromEnv, type ResolveCname, type StableNameConfig } from './dns-stable-names.ts';
import { applyRedirectPlans, redirectPlans, siteRedirectRows } from './domains-redirects.ts';
import { DOMAIN_VERIFIED_CHANNEL, DOMAINS_CHANGED_CHANNEL, selectDomainHolder, selectDueDomains } from './domains.sql.ts';
import { CdnError } from './errors.ts';
import { retrySiteRemovals } from './site-deletion.ts';
import type { CdnProvider, DnsRecord, DomainPhase, DomainState, ProviderName } from './providers/types.ts';

export interface SiteDomain {
  hostname: string;
  provider: string;
  status: DomainPhase;
  certificateStatus: DomainPhase;
  dnsRecords: DnsRecord[];
  isPrimary: boolean;
  detail: string;
  checkedAt: Date | null;
  verifiedAt: Date | null;
  createdAt: Date;
  /** Where the owner's CNAME points: our stable name (the domain moves with the site) or a provider's host (decision 143). */
  dnsTarget: 'stable' | 'provider';
  /** The site's stable name (<key>.cname.<zone>), when it has one. */
  stableName: string | null;
}

/** The providers this process can use (createProviders); a domain is handled by the one it was attached on. */
export type DomainProviders = ReadonlyMap<ProviderName, CdnProvider>;

export { DOMAIN_VERIFIED_CHANNEL, DOMAINS_CHANGED_CHANNEL };

export interface DomainVerifiedNotification {
  tenantId: string;
  siteId: string;
  domainId: string;
  hostname: string;
  verifiedAt: string;
}

const PHASE_KO: Record<DomainPhase, string> = { pending: '확인 대기 중', active: '연결됨', failed: '실패' };
const HOSTNAME = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
/** Names that can never be someone's domain (RFC 2606 / 6761 / 6762) or are not public. */
const RESERVED_TLDS = new Set(['localhost', 'local', 'test', 'example', 'invalid', 'internal', 'intranet', 'lan', 'home', 'corp', 'onion', 'arpa']);
const RESERVED_NAMES = ['example.com', 'example.net', 'example.org'];

function siteNotFound(): CdnError {
  return new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
}

function domainNotFound(hostname: string): CdnError {
  return new CdnError('not_found', `도메인 '${hostname}'이(가) 이 사이트에 연결되어 있지 않습니다. 먼저 도메인을 추가해 주세요.`);
}

/** The host names WindWalker itself answers on (sites' <slug>.<SITE_BASE_DOMAIN> and the web app). */
export function platformDomains(): string[] {
  const config = env();
  return [...new Set([config.SITE_BASE_DOMAIN.toLowerCase(), new URL(config.publicUrl).hostname.toLowerCase()])];
}

/**
 * What the owner typed → the host name we store: trimmed, without scheme, path or final dot,
 * lower case, an internationalised name (한글.kr) in punycode (xn--…). Throws a Korean
 * 'invalid_domain' CdnError that names the input when it is not a public domain of their own.
 */
export function normaliseDomain(input: string, ownDomains: readonly string[] = platformDomains()): string {
  let text = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      text = new URL(text).hostname;
    } catch {
      // reported below as a malformed domain
    }
  }
  text = text.replace(/[/?#].*$/, '').replace(/\.$/, '').toLowerCase();
  const ascii = text && !/[\s:@]/.test(text) ? domainToASCII(text) : '';
  if (!ascii || !HOSTNAME.test(ascii)) {
    throw new CdnError('invalid_domain', `도메인 '${input.trim()}'의 형식이 올바르지 않습니다. 'www.example.co.kr'처럼 주소창에 넣는 이름만 입력해 주세요.`);
  }
  const tld = ascii.slice(ascii.lastIndexOf('.') + 1);
  if (RESERVED_TLDS.has(tld) || RESERVED_NAMES.some((n) => ascii === n || ascii.endsWith(`.${n}`))) {
    throw new CdnError('invalid_domain', `'${ascii}'은(는) 인터넷에서 쓸 수 없는 예약된 이름입니다. 구입한 도메인(예: www.mycafe.co.kr)을 입력해 주세요.`);
  }
  for (const own of ownDomains) {
    if (ascii === own || ascii.endsWith(`.${own}`)) {
      throw new CdnError('invalid_domain', `'${ascii}'은(는) WindWalker가 쓰는 주소라 연결할 수 없습니다. 직접 구입한 도메인을 입력해 주세요.`);
    }
  }
  return ascii;
}

/** One Korean sentence per record, e.g. "www.example.co.kr에 CNAME 레코드를 만들고 값을 cname.vercel-dns.com(으)로 넣어 주세요 (사이트 연결)." */
export function dnsInstructions(records: DnsRecord[]): string[] {
  return records.map((r) => `${r.name}에 ${r.type} 레코드를 만들고 값을 ${r.value}(으)로 넣어 주세요 (${r.purpose}).`);
}

/** "연결됨 · 인증서 연결됨" style summary for a list row. */
export function domainStatusText(domain: Pick<SiteDomain, 'status' | 'certificateStatus'>): string {
  return `도메인 ${PHASE_KO[domain.status]} · 인증서 ${PHASE_KO[domain.certificateStatus]}`;
}

interface DomainRow {
  id: string;
  hostname: string;
  provider: string;
  status: DomainPhase;
  certificate_status: DomainPhase;
  dns_records: DnsRecord[];
  is_primary: boolean;
  detail: string;
  checked_at: Date | null;
  verified_at: Date | null;
  created_at: Date;
  dns_target: 'stable' | 'provider';
  stable_name: string | null;
}

function toSiteDomain(r: DomainRow): SiteDomain {
  return {
    hostname: r.hostname, provider: r.provider, status: r.status, certificateStatus: r.certificate_status, dnsRecords: r.dns_records,
    isPrimary: r.is_primary, detail: r.detail, checkedAt: r.checked_at, verifiedAt: r.verified_at, createdAt: r.created_at,
    dnsTarget: r.dns_target, stableName: r.stable_name,
  };
}

async function requireSite(tx: TransactionSql, siteId: string): Promise<{ cdnProvider: string; slug: string }> {
  const [site] = await tx<{ cdn_provider: string; slug: string }[]>`select cdn_provider, slug from sites where id = ${siteId}`;
  if (!site) throw siteNotFound();
  return { cdnProvider: site.cdn_provider, slug: site.slug };
}

async function domainRow(tx: TransactionSql, siteId: string, hostname: string, lock = false): Promise<DomainRow | undefined> {
  const [row] = lock
    ? await tx<DomainRow[]>`
        select id, hostname, provider, status, certificate_status, dns_records, is_primary, detail, checked_at, verified_at, created_at, dns_target,
          (select s.name from cdn_stable_names s where s.site_id = cdn_domains.site_id) as stable_name
        from cdn_domains where site_id = ${siteId} and hostname = ${hostname} for update`
    : await tx<DomainRow[]>`
        select id, hostname, provider, status, certificate_status, dns_records, is_primary, detail, checked_at, verified_at, created_at, dns_target,
          (select s.name from cdn_stable_names s where s.site_id = cdn_domains.site_id) as stable_name
        from cdn_domains where site_id = ${siteId} and hostname = ${hostname}`;
  return row;
}

async function announceChange(tx: TransactionSql, siteId: string): Promise<void> {
  await tx`select pg_notify(${DOMAINS_CHANGED_CHANNEL}, ${JSON.stringify({ siteId })})`;
}

function providerFor(providers: DomainProviders, name: string): CdnProvider {
  const provider = providers.get(name as ProviderName);
  if (!provider) {
    throw new CdnError('not_configured', `이 사이트의 CDN(${name}) 자격 증명이 이 서버에 설정되어 있지 않아 도메인을 처리할 수 없습니다. 관리자에게 문의해 주세요.`);
  }
  return provider;
}

/** A host name typed for lookup (status, primary, removal): normalised the same way, without the platform check. */
function lookupName(hostname: string): string {
  try {
    return normaliseDomain(hostname, []);
  } catch {
    return hostname.trim().toLowerCase();
  }
}

export async function listSiteDomains(sql: Sql, tenantId: string, siteId: string): Promise<SiteDomain[]> {
  if (!isUuid(siteId)) throw siteNotFound();
  return withTenant(sql, tenantId, async (tx) => {
    await requireSite(tx, siteId);
    const rows = await tx<DomainRow[]>`
      select id, hostname, provider, status, certificate_status, dns_records, is_primary, detail, checked_at, verified_at, created_at, dns_target,
          (select s.name from cdn_stable_names s where s.site_id = cdn_domains.site_id) as stable_name
      from cdn_domains where site_id = ${siteId} order by is_primary desc, created_at, hostname`;
    return rows.map(toSiteDomain);
  });
}

/** Custom domains the workspace has connected, over all its sites (what the plan's customDomains limit counts). */
export async function countWorkspaceDomains(sql: Sql, tenantId: string): Promise<number> {
  return withTenant(sql, tenantId, async (tx) => (await tx<{ n: number }[]>`select count(*)::int as n from cdn_domains`)[0].n);
}

export async function getSiteDomain(sql: Sql, tenantId: string, siteId: string, hostname: string): Promise<SiteDomain> {
  const name = lookupName(hostname);
  const found = (await listSiteDomains(sql, tenantId, siteId)).find((d) => d.hostname === name);
  if (!found) throw domainNotFound(name);
  return found;
}

/**
 * Connects `hostname` to the site: checks the name, that no site (of any workspace) has it, and
 * the plan's customDomains limit (throws BillingError PLAN_LIMIT, with /billing to upgrade); then
 * attaches it on the site's provider, which answers with the DNS records to create.
 */
export async function addSiteDomain(
  sql: Sql, providers: DomainProviders, tenantId: string, siteId: string, hostname: string,
  opts: { ownDomains?: readonly string[]; stableNames?: StableNameConfig } = {},
): Promise<SiteDomain> {
  if (!isUuid(siteId)) throw siteNotFound();
  const name = normaliseDomain(hostname, opts.ownDomains);
  const taken = () => new CdnError('domain_taken', `도메인 '${name}'은(는) 이미 다른 사이트에 연결되어 있습니다. 그 사이트에서 연결을 해제한 뒤 다시 추가해 주세요.`);

  // Unique across workspaces: only yes/no comes back, never whose it is. (The unique index
  // settles a race with another workspace at the insert below.)
  const holder = await selectDomainHolder(sql, name);
  if (holder && holder.siteId !== siteId) throw taken();

  // Count and reserve in one transaction: two additions at once queue on the workspace row, so
  // the second counts the first one's reservation.
  let providerName: string;
  let slug = '';
  try {
    providerName = await withTenant(sql, tenantId, async (tx) => {
      await tx`select 1 from tenants where id = ${tenantId} for update`;
      const site = await requireSite(tx, siteId);
      const existing = await domainRow(tx, siteId, name);
      if (existing) throw new CdnError('domain_taken', `도메인 '${name}'은(는) 이미 이 사이트에 연결되어 있습니다. 목록에서 상태를 확인해 주세요.`);
      // Billing's plan in force: an ended subscription is back on the free trial's limits.
      const plan = await planInForce(tx);
      const [{ count }] = await tx<{ count: number }[]>`select count(*)::int as count from cdn_domains`;
      try {
        assertWithinPlanLimit(plan, 'customDomains', count);
      } catch (error) {
        if (!(error instanceof BillingError)) throw error;
        const limit = plan.maxCustomDomains;
        throw new BillingError('PLAN_LIMIT', limit === 0
          ? `${plan.nameKo} 요금제에서는 도메인을 연결할 수 없습니다. 요금제 페이지(${UPGRADE_URL})에서 기본 요금제 이상으로 바꾸면 연결할 수 있습니다.`
          : `${plan.nameKo} 요금제는 도메인을 ${limit.toLocaleString('ko-KR')}개까지 연결할 수 있고, 이미 ${count.toLocaleString('ko-KR')}개를 연결했습니다. ` +
            `더 연결하려면 요금제 페이지(${UPGRADE_URL})에서 상위 요금제로 바꾸거나 쓰지 않는 도메인을 해제해 주세요.`, { cause: error });
      }
      providerFor(providers, site.cdnProvider);
      await tx`
        insert into cdn_domains (tenant_id, site_id, hostname, provider, detail)
        values (${tenantId}, ${siteId}, ${name}, ${site.cdnProvider}, 'reserved; attaching at the provider')`;
      slug = site.slug;
      return site.cdnProvider;
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw taken();
    throw error;
  }
  const provider = providerFor(providers, providerName);
  let state: DomainState;
  try {
    state = await provider.attachDomain({ tenantId, siteId, hostname: name });
  } catch (error) {
    await withTenant(sql, tenantId, (tx) => tx`delete from cdn_domains where site_id = ${siteId} and hostname = ${name}`).catch((cleanup) =>
      console.error(`[cdn] could not release domain ${name} after a failed attach: ${(cleanup as Error).message}`));
    if (error instanceof CdnError) throw error;
    throw new CdnError('provider_failed', `CDN(${providerName})에 도메인 '${name}'을(를) 연결하지 못했습니다. 잠시 뒤 다시 시도해 주세요.`, { cause: error });
  }
  // The owner is told to CNAME to the site's stable name, so the domain follows the site's moves (decision 143).
  await adoptStableName(sql, opts.stableNames ?? stableNamesFromEnv(), { tenantId, siteId, slug, provider: providerName as ProviderName, state });
  return settle(sql, tenantId, siteId, name, { providers, added: true });
}

/**
 * After the provider wrote its answer: the first time the domain is active, stamp verified_at
 * (one winner), make it the primary when the site has none, and announce it. Returns the row.
 */
async function settle(
  sql: Sql, tenantId: string, siteId: string, hostname: string, redirects: { providers: DomainProviders; added: boolean },
): Promise<SiteDomain> {
  return withTenant(sql, tenantId, async (tx) => {
    // The site row first: redirect changes of one site are serialised (setPrimaryDomain, removal).
    await tx`select 1 from sites where id = ${siteId} for update`;
    const row = await domainRow(tx, siteId, hostname, true);
    if (!row) throw domainNotFound(hostname);
    let becamePrimary = false;
    if (row.status === 'active' && !row.verified_at) {
      const [stamped] = await tx<{ verified_at: Date }[]>`
        update cdn_domains set verified_at = now() where id = ${row.id} and verified_at is null returning verified_at`;
      if (stamped) {
        row.verified_at = stamped.verified_at;
        const [primary] = await tx`select 1 from cdn_domains where site_id = ${siteId} and is_primary`;
        if (!primary) {
          await tx`update cdn_domains set is_primary = true where id = ${row.id}`;
          row.is_primary = true;
          becamePrimary = true;
        }
        const notification: DomainVerifiedNotification = {
          tenantId, siteId, domainId: row.id, hostname, verifiedAt: stamped.verified_at.toISOString(),
        };
        await tx`select pg_notify(${DOMAIN_VERIFIED_CHANNEL}, ${JSON.stringify(notification)})`;
      }
    }
    // The hosted CDNs redirect to the primary only when told: a new name joins the redirects of a
    // site that has a primary, a first primary makes the others redirect. (A failure rolls back
    // the stamp: the next re-check tries again.)
    if (becamePrimary || redirects.added) {
      const rows = await siteRedirectRows(tx, siteId);
      if (rows.some((r) => r.isPrimary)) await applyRedirectPlans(redirects.providers, redirectPlans(tenantId, siteId, rows));
    }
    await announceChange(tx, siteId);
    return toSiteDomain(row);
  });
}

/** Asks the domain's provider again whether DNS and the certificate are in place. */
export async function recheckSiteDomain(
  sql: Sql, providers: DomainProviders, tenantId: string, siteId: string, hostname: string,
  opts: { resolveCname?: ResolveCname; stableNames?: StableNameConfig } = {},
): Promise<SiteDomain> {
  if (!isUuid(siteId)) throw siteNotFound();
  const name = lookupName(hostname);
  const row = await withTenant(sql, tenantId, async (tx) => {
    await requireSite(tx, siteId);
    return domainRow(tx, siteId, name);
  });
  if (!row) throw domainNotFound(name);
  const provider = providerFor(providers, row.provider);
  try {
    await provider.domainStatus({ tenantId, siteId, hostname: name });
  } catch (error) {
    if (error instanceof CdnError) throw error;
    await withTenant(sql, tenantId, (tx) => tx`
      update cdn_domains set checked_at = now(), detail = ${`check failed: ${(error as Error).message}`.slice(0, 500)}
      where id = ${row.id}`);
    throw new CdnError('provider_failed', `CDN(${row.provider})에서 도메인 '${name}'의 상태를 가져오지 못했습니다. 잠시 뒤 다시 확인해 주세요.`, { cause: error });
  }
  // Where does the owner's name point now: our stable name or a provider's host (decision 143)?
  await observeStableTarget(sql, opts.stableNames ?? stableNamesFromEnv(), { tenantId, siteId, hostname: name, resolveCname: opts.resolveCname });
  return settle(sql, tenantId, siteId, name, { providers, added: false });
}

/**
 * Makes one connected, active domain the site's primary address (the others redirect to it): the
 * hosted CDNs holding the site's domains are told inside the transaction, so the primary only
 * changes once they redirect to it.
 */
export async function setPrimaryDomain(sql: Sql, providers: DomainProviders, tenantId: string, siteId: string, hostname: string): Promise<void> {
  if (!isUuid(siteId)) throw siteNotFound();
  const name = lookupName(hostname);
  await withTenant(sql, tenantId, async (tx) => {
    await requireSite(tx, siteId);
    await tx`select 1 from sites where id = ${siteId} for update`;
    const domain = await domainRow(tx, siteId, name, true);
    if (!domain) throw domainNotFound(name);
    if (domain.status !== 'active') throw new CdnError('not_ready', `도메인 '${name}'이(가) 아직 확인되지 않았습니다. DNS 레코드를 만든 뒤 다시 확인해 주세요.`);
    await tx`update cdn_domains set is_primary = false where site_id = ${siteId} and is_primary`;
    await tx`update cdn_domains set is_primary = true where site_id = ${siteId} and hostname = ${name}`;
    await applyRedirectPlans(providers, redirectPlans(tenantId, siteId, await siteRedirectRows(tx, siteId)));
    await announceChange(tx, siteId);
  });
}

/**
 * Disconnects a domain: detaches it at the provider when the provider can (a provider without
 * detachDomain just stops being asked about it), then deletes the row. When it was the primary,
 * the oldest other active domain becomes primary, so the redirects keep one target.
 */
export async function removeSiteDomain(
  sql: Sql, providers: DomainProviders, tenantId: string, siteId: string, hostname: string, opts: { stableNames?: StableNameConfig } = {},
): Promise<void> {
  if (!isUuid(siteId)) throw siteNotFound();
  const name = lookupName(hostname);
  const row = await withTenant(sql, tenantId, async (tx) => {
    await requireSite(tx, siteId);
    return domainRow(tx, siteId, name);
  });
  if (!row) throw domainNotFound(name);
  // First nothing redirects to the leaving name any more (a new primary when it was the primary).
  await withTenant(sql, tenantId, async (tx) => {
    await tx`select 1 from sites where id = ${siteId} for update`;
    // The same choice the deletion below makes.
    const [next] = row.is_primary ? await tx<{ hostname: string }[]>`
      select hostname from cdn_domains where site_id = ${siteId} and status = 'active' and id <> ${row.id} order by verified_at, created_at limit 1` : [];
    const plans = redirectPlans(tenantId, siteId, await siteRedirectRows(tx, siteId), { without: name, ...(row.is_primary ? { primary: next?.hostname ?? null } : {}) });
    await applyRedirectPlans(providers, plans, { skipUnconfigured: true });
  });
  const provider = providers.get(row.provider as ProviderName);
  if (provider?.detachDomain) {
    try {
      await provider.detachDomain({ tenantId, siteId, hostname: name });
    } catch (error) {
      if (error instanceof CdnError) throw error;
      throw new CdnError('provider_failed', `CDN(${row.provider})에서 도메인 '${name}'을(를) 해제하지 못했습니다. 잠시 뒤 다시 시도해 주세요.`, { cause: error });
    }
  }
  await withTenant(sql, tenantId, async (tx) => {
    await tx`delete from cdn_domains where id = ${row.id}`;
    if (row.is_primary) {
      await tx`
        update cdn_domains set is_primary = true
        where id = (select id from cdn_domains where site_id = ${siteId} and status = 'active' order by verified_at, created_at limit 1)`;
    }
    await announceChange(tx, siteId);
  });
  await releaseStableName(sql, opts.stableNames ?? stableNamesFromEnv(), tenantId, siteId);
}

export interface RecheckRound {
  checked: number;
  verified: string[];
  failed: { hostname: string; error: string }[];
}

/**
 * The periodic re-check (the monitor runs it every minute): domains still pending, due by their
 * age (see selectDueDomains), each through its tenant. One domain failing does not stop the rest.
 * Then the stable-name records still queued for removal (retryStableNameRemovals), and what site
 * deletions left on hosted CDNs (retrySiteRemovals).
 */
export async function recheckPendingDomains(
  sql: Sql, providers: DomainProviders, opts: { limit?: number; stableNames?: StableNameConfig } = {},
): Promise<RecheckRound> {
  const due = await selectDueDomains(sql, opts.limit ?? 50);
  const round: RecheckRound = { checked: 0, verified: [], failed: [] };
  for (const domain of due) {
    // A domain on a provider this process has no credentials for is left to one that has.
    if (!providers.has(domain.provider as ProviderName)) continue;
    try {
      const after = await recheckSiteDomain(sql, providers, domain.tenantId, domain.siteId, domain.hostname);
      round.checked += 1;
      if (domain.status !== 'active' && after.status === 'active') round.verified.push(after.hostname);
    } catch (error) {
      round.failed.push({ hostname: domain.hostname, error: (error as Error).message });
    }
  }
  // Stable names a site deletion or a last disconnection could not remove from our zone (decision 143).
  const removals = await retryStableNameRemovals(sql, opts.stableNames ?? stableNamesFromEnv());
  for (const f of removals.failed) round.failed.push({ hostname: f.name, error: `stable name not removed from the zone: ${f.error}` });
  // What a site deletion could not remove from a hosted CDN (decision 154).
  const sites = await retrySiteRemovals(sql, providers);
  for (const f of sites.failed) round.failed.push({ hostname: `site ${f.siteId} on ${f.provider}`, error: `deleted site not removed from the provider: ${f.error}` });
  return round;
}
