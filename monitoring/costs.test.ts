import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { allocateCore, daysInMonth, rollUpDailyCosts, seoulDay } from './costs.ts';
import { addCdnUsage, addFinishedBuild, addHost, addSite, createTenantWithSite } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const DAY = '2026-03-10'; // March: 31 days

async function costRows(day: string) {
  const rows = await db.sql<{ site_id: string | null; tenant_id: string | null; source: string; item: string; quantity: string; amount_krw: string }[]>`
    select site_id, tenant_id, source, item, quantity, amount_krw from cost_daily where day = ${day} order by source, item, site_id`;
  return rows.map((r) => ({ ...r, quantity: Number(r.quantity), amount_krw: Number(r.amount_krw) }));
}

function amountOf(rows: Awaited<ReturnType<typeof costRows>>, source: string, siteId: string | null) {
  return rows.filter((r) => r.source === source && r.site_id === siteId).reduce((s, r) => s + r.amount_krw, 0);
}

describe('the daily cost roll-up', () => {
  let a: { tenantId: string; siteId: string; versionId: string };
  let b: { tenantId: string; siteId: string; versionId: string };
  let c: { tenantId: string; siteId: string; versionId: string };

  beforeAll(async () => {
    // Hosts: 6 + 4 = 10 CPUs costing 1,488,000 + 744,000 = 2,232,000원 a month.
    //   core day D = 2,232,000 ÷ 31 = 72,000원; CPU-minute rate r = 72,000 ÷ (1,440 × 10) = 5원.
    await addHost(db.sql, 'pve-a', 6, 1_488_000);
    await addHost(db.sql, 'pve-b', 4, 744_000);
    await db.sql`insert into hosts (name, source, cpu_count, mem_total_bytes, disk_total_bytes, monthly_cost_krw, status)
                 values ('pve-old', 'local', 8, 0, 0, 999000, 'removed')`; // removed: not counted

    a = await createTenantWithSite(db.sql, { tenant: '바람카페', site: '카페 A', slug: 'cost-a', plan: { code: 'premium', status: 'active' } });
    b = await createTenantWithSite(db.sql, { tenant: '꽃집', site: '꽃집 B', slug: 'cost-b', plan: { code: 'basic', status: 'past_due' } });
    const tenantC = await createTenantWithSite(db.sql, { tenant: '파트너', site: '파트너 C', slug: 'cost-c', plan: { code: 'basic', status: 'active', granted: true } });
    c = tenantC;
    const aSecond = await addSite(db.sql, a.tenantId, '카페 A2', 'cost-a2');
    void aSecond;

    // Build minutes by finish day in Asia/Seoul (UTC+9):
    //   A: 10 min ending 00:10 KST 3/10 (15:10 UTC 3/9) and 20 min during the day → 30 min
    //   B: 10 min → total 40 min. A build ending 23:50 KST 3/9 belongs to the day before.
    await addFinishedBuild(db.sql, a, '2026-03-09T15:00:00Z', 10);
    await addFinishedBuild(db.sql, a, '2026-03-10T03:00:00Z', 20);
    await addFinishedBuild(db.sql, b, '2026-03-10T05:00:00Z', 10);
    await addFinishedBuild(db.sql, b, '2026-03-09T14:40:00Z', 10); // ends 23:50 KST 3/9
    // Requests: A 1,000 (local), B 1,000 (local), C 2,000 (local) → 4,000.
    await addCdnUsage(db.sql, a, DAY, 'local', 1_000, 5_000_000);
    await addCdnUsage(db.sql, b, DAY, 'local', 1_000, 1_000_000);
    await addCdnUsage(db.sql, c, DAY, 'local', 2_000, 2_000_000);
    // LLM: A used Sonnet 4.5 for 100,000 in + 20,000 out tokens at 12:00 KST, and an unpriced model.
    await db.sql`insert into llm_usage (tenant_id, site_id, model, input_tokens, output_tokens, at)
                 values (${a.tenantId}, ${a.siteId}, 'claude-sonnet-4-5', 100000, 20000, '2026-03-10T03:00:00Z'),
                        (${a.tenantId}, ${a.siteId}, 'mystery-model', 5000, 5000, '2026-03-10T03:00:00Z'),
                        (${a.tenantId}, ${a.siteId}, 'claude-sonnet-4-5', 999999, 999999, '2026-03-11T03:00:00Z')`;
  });

  it('prices build minutes at the hosts’ CPU-minute rate and spreads the rest of the core by activity', async () => {
    const result = await rollUpDailyCosts(db.sql, DAY);
    const rows = await costRows(DAY);
    // build: A 30 min × 5원 = 150원, B 10 min × 5원 = 50원 (total 200원)
    expect(amountOf(rows, 'build', a.siteId)).toBeCloseTo(150, 4);
    expect(amountOf(rows, 'build', b.siteId)).toBeCloseTo(50, 4);
    expect(rows.find((r) => r.source === 'build' && r.site_id === a.siteId)?.quantity).toBeCloseTo(30, 4);
    // core left: 72,000 − 200 = 71,800원; shares = (build share + request share) ÷ 2:
    //   A (30/40 + 1,000/4,000) ÷ 2 = 0.5   → 35,900원
    //   B (10/40 + 1,000/4,000) ÷ 2 = 0.25  → 17,950원
    //   C (0     + 2,000/4,000) ÷ 2 = 0.25  → 17,950원
    expect(amountOf(rows, 'core', a.siteId)).toBeCloseTo(35_900, 4);
    expect(amountOf(rows, 'core', b.siteId)).toBeCloseTo(17_950, 4);
    expect(amountOf(rows, 'core', c.siteId)).toBeCloseTo(17_950, 4);
    // build + core = the whole core day, 72,000원
    expect(result.totalsKrw.build + result.totalsKrw.core).toBeCloseTo(72_000, 3);
    // llm: 100,000 × 4,200 ÷ 1M + 20,000 × 21,000 ÷ 1M = 420 + 420 = 840원; the next day's tokens are not today's
    expect(amountOf(rows, 'llm', a.siteId)).toBeCloseTo(840, 4);
    expect(result.unpricedModels).toEqual(['mystery-model']);
    // revenue: premium 50,000 ÷ 31 = 1,612.9032; past-due basic 30,000 ÷ 31 = 967.7419; the granted plan earns nothing
    const revenue = await db.sql<{ tenant_id: string; amount_krw: string }[]>`select tenant_id, amount_krw from revenue_daily where day = ${DAY}`;
    expect(Object.fromEntries(revenue.map((r) => [r.tenant_id, Number(r.amount_krw)]))).toEqual({
      [a.tenantId]: 1612.9032,
      [b.tenantId]: 967.7419,
    });
    expect(result.revenueKrw).toBeCloseTo(2580.6451, 3);
  });

  it('replaces the day’s rows when run again instead of adding to them', async () => {
    const first = await costRows(DAY);
    await rollUpDailyCosts(db.sql, DAY);
    expect(await costRows(DAY)).toHaveLength(first.length);
    // A build of C that finished that day: C now has 10 of 50 build minutes.
    await addFinishedBuild(db.sql, c, '2026-03-10T06:00:00Z', 10);
    await rollUpDailyCosts(db.sql, DAY);
    const rows = await costRows(DAY);
    // build: 50 min × 5원 = 250원; core left 71,750원; C's share = (10/50 + 2,000/4,000) ÷ 2 = 0.35 → 25,112.5원
    expect(amountOf(rows, 'build', c.siteId)).toBeCloseTo(50, 4);
    expect(amountOf(rows, 'core', c.siteId)).toBeCloseTo(25_112.5, 4);
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from revenue_daily where day = ${DAY}`;
    expect(n).toBe(2);
  });

  it('charges a day nobody used to the platform itself', async () => {
    const quiet = '2026-02-14'; // February 2026: 28 days → 2,232,000 ÷ 28 = 79,714.2857원
    await rollUpDailyCosts(db.sql, quiet);
    const rows = await costRows(quiet);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'core', site_id: null, tenant_id: null });
    expect(rows[0].amount_krw).toBeCloseTo(79_714.2857, 4);
  });

  it('prices external CDN usage as the day’s share of the provider plan a month like it would need', async () => {
    const day = '2026-03-12'; // 31-day month
    await addCdnUsage(db.sql, a, day, 'cloudflare', 1_000, 1e8); // 31,000 a month: free plan → 0원
    await addCdnUsage(db.sql, b, day, 'vercel', 10_000, 1e8); // 310,000 a month: Pro 28,000원 ÷ 31 = 903.2258원
    await addCdnUsage(db.sql, c, day, 'cloudfront', 100_000, 1e9); // 3.1M requests, 31 GB a month:
    // 30,000 + 3.1 × 1,680 + 31 × 168 = 30,000 + 5,208 + 5,208 = 40,416원 ÷ 31 = 1,303.7419원
    const result = await rollUpDailyCosts(db.sql, day);
    const rows = await costRows(day);
    expect(amountOf(rows, 'cdn', a.siteId)).toBe(0);
    expect(amountOf(rows, 'cdn', b.siteId)).toBeCloseTo(903.2258, 4);
    expect(amountOf(rows, 'cdn', c.siteId)).toBeCloseTo(1303.7419, 4);
    expect(result.unpricedProviders).toEqual([]);
  });

  it('refuses a day that is not YYYY-MM-DD', async () => {
    await expect(rollUpDailyCosts(db.sql, '2026-3-1')).rejects.toThrow(/YYYY-MM-DD/);
  });
});

describe('allocation and calendar helpers', () => {
  it('caps build cost at the core day when builds claim more CPU-minutes than the hosts have', () => {
    // 1 host, 1 CPU, 31,000원/month in a 31-day month → 1,000원/day, rate 1,000 ÷ 1,440 per minute.
    // 2,880 build minutes would be 2,000원: scaled to the day's 1,000원, nothing left for the core.
    const rows = allocateCore({
      day: '2026-01-05',
      hosts: [{ monthlyCostKrw: 31_000, cpuCount: 1 }],
      buildMinutes: [{ tenantId: 't', siteId: 's', minutes: 2880 }],
      requests: [],
    });
    expect(rows).toHaveLength(1);
    expect(rows[0].amountKrw).toBeCloseTo(1000, 6);
  });

  it('knows month lengths and the Seoul date', () => {
    expect(daysInMonth('2024-02-10')).toBe(29);
    expect(daysInMonth('2026-04-01')).toBe(30);
    expect(seoulDay(new Date('2026-03-09T15:30:00Z'))).toBe('2026-03-10');
    expect(seoulDay(new Date('2026-03-09T15:30:00Z'), -1)).toBe('2026-03-09');
  });
});
