// Daily cost roll-up: turns one Asia/Seoul day of recorded usage into money per site and
// source (cdn, build, llm, core) in cost_daily, and the day's subscription revenue per tenant
// in revenue_daily. The allocation rules are docs/decisions/080-cost-allocation.md:
//
//   core day  D = Σ monthly_cost_krw of hosts not removed ÷ days in that month
//   CPU-minute rate r = D ÷ (1,440 × Σ cpu_count of those hosts)      (a build holds one CPU)
//   build     = each site's build minutes (finished_at − started_at, by finish day) × r
//   core      = D − Σ build, spread over sites by their activity share:
//               share = (build-minute share + request share) ÷ 2 when the day had both,
//               the one share that exists otherwise; a day with neither is the platform's
//               own row (tenant null). The core is spent whether or not anyone used it.
//   cdn       = cdn_usage_daily requests and bytes × the provider's prices (cdn/ price table)
//   llm       = llm_usage tokens × the model's price effective that day
//   revenue   = a paying subscription's monthly list price ÷ days in that month
//
// Idempotent: the day's rows are replaced in one transaction.
import type { Sql, TransactionSql } from '../db/index.ts';
import { priceCdnUsage, type CdnUsageRow } from './cdn-pricing.ts';

export type CostSource = 'cdn' | 'build' | 'llm' | 'core';
export const COST_SOURCES: CostSource[] = ['cdn', 'build', 'llm', 'core'];

export interface CostRow {
  tenantId: string | null;
  siteId: string | null;
  source: CostSource;
  item: string;
  quantity: number;
  unit: string;
  amountKrw: number;
}

