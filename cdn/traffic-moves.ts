// Moves between CDN providers that are not failover: the ones the router's advice asks for
// (traffic moves, applied by the monitor when ops have switched them on) and the ones an admin
// asks for on /ops/cdn. Both go through migrateSite (deploy there, switch, clean up; recorded in
// cdn_migrations with the router's monthly cost before and after).
//
// Traffic moves never fight failover:
//   - they run under the same advisory lock as the failover round, so the two never move one
//     site at the same time (a round that finds the lock taken moves nothing and tries next time);
//   - a site whose last move was failover's stays where failover put it until failover moves it
//     back (its provider recovered);
//   - a site is not moved off a provider that is down (failover's job) nor onto one.
// Each round moves at most `max_moves_per_round` sites (largest saving first), so a price table
// edit does not redeploy every site at once. Hysteresis is the router's (cdn/router.ts).
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { liveSiteFiles } from './deployment-files.ts';
import type { StableNameConfig } from './dns-stable-names.ts';
import { CdnError } from './errors.ts';
import { downProviders, MOVES_LOCK } from './failover.ts';
import { migrateSite } from './migration.ts';
import { PROVIDER_NAMES, type CdnProvider, type ProviderName } from './providers/types.ts';
import { PROVIDER_LABELS, routeSiteToProvider, type RouteDecision, type RouterPolicy } from './router.ts';

// ── The setting ──────────────────────────────────────────────────────────────────────────────────

export interface TrafficMoveSettings {
  enabled: boolean;
  maxMovesPerRound: number;
  updatedBy: { id: string; name: string } | null;
  updatedAt: Date;
}

export async function getTrafficMoveSettings(sql: Sql): Promise<TrafficMoveSettings> {
  const [row] = await sql<{ enabled: boolean; max: number; user_id: string | null; user_name: string | null; updated_at: Date }[]>`
    select s.traffic_moves_enabled as enabled, s.max_moves_per_round as max, u.id as user_id,
           coalesce(nullif(u.display_name, ''), u.email) as user_name, s.updated_at
    from cdn_move_settings s left join users u on u.id = s.updated_by`;
  if (!row) throw new Error('cdn_move_settings has no row; migration 017 inserts it — was the table emptied by hand?');
  return {
    enabled: row.enabled,
    maxMovesPerRound: row.max,
    updatedBy: row.user_id ? { id: row.user_id, name: row.user_name ?? row.user_id } : null,
    updatedAt: row.updated_at,
  };
}

/** Switches traffic moves on or off (and sets the per-round limit), recording who did it. */
export async function setTrafficMoveSettings(
  sql: Sql,
  input: { enabled: boolean; maxMovesPerRound?: number; userId: string },
): Promise<TrafficMoveSettings> {
  const max = input.maxMovesPerRound;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 50)) {
    throw new CdnError('invalid_files', '한 번에 옮길 사이트 수는 1에서 50 사이의 정수로 입력해 주세요.');
  }
  await sql`
    update cdn_move_settings set
      traffic_moves_enabled = ${input.enabled},
      max_moves_per_round = coalesce(${max ?? null}::integer, max_moves_per_round),
      updated_by = ${input.userId}, updated_at = now()`;
  return getTrafficMoveSettings(sql);
}

// ── The lock shared with failover ────────────────────────────────────────────────────────────────

/**
 * Runs `work` holding the movers' lock (the failover round's). Tries until `waitMs` has passed;
 * returns `{ locked: false }` when another mover still holds it then.
 */
