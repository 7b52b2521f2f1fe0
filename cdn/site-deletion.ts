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
// (the deletion goes on, as a move's clean-up does; the route logs each as an error); a record the DNS API did
// not delete is written to cdn_stable_name_removals, which outlives the site, and retried by the
// monitor's domain re-check every minute (retryStableNameRemovals in dns-stable-names.ts) until it
// is gone — each failed try is an error line of the monitor's (domain-recheck: <name>: …).
import { withTenant, type Sql } from '../db/index.ts';
import { removeOrQueueStableName, selectStableName, stableNamesFromEnv, type StableNameConfig } from './dns-stable-names.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';

export interface SiteTakedown {
  /** What was left on a provider, for the caller's log (never thrown: the owner asked for the deletion). */
  notes: string[];
  /** Our zone's record: removed, none there, or queued for the monitor's retry (the DNS API failed). */
  stableName: 'removed' | 'none' | 'queued';
}

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
    const [site] = await tx<{ cdn_provider: ProviderName; live_deployment_id: string | null }[]>`
      select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
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

  // The hosted CDNs first: once nothing answers the names there, our record can go.
  for (const name of hosted) {
    const provider = providers.get(name);
    if (!provider) {
      notes.push(`${name} is not configured in this process: the site's resources there are left`);
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
        notes.push(`could not remove the site from ${name}: ${(error as Error).message}`);
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