export interface RollUpResult {
  day: string;
  rows: number;
  totalsKrw: Record<CostSource, number>;
  revenueKrw: number;
  /** Models in llm_usage with no price effective that day: their tokens are not priced. */
  unpricedModels: string[];
  /** CDN providers with usage and no price row: their usage is not priced. */
  unpricedProviders: string[];
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function daysInMonth(day: string): number {
  const [y, m] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Today's date in Asia/Seoul as YYYY-MM-DD (optionally shifted by whole days). */
export function seoulDay(at: Date = new Date(), offsetDays = 0): string {
  return new Date(at.getTime() + 9 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

// --- inputs (queries kept together) ---------------------------------------------------------------

interface DayInputs {
  hosts: { monthlyCostKrw: number; cpuCount: number }[];
  buildMinutes: { tenantId: string; siteId: string; minutes: number }[];
  cdnUsage: CdnUsageRow[];
  llm: { tenantId: string; siteId: string | null; model: string; inputTokens: number; outputTokens: number; inputPrice: number | null; outputPrice: number | null }[];
  revenue: { tenantId: string; planCode: string; monthlyPriceKrw: number }[];
}

async function readDayInputs(tx: TransactionSql, day: string): Promise<DayInputs> {
  const hosts = await tx<{ monthly_cost_krw: number; cpu_count: number }[]>`
    select monthly_cost_krw, cpu_count from hosts where status <> 'removed'`;
  const builds = await tx<{ tenant_id: string; site_id: string; minutes: string }[]>`
    select tenant_id, site_id, sum(extract(epoch from finished_at - started_at) / 60)::numeric(20, 6) as minutes
    from builds
    where started_at is not null and finished_at is not null and finished_at >= started_at
      and finished_at >= (${day}::date)::timestamp at time zone 'Asia/Seoul'
      and finished_at < (${day}::date + 1)::timestamp at time zone 'Asia/Seoul'
    group by tenant_id, site_id`;
  const cdn = await tx<{ tenant_id: string; site_id: string; provider: string; requests: number; bytes: number }[]>`
    select tenant_id, site_id, provider, requests, bytes from cdn_usage_daily
    where day = ${day}::date and (requests > 0 or bytes > 0)`;
  const llm = await tx<{ tenant_id: string; site_id: string | null; model: string; input_tokens: number; output_tokens: number; input_price: string | null; output_price: string | null }[]>`
    select u.tenant_id, u.site_id, u.model, sum(u.input_tokens)::bigint as input_tokens, sum(u.output_tokens)::bigint as output_tokens,
           p.input_krw_per_million as input_price, p.output_krw_per_million as output_price
    from llm_usage u
    left join lateral (
      select input_krw_per_million, output_krw_per_million from llm_prices
      where model = u.model and effective_from <= ${day}::date order by effective_from desc limit 1
    ) p on true
    where u.at >= (${day}::date)::timestamp at time zone 'Asia/Seoul'
      and u.at < (${day}::date + 1)::timestamp at time zone 'Asia/Seoul'
    group by u.tenant_id, u.site_id, u.model, p.input_krw_per_million, p.output_krw_per_million`;
  const revenue = await tx<{ tenant_id: string; plan_code: string; monthly_price_krw: number }[]>`
    select s.tenant_id, s.plan_code, p.monthly_price_krw
    from subscriptions s join plans p on p.code = s.plan_code
    where s.status in ('active', 'past_due') and s.granted_at is null and p.monthly_price_krw > 0
      and s.created_at < (${day}::date + 1)::timestamp at time zone 'Asia/Seoul'`;
  return {
    hosts: hosts.map((h) => ({ monthlyCostKrw: h.monthly_cost_krw, cpuCount: h.cpu_count })),
    buildMinutes: builds.map((b) => ({ tenantId: b.tenant_id, siteId: b.site_id, minutes: Number(b.minutes) })),
    cdnUsage: cdn.map((c) => ({ tenantId: c.tenant_id, siteId: c.site_id, provider: c.provider, requests: c.requests, bytes: c.bytes })),
    llm: llm.map((l) => ({
      tenantId: l.tenant_id,
      siteId: l.site_id,
      model: l.model,
      inputTokens: Number(l.input_tokens),
      outputTokens: Number(l.output_tokens),
      inputPrice: l.input_price === null ? null : Number(l.input_price),
      outputPrice: l.output_price === null ? null : Number(l.output_price),
    })),
    revenue: revenue.map((r) => ({ tenantId: r.tenant_id, planCode: r.plan_code, monthlyPriceKrw: r.monthly_price_krw })),
  };
}

// --- the allocation (pure) -----------------------------------------------------------------------

/** Build and core rows of one day from host costs, build minutes and requests. */
export function allocateCore(input: {
  day: string;
  hosts: { monthlyCostKrw: number; cpuCount: number }[];
  buildMinutes: { tenantId: string; siteId: string; minutes: number }[];
  requests: { tenantId: string; siteId: string; requests: number }[];
}): CostRow[] {
  const coreDay = input.hosts.reduce((s, h) => s + h.monthlyCostKrw, 0) / daysInMonth(input.day);
  const cpus = input.hosts.reduce((s, h) => s + h.cpuCount, 0);
  const rate = cpus > 0 ? coreDay / (1440 * cpus) : 0;
  const totalMinutes = input.buildMinutes.reduce((s, b) => s + b.minutes, 0);
  // More CPU-minutes of builds than the hosts have is impossible on real hosts; cap at the day.
  const buildScale = totalMinutes * rate > coreDay && totalMinutes > 0 ? coreDay / (totalMinutes * rate) : 1;
  const rows: CostRow[] = [];
  let buildTotal = 0;
  for (const b of input.buildMinutes) {
    const amount = b.minutes * rate * buildScale;
    buildTotal += amount;
    rows.push({ tenantId: b.tenantId, siteId: b.siteId, source: 'build', item: 'build-minutes', quantity: b.minutes, unit: 'minute', amountKrw: amount });
  }
  const remaining = Math.max(0, coreDay - buildTotal);
  if (remaining <= 0) return rows;

  // Activity share per site: build minutes and requests, each as a share of the day's total.
  const sites = new Map<string, { tenantId: string; minutes: number; requests: number }>();
  for (const b of input.buildMinutes) {
    const s = sites.get(b.siteId) ?? { tenantId: b.tenantId, minutes: 0, requests: 0 };
    s.minutes += b.minutes;
    sites.set(b.siteId, s);
  }
  for (const r of input.requests) {
    const s = sites.get(r.siteId) ?? { tenantId: r.tenantId, minutes: 0, requests: 0 };
    s.requests += r.requests;
    sites.set(r.siteId, s);
  }
  const totalRequests = [...sites.values()].reduce((s, x) => s + x.requests, 0);
  const parts = (totalMinutes > 0 ? 1 : 0) + (totalRequests > 0 ? 1 : 0);
  if (parts === 0) {
    rows.push({ tenantId: null, siteId: null, source: 'core', item: 'core', quantity: 1, unit: 'day', amountKrw: remaining });
    return rows;
  }
  for (const [siteId, s] of sites) {
    const share = ((totalMinutes > 0 ? s.minutes / totalMinutes : 0) + (totalRequests > 0 ? s.requests / totalRequests : 0)) / parts;
    if (share <= 0) continue;
    rows.push({ tenantId: s.tenantId, siteId, source: 'core', item: 'core', quantity: share, unit: 'share', amountKrw: remaining * share });
  }
  return rows;
}

// --- the roll-up ----------------------------------------------------------------------------------

export async function rollUpDailyCosts(sql: Sql, day: string): Promise<RollUpResult> {
  if (!DAY_RE.test(day)) throw new Error(`rollUpDailyCosts: day must be YYYY-MM-DD (Asia/Seoul), got '${day}'`);
  return sql.begin(async (tx) => {
    // One roll-up of a day at a time, whichever monitor runs it.
    await tx`select pg_advisory_xact_lock(8080000, ${Number(day.replaceAll('-', ''))})`;
    const inputs = await readDayInputs(tx, day);
    const rows: CostRow[] = allocateCore({
      day,
      hosts: inputs.hosts,
      buildMinutes: inputs.buildMinutes,
      requests: inputs.cdnUsage.map((c) => ({ tenantId: c.tenantId, siteId: c.siteId, requests: c.requests })),
    });

    const cdn = await priceCdnUsage(tx, day, inputs.cdnUsage, daysInMonth(day));
    rows.push(...cdn.rows);

    const unpricedModels = new Set<string>();
    for (const l of inputs.llm) {
      if (l.inputPrice === null || l.outputPrice === null) {
        unpricedModels.add(l.model);
        continue;
      }
      const amount = (l.inputTokens * l.inputPrice + l.outputTokens * l.outputPrice) / 1_000_000;
      rows.push({ tenantId: l.tenantId, siteId: l.siteId, source: 'llm', item: l.model, quantity: l.inputTokens + l.outputTokens, unit: 'token', amountKrw: amount });
    }

    await tx`delete from cost_daily where day = ${day}::date`;
    await tx`delete from revenue_daily where day = ${day}::date`;
    if (rows.length > 0) {
      await tx`
        insert into cost_daily ${tx(
          rows.map((r) => ({
            day,
            tenant_id: r.tenantId,
            site_id: r.siteId,
            source: r.source,
            item: r.item,
            quantity: round4(r.quantity),
            unit: r.unit,
            amount_krw: round4(r.amountKrw),
          })),
        )}`;
    }
    const days = daysInMonth(day);
    const revenueRows = inputs.revenue.map((r) => ({ day, tenant_id: r.tenantId, plan_code: r.planCode, amount_krw: round4(r.monthlyPriceKrw / days) }));
    if (revenueRows.length > 0) await tx`insert into revenue_daily ${tx(revenueRows)}`;

    const totalsKrw = { cdn: 0, build: 0, llm: 0, core: 0 } as Record<CostSource, number>;
    for (const r of rows) totalsKrw[r.source] += round4(r.amountKrw);
    for (const s of COST_SOURCES) totalsKrw[s] = round4(totalsKrw[s]);
    return {
      day,
      rows: rows.length,
      totalsKrw,
      revenueKrw: round4(revenueRows.reduce((s, r) => s + r.amount_krw, 0)),
      unpricedModels: [...unpricedModels].sort(),
      unpricedProviders: cdn.unpricedProviders,
    };
  });
}

export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
