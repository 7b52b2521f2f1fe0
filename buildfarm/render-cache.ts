// The build cache (migration 120): for each output a site's build rendered, the stored object it
// became, keyed by the renderer bundle's sha256 and the output's input hash (site/'s
// planSiteRender). In PostgreSQL, so a worker on any host skips what any other already rendered.
import { createHash } from 'node:crypto';
import { withTenant, type Sql, type TransactionSql } from '../db/index.ts';

export interface CachedOutput {
  key: string;
  path: string;
  contentType: string;
  sha256: string;
  size: number;
  /**
   * Read from the cache with its used mark older than USED_AT_GRANULARITY: a build reusing it
   * passes it to rememberOutputs to mark it used. Entries with a fresh mark are left out there.
   */
  staleUse?: boolean;
}

/** Entries unused this long are dropped when a build of the site stores its own. */
const UNUSED_ENTRY_DAYS = 30;
/**
 * An entry a build reuses is marked used again only when its mark is older than this: a build
 * that reuses 54 files then rewrites none of their rows (and their used_at index entries).
 */
const USED_AT_GRANULARITY = '1 day';

/** The hex sha256 of a text (node:crypto: planSiteRender's default is pure JavaScript, for the browser). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The cache key of one output: a changed renderer bundle makes every key new. */
export function renderCacheKey(rendererVersion: string, inputHash: string): string {
  return createHash('sha256').update(`${rendererVersion}\n${inputHash}`).digest('hex');
}

/**
 * The entries of a site's cache among `keys`, read in the caller's transaction (the build's
 * claim: it runs under withTenant, so RLS shows only the tenant's own rows).
 */
export async function findCachedOutputs(tx: TransactionSql, opts: { siteId: string; keys: string[] }): Promise<Map<string, CachedOutput>> {
  if (opts.keys.length === 0) return new Map();
  const rows = await tx<{ input_hash: string; path: string; content_type: string; sha256: string; size: number; stale_use: boolean }[]>`
    select input_hash, path, content_type, sha256, size, used_at < now() - ${USED_AT_GRANULARITY}::interval as stale_use
    from build_render_cache
    where site_id = ${opts.siteId} and input_hash in ${tx(opts.keys)}`;
  return new Map(rows.map((r) => [r.input_hash, {
    key: r.input_hash, path: r.path, contentType: r.content_type, sha256: r.sha256, size: r.size, staleUse: r.stale_use,
  }]));
}

/**
 * Records what a deployed build rendered (objects now in the store) and marks what it reused as
 * used (at most once a day per entry), in the caller's transaction (the build's switch); the
 * site's entries nobody used for a month are dropped in the same round trip. Both statements are
 * sent when this is called, so a caller may pipeline them with its own.
 *
 * `outputs`: what the build rendered, and what it reused from findCachedOutputs. Reused entries
 * whose mark is fresh (`staleUse` false) are not sent: a one-page edit of a 50-page site writes
 * one row, not 55 (the statement's own check would leave them unchanged, but each still costs a
 * parameter set and an index probe).
 */
export function rememberOutputs(
  tx: TransactionSql,
  opts: { tenantId: string; siteId: string; buildId: string; outputs: CachedOutput[] },
): Promise<unknown> {
  const outputs = opts.outputs.filter((o) => o.staleUse !== false);
  if (outputs.length === 0) return Promise.resolve();
  const rows = outputs.map((o) => ({
    tenant_id: opts.tenantId, site_id: opts.siteId, input_hash: o.key, path: o.path,
    content_type: o.contentType, sha256: o.sha256, size: o.size, build_id: opts.buildId,
  }));
  // Sent together, run in this order.
  return Promise.all([
    tx`
      insert into build_render_cache ${tx(rows, 'tenant_id', 'site_id', 'input_hash', 'path', 'content_type', 'sha256', 'size', 'build_id')}
      on conflict (site_id, input_hash) do update set
        path = excluded.path, content_type = excluded.content_type, sha256 = excluded.sha256,
        size = excluded.size, used_at = now()
      where (build_render_cache.path, build_render_cache.content_type, build_render_cache.sha256, build_render_cache.size)
          is distinct from (excluded.path, excluded.content_type, excluded.sha256, excluded.size)
        or build_render_cache.used_at < now() - ${USED_AT_GRANULARITY}::interval`.execute(),
    tx`
      delete from build_render_cache
      where site_id = ${opts.siteId} and used_at < now() - make_interval(days => ${UNUSED_ENTRY_DAYS})`.execute(),
  ]);
}

/** Forgets a site's cache (its objects went missing from the store): the next render is full. */
export async function forgetSiteCache(sql: Sql, opts: { tenantId: string; siteId: string }): Promise<void> {
  await withTenant(sql, opts.tenantId, (tx) => tx`delete from build_render_cache where site_id = ${opts.siteId}`);
}
