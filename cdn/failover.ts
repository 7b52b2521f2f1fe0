// Failover: provider health checks on a schedule (the monitor runs runFailoverRound every minute),
// a failing provider's sites deployed to the next cheapest eligible provider and moved back when
// it has recovered; and, for publishing, a deploy that fails on the site's provider (after that
// provider's own retries) placed on another one.
//
// Not flapping:
//   - a provider is 'down' only after `downAfterFailures` (3) failed checks in a row, and 'up' again
//     only after `upAfterSuccesses` (5) good checks in a row AND `minDownSeconds` (300) since it went
//     down — one slow answer moves nobody, and a provider that answers now and then does not pull
//     sites back and forth;
//   - a site goes back only when its last move was the failover away from that provider (a site
//     moved since, by traffic or by an admin, stays where it was put).
// Every move goes through migrateSite (deploy, switch, clean up; recorded in cdn_migrations with
// the router's monthly cost before and after) and every decision is a row in cdn_failover_events
// with its reason, for ops (/ops/cdn).
import { withTenant, type Sql } from '../db/index.ts';
import { liveSiteFiles, deploymentFiles } from './deployment-files.ts';
import { activateDeployment } from './deployments.ts';
import { planDomainMove, stableNamesFromEnv, stableNameFor, type DomainMove, type StableNameConfig } from './dns-stable-names.ts';
import { migrateSite, settleDomainsAfterSwitch, switchWithDomains } from './migration.ts';
import type { CdnProvider, ProviderHealth, ProviderName } from './providers/types.ts';
import { CdnError } from './errors.ts';
import { chooseProvider, loadPrices, measuredMonthlyTraffic, PROVIDER_LABELS, routeSiteToProvider } from './router.ts';
import type { DeployFile, DeployResult } from './types.ts';

export interface FailoverPolicy {
  /** Failed checks in a row before a provider is taken for down; 3 unless set. */
  downAfterFailures?: number;
  /** Good checks in a row before a down provider is taken back; 5 unless set. */
  upAfterSuccesses?: number;
  /** A down provider stays down at least this long; 300 s unless set. */
  minDownSeconds?: number;
  /** A health check that takes longer counts as failed; 10 s unless set. */
  checkTimeoutMs?: number;
}

export type ProviderState = 'up' | 'down';

export interface ProviderHealthRow {
  provider: ProviderName;
  state: ProviderState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastCheckedAt: Date | null;
  lastOkAt: Date | null;
  latencyMs: number | null;
  detail: string;
  stateChangedAt: Date;
}

export interface SiteMove {
  tenantId: string;
  siteId: string;
  from: ProviderName;
  to: ProviderName;
  kind: 'site_failover' | 'site_recovery';
  migrationId: string;
}

export interface FailedMove {
  tenantId: string;
  siteId: string;
  from: ProviderName;
  to: ProviderName | null;
  error: string;
}

export interface FailoverRound {
  /** False when another monitor holds the failover lock (it runs the round instead). */
  ran: boolean;
  checks: ProviderHealth[];
  wentDown: ProviderName[];
  cameUp: ProviderName[];
  moved: SiteMove[];
  failed: FailedMove[];
}

/** Held by whoever moves sites (this round, traffic moves and admin moves in traffic-moves.ts): one mover at a time. */
export const MOVES_LOCK = 'ww-cdn-failover';
const FAILOVER_LOCK = MOVES_LOCK;

function policyOf(policy: FailoverPolicy = {}) {
  return {
    downAfterFailures: policy.downAfterFailures ?? 3,
    upAfterSuccesses: policy.upAfterSuccesses ?? 5,
    minDownSeconds: policy.minDownSeconds ?? 300,
    checkTimeoutMs: policy.checkTimeoutMs ?? 10_000,
  };
}

