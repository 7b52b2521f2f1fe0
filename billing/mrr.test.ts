// MRR counts only paying subscriptions, by hand: every status and edge case in one database
// whose subscriptions this file alone writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { mrrByPlan } from '../monitoring/index.ts';
import { getMrr } from './index.ts';

let db: TestDatabase;
const now = new Date('2026-11-20T03:00:00Z');
const novStart = new Date('2026-10-31T15:00:00Z'); // 1 Nov 00:00 KST
const decStart = new Date('2026-11-30T15:00:00Z'); // 1 Dec 00:00 KST
const octStart = new Date('2026-09-30T15:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

let n = 0;
async function subscription(plan: string, status: string, extra: { granted?: boolean; cancelAtPeriodEnd?: boolean; periodStart?: Date; periodEnd?: Date } = {}) {
  n += 1;
  const [{ id }] = await db.sql<{ id: string }[]>`insert into tenants (name, plan_code) values (${`가게 ${n}`}, ${plan}) returning id`;
  await db.sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end,
                               cancel_at_period_end, granted_at)
    values (${id}, ${plan}, ${status}, ${`ww_mrr_${n}`}, ${extra.periodStart ?? novStart}, ${extra.periodEnd ?? decStart},
            ${extra.cancelAtPeriodEnd ?? false}, ${extra.granted ? now : null})`;
}

describe('getMrr', () => {
  it('is 0원 for every plan while nobody pays (a plan without subscribers adds nothing)', async () => {
    await subscription('trial', 'trialing');
    await subscription('trial', 'limited');
    expect(await getMrr(db.sql, { now })).toEqual({
      totalKrw: 0,
      byPlan: [
        { planCode: 'basic', planName: '기본', subscriptions: 0, mrrKrw: 0 },
        { planCode: 'premium', planName: '프리미엄', subscriptions: 0, mrrKrw: 0 },
        { planCode: 'enterprise', planName: '엔터프라이즈', subscriptions: 0, mrrKrw: 0 },
      ],
    });
  });

  it('counts active and past-due subscriptions at list price, and nothing trialing, limited, cancelled, ended or granted', async () => {
    await subscription('basic', 'active'); //                                 30,000 ✓
    await subscription('basic', 'active'); //                                 30,000 ✓
    await subscription('basic', 'limited'); //                                unpaid, limited ✗
    await subscription('premium', 'past_due'); //                             50,000 ✓ (dunning)
    await subscription('premium', 'active', { granted: true }); //            granted by an admin ✗
    await subscription('premium', 'cancelled'); //                            ✗
    await subscription('enterprise', 'active', { cancelAtPeriodEnd: true }); // ends 1 Dec: still pays November 100,000 ✓
    await subscription('enterprise', 'active', { cancelAtPeriodEnd: true, periodStart: octStart, periodEnd: novStart }); // ended 1 Nov ✗
    const mrr = await getMrr(db.sql, { now });
    // 기본 2 × 30,000 = 60,000; 프리미엄 1 × 50,000 = 50,000; 엔터프라이즈 1 × 100,000 = 100,000
    expect(mrr.byPlan).toEqual([
      { planCode: 'basic', planName: '기본', subscriptions: 2, mrrKrw: 60_000 },
      { planCode: 'premium', planName: '프리미엄', subscriptions: 1, mrrKrw: 50_000 },
      { planCode: 'enterprise', planName: '엔터프라이즈', subscriptions: 1, mrrKrw: 100_000 },
    ]);
    expect(mrr.totalKrw).toBe(210_000);
    // The ops dashboard reads the same figures.
    expect(await mrrByPlan(db.sql, { now })).toEqual(mrr);
    // After 1 Dec the subscription cancelled at period end no longer counts: 110,000.
    expect((await getMrr(db.sql, { now: decStart })).totalKrw).toBe(110_000);
  });
});
