// Test fixtures for monitoring/ (and the /ops tests): tenants, sites, builds, usage and hosts
// written straight into the database the way the platform's own modules record them.
import type { Sql } from '../db/index.ts';

export async function createTenantWithSite(
  sql: Sql,
  input: { tenant: string; site: string; slug: string; plan?: { code: string; status: string; granted?: boolean } },
): Promise<{ tenantId: string; siteId: string; versionId: string }> {
  const [tenant] = await sql<{ id: string }[]>`insert into tenants (name, plan_code) values (${input.tenant}, ${input.plan?.code ?? 'trial'}) returning id`;
  const site = await addSite(sql, tenant.id, input.site, input.slug);
  if (input.plan) {
    await sql`
      insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end, created_at, granted_at)
      values (${tenant.id}, ${input.plan.code}, ${input.plan.status}, ${`cust_${tenant.id}`}, '2020-01-01', '2099-01-01', '2020-01-01',
              ${input.plan.granted ? new Date('2020-01-01') : null})`;
  }
  return { tenantId: tenant.id, ...site };
}

export async function addSite(sql: Sql, tenantId: string, name: string, slug: string): Promise<{ siteId: string; versionId: string }> {
  const [site] = await sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document) values (${tenantId}, ${name}, ${slug}, 'cafe', '{}') returning id`;
  const [version] = await sql<{ id: string }[]>`
    insert into site_versions (tenant_id, site_id, number, document, reason) values (${tenantId}, ${site.id}, 1, '{}', 'publish') returning id`;
  return { siteId: site.id, versionId: version.id };
}

/** A finished build that ran from `startedAt` for `minutes`. */
export async function addFinishedBuild(
  sql: Sql,
  site: { tenantId: string; siteId: string; versionId: string },
  startedAt: string,
  minutes: number,
): Promise<void> {
  const started = new Date(startedAt);
  const finished = new Date(started.getTime() + minutes * 60_000);
  await sql`
    insert into builds (tenant_id, site_id, version_id, status, executor, queued_at, started_at, finished_at)
    values (${site.tenantId}, ${site.siteId}, ${site.versionId}, 'succeeded', 'process', ${started}, ${started}, ${finished})`;
}

export async function addCdnUsage(
  sql: Sql,
  site: { tenantId: string; siteId: string },
  day: string,
  provider: string,
  requests: number,
  bytes: number,
): Promise<void> {
  await sql`
    insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
    values (${site.tenantId}, ${site.siteId}, ${provider}, ${day}, ${requests}, ${bytes})
    on conflict (site_id, provider, day) do update set requests = excluded.requests, bytes = excluded.bytes`;
}

export async function addHost(sql: Sql, name: string, cpuCount: number, monthlyCostKrw: number): Promise<void> {
  await sql`
    insert into hosts (name, source, cpu_count, mem_total_bytes, disk_total_bytes, monthly_cost_krw, status)
    values (${name}, 'local', ${cpuCount}, ${16 * 2 ** 30}, ${500 * 2 ** 30}, ${monthlyCostKrw}, 'online')`;
}
