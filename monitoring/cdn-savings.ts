// What the CDN router saves: the sites' measured traffic (cdn_usage_daily) priced on the
// providers the router chose, against the same traffic on one provider for every site — priced
// from the same table (cdn_prices, through cdn/'s loadPrices and planCostKrw), month by month.
//
// The baseline is the business plan's own comparison: every site on our self-hosted edge
// (`local`, the plan's scenario B "전부 자체 호스팅"), which has no request cap, so it can carry
// every site. Each other single provider is costed too (the alternatives table), so finance can
// also read the saving against the cheapest single provider that fits every site.
//
// Providers bill by the month, so within a calendar month (Asia/Seoul) a site's traffic on a
// provider is priced like dailyCdnCost prices a day: its average day × days in the month picks
// the cheapest fitting plan, and the month's price is charged for the days the provider served
// the site (days with a usage row) ÷ days in the month. A site that moved provider mid-month is
// charged each provider for its own days; the baseline charges the baseline for all the site's
// days. Here the self-hosted edge is priced from its row (its per-site share of servers, power,
// operation and bandwidth) — unlike the daily cost roll-up, which counts `local` inside the core.
import { loadPrices, type PriceRow } from '../cdn/index.ts';
import type { Sql } from '../db/index.ts';
import { daysInMonth } from './costs.ts';
import { dailyCdnCost } from './cdn-pricing.ts';
import type { DayRange } from './reports.ts';

export const SAVINGS_BASELINE_PROVIDER = 'local';
export const SAVINGS_BASELINE_LABEL = '모든 사이트를 자체 엣지(자체 호스팅)로 서비스했을 때 — 사업계획서 시나리오 B';

export interface SavingsUsageRow {
  siteId: string;
  provider: string;
  /** YYYY-MM-DD, Asia/Seoul. */
  day: string;
  requests: number;
  bytes: number;
}

export interface CdnSavingsMonth {
  /** YYYY-MM. */
  month: string;
  sites: number;
  requests: number;
  bytes: number;
  /** What the traffic cost on the providers that served it (the router's choices). */
  routedKrw: number;
  /** What the same traffic would have cost all on the baseline provider. */
  baselineKrw: number;
  savingKrw: number;
}

export interface SingleProviderCost {
  provider: string;
  /** Every site's traffic of the period on this provider alone. */
  costKrw: number;
  /** Site-months whose monthly requests no plan of this provider allows (its cost is then not a real option). */
  unfitSiteMonths: number;
  /** costKrw − what the router's choices cost: the router's saving against this provider. */
  savingKrw: number;
}

export interface CdnSavings {
  baselineProvider: string;
  baselineLabel: string;
  months: CdnSavingsMonth[];
  routedKrw: number;
  baselineKrw: number;
  savingKrw: number;
  /** Saving as % of the baseline; null when the baseline costs nothing. */
  savingPercent: number | null;
  /** Every priced provider as the single provider, cheapest first. */
  singleProviders: SingleProviderCost[];
  /** The cheapest single provider that fits every site, or null when none does. */
  cheapestSingleProvider: string | null;
  /** Providers with usage but no price row: their traffic is left out of every figure above. */
  unpricedProviders: string[];
}

interface Served {
  requests: number;
  bytes: number;
  days: Set<string>;
}

function add(map: Map<string, Served>, key: string, row: SavingsUsageRow): void {
  const served = map.get(key) ?? { requests: 0, bytes: 0, days: new Set<string>() };
  served.requests += row.requests;
  served.bytes += row.bytes;
  if (row.requests > 0 || row.bytes > 0) served.days.add(row.day);
  map.set(key, served);
}

/** A provider's charge for traffic it served on `served.days` days of a month of `monthDays` days. */
function providerCharge(prices: PriceRow[], provider: string, served: Served, monthDays: number): number | null {
  const days = served.days.size;
  if (days === 0) return 0;
  const perDay = dailyCdnCost(prices, provider, { requests: served.requests / days, bytes: served.bytes / days }, monthDays);
  return perDay === null ? null : perDay * days;
}

function fits(prices: PriceRow[], provider: string, served: Served, monthDays: number): boolean {
  const days = Math.max(1, served.days.size);
  const monthly = (served.requests / days) * monthDays;
  return prices.some((p) => p.provider === provider && (p.maxMonthlyRequests === null || monthly <= p.maxMonthlyRequests));
}

