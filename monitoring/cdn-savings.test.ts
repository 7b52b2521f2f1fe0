// What the CDN router saves, against hand-computed figures from the seeded price table
// (012_cdn_prices.sql; GB = 10^9 bytes):
//   cloudflare free   0원, up to 100,000 requests a month
//   vercel pro        28,000원, 1,000,000 requests and 1,000 GB included, up to 1,000,000 requests
//   cloudfront        30,000원 + 1,680원 per million requests + 168원 per GB
//   local (자체 에지)  50,000원 + 300원 per GB
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrices, type PriceRow } from '../cdn/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { cdnRouterSavings, computeCdnSavings } from './cdn-savings.ts';
import { addCdnUsage, createTenantWithSite } from './testing.ts';

let db: TestDatabase;
let prices: PriceRow[];
beforeAll(async () => {
  db = await createTestDatabase();
  prices = await loadPrices(db.sql);
});
afterAll(() => db?.drop());

describe('cdnRouterSavings', () => {
  it('prices one day of three sites on the providers the router chose against all on the self-hosted edge', async () => {
    const cafe = await createTenantWithSite(db.sql, { tenant: '바람카페', site: '카페', slug: 'save-cafe' });
    const clinic = await createTenantWithSite(db.sql, { tenant: '치과', site: '치과', slug: 'save-clinic' });
    const shop = await createTenantWithSite(db.sql, { tenant: '꽃집', site: '꽃집', slug: 'save-shop' });
    const day = '2026-11-20'; // November: 30 days; each site served 1 day → 1/30 of a month's price
    await addCdnUsage(db.sql, cafe, day, 'cloudflare', 2_500, 3e8); //    a month like it: 75,000 req, 9 GB
    await addCdnUsage(db.sql, clinic, day, 'vercel', 20_000, 2e9); //     600,000 req, 60 GB
    await addCdnUsage(db.sql, shop, day, 'cloudfront', 150_000, 8e9); //  4,500,000 req, 240 GB
    await addCdnUsage(db.sql, shop, '2026-10-31', 'cloudfront', 999_999, 9e9); // outside the range

    const savings = await cdnRouterSavings(db.sql, { from: '2026-11-01', to: '2026-11-30' });
    // routed:   cloudflare 0 + vercel 28,000 + cloudfront (30,000 + 4.5 × 1,680 + 240 × 168 = 77,880) = 105,880 ÷ 30 = 3,529.33
    // baseline: local (50,000 + 9 × 300) + (50,000 + 60 × 300) + (50,000 + 240 × 300) = 52,700 + 68,000 + 122,000 = 242,700 ÷ 30 = 8,090
    expect(savings.months).toEqual([
      { month: '2026-11', sites: 3, requests: 172_500, bytes: 1.03e10, routedKrw: 3_529, baselineKrw: 8_090, savingKrw: 4_561 },
    ]);
    expect(savings).toMatchObject({ baselineProvider: 'local', routedKrw: 3_529, baselineKrw: 8_090, savingKrw: 4_561, savingPercent: 56.4, unpricedProviders: [] });
    expect(savings.baselineLabel).toMatch(/자체 엣지.*시나리오 B/);
    // Every site on one provider:
    //   cloudfront (30,000 + 0.075 × 1,680 + 9 × 168 = 31,638) + (30,000 + 0.6 × 1,680 + 60 × 168 = 41,088) + 77,880 = 150,606 ÷ 30 = 5,020
    //   vercel     3 × 28,000 ÷ 30 = 2,800, but the shop's 4.5M requests fit no Vercel plan
    //   cloudflare 0, but the clinic and the shop are over its 100,000 requests
    expect(savings.singleProviders).toEqual([
      { provider: 'cloudfront', costKrw: 5_020, unfitSiteMonths: 0, savingKrw: 1_491 },
      { provider: 'local', costKrw: 8_090, unfitSiteMonths: 0, savingKrw: 4_561 },
      { provider: 'vercel', costKrw: 2_800, unfitSiteMonths: 1, savingKrw: -729 },
      { provider: 'cloudflare', costKrw: 0, unfitSiteMonths: 2, savingKrw: -3_529 },
    ]);
    expect(savings.cheapestSingleProvider).toBe('cloudfront');
  });

  it('is empty, not zero-divided, for a range without traffic', async () => {
    const savings = await cdnRouterSavings(db.sql, { from: '2020-01-01', to: '2020-01-31' });
    expect(savings).toMatchObject({ months: [], routedKrw: 0, baselineKrw: 0, savingKrw: 0, savingPercent: null, cheapestSingleProvider: null });
  });
});

describe('computeCdnSavings', () => {
  it('charges each provider for its own days when a site moves mid-month, month by month, and leaves unpriced traffic out', () => {
    const usage = [
      // October (31 days): 2 days on Cloudflare, 1,000 requests and 1 GB a day
      { siteId: 'x', provider: 'cloudflare', day: '2026-10-30', requests: 1_000, bytes: 1e9 },
      { siteId: 'x', provider: 'cloudflare', day: '2026-10-31', requests: 1_000, bytes: 1e9 },
      // November (30 days): 1 day on Cloudflare, then moved to Vercel
      { siteId: 'x', provider: 'cloudflare', day: '2026-11-01', requests: 1_000, bytes: 1e9 },
      { siteId: 'x', provider: 'vercel', day: '2026-11-02', requests: 5_000, bytes: 1e9 },
      // a provider with no price row
      { siteId: 'y', provider: 'fastly', day: '2026-11-02', requests: 7_000, bytes: 1e9 },
    ];
    const savings = computeCdnSavings(usage, prices);
    // October routed: Cloudflare, 31,000 requests a month → free → 0.
    // October baseline: local for 2 days of 31, a month like them = 31 GB: (50,000 + 31 × 300) × 2/31 = 59,300 × 2/31 = 3,825.8 → 3,826
    // November routed: Cloudflare 1 day → 0; Vercel 1 day (150,000 requests a month → pro) 28,000 × 1/30 = 933.3 → 933
    // November baseline: local for 2 days, average 3,000 requests and 1 GB a day → 30 GB a month: (50,000 + 9,000) × 2/30 = 3,933.3 → 3,933
    expect(savings.months).toEqual([
      { month: '2026-10', sites: 1, requests: 2_000, bytes: 2e9, routedKrw: 0, baselineKrw: 3_826, savingKrw: 3_826 },
      { month: '2026-11', sites: 1, requests: 6_000, bytes: 2e9, routedKrw: 933, baselineKrw: 3_933, savingKrw: 3_000 },
    ]);
    expect(savings).toMatchObject({ routedKrw: 933, baselineKrw: 7_759, savingKrw: 6_826, unpricedProviders: ['fastly'] });
  });

  it('saves nothing when every site is on the baseline (the embedded default: only the local edge is eligible)', () => {
    const savings = computeCdnSavings([{ siteId: 'x', provider: 'local', day: '2026-11-05', requests: 10_000, bytes: 3e9 }], prices);
    // (50,000 + 90 GB × 300) × 1/30 = 77,000 ÷ 30 = 2,566.7 → 2,567 on both sides
    expect(savings.months[0]).toMatchObject({ routedKrw: 2_567, baselineKrw: 2_567, savingKrw: 0 });
    expect(savings.savingPercent).toBe(0);
  });

  it('refuses a baseline provider the price table does not have', () => {
    expect(() => computeCdnSavings([], prices.filter((p) => p.provider !== 'local'))).toThrow(/baseline 'local' has no active row in cdn_prices/);
  });
});
