import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startTossContractServer, type TossContractServer } from './contract/toss-contract-server.ts';
import {
  assertCanPublish,
  assertWithinPlanLimit,
  cancelAtPeriodEnd,
  changePlan,
  chargeInvoice,
  closeMonth,
  createMonthlyInvoice,
  createTossClient,
  expireTrials,
  getBillingOverview,
  getHostingUsage,
  getMrr,
  getPlan,
  getSubscription,
  getTenantPlan,
  grantPlan,
  listAllPaymentsForFinance,
  listPlans,
  refundPayment,
  registerCard,
  startTrial,
  type TossClient,
} from './index.ts';

let db: TestDatabase;
let server: TossContractServer;
let toss: TossClient;
const encryptionKey = randomBytes(32);
const kst = (text: string) => new Date(`${text}+09:00`);
const noUsage = { apiCalls: 0, customDomainYearsStarting: 0 };

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTossContractServer();
  toss = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [0] });
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

async function newTenant(name = '가게') {
  const [{ id }] = await db.sql<{ id: string }[]>`insert into tenants (name) values (${name}) returning id`;
  return id;
}

async function withCard(tenantId: string, now: Date, declineWith: string | null = null) {
  const sub = await startTrial(db.sql, tenantId, { now });
  await registerCard(db.sql, toss, { tenantId, authKey: server.createAuthKey(sub.tossCustomerKey, { declineWith }), customerKey: sub.tossCustomerKey, encryptionKey });
  return server.billingKeys().at(-1)!;
}

async function auditActions(tenantId: string): Promise<string[]> {
  const rows = await db.sql<{ action: string }[]>`select action from audit_log where tenant_id = ${tenantId} order by id`;
  return rows.map((r) => r.action);
}

describe('plans', () => {
  it('lists the business plan’s prices with a free trial first', async () => {
    const plans = await listPlans(db.sql);
    expect(plans.map((p) => [p.code, p.monthlyPriceKrw])).toEqual([
      ['trial', 0],
      ['basic', 30_000],
      ['premium', 50_000],
      ['enterprise', 100_000],
    ]);
    expect(plans[0].trialDays).toBe(14);
    expect(plans.find((p) => p.code === 'premium')?.hostingRequestsPerSite).toBeNull();
  });

  it('explains a plan limit in Korean and points to the upgrade', async () => {
    const basic = await getPlan(db.sql, 'basic');
    expect(() => assertWithinPlanLimit(basic, 'sites', 2)).not.toThrow();
    expect(() => assertWithinPlanLimit(basic, 'sites', 3)).toThrow(/기본 요금제의 사이트는 최대 3개입니다.*상위 요금제/);
    // 은 after a final consonant, 는 after a vowel
    expect(() => assertWithinPlanLimit(basic, 'customDomains', 1)).toThrow(/^기본 요금제의 연결 도메인은 최대 1개입니다\./);
    expect(() => assertWithinPlanLimit(basic, 'storageMb', 1024, 1)).toThrow(/^기본 요금제의 저장 공간은 최대 1,024MB입니다\./);
    expect(() => assertWithinPlanLimit(basic, 'aiDraftsPerMonth', 10)).toThrow(/^기본 요금제의 이번 달 AI 초안은 최대 10개입니다\./);
    expect(() => assertWithinPlanLimit(basic, 'pagesPerSite', 11, 0)).toThrow(/^기본 요금제의 사이트당 페이지는 최대 10개입니다\./);
  });

  it('refuses to move down to a plan the workspace’s sites do not fit', async () => {
    const tenantId = await newTenant();
    await withCard(tenantId, kst('2026-11-20T00:00:00'));
    await changePlan(db.sql, tenantId, 'premium', { now: kst('2026-11-21T00:00:00') });
    for (let i = 0; i < 4; i++) {
      await db.sql`insert into sites (tenant_id, name, slug, template, document)
                   values (${tenantId}, ${`s${i}`}, ${`s${i}-${randomBytes(4).toString('hex')}`}, 'cafe', '{}')`;
    }
    await expect(changePlan(db.sql, tenantId, 'basic', { now: kst('2026-11-22T00:00:00') })).rejects.toMatchObject({ code: 'PLAN_LIMIT' });
    expect((await getSubscription(db.sql, tenantId))?.planCode).toBe('premium');
  });
});