/** The pure computation (no database), so tests can check it against hand-computed figures. */
export function computeCdnSavings(usage: SavingsUsageRow[], prices: PriceRow[], baseline = SAVINGS_BASELINE_PROVIDER): CdnSavings {
  const priced = new Set(prices.map((p) => p.provider as string));
  if (!priced.has(baseline)) throw new Error(`The savings baseline '${baseline}' has no active row in cdn_prices.`);
  const unpriced = new Set(usage.filter((u) => !priced.has(u.provider)).map((u) => u.provider));

  // month → site → provider → what it served
  const byMonth = new Map<string, Map<string, Map<string, Served>>>();
  for (const row of usage) {
    const month = row.day.slice(0, 7);
    const sites = byMonth.get(month) ?? new Map();
    byMonth.set(month, sites);
    const site = sites.get(row.siteId) ?? new Map<string, Served>();
    sites.set(row.siteId, site);
    add(site, row.provider, row);
  }

  const providers = [...priced].sort();
  const single = new Map(providers.map((p) => [p, { cost: 0, unfit: 0 }]));
  const months: CdnSavingsMonth[] = [];
  for (const [month, sites] of [...byMonth].sort(([a], [b]) => a.localeCompare(b))) {
    const monthDays = daysInMonth(`${month}-01`);
    let routed = 0;
    let base = 0;
    let requests = 0;
    let bytesServed = 0;
    let siteCount = 0;
    for (const site of sites.values()) {
      // A site with traffic on an unpriced provider that month is left out on both sides.
      if ([...site.keys()].some((p) => unpriced.has(p))) continue;
      const all: Served = { requests: 0, bytes: 0, days: new Set() };
      let siteRouted = 0;
      for (const [provider, served] of site) {
        siteRouted += providerCharge(prices, provider, served, monthDays) ?? 0;
        all.requests += served.requests;
        all.bytes += served.bytes;
        for (const d of served.days) all.days.add(d);
      }
      if (all.days.size === 0) continue;
      siteCount += 1;
      requests += all.requests;
      bytesServed += all.bytes;
      routed += siteRouted;
      base += providerCharge(prices, baseline, all, monthDays) ?? 0;
      for (const provider of providers) {
        const entry = single.get(provider)!;
        entry.cost += providerCharge(prices, provider, all, monthDays) ?? 0;
        if (!fits(prices, provider, all, monthDays)) entry.unfit += 1;
      }
    }
    if (siteCount === 0) continue;
    const routedKrw = Math.round(routed);
    const baselineKrw = Math.round(base);
    months.push({ month, sites: siteCount, requests, bytes: bytesServed, routedKrw, baselineKrw, savingKrw: baselineKrw - routedKrw });
  }

  const routedKrw = months.reduce((s, m) => s + m.routedKrw, 0);
  const baselineKrw = months.reduce((s, m) => s + m.baselineKrw, 0);
  const savingKrw = baselineKrw - routedKrw;
  const singleProviders = providers
    .map((provider) => {
      const entry = single.get(provider)!;
      const costKrw = Math.round(entry.cost);
      return { provider, costKrw, unfitSiteMonths: entry.unfit, savingKrw: costKrw - routedKrw };
    })
    .sort((a, b) => a.unfitSiteMonths - b.unfitSiteMonths || a.costKrw - b.costKrw || a.provider.localeCompare(b.provider));
  const cheapest = singleProviders.find((p) => p.unfitSiteMonths === 0) ?? null;
  return {
    baselineProvider: baseline,
    baselineLabel: SAVINGS_BASELINE_LABEL,
    months,
    routedKrw,
    baselineKrw,
    savingKrw,
    savingPercent: baselineKrw > 0 ? Math.round((savingKrw / baselineKrw) * 1000) / 10 : null,
    singleProviders,
    cheapestSingleProvider: months.length > 0 && cheapest ? cheapest.provider : null,
    unpricedProviders: [...unpriced].sort(),
  };
}

/** The router's saving over a range of Asia/Seoul days (inclusive), all sites. Platform-level: /ops only. */
export async function cdnRouterSavings(sql: Sql, range: DayRange): Promise<CdnSavings> {
  const usage = await sql<{ siteId: string; provider: string; day: string; requests: string; bytes: string }[]>`
    select site_id as "siteId", provider, to_char(day, 'YYYY-MM-DD') as day, requests, bytes
    from cdn_usage_daily
    where day between ${range.from}::date and ${range.to}::date`;
  const prices = await loadPrices(sql);
  return computeCdnSavings(
    usage.map((u) => ({ siteId: u.siteId, provider: u.provider, day: u.day, requests: Number(u.requests), bytes: Number(u.bytes) })),
    prices,
  );
}