async function timedHealth(provider: CdnProvider, timeoutMs: number): Promise<ProviderHealth> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProviderHealth>((resolve) => {
    timer = setTimeout(() => resolve({
      provider: provider.name, ok: false, checkedAt: new Date(), latencyMs: Date.now() - started, detail: `no answer within ${timeoutMs} ms`,
    }), timeoutMs);
  });
  try {
    return await Promise.race([
      provider.health().catch((error: unknown) => ({
        provider: provider.name, ok: false, checkedAt: new Date(), latencyMs: Date.now() - started, detail: (error as Error).message,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks every provider once, records each check, and moves each provider's state on by the
 * thresholds. Returns the checks and the providers whose state changed.
 */
export async function checkProviders(
  sql: Sql,
  providers: Map<ProviderName, CdnProvider>,
  policy?: FailoverPolicy,
): Promise<{ checks: ProviderHealth[]; wentDown: ProviderName[]; cameUp: ProviderName[] }> {
  const p = policyOf(policy);
  const checks = await Promise.all([...providers.values()].map((provider) => timedHealth(provider, p.checkTimeoutMs)));
  const wentDown: ProviderName[] = [];
  const cameUp: ProviderName[] = [];
  for (const check of checks) {
    const detail = check.detail.slice(0, 1000);
    const changed = await sql.begin(async (tx) => {
      await tx`insert into cdn_health_checks (provider, checked_at, ok, latency_ms, detail)
               values (${check.provider}, ${check.checkedAt}, ${check.ok}, ${Math.round(check.latencyMs)}, ${detail})`;
      await tx`insert into cdn_provider_health (provider) values (${check.provider}) on conflict (provider) do nothing`;
      const [before] = await tx<{ state: ProviderState; consecutive_failures: number; consecutive_successes: number; down_seconds: number }[]>`
        select state, consecutive_failures, consecutive_successes,
               extract(epoch from (now() - state_changed_at))::float8 as down_seconds
        from cdn_provider_health where provider = ${check.provider} for update`;
      const failures = check.ok ? 0 : before.consecutive_failures + 1;
      const successes = check.ok ? before.consecutive_successes + 1 : 0;
      let state = before.state;
      if (state === 'up' && failures >= p.downAfterFailures) state = 'down';
      else if (state === 'down' && successes >= p.upAfterSuccesses && before.down_seconds >= p.minDownSeconds) state = 'up';
      await tx`
        update cdn_provider_health set
          state = ${state}, consecutive_failures = ${failures}, consecutive_successes = ${successes},
          last_checked_at = ${check.checkedAt}, last_ok_at = coalesce(${check.ok ? check.checkedAt : null}::timestamptz, last_ok_at),
          latency_ms = ${Math.round(check.latencyMs)}, detail = ${detail},
          state_changed_at = case when ${state} <> state then now() else state_changed_at end
        where provider = ${check.provider}`;
      if (state === before.state) return null;
      const reason = state === 'down'
        ? `상태 확인이 ${failures}번 연속 실패했습니다: ${detail}`
        : `상태 확인이 ${successes}번 연속 성공했습니다 (${Math.round(before.down_seconds)}초 동안 장애)`;
      await tx`insert into cdn_failover_events (kind, provider, reason)
               values (${state === 'down' ? 'provider_down' : 'provider_up'}, ${check.provider}, ${reason})`;
      return state;
    });
    if (changed === 'down') wentDown.push(check.provider);
    if (changed === 'up') cameUp.push(check.provider);
  }
  return { checks, wentDown, cameUp };
}

export async function listProviderHealth(sql: Sql): Promise<ProviderHealthRow[]> {
  const rows = await sql<{
    provider: ProviderName; state: ProviderState; consecutive_failures: number; consecutive_successes: number;
    last_checked_at: Date | null; last_ok_at: Date | null; latency_ms: number | null; detail: string; state_changed_at: Date;
  }[]>`select * from cdn_provider_health order by provider`;
  return rows.map((r) => ({
    provider: r.provider, state: r.state, consecutiveFailures: r.consecutive_failures, consecutiveSuccesses: r.consecutive_successes,
    lastCheckedAt: r.last_checked_at, lastOkAt: r.last_ok_at, latencyMs: r.latency_ms, detail: r.detail, stateChangedAt: r.state_changed_at,
  }));
}

export async function downProviders(sql: Sql): Promise<Set<ProviderName>> {
  const rows = await sql<{ provider: ProviderName }[]>`select provider from cdn_provider_health where state = 'down'`;
  return new Set(rows.map((r) => r.provider));
}

/**
 * The providers to try for a site, best first: the cheapest for its traffic among those that are
 * configured, not down and not excluded; `local` (always configured) last when it is not the
 * cheapest. Each comes with its monthly cost for the record.
 */
export async function fallbackOrder(
  sql: Sql,
  opts: { tenantId: string; siteId: string; available: ProviderName[]; exclude: Set<ProviderName> },
): Promise<{ provider: ProviderName; monthlyCostKrw: number | null }[]> {
  const candidates = opts.available.filter((name) => !opts.exclude.has(name));
  if (candidates.length === 0) return [];
  const traffic = await measuredMonthlyTraffic(sql, opts.tenantId, opts.siteId);
  const prices = await loadPrices(sql);
  const order: { provider: ProviderName; monthlyCostKrw: number | null }[] = [];
  const remaining = [...candidates];
  // chooseProvider picks the cheapest fitting one; asking again without it gives the next.
  while (remaining.length) {
    let decision;
    try {
      decision = chooseProvider({ traffic: { requests: traffic.requests, bytes: traffic.bytes }, prices, eligible: remaining, current: null });
    } catch {
      break; // none of the rest has a fitting plan
    }
    order.push({ provider: decision.chosen, monthlyCostKrw: decision.monthlyCostKrw });
    remaining.splice(remaining.indexOf(decision.chosen), 1);
  }
  // A provider without a fitting plan in the price table is still better than no answer.
  for (const name of remaining) if (name !== 'local') order.push({ provider: name, monthlyCostKrw: null });
  if (remaining.includes('local')) order.push({ provider: 'local', monthlyCostKrw: null });
  return order;
}

async function currentCost(sql: Sql, tenantId: string, siteId: string, provider: ProviderName): Promise<number | null> {
  const traffic = await measuredMonthlyTraffic(sql, tenantId, siteId);
  const prices = await loadPrices(sql);
  try {
    const decision = chooseProvider({ traffic: { requests: traffic.requests, bytes: traffic.bytes }, prices, eligible: [provider], current: provider });
    return decision.monthlyCostKrw;
  } catch {
    return null;
  }
}

async function recordEvent(sql: Sql, event: {
  kind: 'site_failover' | 'site_recovery' | 'move_failed' | 'deploy_fallback';
  provider: ProviderName; toProvider: ProviderName | null; tenantId: string; siteId: string; migrationId?: string | null; reason: string;
}): Promise<void> {
  await sql`
    insert into cdn_failover_events (kind, provider, to_provider, tenant_id, site_id, migration_id, reason)
    values (${event.kind}, ${event.provider}, ${event.toProvider}, ${event.tenantId}, ${event.siteId}, ${event.migrationId ?? null},
            ${event.reason.slice(0, 2000)})`;
}

/** Live sites served by `provider`, across tenants (the monitor is a platform process). */
async function sitesOn(sql: Sql, provider: ProviderName): Promise<{ tenantId: string; siteId: string }[]> {
  return sql<{ tenantId: string; siteId: string }[]>`
    select tenant_id as "tenantId", id as "siteId" from sites
    where cdn_provider = ${provider} and live_deployment_id is not null order by created_at, id`;
}

/** Sites whose last finished move was the failover away from `provider` and that are still where it put them. */
async function sitesToMoveBack(sql: Sql, provider: ProviderName): Promise<{ tenantId: string; siteId: string; on: ProviderName }[]> {
  return sql<{ tenantId: string; siteId: string; on: ProviderName }[]>`
    select s.tenant_id as "tenantId", s.id as "siteId", s.cdn_provider as "on"
    from sites s
      cross join lateral (
        select reason, from_provider, to_provider from cdn_migrations m
        where m.site_id = s.id and m.status = 'done' order by m.finished_at desc nulls last, m.started_at desc limit 1
      ) last
    where last.reason = 'failover' and last.from_provider = ${provider} and s.cdn_provider = last.to_provider
      and s.live_deployment_id is not null
    order by s.created_at, s.id`;
}

export interface FailoverOptions {
  providers: Map<ProviderName, CdnProvider>;
  dataDir: string;
  policy?: FailoverPolicy;
}

/** One round: check every provider, move the sites off the down ones, move sites back to recovered ones. */
export async function runFailoverRound(sql: Sql, opts: FailoverOptions): Promise<FailoverRound> {
  const reserved = await sql.reserve();
  try {
    const [{ locked }] = await reserved<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtext(${FAILOVER_LOCK})) as locked`;
    if (!locked) return { ran: false, checks: [], wentDown: [], cameUp: [], moved: [], failed: [] };
    try {
      return await failoverRound(sql, opts);
    } finally {
      await reserved`select pg_advisory_unlock(hashtext(${FAILOVER_LOCK}))`;
    }
  } finally {
    reserved.release();
  }
}

async function failoverRound(sql: Sql, opts: FailoverOptions): Promise<FailoverRound> {
  const { providers } = opts;
  const { checks, wentDown, cameUp } = await checkProviders(sql, providers, opts.policy);
  const down = await downProviders(sql);
  const available = [...providers.keys()];
  const moved: SiteMove[] = [];
  const failed: FailedMove[] = [];

  // Away from every provider that is down (also the sites a previous round could not move).
  for (const from of available.filter((name) => down.has(name))) {
    const fromProvider = providers.get(from)!;
    for (const site of await sitesOn(sql, from)) {
      const order = await fallbackOrder(sql, { ...site, available, exclude: new Set([...down, from]) });
      const target = order[0];
      if (!target) {
        failed.push({ ...site, from, to: null, error: 'no other provider is configured and up' });
        await recordEvent(sql, { kind: 'move_failed', provider: from, toProvider: null, ...site, reason: `${PROVIDER_LABELS[from]} 장애: 옮겨 갈 수 있는 다른 CDN이 없습니다` });
        continue;
      }
      try {
        const files = await liveSiteFiles(sql, { ...site, dataDir: opts.dataDir });
        if (!files) continue; // unpublished since the list was read
        const result = await migrateSite(sql, {
          ...site, from: fromProvider, to: providers.get(target.provider)!, files, reason: 'failover', keepOld: true,
          costBeforeKrw: await currentCost(sql, site.tenantId, site.siteId, from), costAfterKrw: target.monthlyCostKrw,
        });
        moved.push({ ...site, from, to: target.provider, kind: 'site_failover', migrationId: result.migrationId });
        await recordEvent(sql, {
          kind: 'site_failover', provider: from, toProvider: target.provider, ...site, migrationId: result.migrationId,
          reason: `${PROVIDER_LABELS[from]} 장애로 ${PROVIDER_LABELS[target.provider]}(으)로 옮겼습니다 (다음으로 저렴한 CDN)`,
        });
      } catch (error) {
        const message = (error as Error).message;
        failed.push({ ...site, from, to: target.provider, error: message });
        await recordEvent(sql, {
          kind: 'move_failed', provider: from, toProvider: target.provider, ...site,
          reason: `${PROVIDER_LABELS[from]} 장애: ${PROVIDER_LABELS[target.provider]}(으)로 옮기지 못했습니다 — ${message}`,
        });
      }
    }
  }

  // Back to every provider that is up, for the sites failover moved away from it.
  for (const to of available.filter((name) => !down.has(name))) {
    for (const site of await sitesToMoveBack(sql, to)) {
      if (down.has(site.on) || !providers.has(site.on)) continue; // handled above / not configured here
      const { tenantId, siteId } = site;
      try {
        const files = await liveSiteFiles(sql, { tenantId, siteId, dataDir: opts.dataDir });
        if (!files) continue;
        const result = await migrateSite(sql, {
          tenantId, siteId, from: providers.get(site.on)!, to: providers.get(to)!, files, reason: 'recovery',
          costBeforeKrw: await currentCost(sql, tenantId, siteId, site.on), costAfterKrw: await currentCost(sql, tenantId, siteId, to),
        });
        moved.push({ tenantId, siteId, from: site.on, to, kind: 'site_recovery', migrationId: result.migrationId });
        await recordEvent(sql, {
          kind: 'site_recovery', provider: to, toProvider: to, tenantId, siteId, migrationId: result.migrationId,
          reason: `${PROVIDER_LABELS[to]} 상태가 복구되어 ${PROVIDER_LABELS[site.on]}에서 되돌려 옮겼습니다`,
        });
      } catch (error) {
        const message = (error as Error).message;
        failed.push({ tenantId, siteId, from: site.on, to, error: message });
        await recordEvent(sql, {
          kind: 'move_failed', provider: to, toProvider: to, tenantId, siteId,
          reason: `${PROVIDER_LABELS[to]} 복구 후 되돌리지 못했습니다 — ${message}`,
        });
      }
    }
  }
  // Checks older than two weeks are of no use to anyone.
  await sql`delete from cdn_health_checks where checked_at < now() - interval '14 days'`;
  return { ran: true, checks, wentDown, cameUp, moved, failed };
}

// ── Publishing: a deploy that fails on one provider lands on another ───────────────────────────

export interface PlacedDeployment {
  provider: ProviderName;
  deploymentId: string;
  result: DeployResult;
  /** The providers tried before, with why each failed (empty when the first one took it). */
  failedOn: { provider: ProviderName; error: string }[];
  /**
   * The provider the site should be on: the site's own, or — for a site that serves nothing yet —
   * the router's choice for its traffic (the cheapest configured one when it has none). A placement
   * elsewhere is a fallback.
   */
  preferred: ProviderName;
  /** The router's reason when it chose `preferred` (a site that serves nothing yet). */
  routedReason: string | null;
}

/**
 * Deploys a build's files (already in the store as `localDeployment`) to the provider that should
 * serve the site: its own provider unless that is down, else the next cheapest; when a deploy fails
 * there (after the provider's own retries) the next one is tried, and the local edge — where the
 * files already are — is the last resort. Nothing goes live here: the caller activates.
 */
export async function placeDeployment(
  sql: Sql,
  opts: {
    tenantId: string; siteId: string; buildId: string | null; preferred: ProviderName; localDeployment: DeployResult;
    providers: Map<ProviderName, CdnProvider>; dataDir: string; onFallback?: (from: ProviderName, error: string, next: ProviderName) => Promise<void>;
  },
): Promise<PlacedDeployment> {
  const { tenantId, siteId, providers, localDeployment } = opts;
  const down = await downProviders(sql);
  const available = [...providers.keys()];
  // A site that serves nothing yet (its first publish, or after it was taken down) has no provider
  // to stay on: it goes where the router sends it — by its traffic, or with none yet, the cheapest
  // configured provider in the price table — not to the edge by default.
  let preferred = opts.preferred;
  let routedReason: string | null = null;
  const [site] = await withTenant(sql, tenantId, (tx) => tx<{ live_deployment_id: string | null }[]>`
    select live_deployment_id from sites where id = ${siteId}`);
  if (site && !site.live_deployment_id) {
    try {
      const decision = await routeSiteToProvider(sql, { tenantId, siteId, eligible: available.filter((name) => !down.has(name)) });
      preferred = decision.chosen;
      routedReason = decision.reason;
    } catch (error) {
      if (!(error instanceof CdnError && error.code === 'not_configured')) throw error;
      // No price fits any configured provider: the site's own provider, as before.
    }
  }
  const order: ProviderName[] = [];
  if (providers.has(preferred) && !down.has(preferred)) order.push(preferred);
  for (const next of await fallbackOrder(sql, { tenantId, siteId, available, exclude: new Set([...down, preferred, 'local']) })) order.push(next.provider);
  if (!order.includes('local')) order.push('local');

  const failedOn: { provider: ProviderName; error: string }[] = [];
  if (!providers.has(preferred)) failedOn.push({ provider: preferred, error: 'not configured on this installation' });
  else if (down.has(preferred)) failedOn.push({ provider: preferred, error: 'down (failed its health checks)' });
  let files: DeployFile[] | null = null;
  const placedOn = (provider: ProviderName, deploymentId: string, result: DeployResult): PlacedDeployment =>
    ({ provider, deploymentId, result, failedOn, preferred, routedReason });
  for (const [index, name] of order.entries()) {
    if (name === 'local') return placedOn('local', localDeployment.deploymentId, localDeployment);
    try {
      files ??= await deploymentFiles(sql, { tenantId, siteId, deploymentId: localDeployment.deploymentId, dataDir: opts.dataDir });
      const result = await providers.get(name)!.deploy({ tenantId, siteId, buildId: opts.buildId, files });
      return placedOn(name, result.deploymentId, result);
    } catch (error) {
      const message = (error as Error).message;
      failedOn.push({ provider: name, error: message });
      await opts.onFallback?.(name, message, order[index + 1] ?? 'local');
    }
  }
  return placedOn('local', localDeployment.deploymentId, localDeployment);
}

/** Makes a placed deployment live on its provider. */
export async function activatePlaced(providers: Map<ProviderName, CdnProvider>, placed: PlacedDeployment, ref: { tenantId: string; siteId: string }): Promise<void> {
  const provider = providers.get(placed.provider);
  if (!provider) throw new Error(`activatePlaced: provider ${placed.provider} is not configured`);
  await provider.activate({ ...ref, deploymentId: placed.deploymentId });
}

export interface PlacedLive {
  /** What went live: `placed`, or the edge's copy of the build when the domains could not follow it. */
  placed: PlacedDeployment;
  /** Korean lines for the build log: what happened to the site's custom domains. */
  log: { level: 'info' | 'warn'; message: string }[];
  /** The domain move's notes (English, for ops), as a move writes them in its record. */
  notes: string[];
}

/**
 * Makes a placed deployment live — and when it landed on another provider than the custom
 * domains that point at the site's stable name (a fallback after a failed deploy, or a first
 * publish on the router's choice), brings them and our record along the way a move does
 * (switchWithDomains, settleDomainsAfterSwitch: attach there, switch, flip our record, record
 * their status, detach from the old provider when it is up). A fallback leaves them attached on
 * the old provider, as failover does (the site goes back once that one has recovered).
 *
 * When they cannot follow (no DNS API, the new provider cannot take them, our record refused):
 * - on the edge, the build is served from the edge, which has it already and answers the domains;
 * - on a hosted provider, the new version goes live on the placed provider and the domains keep
 *   being served, with the previous version, by the provider our record leads to.
 * Either way the build log says so in Korean. Domains pointing straight at a provider never move.
 */
export async function activatePlacedWithDomains(
  sql: Sql,
  opts: {
    tenantId: string; siteId: string; placed: PlacedDeployment; localDeployment: DeployResult; providers: Map<ProviderName, CdnProvider>;
    stableNames?: StableNameConfig; domainTiming?: { activeWaitMs?: number; drainMs?: number };
  },
): Promise<PlacedLive> {
  const { tenantId, siteId, placed, providers } = opts;
  const activatePlain = async (which: PlacedDeployment) => {
    if (which.provider === 'local') await activateDeployment(sql, { tenantId, siteId, deploymentId: which.deploymentId });
    else await activatePlaced(providers, which, { tenantId, siteId });
  };
  const state = await withTenant(sql, tenantId, async (tx) => ({
    site: (await tx<{ name: string; slug: string; live_deployment_id: string | null }[]>`
      select name, slug, live_deployment_id from sites where id = ${siteId}`)[0],
    elsewhere: await tx<{ hostname: string; provider: ProviderName }[]>`
      select hostname, provider from cdn_domains
      where site_id = ${siteId} and dns_target = 'stable' and provider <> ${placed.provider} order by hostname`,
  }));
  if (!state.site || !state.elsewhere.length) {
    await activatePlain(placed);
    return { placed, log: [], notes: [] };
  }
  const fromName = state.elsewhere[0].provider;
  const hostnames = state.elsewhere.filter((d) => d.provider === fromName).map((d) => d.hostname);
  const config = opts.stableNames ?? stableNamesFromEnv();
  const stableName = stableNameFor(siteId, config.zoneName);
  const from = providers.get(fromName);
  const to = providers.get(placed.provider);
  const fallback = placed.provider !== placed.preferred;
  let reason: string;
  let domains: DomainMove | null = null;
  if (!from || !to) {
    reason = `${PROVIDER_LABELS[from ? placed.provider : fromName]}이(가) 이 작업 프로세스에 설정되어 있지 않습니다.`;
  } else {
    // A fallback is undone by the recovery move: the old provider keeps the names meanwhile.
    const keepOld = fallback || (await downProviders(sql)).has(fromName);
    try {
      domains = await planDomainMove(sql, {
        tenantId, siteId, siteName: state.site.name, slug: state.site.slug, from, to, config, keepOld,
        // The edge only stops being asked about a name: nothing to wait for before "detaching" it there.
        ...(from.detachDomain ? {} : { drainMs: 0 }),
        ...opts.domainTiming,
      });
      await switchWithDomains({ tenantId, siteId, from, to, deploymentId: placed.deploymentId, previousDeploymentId: state.site.live_deployment_id, domains });
      await settleDomainsAfterSwitch(sql, { tenantId, siteId, from, to, domains, keepOld });
      return {
        placed,
        log: [{
          level: 'info',
          message: `도메인(${domains.moving.join(', ')})을 ${PROVIDER_LABELS[fromName]}에서 ${PROVIDER_LABELS[placed.provider]}(으)로 옮기고, WindWalker 이름 ${stableName}이(가) ${PROVIDER_LABELS[placed.provider]}을(를) 가리키도록 바꿨습니다.`,
        }],
        notes: domains.notes,
      };
    } catch (error) {
      reason = error instanceof CdnError ? error.message : `도메인을 옮기는 중 오류가 났습니다: ${(error as Error).message.slice(0, 300)}`;
    }
  }
  const notes = domains?.notes ?? [];
  if (fromName === 'local') {
    // The edge has every build already, and the domains lead to it: it serves this one.
    const onEdge: PlacedDeployment = {
      ...placed, provider: 'local', deploymentId: opts.localDeployment.deploymentId, result: opts.localDeployment,
      failedOn: [...placed.failedOn, { provider: placed.provider, error: `custom domains could not follow: ${reason}` }],
    };
    await activatePlain(onEdge);
    return {
      placed: onEdge,
      log: [{
        level: 'warn',
        message: `도메인(${hostnames.join(', ')})을 ${PROVIDER_LABELS[placed.provider]}(으)로 옮기지 못해, 도메인이 계속 동작하도록 이번 게시는 ${PROVIDER_LABELS[placed.provider]} 대신 ${PROVIDER_LABELS.local}에서 서비스합니다. 이유: ${reason}`,
      }],
      notes,
    };
  }
  await activatePlain(placed);
  return {
    placed,
    log: [{
      level: 'warn',
      message: `도메인(${hostnames.join(', ')})을 ${PROVIDER_LABELS[placed.provider]}(으)로 옮기지 못해 ${PROVIDER_LABELS[fromName]}에 남았습니다. 사이트 주소는 ${PROVIDER_LABELS[placed.provider]}에서 새 버전을 보여 주지만, 이 도메인들은 다음 이동 때까지 ${PROVIDER_LABELS[fromName]}에서 이전 버전을 보여 줍니다. 이유: ${reason}`,
    }],
    notes,
  };
}

/**
 * Records a publish that went live on another provider than the site's own: a failover move in
 * cdn_migrations (so the site moves back when its provider has recovered) and an event for ops.
 */
export async function recordDeployFallback(
  sql: Sql,
  opts: { tenantId: string; siteId: string; from: ProviderName; placed: PlacedDeployment; fromDeploymentId: string | null },
): Promise<void> {
  const { tenantId, siteId, from, placed } = opts;
  const detail = placed.failedOn.map((f) => `${f.provider}: ${f.error}`).join('; ').slice(0, 1500);
  const migrationId = await withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into cdn_migrations (tenant_id, site_id, from_provider, to_provider, from_deployment_id, to_deployment_id, reason, status, detail, finished_at)
      values (${tenantId}, ${siteId}, ${from}, ${placed.provider}, ${opts.fromDeploymentId}, ${placed.deploymentId}, 'failover', 'done',
              ${`publish deployed on ${placed.provider} after ${detail}`}, now())
      returning id`;
    return row.id;
  });
  await recordEvent(sql, {
    kind: 'deploy_fallback', provider: from, toProvider: placed.provider, tenantId, siteId, migrationId,
    reason: `${PROVIDER_LABELS[from]}에 배포하지 못해 ${PROVIDER_LABELS[placed.provider]}에 게시했습니다 — ${detail}`,
  });
}

export interface FailoverEvent {
  id: string;
  at: Date;
  kind: 'provider_down' | 'provider_up' | 'site_failover' | 'site_recovery' | 'move_failed' | 'deploy_fallback';
  provider: ProviderName;
  toProvider: ProviderName | null;
  siteId: string | null;
  siteName: string | null;
  reason: string;
}

/** The latest failover events, newest first, for ops (platform-wide). */
export async function listFailoverEvents(sql: Sql, limit = 30): Promise<FailoverEvent[]> {
  return sql<FailoverEvent[]>`
    select e.id, e.at, e.kind, e.provider, e.to_provider as "toProvider", e.site_id as "siteId", s.name as "siteName", e.reason
    from cdn_failover_events e left join sites s on s.id = e.site_id
    order by e.at desc, e.id limit ${limit}`;
}