describe('the free trial', () => {
  it('limits the workspace when the trial ends without a plan, and choosing a plan lifts it', async () => {
    const tenantId = await newTenant();
    await withCard(tenantId, kst('2026-11-01T10:00:00'));
    expect(await expireTrials(db.sql, kst('2026-11-15T09:59:00'))).not.toContain(tenantId);
    expect(await expireTrials(db.sql, kst('2026-11-15T10:00:00'))).toContain(tenantId);
    await expect(assertCanPublish(db.sql, tenantId)).rejects.toMatchObject({
      code: 'WORKSPACE_LIMITED',
      message: '무료 체험이 끝나 새 게시가 잠시 멈췄습니다. 공개 중인 사이트는 그대로 열립니다. 결제 페이지에서 요금제를 골라 주세요.',
    });
    const overview = await getBillingOverview(db.sql, tenantId, { now: kst('2026-11-16T00:00:00') });
    expect(overview.notices.map((n) => n.message)).toContainEqual(expect.stringContaining('무료 체험이 끝나'));

    await changePlan(db.sql, tenantId, 'basic', { now: kst('2026-11-16T00:00:00') });
    expect((await getSubscription(db.sql, tenantId))?.status).toBe('active');
    await expect(assertCanPublish(db.sql, tenantId)).resolves.toBeUndefined();
    expect(await auditActions(tenantId)).toEqual(['billing.card_registered', 'billing.trial_ended', 'billing.workspace_restored', 'billing.plan_changed']);
  });

  it('tells the owner how many trial days are left', async () => {
    const tenantId = await newTenant();
    await startTrial(db.sql, tenantId, { now: kst('2026-11-01T10:00:00') });
    const overview = await getBillingOverview(db.sql, tenantId, { now: kst('2026-11-10T10:00:00') });
    expect(overview.notices[0].message).toBe('무료 체험이 5일 남았습니다 (2026년 11월 15일까지). 체험이 끝나기 전에 요금제를 골라 주세요.');
  });
});

describe('plans granted by an admin', () => {
  it('need no card and are never invoiced', async () => {
    const tenantId = await newTenant();
    await grantPlan(db.sql, tenantId, 'premium', { userId: null, now: kst('2026-10-02T00:00:00') });
    expect(await getSubscription(db.sql, tenantId)).toMatchObject({ planCode: 'premium', status: 'active' });
    const closed = await closeMonth(db.sql, '2026-10', async () => noUsage, { now: kst('2026-11-01T00:05:00') });
    expect(closed.map((c) => c.tenantId)).not.toContain(tenantId);
    await expect(createMonthlyInvoice(db.sql, tenantId, '2026-10', noUsage, { now: kst('2026-11-01T00:05:00') })).rejects.toThrow(/granted/);
    const [{ plan_code }] = await db.sql`select plan_code from tenants where id = ${tenantId}`;
    expect(plan_code).toBe('premium');
  });
});

