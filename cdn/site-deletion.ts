// A site deleted by its owner (DELETE /api/v1/sites/{siteId}): what the CDNs and our DNS zone keep
// for it goes before its rows do (decision 143, amendment of 2026-11-28). The rows' cascade takes
// the deployments, domains and stable name rows with the site, but not what lives outside our
// database: a custom domain attached on a hosted provider, a Pages project, and — the dangerous
// one — our zone's CNAME <key>.cname.<zone>, which would keep pointing at a project name anyone
// could create.
//
// takeDownSite runs before the deletion: it detaches the site's custom domains where they are
// attached, removes the site from hosted providers (Cloudflare: the Pages project and its redirect
// items; Vercel: the project, with its deployments and domains; CloudFront: the site's hosts in
// the shared router function and its objects under sites/<siteId>/ and manifests/<siteId>/ —
// decision 148), then deletes our record. Provider failures are notes that name what was left
// (the deletion goes on, as a move's clean-up does; the route logs each as an error). What a failed
// provider kept is written to cdn_site_removals with what the provider needs to find it once the
// site's rows are gone (its slug, its domains there), and a record the DNS API did not delete to
// cdn_stable_name_removals; both outlive the site and are retried by the monitor's domain
// re-check every minute (retrySiteRemovals below, retryStableNameRemovals in dns-stable-names.ts)
// until they are gone — each failed try is an error line of the monitor's (domain-recheck: …).
import { withTenant, type Sql } from '../db/index.ts';
import { removeOrQueueStableName, selectStableName, stableNamesFromEnv, type StableNameConfig } from './dns-stable-names.ts';
import type { CdnProvider, DeletedSiteRef, ProviderName } from './providers/types.ts';

export interface SiteTakedown {
  /** What was left on a provider, for the caller's log (never thrown: the owner asked for the deletion). */
  notes: string[];
  /** Our zone's record: removed, none there, or queued for the monitor's retry (the DNS API failed). */
  stableName: 'removed' | 'none' | 'queued';
}

const RETRIED = 'queued: the monitor retries it every minute';

/**
 * Takes the site down on every CDN that has something of it and deletes its stable name's record.
 * Call it before deleting the site's row (the providers find their resources through its rows).
 */
export async function takeDownSite(
  sql: Sql, providers: ReadonlyMap<ProviderName, CdnProvider>,
  opts: { tenantId: string; siteId: string; stableNames?: StableNameConfig },
): Promise<SiteTakedown> {
  const { tenantId, siteId } = opts;
  const state = await withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx<{ slug: string; cdn_provider: ProviderName; live_deployment_id: string | null }[]>`
      select slug, cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    if (!site) return null;
    return {
      site,
      domains: await tx<{ hostname: string; provider: ProviderName }[]>`
        select hostname, provider from cdn_domains where site_id = ${siteId} order by hostname`,
      deployments: await tx<{ id: string; provider: ProviderName }[]>`
        select id, provider from deployments where site_id = ${siteId} and status in ('ready', 'failed') order by created_at`,
      // Every provider the site was ever deployed to: one it moved away from has only deleted
      // deployment rows, but may still hold its Vercel project or CloudFront routes (a move keeps them).
      deployedTo: await tx<{ provider: ProviderName }[]>`
        select distinct provider from deployments where site_id = ${siteId} order by provider`,
      stable: await selectStableName(tx, siteId),
    };
  });
  if (!state) return { notes: [], stableName: 'none' };
  const notes: string[] = [];
  const hosted = new Set<ProviderName>();
  for (const d of state.domains) if (d.provider !== 'local') hosted.add(d.provider);
  for (const d of state.deployedTo) if (d.provider !== 'local') hosted.add(d.provider);
  if (state.site.cdn_provider !== 'local') hosted.add(state.site.cdn_provider);

  /** What `name` kept, for the monitor to remove once the site's rows are gone. */
  const queueRemoval = (name: ProviderName, error: string) =>
    withTenant(sql, tenantId, (tx) => tx`
      insert into cdn_site_removals (site_id, provider, tenant_id, slug, domains, last_error)
      values (${siteId}, ${name}, ${tenantId}, ${state.site.slug},
        ${state.domains.filter((d) => d.provider === name).map((d) => d.hostname)}, ${error.slice(0, 500)})
      on conflict (site_id, provider) do update set
        slug = excluded.slug, domains = excluded.domains, last_error = excluded.last_error,
        attempts = cdn_site_removals.attempts + 1, tried_at = now()`);

  // The hosted CDNs first: once nothing answers the names there, our record can go.
  for (const name of hosted) {
    const provider = providers.get(name);
    if (!provider) {
      await queueRemoval(name, `${name} is not configured in the process that deleted the site`);
      notes.push(`${name} is not configured in this process: the site's resources there are left (${RETRIED})`);
      continue;
    }
    for (const d of state.domains.filter((x) => x.provider === name)) {
      if (!provider.detachDomain) continue;
      try {
        await provider.detachDomain({ tenantId, siteId, hostname: d.hostname });
      } catch (error) {
        notes.push(`could not detach ${d.hostname} from ${name}: ${(error as Error).message}`);
      }
    }
    // deleteSite where the provider has it (Vercel: the project; CloudFront: the site's routes and
    // objects), else removeSite (Cloudflare: the Pages project and its redirect items).
    const remove = provider.deleteSite ?? provider.removeSite;
    if (remove) {
      try {
        await remove.call(provider, { tenantId, siteId });
        continue;
      } catch (error) {
        await queueRemoval(name, (error as Error).message);
        notes.push(`could not remove the site from ${name}: ${(error as Error).message} (${RETRIED})`);
      }
    }
    // Without removeSite (or when it failed): the deployments that are not live; a provider keeps
    // the live one (it refuses to delete it), which no name leads to once the domains are detached.
    for (const d of state.deployments.filter((x) => x.provider === name && x.id !== state.site.live_deployment_id)) {
      try {
        await provider.deleteDeployment({ tenantId, siteId, deploymentId: d.id });
      } catch (error) {
        notes.push(`could not delete deployment ${d.id} on ${name}: ${(error as Error).message}`);
      }
    }
  }

  if (!state.stable) return { notes, stableName: 'none' };
  const removed = await removeOrQueueStableName(sql, opts.stableNames ?? stableNamesFromEnv(), tenantId, siteId);
  if (removed.outcome === 'queued') notes.push(`stable name ${removed.name} queued for removal: ${removed.error}`);
  return { notes, stableName: removed.outcome };
}

