import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { listAssumptions, scenarioTables, updateAssumption } from './scenarios.ts';
import { addCdnUsage, addHost, createTenantWithSite } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const NOW = new Date('2026-03-20T03:00:00Z');

describe('the business plan’s scenario tables', () => {
  it('reproduce the plan’s tables from its own assumptions when nothing is measured yet', async () => {
    const { inputs, rows } = await scenarioTables(db.sql, NOW);
    expect(inputs.hostMonthlyCostKrw).toEqual({ value: 520_000, source: 'assumption' });
    expect(inputs.arpuKrw).toEqual({ value: 30_000, source: 'assumption' });
    const at50 = rows.find((r) => r.concurrentUsers === 50 && r.architecture === 'hybrid')!;
    // 50 users × 2 = 100 subscribers; ⌈50 ÷ 20⌉ = 3 hosts × 520,000 = 1,560,000원 core;
    // CDN 100 × 5,000 = 500,000원; total 2,060,000원; revenue 100 × 30,000 = 3,000,000원 → profit 940,000원
    expect(at50).toMatchObject({ subscribers: 100, hosts: 3, revenueKrw: 3_000_000 });
    expect(at50.computed).toEqual({ coreKrw: 1_560_000, deliveryKrw: 500_000, totalKrw: 2_060_000, profitKrw: 940_000 });
    expect(at50.reference).toEqual({ coreKrw: 1_550_000, deliveryKrw: 500_000, totalKrw: 2_050_000, profitKrw: 950_000 });
    // self-hosted: bandwidth 100 × 20GB × 400원 = 800,000원 (the plan's 80만원); total 2,360,000원, profit 640,000원
    const self50 = rows.find((r) => r.concurrentUsers === 50 && r.architecture === 'self_hosted')!;
    expect(self50.computed).toEqual({ coreKrw: 1_560_000, deliveryKrw: 800_000, totalKrw: 2_360_000, profitKrw: 640_000 });
    expect(self50.reference?.totalKrw).toBe(2_350_000);
    // 500 users: 25 hosts × 520,000 = 13,000,000원; CDN 1,000 × 5,000 = 5,000,000원; revenue 30,000,000원
    const at500 = rows.find((r) => r.concurrentUsers === 500 && r.architecture === 'hybrid')!;
    expect(at500.computed).toEqual({ coreKrw: 13_000_000, deliveryKrw: 5_000_000, totalKrw: 18_000_000, profitKrw: 12_000_000 });
    expect(rows).toHaveLength(8);
  });

  it('recompute from live host costs, MRR and CDN usage once the platform has them', async () => {
    await addHost(db.sql, 'pve-1', 8, 600_000);
    await addHost(db.sql, 'pve-2', 8, 400_000); // average host 500,000원
    const premium = await createTenantWithSite(db.sql, { tenant: '프리미엄', site: 'P', slug: 'scen-p', plan: { code: 'premium', status: 'active' } });
    await createTenantWithSite(db.sql, { tenant: '기본', site: 'B', slug: 'scen-b', plan: { code: 'basic', status: 'active' } });
    // ARPU = (50,000 + 30,000) ÷ 2 = 40,000원
    // CDN in the last 30 days: 3,000 + 1,000 = 4,000원 ÷ 2 subscribers = 2,000원; the local edge does not count
    await db.sql`insert into cost_daily (day, tenant_id, site_id, source, item, quantity, unit, amount_krw) values
      ('2026-03-10', ${premium.tenantId}, ${premium.siteId}, 'cdn', 'cloudflare', 1, 'request', 3000),
      ('2026-03-12', ${premium.tenantId}, ${premium.siteId}, 'cdn', 'vercel', 1, 'request', 1000),
      ('2026-01-01', ${premium.tenantId}, ${premium.siteId}, 'cdn', 'vercel', 1, 'request', 99999)`;
    // traffic: 30 GB in the last 30 days ÷ 2 = 15 GB per subscriber
    await addCdnUsage(db.sql, premium, '2026-03-11', 'cloudflare', 1000, 30e9);

    const { inputs, rows } = await scenarioTables(db.sql, NOW);
    expect(inputs.hostMonthlyCostKrw).toEqual({ value: 500_000, source: 'live' });
    expect(inputs.arpuKrw).toEqual({ value: 40_000, source: 'live' });
    expect(inputs.cdnKrwPerSubscriber).toEqual({ value: 2_000, source: 'live' });
    expect(inputs.trafficGbPerSubscriber).toEqual({ value: 15, source: 'live' });
    // 100 users: 200 subscribers; 5 hosts × 500,000 = 2,500,000원; CDN 200 × 2,000 = 400,000원;
    // revenue 200 × 40,000 = 8,000,000원 → profit 8,000,000 − 2,900,000 = 5,100,000원
    const hybrid = rows.find((r) => r.concurrentUsers === 100 && r.architecture === 'hybrid')!;
    expect(hybrid.computed).toEqual({ coreKrw: 2_500_000, deliveryKrw: 400_000, totalKrw: 2_900_000, profitKrw: 5_100_000 });
    // self-hosted: 200 × 15GB × 400원 = 1,200,000원 → total 3,700,000원, profit 4,300,000원
    const self = rows.find((r) => r.concurrentUsers === 100 && r.architecture === 'self_hosted')!;
    expect(self.computed).toEqual({ coreKrw: 2_500_000, deliveryKrw: 1_200_000, totalKrw: 3_700_000, profitKrw: 4_300_000 });
  });

  it('uses an edited assumption in the next computation and refuses nonsense', async () => {
    await updateAssumption(db.sql, 'concurrent_users_per_host', 25, null);
    const { rows } = await scenarioTables(db.sql, NOW);
    // ⌈50 ÷ 25⌉ = 2 hosts × 500,000 = 1,000,000원
    expect(rows.find((r) => r.concurrentUsers === 50)!.computed.coreKrw).toBe(1_000_000);
    expect((await listAssumptions(db.sql)).find((a) => a.key === 'concurrent_users_per_host')?.value).toBe(25);
    await expect(updateAssumption(db.sql, 'concurrent_users_per_host', 0, null)).rejects.toThrow('0보다 커야 합니다');
    await expect(updateAssumption(db.sql, 'no_such_key', 1, null)).rejects.toThrow('알 수 없는 가정 항목');
  });
});
