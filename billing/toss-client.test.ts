import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTossContractServer, type TossContractServer } from './contract/toss-contract-server.ts';
import { createTossClient, TossError, TossNetworkError, type TossClient } from './toss-client.ts';

let server: TossContractServer;
let toss: TossClient;

beforeAll(async () => {
  server = await startTossContractServer();
  toss = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [0, 0, 0] });
});
afterAll(() => server.close());

async function issueCard(customerKey: string, declineWith: string | null = null) {
  const authKey = server.createAuthKey(customerKey, { declineWith });
  return toss.issueBillingKey({ authKey, customerKey });
}

function order(suffix: string) {
  return `order-${suffix}-${Math.random().toString(36).slice(2, 10)}`;
}

describe('Toss client against the contract server', () => {
  it('is refused with 401 UNAUTHORIZED_KEY when the secret key is wrong', async () => {
    const wrong = createTossClient({ secretKey: 'test_sk_wrong', baseUrl: server.url, retryDelaysMs: [] });
    const error = await wrong.getPayment('pay_x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TossError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED_KEY' });
  });

  it('is refused when the secret key is sent without its trailing colon', async () => {
    const response = await fetch(`${server.url}/v1/payments/pay_x`, {
      headers: { Authorization: `Basic ${Buffer.from(server.secretKey).toString('base64')}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED_KEY' });
  });

  it('issues a billing key from an authKey once, with the card masked', async () => {
    const authKey = server.createAuthKey('customer_issue', { company: '신한', number: '123456******7890' });
    const issued = await toss.issueBillingKey({ authKey, customerKey: 'customer_issue' });
    expect(issued).toMatchObject({ customerKey: 'customer_issue', cardCompany: '신한', cardNumber: '123456******7890' });
    expect(issued.billingKey).toMatch(/^bk_/);
    await expect(toss.issueBillingKey({ authKey, customerKey: 'customer_issue' })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses an authKey presented with another customerKey', async () => {
    const authKey = server.createAuthKey('customer_a');
    await expect(toss.issueBillingKey({ authKey, customerKey: 'customer_b' })).rejects.toMatchObject({ code: 'NOT_MATCHES_CUSTOMER_KEY' });
  });

  it('replays the first answer for the same Idempotency-Key and body, charging once', async () => {
    const { billingKey } = await issueCard('customer_replay');
    const input = { customerKey: 'customer_replay', amount: 33000, orderId: order('replay'), orderName: '기본 요금제', idempotencyKey: 'key-replay-1' };
    const before = server.charges.length;
    const first = await toss.chargeBillingKey(billingKey, input);
    const second = await toss.chargeBillingKey(billingKey, input);
    expect(first.status).toBe('DONE');
    expect(second.paymentKey).toBe(first.paymentKey);
    expect(server.charges.length - before).toBe(1);
  });

  it('refuses the same Idempotency-Key with a different body (422)', async () => {
    const { billingKey } = await issueCard('customer_reuse');
    const input = { customerKey: 'customer_reuse', amount: 33000, orderId: order('reuse'), orderName: '기본 요금제', idempotencyKey: 'key-reuse-1' };
    await toss.chargeBillingKey(billingKey, input);
    await expect(toss.chargeBillingKey(billingKey, { ...input, amount: 55000 })).rejects.toMatchObject({ status: 422 });
  });

  it('refuses an orderId it already approved (DUPLICATED_ORDER_ID) when no key protects the retry', async () => {
    const { billingKey } = await issueCard('customer_dup');
    const orderId = order('dup');
    await toss.chargeBillingKey(billingKey, { customerKey: 'customer_dup', amount: 1000, orderId, orderName: 'x', idempotencyKey: 'dup-1' });
    await expect(
      toss.chargeBillingKey(billingKey, { customerKey: 'customer_dup', amount: 1000, orderId, orderName: 'x', idempotencyKey: 'dup-2' }),
    ).rejects.toMatchObject({ code: 'DUPLICATED_ORDER_ID' });
  });

  it('checks required fields and their types like Toss', async () => {
    const { billingKey } = await issueCard('customer_fields');
    const base = { customerKey: 'customer_fields', amount: 1000, orderId: order('fields'), orderName: 'x', idempotencyKey: `f-${Date.now()}` };
    await expect(toss.chargeBillingKey(billingKey, { ...base, amount: '1000' as unknown as number })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(toss.chargeBillingKey(billingKey, { ...base, orderId: 'abc', idempotencyKey: 'f2' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(toss.chargeBillingKey(billingKey, { ...base, amount: 50, idempotencyKey: 'f3' })).rejects.toMatchObject({ code: 'BELOW_MINIMUM_AMOUNT' });
    await expect(toss.chargeBillingKey('bk_unknown', { ...base, idempotencyKey: 'f4' })).rejects.toMatchObject({ status: 404 });
  });

  it('reports a declined card as REJECT_CARD_COMPANY', async () => {
    const { billingKey } = await issueCard('customer_decline', 'REJECT_CARD_COMPANY');
    const error = await toss
      .chargeBillingKey(billingKey, { customerKey: 'customer_decline', amount: 33000, orderId: order('decl'), orderName: 'x', idempotencyKey: 'decl-1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, code: 'REJECT_CARD_COMPANY', isDecline: true });
  });

  it('retries a dropped connection with the same Idempotency-Key and gets the charge it already made', async () => {
    const { billingKey } = await issueCard('customer_drop');
    const before = server.charges.length;
    server.dropConnectionAfterCharge(1);
    const payment = await toss.chargeBillingKey(billingKey, {
      customerKey: 'customer_drop', amount: 33000, orderId: order('drop'), orderName: 'x', idempotencyKey: 'drop-1',
    });
    expect(payment.status).toBe('DONE');
    expect(server.charges.length - before).toBe(1);
    expect(server.requests.filter((r) => r.idempotencyKey === 'drop-1')).toHaveLength(2);
  });

  it('gives up with TossNetworkError when no retry is allowed', async () => {
    const { billingKey } = await issueCard('customer_drop2');
    const once = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [] });
    server.dropConnectionAfterCharge(1);
    await expect(
      once.chargeBillingKey(billingKey, { customerKey: 'customer_drop2', amount: 1000, orderId: order('drop2'), orderName: 'x', idempotencyKey: 'drop-2' }),
    ).rejects.toBeInstanceOf(TossNetworkError);
  });

  it('retries a 5xx only when an Idempotency-Key makes it safe', async () => {
    const before = server.requests.length;
    server.failNextRequests(1);
    await expect(toss.issueBillingKey({ authKey: server.createAuthKey('customer_5xx'), customerKey: 'customer_5xx' })).rejects.toMatchObject({ status: 500 });
    expect(server.requests.length - before).toBe(1);

    const { billingKey } = await issueCard('customer_5xx_key');
    server.failNextRequests(1);
    const payment = await toss.chargeBillingKey(billingKey, { customerKey: 'customer_5xx_key', amount: 1000, orderId: order('5xx'), orderName: 'x', idempotencyKey: 'k5xx' });
    expect(payment.status).toBe('DONE');
  });

  it('looks a payment up and cancels it once', async () => {
    const { billingKey } = await issueCard('customer_cancel');
    const paid = await toss.chargeBillingKey(billingKey, { customerKey: 'customer_cancel', amount: 1000, orderId: order('cancel'), orderName: 'x', idempotencyKey: 'c-1' });
    expect((await toss.getPayment(paid.paymentKey)).status).toBe('DONE');
    expect((await toss.getPaymentByOrderId(paid.orderId)).paymentKey).toBe(paid.paymentKey);
    const cancelled = await toss.cancelPayment(paid.paymentKey, { cancelReason: '고객 요청', idempotencyKey: 'cancel-1' });
    expect(cancelled.status).toBe('CANCELED');
    expect((await toss.cancelPayment(paid.paymentKey, { cancelReason: '고객 요청', idempotencyKey: 'cancel-1' })).status).toBe('CANCELED');
    await expect(toss.cancelPayment(paid.paymentKey, { cancelReason: '또', idempotencyKey: 'cancel-2' })).rejects.toMatchObject({ code: 'ALREADY_CANCELED_PAYMENT' });
    await expect(toss.getPayment('pay_missing')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND_PAYMENT' });
  });
});
