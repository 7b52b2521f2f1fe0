// Platform-level query of the edge (see platform.sql.ts for why the edge reads across tenants):
// whether a host it does not serve belongs to a site whose workspace billing suspended after its
// grace period (billing/grace.ts), so the visitor is told the site is paused rather than that it
// does not exist. Reads only what is public anyway (published slugs and active custom domains).
// An admin's suspension (suspended_reason null) still answers as an unknown site.
import type { Sql } from '../db/index.ts';

export async function selectHostSuspendedForPayment(sql: Sql, host: string, slug: string | null): Promise<boolean> {
  const [row] = await sql<{ suspended: boolean }[]>`
    select exists (
      select 1 from sites s join tenants t on t.id = s.tenant_id
      where t.status = 'suspended' and t.suspended_reason = 'unpaid' and s.live_deployment_id is not null
        and (s.slug = ${slug ?? ''}
             or s.id in (select d.site_id from cdn_domains d where d.hostname = ${host} and d.status = 'active'))
    ) as suspended`;
  return row.suspended;
}
