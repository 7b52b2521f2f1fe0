// The business plan's scenario tables — hybrid (self-hosted core + CDN hosting) against all
// self-hosted at 50 / 100 / 250 / 500 concurrent users: core cost, delivery cost (CDN or own
// bandwidth), total and profit a month — recomputed from live figures where the platform has
// them and from the editable assumptions (cost_assumptions) where it does not, beside the
// plan's own figures (cost_scenario_reference).
//
//   subscribers = concurrent users × subscribers_per_concurrent_user
//   core        = ⌈concurrent users ÷ concurrent_users_per_host⌉ × host monthly cost
//   hybrid CDN  = subscribers × CDN cost per subscriber a month
//   self-hosted = subscribers × traffic GB per subscriber a month × self_hosted_krw_per_gb
//   revenue     = subscribers × ARPU;  profit = revenue − (core + delivery)
//
// Live figures: host monthly cost = average of hosts with a cost; ARPU = MRR ÷ paying
// subscriptions; CDN cost and traffic per subscriber = the last 30 days of cost_daily (CDN,
// external providers) and cdn_usage_daily bytes ÷ paying subscriptions.
import type { Sql } from '../db/index.ts';
import { mrrByPlan } from './revenue.ts';

export const SCENARIO_CONCURRENT_USERS = [50, 100, 250, 500] as const;
export type Architecture = 'hybrid' | 'self_hosted';

export const ASSUMPTION_KEYS = [
  'subscribers_per_concurrent_user',
  'concurrent_users_per_host',
  'host_monthly_cost_krw',
  'arpu_krw',
  'cdn_krw_per_subscriber',
  'traffic_gb_per_subscriber',
  'self_hosted_krw_per_gb',
] as const;
export type AssumptionKey = (typeof ASSUMPTION_KEYS)[number];

