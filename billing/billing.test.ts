import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import {
  assertCanPublish,
  cancelAtPeriodEnd,
  changePlan,
  chargeInvoice,
  createMonthlyInvoice,
  createTossClient,
  decryptSecret,
  getCard,
  getInvoice,
  getSubscription,
  listInvoicePayments,
  handleTossWebhook,
  listDueInvoices,
  loadEncryptionKey,
  prorate,
  registerCard,
  startTrial,
  type TossClient,
} from './index.ts';
import { startTossContractServer, type TossContractServer } from './contract/toss-contract-server.ts';

let db: TestDatabase;
let server: TossContractServer;
let toss: TossClient;
const encryptionKey = randomBytes(32);

// Dates in Korea time (UTC+9).
const kst = (text: string) => new Date(`${text}+09:00`);
const noUsage = { apiCalls: 0, customDomainYearsStarting: 0 };

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTossContractServer();
  toss = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [0, 0, 0] });
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

/** A workspace on the trial since 20 Nov 2026 that registered a card and moved to `plan` on `changeAt`. */
async function workspace(options: { plan?: string; changeAt?: Date; declineWith?: string } = {}) {
  const [{ id: tenantId }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('가게') returning id`;
  const subscription = await startTrial(db.sql, tenantId, { now: kst('2026-11-20T10:00:00') });
  const authKey = server.createAuthKey(subscription.tossCustomerKey, { declineWith: options.declineWith ?? null });
  await registerCard(db.sql, toss, { tenantId, authKey, customerKey: subscription.tossCustomerKey, encryptionKey });
  const billingKey = server.billingKeys().at(-1)!;
  if (options.plan) await changePlan(db.sql, tenantId, options.plan, { now: options.changeAt ?? kst('2026-11-25T00:00:00') });
  return { tenantId, billingKey, customerKey: subscription.tossCustomerKey };
}

function chargesFor(billingKey: string) {
  return server.charges.filter((c) => c.billingKey === billingKey);
}

describe('proration', () => {
  const basic = { code: 'basic', monthlyPriceKrw: 30_000 };
  const premium = { code: 'premium', monthlyPriceKrw: 50_000 };
  const trial = { code: 'trial', monthlyPriceKrw: 0 };
  const december = { periodStart: kst('2026-12-01T00:00:00'), periodEnd: kst('2027-01-01T00:00:00') };

  it('charges an upgrade for the days left, rounded down to the won', () => {
    // December has 31 days; from 12 Dec 00:00 KST 20 days are left.
    // (50,000 − 30,000) × 20 / 31 = 12,903.22… → 12,903원
    expect(prorate({ fromPlan: basic, toPlan: premium, ...december, changeAt: kst('2026-12-12T00:00:00') })).toBe(12_903);
  });

  it('credits a downgrade for the days left, rounded down (in the owner’s favour)', () => {
    // (30,000 − 50,000) × 20 / 31 = −12,903.22… → −12,904원
    expect(prorate({ fromPlan: premium, toPlan: basic, ...december, changeAt: kst('2026-12-12T00:00:00') })).toBe(-12_904);
  });

  it('prorates to the second, not just whole days', () => {
    // 30 Nov 2026 12:00 KST leaves half a day of November's 30: 30,000 × 0.5 / 30 = 500원
    const november = { periodStart: kst('2026-11-01T00:00:00'), periodEnd: kst('2026-12-01T00:00:00') };
    expect(prorate({ fromPlan: trial, toPlan: basic, ...november, changeAt: kst('2026-11-30T12:00:00') })).toBe(500);
    // 25 Nov 00:00 KST leaves 6 of 30 days: 30,000 × 6 / 30 = 6,000원
    expect(prorate({ fromPlan: trial, toPlan: basic, ...november, changeAt: kst('2026-11-25T00:00:00') })).toBe(6_000);
  });

  it('is zero at the period end and the full difference at its start', () => {
    expect(prorate({ fromPlan: basic, toPlan: premium, ...december, changeAt: december.periodEnd })).toBe(0);
    expect(prorate({ fromPlan: basic, toPlan: premium, ...december, changeAt: december.periodStart })).toBe(20_000);
  });

  it('refuses a change outside the period', () => {
    expect(() => prorate({ fromPlan: basic, toPlan: premium, ...december, changeAt: kst('2026-11-30T00:00:00') })).toThrow(/outside/);
  });
});

describe('cards', () => {
  it('stores the billing key only encrypted, bound to its workspace', async () => {
    const { tenantId, billingKey } = await workspace();
    const [row] = await db.sql<{ sealed: string; masked: string }[]>`
      select billing_key_encrypted as sealed, card_number_masked as masked from billing_keys where tenant_id = ${tenantId}`;
    expect(row.sealed).not.toContain(billingKey);
    expect(row.sealed).toMatch(/^v1:/);
    const everything = JSON.stringify(await db.sql`select * from billing_keys where tenant_id = ${tenantId}`);
    expect(everything).not.toContain(billingKey);
    expect(decryptSecret(encryptionKey, row.sealed, tenantId)).toBe(billingKey);
    expect(() => decryptSecret(encryptionKey, row.sealed, randomBytes(16).toString('hex'))).toThrow(/decrypt/);
    expect(row.masked).toBe('433012******1234');
    expect(await getCard(db.sql, tenantId)).toMatchObject({ cardCompany: '현대', cardNumberMasked: '433012******1234' });
  });

  it('refuses a success redirect whose customerKey is another workspace’s, before calling Toss', async () => {
    const a = await workspace();
    const [{ id: other }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('다른 가게') returning id`;
    await startTrial(db.sql, other);
    const before = server.requests.length;
    const authKey = server.createAuthKey(a.customerKey);
    await expect(registerCard(db.sql, toss, { tenantId: other, authKey, customerKey: a.customerKey, encryptionKey })).rejects.toMatchObject({
      code: 'CUSTOMER_KEY_MISMATCH',
    });
    expect(server.requests.length).toBe(before);
    expect(await getCard(db.sql, other)).toBeNull();
  });

  it('refuses a paid plan until a card is registered', async () => {
    const [{ id }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('카드 없음') returning id`;
    await startTrial(db.sql, id);
    await expect(changePlan(db.sql, id, 'basic')).rejects.toMatchObject({ code: 'NO_CARD', message: expect.stringContaining('카드') });
  });
});

describe('monthly invoices', () => {
  it('bills the plan, the proration and the add-ons with 10% VAT, once per period', async () => {
    const { tenantId } = await workspace({ plan: 'basic' });
    // Two sites; one served 150,000 requests in December (over basic's 100,000), one 50,000.
    const sites = await db.sql<{ id: string }[]>`
      insert into sites (tenant_id, name, slug, template, document) values
        (${tenantId}, 'a', ${`a-${randomBytes(4).toString('hex')}`}, 'cafe', '{}'),
        (${tenantId}, 'b', ${`b-${randomBytes(4).toString('hex')}`}, 'cafe', '{}')
      returning id`;
    await db.sql`
      insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests) values
        (${tenantId}, ${sites[0].id}, 'local', '2026-12-01', 80000),
        (${tenantId}, ${sites[0].id}, 'cloudflare', '2026-12-31', 70000),
        (${tenantId}, ${sites[1].id}, 'local', '2026-12-15', 50000),
        (${tenantId}, ${sites[1].id}, 'local', '2027-01-01', 900000)`;
    // Upgrade to premium at 00:00 KST on 12 December.
    await changePlan(db.sql, tenantId, 'premium', { now: kst('2026-12-12T00:00:00') });

    const usage = { apiCalls: 1234, customDomainYearsStarting: 1 };
    const { invoice, lines, created } = await createMonthlyInvoice(db.sql, tenantId, '2026-12', usage, { now: kst('2027-01-01T00:05:00') });
    expect(created).toBe(true);
    expect(lines.map((l) => [l.kind, l.quantity, l.unitPriceKrw, l.amountKrw])).toEqual([
      ['plan', 1, 30_000, 30_000], // 기본 for December
      ['proration', 1, 12_903, 12_903], // (50,000 − 30,000) × 20/31 → 12,903
      // premium has unlimited hosting, so no overage line even though site a passed 100,000
      ['custom_domain', 1, 20_000, 20_000],
      ['api_calls', 1234, 10, 12_340],
    ]);
    // subtotal 30,000 + 12,903 + 20,000 + 12,340 = 75,243; VAT floor(7,524.3) = 7,524; total 82,767
    expect(invoice).toMatchObject({ subtotalKrw: 75_243, vatKrw: 7_524, totalKrw: 82_767, vatRatePercent: 10, status: 'open', planCode: 'premium' });

    const again = await createMonthlyInvoice(db.sql, tenantId, '2026-12', { apiCalls: 9, customDomainYearsStarting: 0 }, { now: kst('2027-01-02T00:00:00') });
    expect(again.created).toBe(false);
    expect(again.invoice.id).toBe(invoice.id);
    expect(again.invoice.totalKrw).toBe(82_767);
  });

  it('bills hosting overage per site over the basic allowance', async () => {
    const { tenantId } = await workspace({ plan: 'basic' });
    const [site] = await db.sql<{ id: string }[]>`
      insert into sites (tenant_id, name, slug, template, document)
      values (${tenantId}, 'busy', ${`busy-${randomBytes(4).toString('hex')}`}, 'cafe', '{}') returning id`;
    await db.sql`insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests) values (${tenantId}, ${site.id}, 'local', '2026-12-10', 100001)`;
    const { invoice, lines } = await createMonthlyInvoice(db.sql, tenantId, '2026-12', noUsage, { now: kst('2027-01-01T01:00:00') });
    expect(lines.map((l) => [l.kind, l.quantity, l.amountKrw])).toEqual([['plan', 1, 30_000], ['hosting_overage', 1, 10_000]]);
    // 40,000 + VAT 4,000 = 44,000
    expect(invoice.totalKrw).toBe(44_000);
  });

  it('prorates the move from the trial and rolls the subscription into the next month', async () => {
    const { tenantId } = await workspace({ plan: 'basic', changeAt: kst('2026-11-25T00:00:00') });
    const { invoice, lines } = await createMonthlyInvoice(db.sql, tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    // trial (0원) for November, then 30,000 × 6/30 = 6,000; VAT 600 → 6,600
    expect(lines.map((l) => [l.kind, l.amountKrw])).toEqual([['plan', 0], ['proration', 6_000]]);
    expect(invoice.totalKrw).toBe(6_600);
    const subscription = await getSubscription(db.sql, tenantId);
    expect(subscription?.currentPeriodStart).toEqual(kst('2026-12-01T00:00:00'));
    expect(subscription?.status).toBe('active');
  });

  it('tells the owner the proration the invoice will carry for a change just after midnight on the 1st, before the month is closed', async () => {
    const { tenantId } = await workspace({ plan: 'basic', changeAt: kst('2026-11-25T00:00:00') });
    // 00:02 KST on 1 December: the close-month job (00:05) has not rolled the subscription into December yet.
    const { prorationKrw } = await changePlan(db.sql, tenantId, 'premium', { now: kst('2026-12-01T00:02:00') });
    // 20,000 × (31 days − 2 minutes) ÷ 31 days = 19,999.1… → 19,999 (was 0: prorated over November, then clamped to its end)
    expect(prorationKrw).toBe(19_999);
    await createMonthlyInvoice(db.sql, tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:05:00') });
    const { lines } = await createMonthlyInvoice(db.sql, tenantId, '2026-12', noUsage, { now: kst('2027-01-01T00:05:00') });
    expect(lines.filter((l) => l.kind === 'proration').map((l) => l.amountKrw)).toEqual([prorationKrw]);
  });

  it('refuses to invoice a month that has not ended', async () => {
    const { tenantId } = await workspace({ plan: 'basic' });
    await expect(createMonthlyInvoice(db.sql, tenantId, '2026-12', noUsage, { now: kst('2026-12-31T23:59:00') })).rejects.toMatchObject({
      code: 'PERIOD_NOT_CLOSED',
    });
  });

  it('ends a subscription cancelled at period end after its last invoice', async () => {
    const { tenantId } = await workspace({ plan: 'basic' });
    await cancelAtPeriodEnd(db.sql, tenantId);
    const { invoice } = await createMonthlyInvoice(db.sql, tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    expect(invoice.totalKrw).toBe(6_600);
    expect((await getSubscription(db.sql, tenantId))?.status).toBe('cancelled');
  });

  it('is invisible to another workspace', async () => {
    const a = await workspace({ plan: 'basic' });
    const b = await workspace({ plan: 'basic' });
    const { invoice } = await createMonthlyInvoice(db.sql, a.tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    expect(await getInvoice(db.sql, b.tenantId, invoice.id)).toBeNull();
    const seen = await withTenant(db.sql, b.tenantId, async (tx) => ({
      invoices: await tx`select id from invoices where id = ${invoice.id}`,
      lines: await tx`select id from invoice_lines where invoice_id = ${invoice.id}`,
      cards: await tx`select id from billing_keys where tenant_id = ${a.tenantId}`,
    }));
    expect(seen).toEqual({ invoices: [], lines: [], cards: [] });
    expect((await getInvoice(db.sql, a.tenantId, invoice.id))?.invoice.totalKrw).toBe(6_600);
  });
});

describe('charging an invoice', () => {
  async function novemberInvoice(options: { declineWith?: string } = {}) {
    const ws = await workspace({ plan: 'basic', ...options });
    const { invoice } = await createMonthlyInvoice(db.sql, ws.tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    return { ...ws, invoiceId: invoice.id };
  }

  it('charges once when the charge job runs twice', async () => {
    const { invoiceId, billingKey, tenantId } = await novemberInvoice();
    const now = kst('2026-12-01T09:00:00');
    const first = await chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now });
    const second = await chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now });
    expect(first.outcome).toBe('paid');
    expect(second.outcome).toBe('already_paid');
    expect(chargesFor(billingKey)).toHaveLength(1);
    expect(chargesFor(billingKey)[0].amount).toBe(6_600);
    expect((await getInvoice(db.sql, tenantId, invoiceId))?.invoice.status).toBe('paid');
    const [receipt] = await listInvoicePayments(db.sql, tenantId, invoiceId);
    expect(receipt).toMatchObject({ status: 'done', amountKrw: 6_600, cardNumberMasked: '433012******1234' });
    expect(receipt.receiptUrl).toMatch(/^https:\/\/dashboard\.tosspayments\.com\//);
  });

  it('charges once when both runs race', async () => {
    const { invoiceId, billingKey } = await novemberInvoice();
    const now = kst('2026-12-01T09:00:00');
    const outcomes = await Promise.all([1, 2, 3].map(() => chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now })));
    expect(outcomes.map((o) => o.outcome)).toContain('paid');
    expect(chargesFor(billingKey)).toHaveLength(1);
  });

  it('charges once when the connection drops after Toss made the charge', async () => {
    const { invoiceId, billingKey } = await novemberInvoice();
    server.dropConnectionAfterCharge(1);
    const outcome = await chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now: kst('2026-12-01T09:00:00') });
    expect(outcome.outcome).toBe('paid');
    expect(chargesFor(billingKey)).toHaveLength(1);
    const keys = server.requests.filter((r) => r.path === `/v1/billing/${billingKey}`).map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('charges once when the worker died after the call and the job runs again the next day', async () => {
    const { invoiceId, billingKey, tenantId } = await novemberInvoice();
    const dying = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [] });
    server.dropConnectionAfterCharge(1);
    const lost = await chargeInvoice(db.sql, dying, invoiceId, { encryptionKey, now: kst('2026-12-01T23:59:59') });
    expect(lost.outcome).toBe('pending');
    const [payment] = await db.sql`select status from payments where invoice_id = ${invoiceId}`;
    expect(payment.status).toBe('in_progress');
    expect((await listDueInvoices(db.sql, kst('2026-12-02T00:10:00'))).map((i) => i.id)).toContain(invoiceId);

    const resumed = await chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now: kst('2026-12-02T00:10:00') });
    expect(resumed.outcome).toBe('paid');
    expect(chargesFor(billingKey)).toHaveLength(1);
    expect((await getInvoice(db.sql, tenantId, invoiceId))?.invoice.status).toBe('paid');
  });

  it('retries a declined card on days 1, 3 and 7, then limits the workspace until it pays', async () => {
    const { invoiceId, billingKey, tenantId } = await novemberInvoice({ declineWith: 'REJECT_CARD_COMPANY' });
    const day0 = kst('2026-12-01T09:00:00');
    const at = (days: number, hours = 0) => new Date(day0.getTime() + days * 86_400_000 + hours * 3_600_000);
    const charge = (now: Date, ownerInitiated = false) => chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now, ownerInitiated });

    expect(await charge(day0)).toMatchObject({ outcome: 'declined', code: 'REJECT_CARD_COMPANY', nextAttemptAt: at(1), limited: false });
    expect((await getSubscription(db.sql, tenantId))?.status).toBe('past_due');
    expect(await charge(at(0, 12))).toMatchObject({ outcome: 'not_due', nextAttemptAt: at(1) });
    expect(await charge(at(1))).toMatchObject({ outcome: 'declined', nextAttemptAt: at(3), limited: false });
    expect(await charge(at(2))).toMatchObject({ outcome: 'not_due' });
    expect(await charge(at(3))).toMatchObject({ outcome: 'declined', nextAttemptAt: at(7), limited: false });
    await expect(assertCanPublish(db.sql, tenantId)).resolves.toBeUndefined();
    expect(await charge(at(7))).toMatchObject({ outcome: 'declined', nextAttemptAt: null, limited: true });

    expect((await getSubscription(db.sql, tenantId))?.status).toBe('limited');
    const [tenant] = await db.sql`select status from tenants where id = ${tenantId}`;
    expect(tenant.status).toBe('limited');
    await expect(assertCanPublish(db.sql, tenantId)).rejects.toMatchObject({ code: 'WORKSPACE_LIMITED', message: expect.stringContaining('게시') });
    expect(await charge(at(8))).toMatchObject({ outcome: 'not_due', nextAttemptAt: null });
    expect(await listDueInvoices(db.sql, at(30))).not.toContainEqual(expect.objectContaining({ id: invoiceId }));

    // Four attempts, four different Idempotency-Keys, nothing charged.
    const keys = server.requests.filter((r) => r.path === `/v1/billing/${billingKey}`).map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(4);
    expect(chargesFor(billingKey)).toHaveLength(0);

    // The owner sorts the card out with the card company and pays from the billing page.
    server.setDecline(billingKey, null);
    expect(await charge(at(9), true)).toMatchObject({ outcome: 'paid' });
    expect(chargesFor(billingKey)).toHaveLength(1);
    expect((await getSubscription(db.sql, tenantId))?.status).toBe('active');
    const [restored] = await db.sql`select status from tenants where id = ${tenantId}`;
    expect(restored.status).toBe('active');
    await expect(assertCanPublish(db.sql, tenantId)).resolves.toBeUndefined();
  });

  it('lets the owner retry by hand without spending an automatic retry', async () => {
    const { invoiceId, billingKey } = await novemberInvoice({ declineWith: 'REJECT_CARD_COMPANY' });
    const day0 = kst('2026-12-01T09:00:00');
    await chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now: day0 });
    const manual = await chargeInvoice(db.sql, toss, invoiceId, { encryptionKey, now: kst('2026-12-01T10:00:00'), ownerInitiated: true });
    expect(manual).toMatchObject({ outcome: 'declined', nextAttemptAt: kst('2026-12-02T09:00:00'), limited: false });
    expect(chargesFor(billingKey)).toHaveLength(0);
  });
});

describe('Toss webhooks', () => {
  it('re-reads the payment, settles a lost charge once, and ignores duplicates and reordered events', async () => {
    const ws = await workspace({ plan: 'basic' });
    const { invoice } = await createMonthlyInvoice(db.sql, ws.tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    const dying = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [] });
    server.dropConnectionAfterCharge(1);
    expect((await chargeInvoice(db.sql, dying, invoice.id, { encryptionKey, now: kst('2026-12-01T09:00:00') })).outcome).toBe('pending');
    const charged = chargesFor(ws.billingKey)[0];
    const tossPayment = server.payment(charged.paymentKey)!;

    const doneEvent = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-12-01T09:00:01.000000', data: { ...tossPayment } };
    expect((await handleTossWebhook(db.sql, toss, doneEvent)).outcome).toBe('applied');
    expect((await getInvoice(db.sql, ws.tenantId, invoice.id))?.invoice.status).toBe('paid');
    expect((await handleTossWebhook(db.sql, toss, doneEvent)).outcome).toBe('duplicate');

    // Refunded in the Toss dashboard; the CANCELED event arrives before a late, redelivered DONE.
    await toss.cancelPayment(charged.paymentKey, { cancelReason: '고객 요청 환불', idempotencyKey: `dash-${charged.paymentKey}` });
    const cancelEvent = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-12-02T10:00:00.000000', data: { ...server.payment(charged.paymentKey)! } };
    expect((await handleTossWebhook(db.sql, toss, cancelEvent)).outcome).toBe('applied');
    const lateDone = { ...doneEvent, createdAt: '2026-12-01T09:00:02.000000' };
    expect((await handleTossWebhook(db.sql, toss, lateDone)).outcome).toBe('unchanged');
    expect((await handleTossWebhook(db.sql, toss, cancelEvent)).outcome).toBe('duplicate');

    const [payment] = await db.sql`select status, payment_key from payments where invoice_id = ${invoice.id}`;
    expect(payment).toMatchObject({ status: 'cancelled', payment_key: charged.paymentKey });
    expect((await getInvoice(db.sql, ws.tenantId, invoice.id))?.invoice.status).toBe('refunded');
    expect(chargesFor(ws.billingKey)).toHaveLength(1);
    const [{ deliveries }] = await db.sql`select sum(deliveries)::int as deliveries from billing_events where payment_key = ${charged.paymentKey}`;
    expect(deliveries).toBe(5);
  });

  it('refuses a Toss payment whose amount does not match the order, and charges nothing more', async () => {
    const ws = await workspace({ plan: 'basic' });
    const { invoice } = await createMonthlyInvoice(db.sql, ws.tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    const [card] = await db.sql<{ id: string }[]>`select id from billing_keys where tenant_id = ${ws.tenantId} and removed_at is null`;
    const orderId = `ww${randomBytes(16).toString('hex')}`;
    await db.sql`
      insert into payments (tenant_id, invoice_id, attempt, idempotency_key, order_id, order_name, billing_key_id, amount_krw, status)
      values (${ws.tenantId}, ${invoice.id}, 1, ${`mismatch-${invoice.id}`}, ${orderId}, 'x', ${card.id}, 6600, 'in_progress')`;
    // Toss holds a 100원 payment under our order id.
    const odd = await toss.chargeBillingKey(ws.billingKey, { customerKey: ws.customerKey, amount: 100, orderId, orderName: 'x', idempotencyKey: `odd-${orderId}` });
    const event = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-12-01T09:00:00.000000', data: { ...odd, totalAmount: 6600 } };
    expect((await handleTossWebhook(db.sql, toss, event)).outcome).toBe('mismatch');
    await expect(chargeInvoice(db.sql, toss, invoice.id, { encryptionKey, now: kst('2026-12-01T09:05:00') })).rejects.toThrow(/expected/);
    expect((await getInvoice(db.sql, ws.tenantId, invoice.id))?.invoice.status).toBe('open');
    expect(chargesFor(ws.billingKey).map((c) => c.amount)).toEqual([100]);
    const [logged] = await db.sql`select outcome from billing_events where payment_key = ${odd.paymentKey}`;
    expect(logged.outcome).toBe('mismatch');
  });

  it('does not trust a forged event body', async () => {
    const ws = await workspace({ plan: 'basic' });
    const { invoice } = await createMonthlyInvoice(db.sql, ws.tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
    const forgedUnknown = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-12-01T09:00:00.000000', data: { paymentKey: 'pay_forged', status: 'DONE' } };
    expect((await handleTossWebhook(db.sql, toss, forgedUnknown)).outcome).toBe('unknown_payment');
    // A real payment key of someone else's order, dressed up as this invoice's order.
    const other = await workspace({ plan: 'basic' });
    const paid = await toss.chargeBillingKey(other.billingKey, {
      customerKey: other.customerKey, amount: 6_600, orderId: `forged${randomBytes(6).toString('hex')}`, orderName: 'x', idempotencyKey: `forge-${invoice.id}`,
    });
    const forged = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-12-01T09:00:00.000000', data: { ...paid, orderId: 'anything', status: 'DONE' } };
    expect((await handleTossWebhook(db.sql, toss, forged)).outcome).toBe('unknown_payment');
    expect((await getInvoice(db.sql, ws.tenantId, invoice.id))?.invoice.status).toBe('open');
    expect((await handleTossWebhook(db.sql, toss, { hello: 'world' })).outcome).toBe('invalid');
  });
});

describe('the encryption key', () => {
  it('is generated once into <dataDir>/encryption.key with mode 600 in the embedded default, loudly', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-key-'));
    try {
      const warnings: string[] = [];
      const first = await loadEncryptionKey({ dataDir, allowGenerate: true, warn: (m) => warnings.push(m) });
      const second = await loadEncryptionKey({ dataDir, allowGenerate: true, warn: (m) => warnings.push(m) });
      expect(first.equals(second)).toBe(true);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('encryption.key');
      const file = path.join(dataDir, 'encryption.key');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await readFile(file, 'utf8')).trim()).toBe(first.toString('hex'));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('must be configured when the database is external', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-key-'));
    try {
      await expect(loadEncryptionKey({ dataDir, allowGenerate: false })).rejects.toThrow(/ENCRYPTION_KEY/);
      const hex = randomBytes(32).toString('hex');
      expect((await loadEncryptionKey({ encryptionKeyHex: hex, dataDir, allowGenerate: false })).toString('hex')).toBe(hex);
      await expect(loadEncryptionKey({ encryptionKeyHex: 'abc', dataDir, allowGenerate: false })).rejects.toThrow(/64 hex/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
