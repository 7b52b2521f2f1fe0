// The billing pages over real HTTP against the built Remix app, a fresh database and the local
// Toss contract server (TOSS_API_BASE): card registration through the success redirect, forged
// and replayed redirects, the fail URL, plan change with its proration, invoices and receipts
// (another workspace's id is a 404), the Toss webhook, finance refunds and who may see what.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  billingPeriod,
  chargeInvoice,
  createMonthlyInvoice,
  createTossClient,
  getSubscription,
  periodOf,
  prorate,
} from '../billing/index.ts';
import { startTossContractServer, type TossContractServer } from '../billing/contract/toss-contract-server.ts';
import { resetEnvForTests } from '../config/env.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

const ENCRYPTION_KEY_HEX = randomBytes(32).toString('hex');
const encryptionKey = Buffer.from(ENCRYPTION_KEY_HEX, 'hex');

let toss: TossContractServer;
let web: TestWeb;
let owner: BrowserTab;
let stranger: BrowserTab;
let ownerTenantId: string;
let strangerTenantId: string;
let invoiceId: string;
let paymentId: string;

async function tenantOf(email: string): Promise<string> {
  const [row] = await web.db.sql<{ tenantId: string }[]>`
    select m.tenant_id as "tenantId" from memberships m join users u on u.id = m.user_id where u.email = ${email}`;
  return row.tenantId;
}

async function customerKeyOf(tenantId: string): Promise<string> {
  const subscription = await getSubscription(web.db.sql, tenantId);
  return subscription!.tossCustomerKey;
}

/**
 * A plan change in the last two minutes of a KST month is prorated to 0원 (the price difference ×
 * the seconds left rounds down below one won), so that month's invoice would come to 0원 and
 * charge nothing. The tests that need a proration and a charge wait for the next month instead.
 */
