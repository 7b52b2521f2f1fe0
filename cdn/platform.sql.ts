// Platform-level queries of the cdn module, kept in one place on purpose.
//
// The edge is a platform process, not a tenant: it serves every tenant's live site, so it reads
// sites and deployments across tenants (and adds up their usage) WITHOUT withTenant(). These
// queries only read what is public anyway (published slugs and the manifests of live
// deployments) or write counters; anything acting for an owner goes through deployments.ts,
// which uses withTenant(). Object garbage collection is also platform-wide, because one object
// may be shared by deployments of different tenants.
import type { Sql } from '../db/index.ts';
import type { DeploymentManifest } from './types.ts';

export interface LiveSiteRow {
  siteId: string;
  tenantId: string;
  slug: string;
  deploymentId: string;
}

/**
 * slug → deployment of every site the edge serves (see edgeDeployment): the cheap query of the
 * 30 s re-sync.
 * A suspended workspace's sites are not served (its owner sees why in the app).
 */
export async function selectLiveSites(sql: Sql): Promise<LiveSiteRow[]> {
  return sql<LiveSiteRow[]>`
    select s.id as "siteId", s.tenant_id as "tenantId", s.slug, e.id as "deploymentId"
    from sites s
      join tenants t on t.id = s.tenant_id
      cross join lateral (${edgeDeployment(sql)}) e
    where t.status <> 'suspended'`;
}

/** The site the edge should serve under `slug` now, if any: what a request for a host it has not loaded yet asks. */
export async function selectLiveSiteIdBySlug(sql: Sql, slug: string): Promise<string | null> {
  const [row] = await sql<{ siteId: string }[]>`
    select s.id as "siteId"
    from sites s
      join tenants t on t.id = s.tenant_id
      cross join lateral (${edgeDeployment(sql)}) e
    where s.slug = ${slug} and t.status <> 'suspended'`;
  return row?.siteId ?? null;
}

/**
 * The deployment the edge serves for site `s`: its live deployment when that is a local one;
 * when the site has moved to a hosted CDN, the local deployment it served last, until the move
 * cleans it up — so the site answers on the edge while DNS still points there. A site with no
 * live deployment (unpublished) is not served.
 */
function edgeDeployment(sql: Sql) {
  return sql`
    select d.id from deployments d
    where s.live_deployment_id is not null and d.site_id = s.id and d.provider = 'local' and d.status = 'ready'
      and (d.id = s.live_deployment_id or d.activated_at is not null)
    order by (d.id = s.live_deployment_id) desc, d.activated_at desc nulls last
    limit 1`;
}

export interface LiveDeployment extends LiveSiteRow {
  manifest: DeploymentManifest;
}

/** What one site serves now, with its manifest; undefined when it serves nothing. */
export async function selectLiveDeployment(sql: Sql, siteId: string): Promise<LiveDeployment | undefined> {
  const [row] = await sql<LiveDeployment[]>`
    select s.id as "siteId", s.tenant_id as "tenantId", s.slug, d.id as "deploymentId", d.manifest
    from sites s
      join tenants t on t.id = s.tenant_id
      cross join lateral (${edgeDeployment(sql)}) e
      join deployments d on d.id = e.id
    where s.id = ${siteId} and t.status <> 'suspended'`;
  return row;
}

export interface UsageCount {
  siteId: string;
  requests: number;
  bytes: number;
}

/**
 * Adds the edge's counts to today's (Asia/Seoul) usage rows of the local provider. A site
 * deleted since its requests were counted is skipped (its usage rows went with it).
 */
export async function addLocalUsage(sql: Sql, counts: UsageCount[]): Promise<void> {
  for (const c of counts) {
    await sql`
      insert into cdn_usage_daily (tenant_id, site_id, provider, requests, bytes)
      select tenant_id, id, 'local', ${c.requests}, ${c.bytes} from sites where id = ${c.siteId}
      on conflict (site_id, provider, day) do update set
        requests = cdn_usage_daily.requests + excluded.requests,
        bytes = cdn_usage_daily.bytes + excluded.bytes,
        updated_at = now()`;
  }
}

/**
 * Every object a deployment that is uploading or ready points at (across all tenants and every
 * provider): a site on a hosted CDN keeps its files in our store too, so failover can deploy
 * them to another provider while its own is down (cdn/failover.ts).
 */
export async function selectReferencedObjects(sql: Sql): Promise<Set<string>> {
  const rows = await sql<{ sha256: string }[]>`
    select distinct entry.value ->> 'sha256' as sha256
    from deployments d, jsonb_each(d.manifest) as entry
    where d.status in ('uploading', 'ready')`;
  return new Set(rows.map((r) => r.sha256));
}

/** Database reachable and answering (for /healthz). */
export async function pingDatabase(sql: Sql): Promise<void> {
  await sql`select 1`;
}