export interface Assumption {
  key: AssumptionKey;
  value: number;
  labelKo: string;
  unit: string;
  note: string;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface ScenarioFigure {
  value: number;
  source: 'live' | 'assumption';
}

export interface ScenarioInputs {
  subscribersPerConcurrentUser: number;
  concurrentUsersPerHost: number;
  selfHostedKrwPerGb: number;
  hostMonthlyCostKrw: ScenarioFigure;
  arpuKrw: ScenarioFigure;
  cdnKrwPerSubscriber: ScenarioFigure;
  trafficGbPerSubscriber: ScenarioFigure;
}

export interface ScenarioMoney {
  coreKrw: number;
  deliveryKrw: number;
  totalKrw: number;
  profitKrw: number;
}

export interface ScenarioRow {
  concurrentUsers: number;
  architecture: Architecture;
  subscribers: number;
  hosts: number;
  revenueKrw: number;
  computed: ScenarioMoney;
  reference: ScenarioMoney | null;
}

export async function listAssumptions(sql: Sql): Promise<Assumption[]> {
  const rows = await sql`select * from cost_assumptions`;
  const order = (key: unknown) => ASSUMPTION_KEYS.indexOf(key as AssumptionKey);
  return [...rows].sort((x, y) => order(x.key) - order(y.key)).map((r) => ({
    key: r.key as AssumptionKey,
    value: Number(r.value),
    labelKo: r.label_ko as string,
    unit: r.unit as string,
    note: r.note as string,
    updatedAt: r.updated_at as Date,
    updatedBy: (r.updated_by as string | null) ?? null,
  }));
}

export async function updateAssumption(sql: Sql, key: string, value: number, userId: string | null): Promise<void> {
  if (!ASSUMPTION_KEYS.includes(key as AssumptionKey)) throw new Error(`알 수 없는 가정 항목입니다: ${key}`);
  if (!Number.isFinite(value) || value < 0) throw new Error('가정 값은 0 이상의 숫자로 입력해 주세요.');
  if ((key === 'concurrent_users_per_host' || key === 'subscribers_per_concurrent_user') && value <= 0) {
    throw new Error('서버당 동시 개발자와 동접자당 구독자는 0보다 커야 합니다.');
  }
  await sql`update cost_assumptions set value = ${value}, updated_by = ${userId}, updated_at = now() where key = ${key}`;
}

/** Live figures where the platform has them, otherwise the assumptions. */
export async function loadScenarioInputs(sql: Sql, now: Date = new Date()): Promise<ScenarioInputs> {
  const a = Object.fromEntries((await listAssumptions(sql)).map((x) => [x.key, x.value])) as Record<AssumptionKey, number>;
  const [hosts] = await sql<{ avg: string | null }[]>`
    select avg(monthly_cost_krw) as avg from hosts where status <> 'removed' and monthly_cost_krw > 0`;
  const mrr = await mrrByPlan(sql);
  const paying = mrr.byPlan.reduce((s, p) => s + p.subscriptions, 0);
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const [cdn] = await sql<{ cost: string; rows: number }[]>`
    select coalesce(sum(amount_krw), 0) as cost, count(*)::int as rows from cost_daily
    where source = 'cdn' and item <> 'local' and day > (${since}::timestamptz at time zone 'Asia/Seoul')::date`;
  const [traffic] = await sql<{ bytes: string }[]>`
    select coalesce(sum(bytes), 0) as bytes from cdn_usage_daily where day > (${since}::timestamptz at time zone 'Asia/Seoul')::date`;
  const bytes = Number(traffic.bytes);
  return {
    subscribersPerConcurrentUser: a.subscribers_per_concurrent_user,
    concurrentUsersPerHost: a.concurrent_users_per_host,
    selfHostedKrwPerGb: a.self_hosted_krw_per_gb,
    hostMonthlyCostKrw: hosts.avg !== null ? { value: Math.round(Number(hosts.avg)), source: 'live' } : { value: a.host_monthly_cost_krw, source: 'assumption' },
    arpuKrw: paying > 0 ? { value: Math.round(mrr.totalKrw / paying), source: 'live' } : { value: a.arpu_krw, source: 'assumption' },
    cdnKrwPerSubscriber:
      paying > 0 && cdn.rows > 0 ? { value: Math.round((Number(cdn.cost) / paying) * 100) / 100, source: 'live' } : { value: a.cdn_krw_per_subscriber, source: 'assumption' },
    trafficGbPerSubscriber:
      paying > 0 && bytes > 0 ? { value: Math.round((bytes / 1e9 / paying) * 1000) / 1000, source: 'live' } : { value: a.traffic_gb_per_subscriber, source: 'assumption' },
  };
}

/** The two tables from the inputs (pure). */
export function computeScenarios(inputs: ScenarioInputs, reference: Map<string, ScenarioMoney> = new Map()): ScenarioRow[] {
  const rows: ScenarioRow[] = [];
  for (const users of SCENARIO_CONCURRENT_USERS) {
    const subscribers = users * inputs.subscribersPerConcurrentUser;
    const hosts = Math.ceil(users / inputs.concurrentUsersPerHost);
    const core = hosts * inputs.hostMonthlyCostKrw.value;
    const revenue = subscribers * inputs.arpuKrw.value;
    const delivery: Record<Architecture, number> = {
      hybrid: subscribers * inputs.cdnKrwPerSubscriber.value,
      self_hosted: subscribers * inputs.trafficGbPerSubscriber.value * inputs.selfHostedKrwPerGb,
    };
    for (const architecture of ['hybrid', 'self_hosted'] as const) {
      const coreKrw = Math.round(core);
      const deliveryKrw = Math.round(delivery[architecture]);
      const totalKrw = coreKrw + deliveryKrw;
      rows.push({
        concurrentUsers: users,
        architecture,
        subscribers,
        hosts,
        revenueKrw: Math.round(revenue),
        computed: { coreKrw, deliveryKrw, totalKrw, profitKrw: Math.round(revenue) - totalKrw },
        reference: reference.get(`${users}:${architecture}`) ?? null,
      });
    }
  }
  return rows;
}

export async function scenarioReference(sql: Sql): Promise<Map<string, ScenarioMoney>> {
  const rows = await sql<{ concurrent_users: number; architecture: string; core_krw: number; delivery_krw: number; total_krw: number; profit_krw: number }[]>`
    select * from cost_scenario_reference`;
  return new Map(rows.map((r) => [`${r.concurrent_users}:${r.architecture}`, { coreKrw: r.core_krw, deliveryKrw: r.delivery_krw, totalKrw: r.total_krw, profitKrw: r.profit_krw }]));
}

/** What /ops shows: the inputs used (and where each came from) and both tables beside the plan's. */
export async function scenarioTables(sql: Sql, now: Date = new Date()): Promise<{ inputs: ScenarioInputs; rows: ScenarioRow[] }> {
  const inputs = await loadScenarioInputs(sql, now);
  return { inputs, rows: computeScenarios(inputs, await scenarioReference(sql)) };
}