async function withMovesLock<T>(sql: Sql, waitMs: number, work: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
  const reserved = await sql.reserve();
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const [{ locked }] = await reserved<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtext(${MOVES_LOCK})) as locked`;
      if (locked) break;
      if (Date.now() >= deadline) return { locked: false };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try {
      return { locked: true, value: await work() };
    } finally {
      await reserved`select pg_advisory_unlock(hashtext(${MOVES_LOCK}))`;
    }
  } finally {
    reserved.release();
  }
}

// ── Which sites failover holds ───────────────────────────────────────────────────────────────────

/** Sites whose last finished move was failover's and that are still where it put them: site id → the provider they wait for. */
async function sitesHeldByFailover(sql: Sql): Promise<Map<string, ProviderName>> {
  const rows = await sql<{ siteId: string; waitsFor: ProviderName }[]>`
    select s.id as "siteId", last.from_provider as "waitsFor"
    from sites s
      cross join lateral (
        select reason, from_provider, to_provider from cdn_migrations m
        where m.site_id = s.id and m.status = 'done' order by m.finished_at desc nulls last, m.started_at desc limit 1
      ) last
    where last.reason = 'failover' and s.cdn_provider = last.to_provider and s.live_deployment_id is not null`;
  return new Map(rows.map((r) => [r.siteId, r.waitsFor]));
}

/**
 * Custom domains per site (site id → host names) whose owner points straight at the provider they
 * were connected on (decision 132; cdn_domains.dns_target = 'provider'). A site with one is not moved
 * by traffic nor by an admin here: a move would leave that address on the old provider until the
 * owner changes DNS. Domains pointing at the site's stable name move with it (decision 143).
 */
async function siteDomains(sql: Sql, siteIds?: string[]): Promise<Map<string, string[]>> {
  const rows = await sql<{ siteId: string; hostname: string }[]>`
    select site_id as "siteId", hostname from cdn_domains
    where dns_target = 'provider' and ${siteIds ? sql`site_id = any(${siteIds}::uuid[])` : sql`true`} order by hostname`;
  const bySite = new Map<string, string[]>();
  for (const r of rows) bySite.set(r.siteId, [...(bySite.get(r.siteId) ?? []), r.hostname]);
  return bySite;
}

// ── Traffic moves (the monitor) ──────────────────────────────────────────────────────────────────

export interface TrafficMove {
  tenantId: string;
  siteId: string;
  siteName: string;
  from: ProviderName;
  to: ProviderName;
  migrationId: string;
  costBeforeKrw: number | null;
  costAfterKrw: number;
  /** The router's Korean sentence. */
  reason: string;
}

export type TrafficMoveSkip = 'failed_over' | 'custom_domains' | 'current_down' | 'target_down' | 'current_not_configured' | 'round_limit';

export interface TrafficMovesRound {
  /** False when the movers' lock was taken (a failover round is moving sites); nothing was looked at. */
  ran: boolean;
  /** False when traffic moves are switched off: the router's advice stays an alert. */
  enabled: boolean;
  /** Live sites the router was asked about. */
  considered: number;
  moved: TrafficMove[];
  /** Sites the router says should move that this round left where they are, and why. */
  skipped: { siteId: string; from: ProviderName; to: ProviderName; why: TrafficMoveSkip }[];
  failed: { siteId: string; from: ProviderName; to: ProviderName; error: string }[];
}

export interface TrafficMovesOptions {
  providers: ReadonlyMap<ProviderName, CdnProvider>;
  dataDir: string;
  policy?: RouterPolicy;
  /** The stable names custom domains point at (migrateSite's default unless set; decision 143). */
  stableNames?: StableNameConfig;
  domainTiming?: { activeWaitMs?: number; drainMs?: number };
}

/**
 * One round of traffic moves: when switched on, every live site the router says should move
 * (hysteresis included) goes to the provider it chose, at most `max_moves_per_round` of them.
 */
export async function runTrafficMoves(sql: Sql, opts: TrafficMovesOptions): Promise<TrafficMovesRound> {
  const settings = await getTrafficMoveSettings(sql);
  const idle: TrafficMovesRound = { ran: true, enabled: settings.enabled, considered: 0, moved: [], skipped: [], failed: [] };
  if (!settings.enabled) return idle;
  const outcome = await withMovesLock(sql, 0, () => trafficRound(sql, opts, settings.maxMovesPerRound));
  return outcome.locked ? outcome.value : { ...idle, ran: false };
}

async function trafficRound(sql: Sql, opts: TrafficMovesOptions, limit: number): Promise<TrafficMovesRound> {
  const { providers } = opts;
  const eligible = [...providers.keys()];
  const down = await downProviders(sql);
  const held = await sitesHeldByFailover(sql);
  const domains = await siteDomains(sql);
  // A suspended workspace's sites are not served; moving them would only cost a deploy.
  const sites = await sql<{ tenantId: string; siteId: string; name: string }[]>`
    select s.tenant_id as "tenantId", s.id as "siteId", s.name from sites s join tenants t on t.id = s.tenant_id
    where s.live_deployment_id is not null and t.status <> 'suspended' order by s.created_at, s.id`;
  const round: TrafficMovesRound = { ran: true, enabled: true, considered: sites.length, moved: [], skipped: [], failed: [] };

  const wanted: { site: (typeof sites)[number]; decision: RouteDecision & { current: ProviderName }; saving: number }[] = [];
  for (const site of sites) {
    const decision = await routeSiteToProvider(sql, { tenantId: site.tenantId, siteId: site.siteId, eligible, policy: opts.policy });
    if (!decision.move || !decision.current) continue;
    const from = decision.current;
    const to = decision.chosen;
    const skip = (why: TrafficMoveSkip) => round.skipped.push({ siteId: site.siteId, from, to, why });
    if (held.has(site.siteId) && providers.has(held.get(site.siteId)!)) skip('failed_over');
    else if (domains.has(site.siteId)) skip('custom_domains');
    else if (down.has(from)) skip('current_down');
    else if (down.has(to)) skip('target_down');
    else if (!providers.has(from)) skip('current_not_configured');
    // A site whose current provider no longer fits its traffic moves before any saving.
    else wanted.push({ site, decision: { ...decision, current: from }, saving: decision.currentCostKrw === null ? Number.POSITIVE_INFINITY : decision.currentCostKrw - decision.monthlyCostKrw });
  }
  wanted.sort((a, b) => b.saving - a.saving || a.site.siteId.localeCompare(b.site.siteId));

  for (const [index, { site, decision }] of wanted.entries()) {
    const from = decision.current;
    const to = decision.chosen;
    if (index >= limit) {
      round.skipped.push({ siteId: site.siteId, from, to, why: 'round_limit' });
      continue;
    }
    try {
      const files = await liveSiteFiles(sql, { tenantId: site.tenantId, siteId: site.siteId, dataDir: opts.dataDir });
      if (!files) continue; // unpublished since the list was read
      const result = await migrateSite(sql, {
        tenantId: site.tenantId, siteId: site.siteId, from: providers.get(from)!, to: providers.get(to)!, files, reason: 'traffic',
        costBeforeKrw: decision.currentCostKrw, costAfterKrw: decision.monthlyCostKrw,
        stableNames: opts.stableNames, domainTiming: opts.domainTiming,
      });
      await noteRouterReason(sql, site.tenantId, result.migrationId, decision.reason);
      round.moved.push({
        tenantId: site.tenantId, siteId: site.siteId, siteName: site.name, from, to, migrationId: result.migrationId,
        costBeforeKrw: decision.currentCostKrw, costAfterKrw: decision.monthlyCostKrw, reason: decision.reason,
      });
    } catch (error) {
      round.failed.push({ siteId: site.siteId, from, to, error: (error as Error).message });
    }
  }
  return round;
}

/** Puts the router's sentence in front of migrateSite's clean-up note, for ops. */
async function noteRouterReason(sql: Sql, tenantId: string, migrationId: string, reason: string): Promise<void> {
  await withTenant(sql, tenantId, (tx) => tx`
    update cdn_migrations set detail = left(${reason} || ' · ' || detail, 2000) where id = ${migrationId}`);
}

// ── An admin's move (/ops/cdn) ───────────────────────────────────────────────────────────────────

export interface AdminMoveInput {
  providers: ReadonlyMap<ProviderName, CdnProvider>;
  dataDir: string;
  siteId: string;
  to: string;
  /** The ops or admin user asking (cdn_migrations.requested_by). */
  userId: string;
  /** How long to wait for a failover round or a traffic round to finish; 15 s unless set. */
  lockWaitMs?: number;
  stableNames?: StableNameConfig;
  domainTiming?: { activeWaitMs?: number; drainMs?: number };
}

export interface AdminMoveResult {
  migrationId: string;
  siteName: string;
  from: ProviderName;
  to: ProviderName;
  costBeforeKrw: number | null;
  costAfterKrw: number | null;
}

const NOT_FOUND = '사이트를 찾을 수 없습니다. 목록을 새로 고친 뒤 다시 선택해 주세요.';

function quoteCost(decision: RouteDecision, provider: ProviderName): number | null {
  const quote = decision.quotes.find((q) => q.provider === provider);
  return quote && Number.isFinite(quote.monthlyCostKrw) ? quote.monthlyCostKrw : null;
}

/**
 * Moves one site to the provider an admin chose. Refuses, in Korean, a site that serves nothing,
 * a provider this installation has no credentials for, one that is down, and the provider the site
 * is already on. The site answers throughout (migrateSite); when the move fails it stays where it was.
 */
export async function moveSiteForAdmin(sql: Sql, input: AdminMoveInput): Promise<AdminMoveResult> {
  const { providers } = input;
  if (!isUuid(input.siteId)) throw new CdnError('not_found', NOT_FOUND);
  const [site] = await sql<{ tenantId: string; name: string; cdnProvider: ProviderName; live: string | null }[]>`
    select tenant_id as "tenantId", name, cdn_provider as "cdnProvider", live_deployment_id as live from sites where id = ${input.siteId}`;
  if (!site) throw new CdnError('not_found', NOT_FOUND);
  if (!(PROVIDER_NAMES as readonly string[]).includes(input.to)) {
    throw new CdnError('not_configured', '옮겨 갈 CDN을 목록에서 골라 주세요.');
  }
  const to = input.to as ProviderName;
  const toLabel = PROVIDER_LABELS[to];
  if (!site.live) throw new CdnError('not_ready', `'${site.name}'은(는) 아직 게시되지 않아 옮길 배포가 없습니다. 게시한 뒤 다시 시도해 주세요.`);
  if (site.cdnProvider === to) throw new CdnError('already_there', `'${site.name}'은(는) 이미 ${toLabel}에서 서비스되고 있습니다. 다른 CDN을 골라 주세요.`);
  if (!providers.has(to)) throw new CdnError('not_configured', `${toLabel} 자격 증명이 이 설치에 설정되지 않아 옮길 수 없습니다. 환경 변수를 설정한 뒤 다시 시도해 주세요.`);
  const from = site.cdnProvider;
  const hostnames = (await siteDomains(sql, [input.siteId])).get(input.siteId);
  if (hostnames) {
    throw new CdnError(
      'unsupported',
      `'${site.name}'에 연결된 도메인(${hostnames.join(', ')})이 있어 옮길 수 없습니다. 도메인의 DNS 레코드가 지금의 ${PROVIDER_LABELS[from] ?? from}을(를) 직접 가리키므로, 옮기면 그 주소가 새 CDN의 사이트를 보여 주지 않습니다. ` +
        `소유자가 도메인 연결 페이지에 나온 WindWalker 이름으로 CNAME을 바꾸고 '다시 확인'하면 도메인과 함께 옮길 수 있습니다(아니면 연결 해제 → 이동 → 다시 연결).`,
    );
  }
  if (!providers.has(from)) {
    throw new CdnError('not_configured', `지금 쓰는 ${PROVIDER_LABELS[from] ?? from}의 자격 증명이 이 설치에 없어 옛 배포를 정리할 수 없습니다. 자격 증명을 다시 설정한 뒤 옮겨 주세요.`);
  }

  const outcome = await withMovesLock(sql, input.lockWaitMs ?? 15_000, async () => {
    const down = await downProviders(sql);
    if (down.has(to)) throw new CdnError('provider_failed', `${toLabel}이(가) 지금 장애 중이라 옮길 수 없습니다. 상태가 정상으로 돌아온 뒤 다시 시도해 주세요.`);
    // Read again under the lock: failover may have moved the site meanwhile.
    const [now] = await sql<{ cdnProvider: ProviderName; live: string | null }[]>`
      select cdn_provider as "cdnProvider", live_deployment_id as live from sites where id = ${input.siteId}`;
    if (!now?.live) throw new CdnError('not_ready', `'${site.name}'은(는) 게시가 취소되어 옮길 배포가 없습니다.`);
    if (now.cdnProvider !== from) {
      throw new CdnError('already_there', `그사이 '${site.name}'이(가) ${PROVIDER_LABELS[now.cdnProvider] ?? now.cdnProvider}(으)로 옮겨졌습니다. 목록을 새로 고친 뒤 다시 선택해 주세요.`);
    }
    const decision = await routeSiteToProvider(sql, { tenantId: site.tenantId, siteId: input.siteId, eligible: [...providers.keys()] });
    const costBeforeKrw = quoteCost(decision, from);
    const costAfterKrw = quoteCost(decision, to);
    const files = await liveSiteFiles(sql, { tenantId: site.tenantId, siteId: input.siteId, dataDir: input.dataDir });
    if (!files) throw new CdnError('not_ready', `'${site.name}'은(는) 게시가 취소되어 옮길 배포가 없습니다.`);
    try {
      const result = await migrateSite(sql, {
        tenantId: site.tenantId, siteId: input.siteId, from: providers.get(from)!, to: providers.get(to)!, files, reason: 'admin',
        costBeforeKrw, costAfterKrw, requestedBy: input.userId,
        // Off a provider that is down, its old deployments stay (removing them would only wait out its retries).
        keepOld: down.has(from), stableNames: input.stableNames, domainTiming: input.domainTiming,
      });
      const note = `관리자 요청 (라우터: ${decision.reason})`;
      await noteRouterReason(sql, site.tenantId, result.migrationId, note);
      return { migrationId: result.migrationId, siteName: site.name, from, to, costBeforeKrw, costAfterKrw };
    } catch (cause) {
      // A refusal in Korean already (the stable name's DNS API not configured, …) reaches the admin as it is.
      if (cause instanceof CdnError && (cause.code === 'not_configured' || cause.code === 'unsupported')) throw cause;
      throw new CdnError(
        'provider_failed',
        `${toLabel}에 배포하지 못해 '${site.name}'은(는) ${PROVIDER_LABELS[from]}에 그대로 있습니다: ${(cause as Error).message.slice(0, 300)}`,
        { cause },
      );
    }
  });
  if (!outcome.locked) {
    throw new CdnError('provider_failed', '지금 장애 조치나 자동 이동이 사이트를 옮기는 중입니다. 잠시 후 다시 시도해 주세요.');
  }
  return outcome.value;
}

// ── What /ops/cdn shows ──────────────────────────────────────────────────────────────────────────

export interface SiteRoute {
  siteId: string;
  siteName: string;
  slug: string;
  tenantName: string;
  current: ProviderName;
  /** The router's decision for the site now (its reason, choice and costs). */
  decision: RouteDecision;
  /** What the site costs a month where it is (null when its provider has no fitting plan). */
  currentCostKrw: number | null;
  /** The provider failover moved the site away from and will move it back to, if any. */
  heldFor: ProviderName | null;
  /** Its custom domains that point straight at its provider: a site with any is not moved here (see siteDomains). */
  domains: string[];
  /** Providers an admin may move it to: configured, up, not where it is; with their monthly cost. */
  targets: { provider: ProviderName; monthlyCostKrw: number | null }[];
}

/**
 * Live sites with the router's decision, most requested first (the last 30 days); `query` filters
 * by site name, address or workspace name.
 */
export async function listSiteRoutes(
  sql: Sql,
  opts: { providers: ReadonlyMap<ProviderName, CdnProvider>; limit?: number; query?: string },
): Promise<SiteRoute[]> {
  const eligible = [...opts.providers.keys()];
  const down = await downProviders(sql);
  const held = await sitesHeldByFailover(sql);
  const like = opts.query?.trim() ? `%${opts.query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const sites = await sql<{ siteId: string; tenantId: string; siteName: string; slug: string; tenantName: string }[]>`
    select s.id as "siteId", s.tenant_id as "tenantId", s.name as "siteName", s.slug, t.name as "tenantName"
    from sites s join tenants t on t.id = s.tenant_id
      left join lateral (
        select sum(u.requests) as requests from cdn_usage_daily u
        where u.site_id = s.id and u.day > (now() at time zone 'Asia/Seoul')::date - 30
      ) usage on true
    where s.live_deployment_id is not null
      and (${like}::text is null or s.name ilike ${like} or s.slug ilike ${like} or t.name ilike ${like})
    order by usage.requests desc nulls last, s.created_at, s.id
    limit ${opts.limit ?? 50}`;
  const domains = await siteDomains(sql, sites.map((site) => site.siteId));
  const routes: SiteRoute[] = [];
  for (const site of sites) {
    const decision = await routeSiteToProvider(sql, { tenantId: site.tenantId, siteId: site.siteId, eligible });
    const current = decision.current!;
    routes.push({
      siteId: site.siteId, siteName: site.siteName, slug: site.slug, tenantName: site.tenantName, current, decision,
      currentCostKrw: quoteCost(decision, current),
      heldFor: held.get(site.siteId) ?? null,
      domains: domains.get(site.siteId) ?? [],
      targets: eligible.filter((p) => p !== current && !down.has(p)).map((p) => ({ provider: p, monthlyCostKrw: quoteCost(decision, p) })),
    });
  }
  return routes;
}

