import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { rollUpDailyCosts } from './costs.ts';
import { cdnProviderMix, costAndRevenueByDay, marginByPlan, marginBySite, marginByTenant } from './reports.ts';
import { addCdnUsage, addHost, addSite, createTenantWithSite } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('the money reports', () => {
  it('show margin per site, tenant and plan worst first, over the roll-up', async () => {
    // One host: 3,100,000원/month, 10 CPUs → 100,000원 a day in March, 100,000 ÷ 14,400 per CPU-minute.
    await addHost(db.sql, 'pve', 10, 3_100_000);
    const cafe = await createTenantWithSite(db.sql, { tenant: '카페', site: '카페', slug: 'rep-cafe', plan: { code: 'enterprise', status: 'active' } });
    const second = await addSite(db.sql, cafe.tenantId, '카페 2호점', 'rep-cafe2');
    const shop = await createTenantWithSite(db.sql, { tenant: '가게', site: '가게', slug: 'rep-shop', plan: { code: 'basic', status: 'active' } });
    // Requests only (no builds): cafe 1,000, shop 3,000 → core shares 0.25 and 0.75 of 100,000원.
    await addCdnUsage(db.sql, cafe, '2026-03-01', 'local', 1_000, 10);
    await addCdnUsage(db.sql, shop, '2026-03-01', 'local', 3_000, 30);
    await rollUpDailyCosts(db.sql, '2026-03-01');
    await rollUpDailyCosts(db.sql, '2026-03-02'); // nobody active: 100,000원 to the platform
    const range = { from: '2026-03-01', to: '2026-03-02' };

    // revenue per day: enterprise 100,000 ÷ 31 = 3,225.8065; basic 30,000 ÷ 31 = 967.7419 (× 2 days)
    const days = await costAndRevenueByDay(db.sql, range);
    expect(days.map((d) => [d.day, d.core, d.totalKrw, d.revenueKrw])).toEqual([
      ['2026-03-01', 100_000, 100_000, 4194],
      ['2026-03-02', 100_000, 100_000, 4194],
    ]);

    // shop: revenue 1,935.48 − cost 75,000 = −73,065원 (worst); cafe site 1: 6,451.61 ÷ 2 sites − 25,000 = −21,774원;
    // cafe 2호점: 3,225.81 − 0 = 3,226원
    const sites = await marginBySite(db.sql, range);
    expect(sites.map((s) => [s.name, s.revenueKrw, s.costKrw, s.marginKrw])).toEqual([
      ['가게', 1935, 75_000, -73_065],
      ['카페', 3226, 25_000, -21_774],
      ['카페 2호점', 3226, 0, 3226],
    ]);
    void second;
    const tenants = await marginByTenant(db.sql, range);
    expect(tenants.map((t) => [t.name, t.marginKrw])).toEqual([
      ['가게', -73_065],
      ['카페', 6452 - 25_000],
    ]);
    // plans: the platform's own 100,000원 of 3/2 is the worst row
    const plans = await marginByPlan(db.sql, range);
    expect(plans.map((p) => [p.key, p.revenueKrw, p.costKrw])).toEqual([
      ['platform', 0, 100_000],
      ['basic', 1935, 75_000],
      ['enterprise', 6452, 25_000],
    ]);
    const mix = await cdnProviderMix(db.sql, range);
    expect(mix).toEqual([{ provider: 'local', sites: 2, requests: 4000, bytes: 40, costKrw: 0 }]);
  });
});