describe('hosting allowance notices', () => {
  it('warns at 80% and at 100% of the allowance without ever stopping the site', async () => {
    const tenantId = await newTenant();
    await withCard(tenantId, kst('2026-11-20T00:00:00'));
    await changePlan(db.sql, tenantId, 'basic', { now: kst('2026-11-20T00:00:00') });
    const sites = await db.sql<{ id: string }[]>`
      insert into sites (tenant_id, name, slug, template, document) values
        (${tenantId}, '카페', ${`cafe-${randomBytes(4).toString('hex')}`}, 'cafe', '{}'),
        (${tenantId}, '식당', ${`food-${randomBytes(4).toString('hex')}`}, 'cafe', '{}'),
        (${tenantId}, '공방', ${`work-${randomBytes(4).toString('hex')}`}, 'cafe', '{}')
      returning id`;
    await db.sql`
      insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests) values
        (${tenantId}, ${sites[0].id}, 'local', '2026-12-03', 85000),
        (${tenantId}, ${sites[1].id}, 'local', '2026-12-04', 120000),
        (${tenantId}, ${sites[2].id}, 'local', '2026-11-30', 500000)`;
    const usage = await getHostingUsage(db.sql, tenantId, '2026-12');
    expect(usage.map((u) => [u.siteName, u.requests, u.percent, u.level])).toEqual([
      ['공방', 0, 0, 'ok'],
      ['식당', 120000, 120, 'over'],
      ['카페', 85000, 85, 'near'],
    ]);
    const { notices } = await getBillingOverview(db.sql, tenantId, { now: kst('2026-12-05T00:00:00') });
    expect(notices.map((n) => n.message)).toEqual([
      '‘식당’ 사이트가 이번 달 요청 허용량을 넘었습니다 (120,000 / 100,000회). 사이트는 멈추지 않으며, 이번 달 청구서에 호스팅 초과 10,000원이 더해집니다.',
      '‘카페’ 사이트가 이번 달 요청 허용량의 85%를 썼습니다 (85,000 / 100,000회). 넘으면 호스팅 초과 10,000원이 청구되며 사이트는 멈추지 않습니다.',
    ]);
  });
});

