// Platform-level queries of custom domains, kept in one place on purpose (like platform.sql.ts).
// A host name is unique across every workspace, so "is it taken?" must look past the tenant's
// own rows; the answer is only ever yes/no — which workspace holds it never leaves here. The
// edge and the monitor's re-check also read across tenants: the edge serves every active domain,
// the re-check then acts for each domain's tenant through withTenant.
import type { Sql } from '../db/index.ts';
import type { DomainPhase } from './providers/types.ts';

/** pg_notify channel: a domain turned active for the first time (payload: DomainVerifiedNotification in domains.ts). */
export const DOMAIN_VERIFIED_CHANNEL = 'domain_verified';
/** pg_notify channel: a site's domains changed (added, verified, primary, removed); payload { siteId }. The edge reloads its host map. */
export const DOMAINS_CHANGED_CHANNEL = 'site_domains';

/** Which site holds the host name now, if any (the caller compares with its own site). */
export async function selectDomainHolder(sql: Sql, hostname: string): Promise<{ siteId: string } | undefined> {
  const [row] = await sql<{ siteId: string }[]>`select site_id as "siteId" from cdn_domains where hostname = ${hostname}`;
  return row;
}

export interface EdgeDomainRow {
  hostname: string;
  siteId: string;
  /** The site's primary host name when it has one and this is not it (→ 301 there). */
  redirectTo: string | null;
}

/** Every active custom domain the edge should answer, with its redirect target. */
export async function selectActiveDomains(sql: Sql): Promise<EdgeDomainRow[]> {
  return sql<EdgeDomainRow[]>`
    select d.hostname, d.site_id as "siteId",
      (select p.hostname from cdn_domains p
        where p.site_id = d.site_id and p.is_primary and p.status = 'active' and p.hostname <> d.hostname) as "redirectTo"
    from cdn_domains d
      join tenants t on t.id = d.tenant_id
    where d.status = 'active' and t.status <> 'suspended'`;
}

export interface PendingDomainRow {
  tenantId: string;
  siteId: string;
  hostname: string;
  provider: string;
  status: DomainPhase;
  createdAt: Date;
}

/**
 * Domains still waiting for DNS or a certificate, due for a look: every minute during their
 * first hour, every 10 minutes during their first day, then hourly; after 14 days the monitor
 * stops asking (the owner's "다시 확인" still works).
 */
export async function selectDueDomains(sql: Sql, limit: number): Promise<PendingDomainRow[]> {
  return sql<PendingDomainRow[]>`
    select tenant_id as "tenantId", site_id as "siteId", hostname, provider, status, created_at as "createdAt"
    from cdn_domains
    where (status = 'pending' or certificate_status = 'pending')
      and created_at > now() - interval '14 days'
      and (checked_at is null or checked_at < now() - case
            when created_at > now() - interval '1 hour' then interval '50 seconds'
            when created_at > now() - interval '1 day' then interval '10 minutes'
            else interval '1 hour' end)
    order by checked_at nulls first
    limit ${limit}`;
}
