// What the ops dashboard reads: money (revenue, cost by source, margin per site / tenant /
// plan, CDN provider mix) and capacity (hosts over time, builds, queue, editor sessions,
// load-test runs). Platform-level queries over all tenants: only /ops (finance, ops, admin)
// calls them. Ranges are inclusive Asia/Seoul days.
import type { Sql } from '../db/index.ts';
import { COST_SOURCES, type CostSource } from './costs.ts';

export interface DayRange {
  from: string;
  to: string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
function checkRange(range: DayRange): void {
  if (!DAY_RE.test(range.from) || !DAY_RE.test(range.to)) throw new Error(`a day range is YYYY-MM-DD..YYYY-MM-DD, got ${range.from}..${range.to}`);
}

const num = (x: unknown) => (x === null || x === undefined ? 0 : Number(x));

// --- money -----------------------------------------------------------------------------------------

export type CostByDay = { day: string; totalKrw: number; revenueKrw: number } & Record<CostSource, number>;

/** Each day of the range with its cost per source and revenue (days without rows are 0). */
export async function costAndRevenueByDay(sql: Sql, range: DayRange): Promise<CostByDay[]> {
  checkRange(range);
  const rows = await sql<{ day: string; source: string | null; amount: string | null; revenue: string | null }[]>`
    with days as (select generate_series(${range.from}::date, ${range.to}::date, interval '1 day')::date as day)
    select to_char(d.day, 'YYYY-MM-DD') as day, c.source, c.amount,
           (select sum(amount_krw) from revenue_daily r where r.day = d.day) as revenue
    from days d
    left join (select day, source, sum(amount_krw) as amount from cost_daily group by day, source) c on c.day = d.day
    order by d.day`;
  const byDay = new Map<string, CostByDay>();
  for (const r of rows) {
    let entry = byDay.get(r.day);
    if (!entry) {
      entry = { day: r.day, cdn: 0, build: 0, llm: 0, core: 0, totalKrw: 0, revenueKrw: Math.round(num(r.revenue)) };
      byDay.set(r.day, entry);
    }
    if (r.source) entry[r.source as CostSource] = Math.round(num(r.amount));
  }
  for (const e of byDay.values()) e.totalKrw = COST_SOURCES.reduce((s, k) => s + e[k], 0);
  return [...byDay.values()];
}

export interface MarginRow {
  key: string;
  name: string;
  detail: string;
  planCode: string | null;
  revenueKrw: number;
  costKrw: number;
  marginKrw: number;
  /** Margin as % of revenue; null without revenue. */
  marginPercent: number | null;
  bySource: Record<CostSource, number>;
}

function marginRow(key: string, name: string, detail: string, planCode: string | null, revenue: number, bySource: Record<CostSource, number>): MarginRow {
  const cost = COST_SOURCES.reduce((s, k) => s + bySource[k], 0);
  const margin = revenue - cost;
  return {
    key,
    name,
    detail,
    planCode,
    revenueKrw: Math.round(revenue),
    costKrw: Math.round(cost),
    marginKrw: Math.round(margin),
    marginPercent: revenue > 0 ? Math.round((margin / revenue) * 1000) / 10 : null,
    bySource: Object.fromEntries(COST_SOURCES.map((k) => [k, Math.round(bySource[k])])) as Record<CostSource, number>,
  };
}

const worstFirst = (a: MarginRow, b: MarginRow) => a.marginKrw - b.marginKrw || b.costKrw - a.costKrw || a.name.localeCompare(b.name, 'ko');

/**
 * Margin per site, worst first. A site's revenue is its tenant's revenue split equally among
 * the tenant's sites; tenant-level costs with no site (an AI draft before a site existed) are
 * shown on the tenant, not on a site.
 */
export async function marginBySite(sql: Sql, range: DayRange): Promise<MarginRow[]> {
  checkRange(range);
  const rows = await sql`
    with site_counts as (select tenant_id, count(*) as n from sites group by tenant_id),
    revenue as (
      select tenant_id, sum(amount_krw) as amount from revenue_daily
      where day between ${range.from}::date and ${range.to}::date group by tenant_id
    ),
    costs as (
      select site_id, source, sum(amount_krw) as amount from cost_daily
      where site_id is not null and day between ${range.from}::date and ${range.to}::date group by site_id, source
    )
    select s.id, s.name, s.slug, t.name as tenant_name, sub.plan_code,
           coalesce(r.amount, 0) / sc.n as revenue,
           (select json_object_agg(c.source, c.amount) from costs c where c.site_id = s.id) as by_source
    from sites s
    join tenants t on t.id = s.tenant_id
    join site_counts sc on sc.tenant_id = s.tenant_id
    left join revenue r on r.tenant_id = s.tenant_id
    left join subscriptions sub on sub.tenant_id = s.tenant_id
    where r.amount is not null or exists (select 1 from costs c where c.site_id = s.id)`;
  return rows
    .map((r) => marginRow(r.id as string, r.name as string, `${r.tenant_name} · ${r.slug}`, (r.plan_code as string | null) ?? null, num(r.revenue), sourceMap(r.by_source)))
    .sort(worstFirst);
}

export async function marginByTenant(sql: Sql, range: DayRange): Promise<MarginRow[]> {
  checkRange(range);
  const rows = await sql`
    with revenue as (
      select tenant_id, sum(amount_krw) as amount from revenue_daily
      where day between ${range.from}::date and ${range.to}::date group by tenant_id
    ),
    costs as (
      select tenant_id, source, sum(amount_krw) as amount from cost_daily
      where tenant_id is not null and day between ${range.from}::date and ${range.to}::date group by tenant_id, source
    )
    select t.id, t.name, sub.plan_code, (select count(*) from sites where tenant_id = t.id)::int as sites,
           coalesce(r.amount, 0) as revenue,
           (select json_object_agg(c.source, c.amount) from costs c where c.tenant_id = t.id) as by_source
    from tenants t
    left join revenue r on r.tenant_id = t.id
    left join subscriptions sub on sub.tenant_id = t.id
    where r.amount is not null or exists (select 1 from costs c where c.tenant_id = t.id)`;
  return rows
    .map((r) => marginRow(r.id as string, r.name as string, `사이트 ${r.sites}개`, (r.plan_code as string | null) ?? null, num(r.revenue), sourceMap(r.by_source)))
    .sort(worstFirst);
}

/** Margin per plan (tenants without a subscription count as 'none'); the platform's own cost (no tenant) is its own row. */
export async function marginByPlan(sql: Sql, range: DayRange): Promise<MarginRow[]> {
  checkRange(range);
  const rows = await sql`
    with plan_of as (
      select t.id as tenant_id, coalesce(s.plan_code, 'none') as plan_code from tenants t left join subscriptions s on s.tenant_id = t.id
    ),
    revenue as (
      select r.plan_code, sum(r.amount_krw) as amount, count(distinct r.tenant_id) as tenants from revenue_daily r
      where r.day between ${range.from}::date and ${range.to}::date group by r.plan_code
    ),
    costs as (
      select coalesce(p.plan_code, 'platform') as plan_code, c.source, sum(c.amount_krw) as amount
      from cost_daily c left join plan_of p on p.tenant_id = c.tenant_id
      where c.day between ${range.from}::date and ${range.to}::date group by 1, 2
    ),
    codes as (select plan_code from revenue union select plan_code from costs)
    select k.plan_code, coalesce(pl.name_ko, case k.plan_code when 'platform' then '플랫폼 공통' else '구독 없음' end) as name,
           coalesce(r.amount, 0) as revenue, coalesce(r.tenants, 0)::int as tenants,
           (select json_object_agg(c.source, c.amount) from costs c where c.plan_code = k.plan_code) as by_source
    from codes k left join plans pl on pl.code = k.plan_code left join revenue r on r.plan_code = k.plan_code`;
  return rows
    .map((r) => marginRow(r.plan_code as string, r.name as string, `유료 워크스페이스 ${r.tenants}곳`, r.plan_code as string, num(r.revenue), sourceMap(r.by_source)))
    .sort(worstFirst);
}

function sourceMap(json: unknown): Record<CostSource, number> {
  const o = (json ?? {}) as Record<string, unknown>;
  return Object.fromEntries(COST_SOURCES.map((k) => [k, num(o[k])])) as Record<CostSource, number>;
}

export interface ProviderMixRow {
  provider: string;
  sites: number;
  requests: number;
  bytes: number;
  costKrw: number;
}

export async function cdnProviderMix(sql: Sql, range: DayRange): Promise<ProviderMixRow[]> {
  checkRange(range);
  const rows = await sql`
    select u.provider, count(distinct u.site_id)::int as sites, sum(u.requests)::bigint as requests, sum(u.bytes)::bigint as bytes,
           coalesce((select sum(c.amount_krw) from cost_daily c
                     where c.source = 'cdn' and c.item = u.provider and c.day between ${range.from}::date and ${range.to}::date), 0) as cost
    from cdn_usage_daily u
    where u.day between ${range.from}::date and ${range.to}::date
    group by u.provider order by sum(u.requests) desc`;
  return rows.map((r) => ({ provider: r.provider as string, sites: r.sites as number, requests: num(r.requests), bytes: num(r.bytes), costKrw: Math.round(num(r.cost)) }));
}

// --- capacity --------------------------------------------------------------------------------------

export interface HostNow {
  name: string;
  source: string;
  status: string;
  cpuCount: number;
  monthlyCostKrw: number;
  sampledAt: Date | null;
  cpuPercent: number | null;
  memPercent: number | null;
  diskPercent: number | null;
  memTotalBytes: number;
  diskTotalBytes: number;
}

export async function hostsNow(sql: Sql): Promise<HostNow[]> {
  const rows = await sql`
    select h.name, h.source, h.status, h.cpu_count, h.monthly_cost_krw, h.mem_total_bytes, h.disk_total_bytes,
           s.at, s.cpu_percent,
           case when s.mem_total_bytes > 0 then 100.0 * s.mem_used_bytes / s.mem_total_bytes end as mem,
           case when s.disk_total_bytes > 0 then 100.0 * s.disk_used_bytes / s.disk_total_bytes end as disk
    from hosts h
    left join lateral (select * from host_samples where host = h.name order by at desc limit 1) s on true
    where h.status <> 'removed'
    order by h.name`;
  const pct = (x: unknown) => (x === null || x === undefined ? null : Math.round(Number(x) * 10) / 10);
  return rows.map((r) => ({
    name: r.name as string,
    source: r.source as string,
    status: r.status as string,
    cpuCount: r.cpu_count as number,
    monthlyCostKrw: r.monthly_cost_krw as number,
    sampledAt: (r.at as Date | null) ?? null,
    cpuPercent: pct(r.cpu_percent),
    memPercent: pct(r.mem),
    diskPercent: pct(r.disk),
    memTotalBytes: num(r.mem_total_bytes),
    diskTotalBytes: num(r.disk_total_bytes),
  }));
}

export interface CapacityPoint {
  at: string;
  host: string;
  cpuPercent: number;
  memPercent: number;
  diskPercent: number;
  runningBuilds: number;
  queueDepth: number;
}

/** Host samples over the range, averaged into buckets (5 min for a day, an hour up to a week, 6 hours beyond). */
export async function capacityOverTime(sql: Sql, range: DayRange): Promise<CapacityPoint[]> {
  checkRange(range);
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000 + 1;
  const bucket = days <= 1 ? '5 minutes' : days <= 7 ? '1 hour' : '6 hours';
  const rows = await sql`
    select date_bin(${bucket}::interval, at, '2000-01-01T00:00:00+09'::timestamptz) as bucket, host,
           avg(cpu_percent) as cpu,
           avg(case when mem_total_bytes > 0 then 100.0 * mem_used_bytes / mem_total_bytes else 0 end) as mem,
           avg(case when disk_total_bytes > 0 then 100.0 * disk_used_bytes / disk_total_bytes else 0 end) as disk,
           max(running_builds) as running, max(queue_depth) as queued
    from host_samples
    where at >= (${range.from}::date)::timestamp at time zone 'Asia/Seoul'
      and at < (${range.to}::date + 1)::timestamp at time zone 'Asia/Seoul'
    group by 1, 2 order by 1, 2`;
  const r1 = (x: unknown) => Math.round(num(x) * 10) / 10;
  return rows.map((r) => ({
    at: (r.bucket as Date).toISOString(),
    host: r.host as string,
    cpuPercent: r1(r.cpu),
    memPercent: r1(r.mem),
    diskPercent: r1(r.disk),
    runningBuilds: num(r.running),
    queueDepth: num(r.queued),
  }));
}

export interface WorkloadNow {
  runningBuilds: number;
  queueDepth: number;
  /** People who saved in the builder in the last 10 minutes (the concurrent editor sessions). */
  activeEditors: number;
  onlineHosts: number;
  /** The planned concurrency of a cluster of this many hosts (concurrent_users_per_host each). */
  editorTarget: number;
  clusterLabel: string;
}

export interface DevSessionTarget {
  min: number;
  max: number;
  label: string;
}

/**
 * The business plan sizes hosts by concurrent development sessions: the basic 1-server cluster
 * for 10–20, the 3-server standard cluster for 50–80. Other sizes scale the nearer of the two
 * per server (fewer than 3: 10–20 each; 3 or more: 50–80 per 3).
 */
export function devSessionTarget(hosts: number): DevSessionTarget {
  const n = Math.max(1, hosts);
  if (n < 3) return { min: 10 * n, max: 20 * n, label: n === 1 ? '기본형 1서버 계획: 동시 개발 10~20명' : `기본형 ${n}서버 (서버당 10~20명)` };
  if (n === 3) return { min: 50, max: 80, label: '표준형 3서버 클러스터 계획: 동시 개발 50~80명' };
  return { min: Math.round((50 * n) / 3), max: Math.round((80 * n) / 3), label: `표준형 ${n}서버 (3서버당 50~80명)` };
}

export async function workloadNow(sql: Sql): Promise<WorkloadNow> {
  const [row] = await sql`
    select (select count(*) from builds where status = 'running')::int as running,
           (select count(*) from builds where status = 'queued')::int as queued,
           (select count(distinct created_by) from site_versions where reason = 'autosave' and created_at > now() - interval '10 minutes')::int as editors,
           (select count(*) from hosts where status = 'online')::int as hosts,
           (select value from cost_assumptions where key = 'concurrent_users_per_host') as per_host`;
  const hosts = Math.max(1, row.hosts as number);
  return {
    runningBuilds: row.running as number,
    queueDepth: row.queued as number,
    activeEditors: row.editors as number,
    onlineHosts: row.hosts as number,
    editorTarget: Math.round(hosts * num(row.per_host ?? 20)),
    clusterLabel: hosts >= 3 ? `표준형 ${hosts}서버 클러스터 (계획: 동시 개발 50~80명)` : `기본형 ${hosts}서버 (계획: 동시 개발 10~20명)`,
  };
}

export interface LoadtestPoint {
  id: number;
  startedAt: string;
  scenario: string;
  model: string;
  targetVus: number;
  p95Ms: number;
  p99Ms: number;
  rps: number;
  errorRate: number;
  requests: number;
  passed: boolean;
}

export async function loadtestRuns(sql: Sql, range: DayRange): Promise<LoadtestPoint[]> {
  checkRange(range);
  const rows = await sql`
    select id, started_at, scenario, model, target_vus, p95_ms, p99_ms, rps, error_rate, requests, thresholds_passed
    from loadtest_runs
    where started_at >= (${range.from}::date)::timestamp at time zone 'Asia/Seoul'
      and started_at < (${range.to}::date + 1)::timestamp at time zone 'Asia/Seoul'
    order by started_at, id`;
  return rows.map((r) => ({
    id: Number(r.id),
    startedAt: (r.started_at as Date).toISOString(),
    scenario: r.scenario as string,
    model: r.model as string,
    targetVus: r.target_vus as number,
    p95Ms: num(r.p95_ms),
    p99Ms: num(r.p99_ms),
    rps: num(r.rps),
    errorRate: num(r.error_rate),
    requests: num(r.requests),
    passed: r.thresholds_passed as boolean,
  }));
}
