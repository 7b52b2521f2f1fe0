// Primary and redirect domains on the hosted CDNs. The edge reads the primary from cdn_domains
// itself (selectActiveDomains); Cloudflare Pages, Vercel and CloudFront must be told. For each
// provider that holds domains of the site, the plan is the whole wanted state there: every other
// name of the site on that provider redirects (301, same path and query) to the site's primary,
// or nothing redirects when the site has no primary. Pending names are in the plan too, so a
// name redirects the moment its DNS reaches the provider. The site's <slug> address keeps
// serving the site (previews and the builder link rely on it; decision 132).
import { withTenant, type Sql, type TransactionSql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import type { CdnProvider, ProviderName, RedirectPlan } from './providers/types.ts';

export interface RedirectDomainRow {
  hostname: string;
  provider: string;
  isPrimary: boolean;
}

/**
 * The plan per provider for a site's domain rows. `without` leaves a name out (it is being
 * removed) and `primary` overrides who is primary (undefined: the row that says so); `also`
 * adds providers to plan for even when no row is on them (a provider the site left: cleared).
 */
export function redirectPlans(
  tenantId: string, siteId: string, rows: readonly RedirectDomainRow[],
  opts: { without?: string; primary?: string | null; also?: readonly string[] } = {},
): Map<string, RedirectPlan> {
  const kept = rows.filter((r) => r.hostname !== opts.without);
  const primary = opts.primary !== undefined ? opts.primary : (kept.find((r) => r.isPrimary)?.hostname ?? null);
  const plans = new Map<string, RedirectPlan>();
  for (const name of [...rows.map((r) => r.provider), ...(opts.also ?? [])]) {
    plans.set(name, { tenantId, siteId, primary, from: [] });
  }
  if (primary !== null) {
    for (const row of kept) if (row.hostname !== primary) plans.get(row.provider)!.from.push(row.hostname);
  }
  // A provider that holds none of the site's names redirects nothing for it (its default host
  // neither: the site is not there, or only passing through).
  const holding = new Set(kept.map((r) => r.provider));
  for (const [name, plan] of plans) {
    plan.from.sort();
    if (!holding.has(name)) plan.primary = null;
  }
  return plans;
}

export async function siteRedirectRows(tx: TransactionSql, siteId: string): Promise<RedirectDomainRow[]> {
  return tx<RedirectDomainRow[]>`
    select hostname, provider, is_primary as "isPrimary" from cdn_domains where site_id = ${siteId} order by hostname`;
}

/**
 * Sends each plan to its provider. The local edge has no setRedirects (it reads cdn_domains);
 * a hosted provider this process has no credentials for is refused in Korean, as for domains
 * (or passed over with skipUnconfigured: a removal, which only stops asking such a provider).
 * Failures come back as one Korean 'provider_failed' CdnError naming the provider.
 */
export async function applyRedirectPlans(
  providers: ReadonlyMap<ProviderName, CdnProvider>, plans: Map<string, RedirectPlan>, opts: { skipUnconfigured?: boolean } = {},
): Promise<void> {
  for (const [name, plan] of plans) {
    if (name === 'local') continue;
    const provider = providers.get(name as ProviderName);
    if (!provider && opts.skipUnconfigured) continue;
    if (!provider) {
      throw new CdnError('not_configured', `이 사이트의 CDN(${name}) 자격 증명이 이 서버에 설정되어 있지 않아 기본 도메인 전환을 처리할 수 없습니다. 관리자에게 문의해 주세요.`);
    }
    if (!provider.setRedirects) continue;
    try {
      await provider.setRedirects(plan);
    } catch (error) {
      if (error instanceof CdnError) throw error;
      throw new CdnError('provider_failed', `CDN(${name})에 기본 도메인으로 보내는 설정을 하지 못했습니다. 잠시 뒤 다시 시도해 주세요.`, { cause: error });
    }
  }
}

/**
 * A move switched the site (cdn/migration.ts): tells one side what its redirects are now — the
 * new provider those of the names that moved to it, the old one (once it stopped answering them)
 * that it has none left. Never throws: a redirect left undone must not undo a move that served
 * the site; the returned note goes into the move's record.
 */
export async function syncRedirectsAfterMove(sql: Sql, provider: CdnProvider, tenantId: string, siteId: string): Promise<string | null> {
  if (!provider.setRedirects) return null;
  try {
    const rows = await withTenant(sql, tenantId, (tx) => siteRedirectRows(tx, siteId));
    const plan = redirectPlans(tenantId, siteId, rows, { also: [provider.name] }).get(provider.name)!;
    await provider.setRedirects(plan);
    return plan.from.length ? `${plan.from.join(', ')} redirect to ${plan.primary} on ${provider.name}` : null;
  } catch (error) {
    return `redirects on ${provider.name} not updated: ${(error as Error).message}`;
  }
}

/**
 * After a move off `provider` (cleaned up, not a failover): deletes what the provider still keeps
 * for the site (the Pages project, whose last production deployment Pages will not delete on its
 * own) when no domain of the site is left there, and marks the deployments it held deleted.
 * Returns a note for the move's record; never throws.
 */
export async function retireSiteOn(sql: Sql, provider: CdnProvider, tenantId: string, siteId: string): Promise<string | null> {
  if (!provider.removeSite) return null;
  try {
    const [state] = await withTenant(sql, tenantId, (tx) => tx<{ live_there: boolean; domains: number }[]>`
      select s.cdn_provider = ${provider.name} as live_there,
        (select count(*)::int from cdn_domains d where d.site_id = s.id and d.provider = ${provider.name}) as domains
      from sites s where s.id = ${siteId}`);
    if (!state || state.live_there) return null;
    if (state.domains > 0) return `${provider.name} keeps the site's project: ${state.domains} domain(s) still connected there`;
    await provider.removeSite({ tenantId, siteId });
    await withTenant(sql, tenantId, (tx) => tx`
      update deployments set status = 'deleted' where site_id = ${siteId} and provider = ${provider.name} and status in ('ready', 'failed')`);
    return `site removed from ${provider.name}`;
  } catch (error) {
    return `site not removed from ${provider.name}: ${(error as Error).message}`;
  }
}