export interface MigrationRow {
  id: string;
  siteId: string;
  siteName: string;
  from: ProviderName;
  to: ProviderName;
  reason: 'traffic' | 'failover' | 'recovery' | 'admin';
  status: 'running' | 'done' | 'failed';
  costBeforeKrw: number | null;
  costAfterKrw: number | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  requestedBy: string | null;
  detail: string;
}

/** The latest moves of every site, newest first (platform-wide, for ops). */
export async function listRecentMigrations(sql: Sql, limit = 30): Promise<MigrationRow[]> {
  const rows = await sql<(Omit<MigrationRow, 'durationMs'> & { durationMs: number | null })[]>`
    select m.id, m.site_id as "siteId", s.name as "siteName", m.from_provider as "from", m.to_provider as "to", m.reason, m.status,
           m.monthly_cost_before_krw as "costBeforeKrw", m.monthly_cost_after_krw as "costAfterKrw",
           m.started_at as "startedAt", m.finished_at as "finishedAt",
           (extract(epoch from (m.finished_at - m.started_at)) * 1000)::float8 as "durationMs",
           coalesce(nullif(u.display_name, ''), u.email) as "requestedBy", m.detail
    from cdn_migrations m join sites s on s.id = m.site_id left join users u on u.id = m.requested_by
    order by m.started_at desc, m.id limit ${limit}`;
  return rows.map((r) => ({ ...r, durationMs: r.durationMs === null ? null : Math.round(r.durationMs) }));
}
