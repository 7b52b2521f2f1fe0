import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { chooseProvider, formatCount, loadPrices, routeSiteToProvider, type PriceRow } from './router.ts';
import type { ProviderName } from './providers/types.ts';
import { clearOfSeoulMidnight, insertSite, insertTenant } from './test-fixtures.ts';

const ALL: ProviderName[] = ['local', 'cloudflare', 'vercel', 'cloudfront'];
const GB = 1_000_000_000;

let db: TestDatabase;
let seeded: PriceRow[];

beforeAll(async () => {
  db = await createTestDatabase();
  seeded = await loadPrices(db.sql);
});
afterAll(async () => {
  await db.drop();
});

describe('chooseProvider with the seeded price table (the business plan’s thresholds)', () => {
  const cases: { name: string; requests: number; gb: number; eligible?: ProviderName[]; current?: ProviderName | null; chosen: ProviderName; move?: boolean; cost?: number }[] = [
    { name: 'a new site with no traffic goes to Cloudflare free', requests: 0, gb: 0, chosen: 'cloudflare', cost: 0 },
    { name: '50k requests stay on Cloudflare free', requests: 50_000, gb: 2.5, chosen: 'cloudflare', cost: 0 },
    { name: '420k requests go to Vercel Pro', requests: 420_000, gb: 20, chosen: 'vercel', cost: 28_000 },
    { name: '2M requests go to CloudFront', requests: 2_000_000, gb: 100, chosen: 'cloudfront', cost: 30_000 + 3_360 + 16_800 },
    { name: 'without hosted credentials everything stays on the local edge', requests: 2_000_000, gb: 100, eligible: ['local'], chosen: 'local' },
    { name: 'over the free cap with only Cloudflare configured, the local edge takes it', requests: 420_000, gb: 20, eligible: ['local', 'cloudflare'], chosen: 'local', cost: 50_000 + 6_000 },
    { name: 'a Cloudflare site at 99k requests stays (its own cap, no headroom needed)', requests: 99_000, gb: 5, current: 'cloudflare', chosen: 'cloudflare', move: false },
    { name: 'a Vercel site falling to 95k does not move onto the 100k free tier (needs 15 % headroom)', requests: 95_000, gb: 5, current: 'vercel', chosen: 'vercel', move: false },
    { name: 'a Vercel site at 80k moves to Cloudflare free', requests: 80_000, gb: 4, current: 'vercel', chosen: 'cloudflare', move: true },
    { name: 'a Cloudflare site at 101k must leave the free tier for Vercel', requests: 101_000, gb: 5, current: 'cloudflare', chosen: 'vercel', move: true },
    { name: 'a CloudFront site at 900k stays (Vercel’s 1M cap leaves no headroom)', requests: 900_000, gb: 45, current: 'cloudfront', chosen: 'cloudfront', move: false },
    { name: 'a CloudFront site at 800k moves to Vercel, saving more than the margin', requests: 800_000, gb: 40, current: 'cloudfront', chosen: 'vercel', move: true },
    { name: 'a site on a provider whose credentials were removed moves to the cheapest eligible one', requests: 420_000, gb: 20, current: 'cloudfront', eligible: ['local', 'vercel'], chosen: 'vercel', move: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = chooseProvider({ traffic: { requests: c.requests, bytes: c.gb * GB }, prices: seeded, eligible: c.eligible ?? ALL, current: c.current ?? null });
      expect(decision.chosen).toBe(c.chosen);
      if (c.move !== undefined) expect(decision.move).toBe(c.move);
      if (c.cost !== undefined) expect(decision.monthlyCostKrw).toBe(c.cost);
      expect(decision.reason).toMatch(/^월 .+ 요청·.+GB: /);
    });
  }

  it('says why in Korean: "월 42만 요청: Vercel이 가장 저렴"', () => {
    const decision = chooseProvider({ traffic: { requests: 420_000, bytes: 20 * GB }, prices: seeded, eligible: ALL, current: null });
    expect(decision.reason).toBe('월 42만 요청·20GB: Vercel이 가장 저렴 (월 28,000원)');
    expect(decision.quotes.find((q) => q.provider === 'cloudflare')).toMatchObject({ eligible: false, excluded: '월 42만 요청은 요금제 한도를 넘습니다' });
  });

  it('keeps a site where it is when the saving is under 3,000원, and says so', () => {
    const prices: PriceRow[] = [
      { provider: 'vercel', plan: 'pro', region: 'KR', monthlyBaseKrw: 28_000, includedRequests: 1_000_000, includedBytes: 1e12, maxMonthlyRequests: 1_000_000, krwPerMillionRequests: 0, krwPerGb: 0 },
      { provider: 'cloudfront', plan: 'payg', region: 'KR', monthlyBaseKrw: 25_000, includedRequests: 0, includedBytes: 0, maxMonthlyRequests: null, krwPerMillionRequests: 1_000, krwPerGb: 0 },
    ];
    const decision = chooseProvider({ traffic: { requests: 500_000, bytes: GB }, prices, eligible: ALL, current: 'vercel' });
    expect(decision).toMatchObject({ chosen: 'vercel', move: false, currentCostKrw: 28_000 });
    expect(decision.reason).toBe('월 50만 요청·1GB: CloudFront가 월 2,500원 더 싸지만 차이가 작아 Vercel에 그대로 둡니다');
    const moved = chooseProvider({ traffic: { requests: 500_000, bytes: GB }, prices, eligible: ALL, current: 'vercel', policy: { minSavingKrw: 1_000, margin: 0.05 } });
    expect(moved).toMatchObject({ chosen: 'cloudfront', move: true });
    expect(moved.reason).toContain('지금의 Vercel보다 월 2,500원 절약');
  });

  it('formats request counts the Korean way', () => {
    expect([formatCount(9_500), formatCount(420_000), formatCount(1_250_000), formatCount(150_000_000)]).toEqual(['9,500', '42만', '125만', '1.5억']);
  });
});

describe('routeSiteToProvider', () => {
  it('routes on the measured traffic, scaled to a month, and follows edits to the price table', async () => {
    const tenantId = await insertTenant(db.sql, '라우팅 카페');
    const siteId = await insertSite(db.sql, tenantId, 'routing-cafe');
    // Ten days measured at 14,000 requests and 0.7 GB a day: a 420k-request month.
    await clearOfSeoulMidnight(15_000);
    await db.sql`
      insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
      select ${tenantId}, ${siteId}, 'local', (now() at time zone 'Asia/Seoul')::date - d, 14000, 700000000
      from generate_series(0, 9) as d`;
    const decision = await routeSiteToProvider(db.sql, { tenantId, siteId, eligible: ALL });
    expect(decision.traffic).toEqual({ requests: 420_000, bytes: 21 * GB });
    expect(decision.chosen).toBe('vercel');
    expect(decision.reason).toBe('월 42만 요청·21GB: Vercel이 가장 저렴 (월 28,000원)');

    await db.sql`update cdn_prices set monthly_base_krw = 0 where provider = 'cloudfront'`;
    try {
      const after = await routeSiteToProvider(db.sql, { tenantId, siteId, eligible: ALL });
      expect(after.chosen).toBe('cloudfront');
    } finally {
      await db.sql`update cdn_prices set monthly_base_krw = 30000 where provider = 'cloudfront'`;
    }
  });
});
