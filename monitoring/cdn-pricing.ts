// CDN usage in money: each site's requests and bytes of a day, priced from the CDN module's
// price table (cdn_prices, read through cdn/'s loadPrices and planCostKrw). No second price table.
//
// A provider bills by the month; a day is priced as its share of a month like it:
//   day cost = planCostKrw(plan, day's traffic × days in month) ÷ days in month
// with the provider's cheapest plan that fits that monthly volume (or its cheapest plan when
// none fits). The `local` provider is our own edge on our hosts: 0원 here, its cost is the core's.
import { loadPrices, planCostKrw, type PriceRow } from '../cdn/index.ts';
import type { TransactionSql } from '../db/index.ts';
import type { CostRow } from './costs.ts';

export interface CdnUsageRow {
  tenantId: string;
  siteId: string;
  provider: string;
  requests: number;
  bytes: number;
}

export function dailyCdnCost(prices: PriceRow[], provider: string, traffic: { requests: number; bytes: number }, daysInMonth: number): number | null {
  const rows = prices.filter((p) => p.provider === provider);
  if (rows.length === 0) return null;
  const monthly = { requests: traffic.requests * daysInMonth, bytes: traffic.bytes * daysInMonth };
  const fitting = rows.filter((p) => p.maxMonthlyRequests === null || monthly.requests <= p.maxMonthlyRequests);
  const candidates = fitting.length > 0 ? fitting : rows;
  const cost = Math.min(...candidates.map((p) => planCostKrw(p, monthly)));
  return cost / daysInMonth;
}

export async function priceCdnUsage(
  tx: TransactionSql,
  day: string,
  usage: CdnUsageRow[],
  daysInMonth: number,
): Promise<{ rows: CostRow[]; unpricedProviders: string[] }> {
  const rows: CostRow[] = [];
  const unpriced = new Set<string>();
  if (usage.length === 0) return { rows, unpricedProviders: [] };
  const prices = await loadPrices(tx as never);
  for (const u of usage) {
    if (u.provider === 'local') {
      rows.push({ tenantId: u.tenantId, siteId: u.siteId, source: 'cdn', item: 'local', quantity: u.requests, unit: 'request', amountKrw: 0 });
      continue;
    }
    const amount = dailyCdnCost(prices, u.provider, u, daysInMonth);
    if (amount === null) {
      unpriced.add(u.provider);
      continue;
    }
    rows.push({ tenantId: u.tenantId, siteId: u.siteId, source: 'cdn', item: u.provider, quantity: u.requests, unit: 'request', amountKrw: amount });
  }
  void day;
  return { rows, unpricedProviders: [...unpriced].sort() };
}