export interface SiteRemovalRound {
  removed: { siteId: string; provider: string }[];
  failed: { siteId: string; provider: string; error: string }[];
}

/**
 * The monitor's retry (with the domain re-check, every minute) of what a deletion could not remove
 * from a provider (cdn_site_removals). Only for sites whose row is gone: a row whose deletion did
 * not commit (the site lives on) is not retried, and is dropped after a day — deleting the site
 * again queues it again. A provider this process has no credentials for is left to one that has;
 * a failure counts an attempt and is in the round's `failed` (an error line of the monitor's).
 */
export async function retrySiteRemovals(
  sql: Sql, providers: ReadonlyMap<ProviderName, CdnProvider>, opts: { limit?: number } = {},
): Promise<SiteRemovalRound> {
  const [due] = await Promise.all([
    sql<{ site_id: string; provider: ProviderName; tenant_id: string; slug: string; domains: string[] }[]>`
      select r.site_id, r.provider, r.tenant_id, r.slug, r.domains from cdn_site_removals r
      where not exists (select 1 from sites s where s.id = r.site_id)
      order by r.tried_at limit ${opts.limit ?? 20}`,
    sql`
      delete from cdn_site_removals r
      where r.created_at < now() - interval '1 day' and exists (select 1 from sites s where s.id = r.site_id)`,
  ]);
  const round: SiteRemovalRound = { removed: [], failed: [] };
  for (const row of due) {
    const provider = providers.get(row.provider);
    const remove = provider?.deleteSite ?? provider?.removeSite;
    if (!provider || !remove) continue;
    const ref: DeletedSiteRef = { tenantId: row.tenant_id, siteId: row.site_id, slug: row.slug, domains: row.domains };
    try {
      await remove.call(provider, ref);
      await sql`delete from cdn_site_removals where site_id = ${row.site_id} and provider = ${row.provider}`;
      round.removed.push({ siteId: row.site_id, provider: row.provider });
    } catch (error) {
      const message = (error as Error).message.slice(0, 500);
      await sql`
        update cdn_site_removals set attempts = attempts + 1, last_error = ${message}, tried_at = now()
        where site_id = ${row.site_id} and provider = ${row.provider}`;
      round.failed.push({ siteId: row.site_id, provider: row.provider, error: message });
    }
  }
  return round;
}