async function clearOfMonthEnd(): Promise<void> {
  const left = billingPeriod(periodOf(new Date())).end.getTime() - Date.now();
  if (left < 120_000) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

/** The KST month of the workspace's last move to `plan`: the invoice closing it carries the change. */
async function periodOfChangeTo(tenantId: string, plan: string): Promise<string> {
  const [change] = await web.db.sql<{ changedAt: Date }[]>`
    select changed_at as "changedAt" from subscription_changes where tenant_id = ${tenantId} and to_plan = ${plan}
    order by changed_at desc limit 1`;
  return periodOf(change.changedAt);
}

function successUrl(authKey: string, customerKey: string): string {
  return `/billing/card/success?${new URLSearchParams({ authKey, customerKey })}`;
}

beforeAll(async () => {
  toss = await startTossContractServer();
  process.env.TOSS_API_BASE = toss.url;
  process.env.TOSS_SECRET_KEY = toss.secretKey;
  process.env.TOSS_CLIENT_KEY = 'test_ck_windwalker_billing_pages';
  process.env.ENCRYPTION_KEY = ENCRYPTION_KEY_HEX;
  resetEnvForTests();
  web = await startTestWeb();
  owner = await web.signUp({ email: 'owner@momo.kr', workspaceName: '모모 커피' });
  stranger = await web.signUp({ email: 'other@example.com', workspaceName: '다른 가게' });
  ownerTenantId = await tenantOf('owner@momo.kr');
  strangerTenantId = await tenantOf('other@example.com');
});

afterAll(async () => {
  await web?.stop();
  await toss?.close();
});

describe('the billing page', () => {
  it('shows a new workspace its free trial, the plans with VAT-exclusive prices and the card button', async () => {
    const page = await owner.get('/billing');
    expect(page.status).toBe(200);
    expect(page.body).toContain('무료 체험');
    expect(page.body).toMatch(/1[34]일 남음/);
    expect(page.body).toContain('30,000원/월');
    expect(page.body).toContain('50,000원/월');
    expect(page.body).toContain('100,000원/월');
    expect(page.body).toContain('VAT 별도');
    expect(page.body).toContain('카드 등록');
    expect(page.body).not.toContain('결제가 아직 설정되지 않았습니다');
    // The browser SDK gets the client key and this workspace's customerKey — never the secret key.
    expect(page.body).toContain(await customerKeyOf(ownerTenantId));
    expect(page.body).not.toContain(toss.secretKey);
  });

  it('refuses editors and viewers with a Korean 403', async () => {
    const [viewer] = await web.db.sql<{ id: string }[]>`select id from users where email = 'other@example.com'`;
    await web.db.sql`insert into memberships (tenant_id, user_id, role) values (${ownerTenantId}, ${viewer.id}, 'viewer')`;
    const viewerTab = web.tab();
    const login = await viewerTab.post('/login', { email: 'other@example.com', password: 'correct-horse-battery' });
    expect(login.status).toBe(302);
    const switched = await viewerTab.post('/workspace/switch', { tenantId: ownerTenantId, redirectTo: '/sites' });
    expect(switched.status).toBe(302);
    const page = await viewerTab.get('/billing');
    expect(page.status).toBe(403);
    expect(page.body).toContain('결제와 요금제는 워크스페이스 소유자만 볼 수 있습니다');
    const invoices = await viewerTab.get('/billing/invoices');
    expect(invoices.status).toBe(403);
    await web.db.sql`delete from memberships where tenant_id = ${ownerTenantId} and user_id = ${viewer.id}`;
  });
});

describe('card registration after Toss’s redirect', () => {
  it('registers the card from the success URL and shows it masked', async () => {
    const customerKey = await customerKeyOf(ownerTenantId);
    const authKey = toss.createAuthKey(customerKey, { company: '신한', number: '433012******5678' });
    const back = await owner.get(successUrl(authKey, customerKey));
    expect(back.status).toBe(302);
    expect(back.location).toBe('/billing?done=card-registered');
    const page = await owner.get('/billing?done=card-registered');
    expect(page.body).toContain('카드를 등록했습니다');
    expect(page.body).toContain('433012******5678');
    expect(page.body).toContain('신한');
    expect(page.body).toContain('카드 변경');
    const [{ n }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from billing_keys where tenant_id = ${ownerTenantId} and removed_at is null`;
    expect(n).toBe(1);
    expect(toss.billingKeys()).toHaveLength(1);
  });

  it('refuses a replayed success redirect in Korean and charges nothing', async () => {
    const customerKey = await customerKeyOf(ownerTenantId);
    const authKey = toss.createAuthKey(customerKey);
    expect((await owner.get(successUrl(authKey, customerKey))).status).toBe(302);
    const replay = await owner.get(successUrl(authKey, customerKey));
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('카드를 등록하지 못했습니다');
    expect(replay.body).toContain('카드 등록을 다시 시도해 주세요');
    expect(toss.charges).toHaveLength(0);
    const [{ n }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from billing_keys where tenant_id = ${ownerTenantId} and removed_at is null`;
    expect(n).toBe(1);
  });

  it('refuses a forged redirect carrying another workspace’s customerKey, and logs it', async () => {
    const strangerKey = await customerKeyOf(strangerTenantId);
    const authKey = toss.createAuthKey(strangerKey);
    const forged = await owner.get(successUrl(authKey, strangerKey));
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('카드 등록 요청이 이 워크스페이스의 것이 아닙니다');
    const garbage = await owner.get('/billing/card/success?authKey=%3Cscript%3E&customerKey=x');
    expect(garbage.status).toBe(400);
    expect(garbage.body).toContain('카드 등록 응답이 올바르지 않습니다');
    const [{ n }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from billing_keys where tenant_id = ${strangerTenantId}`;
    expect(n).toBe(0);
    const [{ refused }] = await web.db.sql<{ refused: number }[]>`
      select count(*)::int as refused from audit_log where tenant_id = ${ownerTenantId} and action = 'billing.card_refused'`;
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(toss.charges).toHaveLength(0);
  });

  it('explains the fail URL in Korean and registers nothing', async () => {
    const cancelled = await owner.get(`/billing/card/fail?${new URLSearchParams({ code: 'PAY_PROCESS_CANCELED', message: '사용자에 의해 결제가 취소되었습니다.' })}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toContain('카드 등록을 취소하셨습니다');
    expect(cancelled.body).toContain('결제된 금액도 없습니다');
    const other = await owner.get(`/billing/card/fail?${new URLSearchParams({ code: 'SOMETHING_NEW', message: '<b>카드 정보를 확인해 주세요</b>' })}`);
    expect(other.body).toContain('토스페이먼츠 안내: &lt;b&gt;카드 정보를 확인해 주세요&lt;/b&gt;');
    expect(other.body).not.toContain('<b>카드 정보');
  });
});

describe('changing the plan', () => {
  it('shows the proration before confirming, then changes the plan', async () => {
    await clearOfMonthEnd();
    // Prorated over the KST month of the change (the stored period may still be last month's
    // when the month has just turned: nothing here runs the close-month job).
    const expectedAt = (at: Date) =>
      prorate({
        fromPlan: { code: 'trial', monthlyPriceKrw: 0 },
        toPlan: { code: 'premium', monthlyPriceKrw: 50_000 },
        periodStart: billingPeriod(periodOf(at)).start,
        periodEnd: billingPeriod(periodOf(at)).end,
        changeAt: at,
      });
    const before = expectedAt(new Date());
    const preview = await owner.get('/billing?plan=premium');
    const after = expectedAt(new Date());
    expect(preview.status).toBe(200);
    expect(preview.body).toContain('무료 체험 → 프리미엄 요금제로 변경');
    const shown = Number(/일할 계산 \+([\d,]+)원/.exec(preview.body)![1].replaceAll(',', ''));
    expect(shown).toBeLessThanOrEqual(before);
    expect(shown).toBeGreaterThanOrEqual(after);
    // Nothing changed by looking.
    expect((await getSubscription(web.db.sql, ownerTenantId))!.planCode).toBe('trial');

    const confirmed = await owner.post('/billing?plan=premium', { intent: 'change-plan', plan: 'premium' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('프리미엄 요금제로 바꾸었습니다');
    expect(confirmed.body).toMatch(/일할 계산 [\d,]+원\(VAT 별도\)이 더해집니다/);
    expect((await getSubscription(web.db.sql, ownerTenantId))!.planCode).toBe('premium');
    const page = await owner.get('/billing');
    expect(page.body).toContain('현재 요금제');
    expect(page.body).toContain('50,000원');
  }, 180_000);

  it('refuses a paid plan without a card with the next step in Korean', async () => {
    const refused = await stranger.post('/billing', { intent: 'change-plan', plan: 'basic' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('먼저 결제 카드를 등록해 주세요');
    expect((await getSubscription(web.db.sql, strangerTenantId))!.planCode).toBe('trial');
  });

  it('cancels at the end of the period and resumes', async () => {
    const cancelled = await owner.post('/billing', { intent: 'cancel' });
    expect(cancelled.body).toContain('구독 해지를 예약했습니다');
    expect((await getSubscription(web.db.sql, ownerTenantId))!.cancelAtPeriodEnd).toBe(true);
    expect((await owner.get('/billing')).body).toContain('해지 취소');
    const resumed = await owner.post('/billing', { intent: 'resume' });
    expect(resumed.body).toContain('해지 예약을 취소했습니다');
    expect((await getSubscription(web.db.sql, ownerTenantId))!.cancelAtPeriodEnd).toBe(false);
  });
});

describe('invoices and receipts', () => {
  beforeAll(async () => {
    // The month closes (as the billing job does on the 1st) and the charge job runs. The month of
    // the plan change, not of now: a run that crosses midnight KST on the 1st is past it.
    const period = await periodOfChangeTo(ownerTenantId, 'premium');
    const { end } = billingPeriod(period);
    const { invoice } = await createMonthlyInvoice(web.db.sql, ownerTenantId, period, { apiCalls: 0, customDomainYearsStarting: 0 }, { now: end });
    invoiceId = invoice.id;
    const client = createTossClient({ secretKey: toss.secretKey, baseUrl: toss.url });
    const outcome = await chargeInvoice(web.db.sql, client, invoiceId, { encryptionKey, now: end });
    expect(outcome.outcome).toBe('paid');
    const [payment] = await web.db.sql<{ id: string }[]>`select id from payments where invoice_id = ${invoiceId}`;
    paymentId = payment.id;
  });

  it('lists the invoice and shows its lines, subtotal, VAT 10%, total and the payment with its receipt link', async () => {
    const [invoice] = await web.db.sql<{ subtotal: number; vat: number; total: number }[]>`
      select subtotal_krw as subtotal, vat_krw as vat, total_krw as total from invoices where id = ${invoiceId}`;
    expect(invoice.vat).toBe(Math.floor(invoice.subtotal / 10));
    const list = await owner.get('/billing/invoices');
    expect(list.status).toBe(200);
    expect(list.body).toContain(`/billing/invoices/${invoiceId}`);
    expect(list.body).toContain('결제 완료');
    expect(list.body).toContain(`${invoice.total.toLocaleString('ko-KR')}원`);

    const detail = await owner.get(`/billing/invoices/${invoiceId}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toContain('무료 체험 요금제');
    expect(detail.body).toContain('요금제 변경 무료 체험 → 프리미엄');
    expect(detail.body).toContain('공급가액');
    expect(detail.body).toContain('부가가치세 (10%)');
    expect(detail.body).toContain(`${invoice.subtotal.toLocaleString('ko-KR')}원`);
    expect(detail.body).toContain(`${invoice.vat.toLocaleString('ko-KR')}원`);
    expect(detail.body).toContain('카드 매출전표');
    expect(detail.body).toContain('https://dashboard.tosspayments.com/receipt/');
    expect(detail.body).toContain('433012******1234'); // the card registered last (the replay test's)

    const receipt = await owner.get(`/billing/invoices/${invoiceId}/receipt`);
    expect(receipt.status).toBe(200);
    expect(receipt.body).toContain('영수증');
    expect(receipt.body).toContain('모모 커피');
    expect(receipt.body).toContain('인쇄하기');
    expect(receipt.body).toContain(`${invoice.total.toLocaleString('ko-KR')}원`);
  });

  it('answers 404 for another workspace’s invoice and for a malformed id', async () => {
    for (const path of [`/billing/invoices/${invoiceId}`, `/billing/invoices/${invoiceId}/receipt`]) {
      const response = await stranger.get(path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('프리미엄');
    }
    expect((await owner.get('/billing/invoices/not-a-uuid')).status).toBe(404);
    const strangerList = await stranger.get('/billing/invoices');
    expect(strangerList.body).toContain('아직 청구서가 없습니다');
  });
});

describe('the Toss webhook', () => {
  async function postWebhook(body: string, headers: Record<string, string> = {}) {
    const response = await fetch(new URL('/webhooks/toss', web.baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, json: (await response.json()) as { ok: boolean; outcome?: string; error?: string } };
  }

  it('accepts Toss’s post without a session or Origin, re-reads the payment, and a duplicate changes nothing', async () => {
    const [payment] = await web.db.sql<{ paymentKey: string }[]>`select payment_key as "paymentKey" from payments where id = ${paymentId}`;
    const event = JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', createdAt: new Date().toISOString(), data: { paymentKey: payment.paymentKey, status: 'CANCELED' } });
    const readsBefore = toss.requests.filter((r) => r.method === 'GET').length;
    const first = await postWebhook(event, { 'tosspayments-webhook-transmission-id': 'wh-1' });
    expect(first.status).toBe(200);
    // The body claims CANCELED; Toss says DONE, which we already had.
    expect(first.json.outcome).toBe('unchanged');
    expect(toss.requests.filter((r) => r.method === 'GET').length).toBe(readsBefore + 1);
    const [afterFirst] = await web.db.sql<{ status: string }[]>`select status from invoices where id = ${invoiceId}`;
    expect(afterFirst.status).toBe('paid');

    const duplicate = await postWebhook(event, { 'tosspayments-webhook-transmission-id': 'wh-1' });
    expect(duplicate.status).toBe(200);
    expect(duplicate.json.outcome).toBe('duplicate');
    expect(toss.requests.filter((r) => r.method === 'GET').length).toBe(readsBefore + 1);
    const [{ deliveries }] = await web.db.sql<{ deliveries: number }[]>`select deliveries from billing_events where dedupe_key = 'wh-1'`;
    expect(deliveries).toBe(2);
  });

  it('answers 400 for what is not a Toss event and 413 for an oversize body', async () => {
    expect((await postWebhook('not json')).status).toBe(400);
    expect((await postWebhook(JSON.stringify({ hello: 'world' }))).status).toBe(400);
    const huge = JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', createdAt: 'x', data: { paymentKey: 'k', pad: 'x'.repeat(70_000) } });
    expect((await postWebhook(huge)).status).toBe(413);
  });
});

describe('the finance view', () => {
  let finance: BrowserTab;

  beforeAll(async () => {
    finance = await web.signUp({ email: 'finance@windwalker.kr', workspaceName: '재무팀' });
    const [user] = await web.db.sql<{ id: string }[]>`select id from users where email = 'finance@windwalker.kr'`;
    await web.db.sql`insert into platform_roles (user_id, role) values (${user.id}, 'finance')`;
  });

  it('is closed to a workspace owner', async () => {
    const page = await owner.get('/finance');
    expect(page.status).toBe(403);
    expect(page.body).toContain('재무 권한이 있는 사람만');
    const refund = await owner.post('/finance', { intent: 'refund', tenantId: ownerTenantId, paymentId, reason: '테스트' });
    expect(refund.status).toBe(403);
  });

  it('shows MRR by plan and every payment, and refunds one through Toss with a reason', async () => {
    const page = await finance.get('/finance');
    expect(page.status).toBe(200);
    expect(page.body).toContain('모모 커피');
    expect(page.body).toMatch(/MRR 합계[\s\S]*50,000원/);
    expect(page.body).toContain('환불 사유');
    expect(page.body).not.toContain('요금제 지정 (관리자)');

    const noReason = await finance.post('/finance', { intent: 'refund', tenantId: ownerTenantId, paymentId, reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('환불 사유를 입력해 주세요');

    const refunded = await finance.post('/finance', { intent: 'refund', tenantId: ownerTenantId, paymentId, reason: '고객 요청' });
    expect(refunded.status).toBe(200);
    expect(refunded.body).toContain('결제를 환불했습니다');
    const [payment] = await web.db.sql<{ status: string }[]>`select status from payments where id = ${paymentId}`;
    expect(payment.status).toBe('cancelled');
    const [invoice] = await web.db.sql<{ status: string }[]>`select status from invoices where id = ${invoiceId}`;
    expect(invoice.status).toBe('refunded');
    expect(toss.requests.filter((r) => r.path.endsWith('/cancel'))).toHaveLength(1);

    const again = await finance.post('/finance', { intent: 'refund', tenantId: ownerTenantId, paymentId, reason: '고객 요청' });
    expect(again.status).toBe(409);
    expect(toss.requests.filter((r) => r.path.endsWith('/cancel'))).toHaveLength(1);
    // A finance person is not an admin: no plan grants.
    const grant = await finance.post('/finance', { intent: 'grant-plan', tenantId: strangerTenantId, plan: 'basic' });
    expect(grant.status).toBe(403);
  });
});

describe('a workspace limited for an unpaid invoice', () => {
  it('refuses to publish with billing’s Korean sentence', async () => {
    const created = await owner.post('/sites/new', { name: '카페 모모', slug: 'cafe-momo-billing', template: 'cafe' });
    expect(created.status).toBe(302);
    await web.db.sql`update tenants set status = 'limited' where id = ${ownerTenantId}`;
    try {
      const publish = await owner.post(created.location!, { intent: 'publish' });
      expect(publish.status).toBe(400);
      expect(publish.body).toContain('결제가 밀려 새 게시가 잠시 멈췄습니다');
      const [{ builds }] = await web.db.sql<{ builds: number }[]>`select count(*)::int as builds from builds where tenant_id = ${ownerTenantId}`;
      expect(builds).toBe(0);
    } finally {
      await web.db.sql`update tenants set status = 'active' where id = ${ownerTenantId}`;
    }
  });
});

describe('notices on the billing page', () => {
  it('shows the dunning notice with the retry day after a declined charge, and paying now with the same card charges nothing', async () => {
    const customerKey = await customerKeyOf(strangerTenantId);
    const authKey = toss.createAuthKey(customerKey, { declineWith: 'REJECT_CARD_COMPANY' });
    expect((await stranger.get(successUrl(authKey, customerKey))).status).toBe(302);
    await clearOfMonthEnd();
    expect((await stranger.post('/billing', { intent: 'change-plan', plan: 'basic' })).status).toBe(200);
    const period = await periodOfChangeTo(strangerTenantId, 'basic');
    const { end } = billingPeriod(period);
    const { invoice } = await createMonthlyInvoice(web.db.sql, strangerTenantId, period, { apiCalls: 0, customDomainYearsStarting: 0 }, { now: end });
    const client = createTossClient({ secretKey: toss.secretKey, baseUrl: toss.url });
    const outcome = await chargeInvoice(web.db.sql, client, invoice.id, { encryptionKey, now: end });
    expect(outcome.outcome).toBe('declined');
    const chargesBefore = toss.charges.length;

    const page = await stranger.get('/billing');
    expect(page.body).toContain('결제에 실패했습니다');
    expect(page.body).toMatch(/\d{4}년 \d{1,2}월 \d{1,2}일에 다시 시도합니다/);
    expect(page.body).toContain('지금 결제');

    const payNow = await stranger.post('/billing', { intent: 'pay-now', invoiceId: invoice.id });
    expect(payNow.status).toBe(402);
    expect(payNow.body).toContain('결제에 실패했습니다');
    expect(toss.charges.length).toBe(chargesBefore);
    // Another workspace's invoice cannot be paid from here.
    const foreign = await owner.post('/billing', { intent: 'pay-now', invoiceId: invoice.id });
    expect(foreign.status).toBe(404);
  }, 180_000);

  it('warns at 80% of the hosting allowance and says the site is never stopped', async () => {
    const created = await stranger.post('/sites/new', { name: '꽃집 홈', slug: 'flower-home-billing', template: 'cafe' });
    expect(created.status).toBe(302);
    const siteId = created.location!.split('/').pop()!;
    await clearOfMonthEnd(); // today's row must still be in this month when the page reads it
    await web.db.sql`insert into cdn_usage_daily (tenant_id, site_id, provider, requests) values (${strangerTenantId}, ${siteId}, 'local', 85000)`;
    const page = await stranger.get('/billing');
    expect(page.body).toContain('‘꽃집 홈’ 사이트가 이번 달 요청 허용량의 85%를 썼습니다');
    expect(page.body).toContain('사이트는 멈추지 않습니다');
  }, 180_000);
});