describe('dunning notices, refunds and the finance view', () => {
  it('shows the failed payment with the next retry date, then MRR and refunds for finance', async () => {
    const tenantId = await newTenant('재무 확인 가게');
    const billingKey = await withCard(tenantId, kst('2026-11-20T00:00:00'), 'REJECT_CARD_COMPANY');
    await changePlan(db.sql, tenantId, 'premium', { now: kst('2026-11-01T00:00:00') });
    const { invoice } = await createMonthlyInvoice(db.sql, tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    // trial at 1 Nov 00:00 then premium at once: 0 + 50,000 × 30/30 = 50,000; VAT 5,000 → 55,000
    expect(invoice.totalKrw).toBe(55_000);
    await chargeInvoice(db.sql, toss, invoice.id, { encryptionKey, now: kst('2026-12-01T09:00:00') });
    const { notices } = await getBillingOverview(db.sql, tenantId, { now: kst('2026-12-01T10:00:00') });
    expect(notices.map((n) => n.message)).toContain(
      '2026년 11월 이용료 55,000원 결제에 실패했습니다 (결제 승인이 거절되었습니다.). 2026년 12월 2일에 다시 시도합니다. 카드를 확인하거나 바꿔 주세요.',
    );
    const mrrPastDue = await getMrr(db.sql);
    expect(mrrPastDue.byPlan.find((p) => p.planCode === 'premium')?.mrrKrw).toBeGreaterThanOrEqual(50_000);

    server.setDecline(billingKey, null);
    const paid = await chargeInvoice(db.sql, toss, invoice.id, { encryptionKey, now: kst('2026-12-02T09:00:00') });
    expect(paid.outcome).toBe('paid');
    const payments = await listAllPaymentsForFinance(db.sql);
    const mine = payments.filter((p) => p.tenantId === tenantId);
    expect(mine.map((p) => [p.status, p.amountKrw, p.tenantName])).toEqual([
      ['done', 55_000, '재무 확인 가게'],
      ['failed', 55_000, '재무 확인 가게'],
    ]);

    const refunded = await refundPayment(db.sql, toss, { tenantId, paymentId: mine[0].id, reason: '서비스 장애 보상' });
    expect(refunded.status).toBe('CANCELED');
    const again = await refundPayment(db.sql, toss, { tenantId, paymentId: mine[0].id, reason: '서비스 장애 보상' }).catch((e: Error) => e);
    expect(again).toBeInstanceOf(Error);
    const [row] = await db.sql`select status from invoices where id = ${invoice.id}`;
    expect(row.status).toBe('refunded');
    expect(server.payment(mine[0].paymentKey!)?.cancels).toHaveLength(1);
    expect(await auditActions(tenantId)).toEqual(
      expect.arrayContaining(['billing.payment_failed', 'billing.payment_succeeded', 'billing.payment_refunded', 'billing.invoice_issued']),
    );
  });

  it('announces the end of a subscription cancelled at period end', async () => {
    const tenantId = await newTenant();
    await withCard(tenantId, kst('2026-12-01T00:00:00'));
    await changePlan(db.sql, tenantId, 'basic', { now: kst('2026-12-02T00:00:00') });
    await cancelAtPeriodEnd(db.sql, tenantId);
    const { notices } = await getBillingOverview(db.sql, tenantId, { now: kst('2026-12-03T00:00:00') });
    expect(notices.map((n) => n.message)).toContain('구독이 2026년 12월 31일에 끝납니다. 계속 쓰시려면 해지를 취소해 주세요.');
  });

  it('ends a subscription cancelled at period end: trial limits, no new publishes, live sites untouched, until a plan is chosen again', async () => {
    const tenantId = await newTenant('해지한 가게');
    await withCard(tenantId, kst('2026-09-01T00:00:00'));
    await changePlan(db.sql, tenantId, 'premium', { now: kst('2026-09-02T00:00:00') });
    await cancelAtPeriodEnd(db.sql, tenantId);
    expect((await getTenantPlan(db.sql, tenantId)).code).toBe('premium'); // paid until the end of September
    const { invoice } = await createMonthlyInvoice(db.sql, tenantId, '2026-09', noUsage, { now: kst('2026-10-01T00:00:00') });

    expect(await getSubscription(db.sql, tenantId)).toMatchObject({ status: 'cancelled', planCode: 'trial' });
    expect((await getTenantPlan(db.sql, tenantId)).code).toBe('trial');
    const [tenant] = await db.sql<{ status: string; plan_code: string }[]>`select status, plan_code from tenants where id = ${tenantId}`;
    expect(tenant).toEqual({ status: 'limited', plan_code: 'trial' });
    // The closing invoice is still open here: the owed payment is what the owner must settle first.
    await expect(assertCanPublish(db.sql, tenantId)).rejects.toThrow(/^결제가 밀려 새 게시가 잠시 멈췄습니다/);
    const { notices, plan } = await getBillingOverview(db.sql, tenantId, { now: kst('2026-10-02T00:00:00') });
    expect(plan.code).toBe('trial');
    expect(notices.map((n) => n.message)).toContain('구독이 2026년 9월 30일에 끝나 새 게시가 멈췄습니다. 공개 중인 사이트는 그대로 열립니다. 계속 쓰시려면 요금제를 다시 골라 주세요.');
    expect(await auditActions(tenantId)).toContain('billing.subscription_ended');

    // The closing invoice is still charged; choosing a plan again then lifts the limit.
    expect((await chargeInvoice(db.sql, toss, invoice.id, { encryptionKey, now: kst('2026-10-01T09:00:00') })).outcome).toBe('paid');
    await expect(assertCanPublish(db.sql, tenantId)).rejects.toThrow(
      '구독이 끝나 새 게시가 잠시 멈췄습니다. 공개 중인 사이트는 그대로 열립니다. 결제 페이지에서 요금제를 다시 골라 주세요.',
    );
    const back = await changePlan(db.sql, tenantId, 'basic', { now: kst('2026-10-03T00:00:00') });
    // From 무료 체험 (0원) for 3–31 October: 30,000 × 29/31 = 28,064.5 → 28,064 (never rounded up)
    expect(back.prorationKrw).toBe(28_064);
    expect(back.subscription).toMatchObject({ status: 'active', planCode: 'basic', currentPeriodStart: kst('2026-10-01T00:00:00'), currentPeriodEnd: kst('2026-11-01T00:00:00') });
    expect((await getTenantPlan(db.sql, tenantId)).code).toBe('basic');
    await expect(assertCanPublish(db.sql, tenantId)).resolves.toBeUndefined();
    // October's invoice charges only the days back on 기본, nothing for 1–2 October.
    const october = await createMonthlyInvoice(db.sql, tenantId, '2026-10', noUsage, { now: kst('2026-11-01T00:00:00') });
    expect(october.lines.map((l) => [l.kind, l.description, l.amountKrw])).toEqual([
      ['plan', '무료 체험 요금제 (2026년 10월)', 0],
      ['proration', '요금제 변경 무료 체험 → 기본 (2026-10-03부터 일할 계산)', 28_064],
    ]);
    expect(october.invoice.subtotalKrw).toBe(28_064);
  });
});
