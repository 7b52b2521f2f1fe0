// An owner subscribes: signs up (free trial) → registers a card → chooses 프리미엄 (the
// proration shown first) → the month closes and is charged → the invoice and its printable
// receipt. Toss's own card window cannot be reached from here, so the test does what Toss
// does after it: the local Toss contract server issues an authKey and the browser follows the
// success URL (and, once, the fail URL) exactly as Toss would redirect it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { billingPeriod, chargeInvoice, closeMonth, createTossClient, meteredUsageFromDatabase, nextPeriod, periodOf } from '../billing/index.ts';
import { startTossContractServer, type TossContractServer } from '../billing/contract/toss-contract-server.ts';
import { connect } from '../db/index.ts';
import { runningEmbeddedDatabaseUrl } from '../db/embedded.ts';
import { launchChromium, screenshotPath } from './browser.ts';
import { startPlatform, type RunningPlatform } from './platform.ts';

const ENCRYPTION_KEY = randomBytes(32).toString('hex');

let toss: TossContractServer;
let platform: RunningPlatform;
let browser: Browser;

/**
 * A plan change in the last two minutes of a KST month is prorated to 0원 (50,000원 × the seconds
 * left rounds down below one won), so that month's invoice would be 0원 and charge nothing. The
 * journey waits for the next month instead (at most once, ~2 minutes).
 */
async function clearOfMonthEnd(): Promise<void> {
  const left = billingPeriod(periodOf(new Date())).end.getTime() - Date.now();
  if (left < 120_000) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

beforeAll(async () => {
  toss = await startTossContractServer();
  platform = await startPlatform('billing', {
    TOSS_API_BASE: toss.url,
    TOSS_SECRET_KEY: toss.secretKey,
    TOSS_CLIENT_KEY: 'test_ck_windwalker_e2e',
    ENCRYPTION_KEY,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (platform) expect(await platform.stop()).toBe(0);
  await toss?.close();
});

describe('an owner subscribes to a plan', () => {
  it('registers a card, chooses 프리미엄 after seeing the proration, and finds the paid invoice and its receipt', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR' });
    const page = await context.newPage();
    const slug = `billing-${Date.now().toString(36)}`;

    await page.goto(`${platform.webUrl}/signup`);
    await page.getByLabel('이메일').fill(`${slug}@example.com`);
    await page.getByLabel('비밀번호', { exact: true }).fill('correct horse battery');
    await page.getByLabel('이름', { exact: true }).fill('김사장');
    await page.getByLabel('워크스페이스 이름').fill('모모 카페');
    await page.getByRole('button', { name: '무료로 시작하기' }).click();
    await page.waitForURL(/\/sites/);

    // The free trial allows one site: a second is refused before and after submitting, what the
    // owner typed stays in the form, and the alert links to the plans.
    await page.goto(`${platform.webUrl}/sites/new`);
    await page.getByLabel('사이트 이름').fill('모모 카페');
    await page.getByLabel('사이트 주소').fill(`${slug}-one`);
    await page.getByRole('button', { name: '사이트 만들고 편집 시작하기' }).click();
    await page.waitForURL(/\/sites\/[0-9a-f-]{36}/);
    await page.goto(`${platform.webUrl}/sites/new`);
    const limitAlert = page.getByRole('alert').filter({ hasText: '무료 체험 요금제의 사이트는 최대 1개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.' });
    await expect.poll(() => limitAlert.count()).toBe(1);
    await page.getByLabel('사이트 이름').fill('모모 카페 2호점');
    await page.getByLabel('사이트 주소').fill(`${slug}-two`);
    await page.getByRole('button', { name: '사이트 만들고 편집 시작하기' }).click();
    await expect.poll(() => page.getByLabel('사이트 이름').inputValue()).toBe('모모 카페 2호점');
    expect(page.url()).toMatch(/\/sites\/new$/);
    await expect.poll(() => limitAlert.count()).toBe(1);
    await page.screenshot({ path: screenshotPath('billing', '0-site-limit'), fullPage: true });
    await limitAlert.getByRole('link', { name: '요금제 바꾸기' }).click();
    await page.waitForURL(/\/billing$/);

    await page.getByRole('link', { name: '결제', exact: true }).click();
    await page.waitForURL(/\/billing$/);
    await expect.poll(() => page.getByText(/무료 체험이 1[34]일 남았습니다/).count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('30,000원/월').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('billing', '1-trial'), fullPage: true });

    // Toss's window would redirect here after the owner authenticated the card.
    const customerKey = await page.getByRole('button', { name: '카드 등록' }).getAttribute('data-customer-key');
    expect(customerKey).toMatch(/^ww_/);
    const failUrl = `${platform.webUrl}/billing/card/fail?${new URLSearchParams({ code: 'PAY_PROCESS_CANCELED', message: '사용자에 의해 결제가 취소되었습니다.' })}`;
    await page.goto(failUrl);
    await expect.poll(() => page.getByText('카드 등록을 취소하셨습니다').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('billing', '2-card-fail'), fullPage: true });

    const authKey = toss.createAuthKey(customerKey!, { company: '신한', number: '433012******5678' });
    await page.goto(`${platform.webUrl}/billing/card/success?${new URLSearchParams({ authKey, customerKey: customerKey! })}`);
    await page.waitForURL(/\/billing\?done=card-registered$/);
    await expect.poll(() => page.getByText('카드를 등록했습니다').count()).toBe(1);
    await expect.poll(() => page.getByTestId('card-number').innerText()).toBe('433012******5678');
    await page.screenshot({ path: screenshotPath('billing', '3-card-registered'), fullPage: true });

    // The same redirect again (a replay) is refused and registers nothing.
    await page.goto(`${platform.webUrl}/billing/card/success?${new URLSearchParams({ authKey, customerKey: customerKey! })}`);
    await expect.poll(() => page.getByRole('heading', { name: '카드를 등록하지 못했습니다' }).count()).toBe(1);
    await page.getByRole('link', { name: '결제 페이지로 돌아가기' }).click();
    await page.waitForURL(/\/billing$/);

    await clearOfMonthEnd();
    await page.getByRole('link', { name: '프리미엄 요금제로 올리기' }).click();
    await page.waitForURL(/\/billing\?plan=premium/);
    const proration = await page.getByTestId('proration').innerText();
    expect(proration).toMatch(/일할 계산 \+[\d,]+원/);
    await page.getByTestId('proration').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('billing', '4-proration'), fullPage: false });
    await page.getByRole('button', { name: '프리미엄 요금제로 변경 확정' }).click();
    await expect.poll(() => page.getByText('프리미엄 요금제로 바꾸었습니다').count()).toBe(1);
    await expect.poll(() => page.getByTestId('current-plan').innerText()).toBe('프리미엄');
    await expect.poll(() => page.getByTestId('proration').count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('billing', '5-plan-changed'), fullPage: true });
    expect(toss.charges).toHaveLength(0);

    // 프리미엄 allows 10 sites: the second site is made now.
    await page.goto(`${platform.webUrl}/sites/new`);
    await expect.poll(() => page.getByRole('heading', { name: '새 사이트 만들기' }).count()).toBe(1);
    expect(await page.getByRole('alert').filter({ hasText: '최대 1개' }).count()).toBe(0);
    await page.getByLabel('사이트 이름').fill('모모 카페 2호점');
    await page.getByLabel('사이트 주소').fill(`${slug}-two`);
    await page.getByRole('button', { name: '사이트 만들고 편집 시작하기' }).click();
    await page.waitForURL(/\/sites\/[0-9a-f-]{36}/);

    // The month closes and the charge job runs (what the worker's billing jobs do on the 1st):
    // the month of the plan change, which a run crossing midnight KST on the 1st is already past.
    const sql = connect((await runningEmbeddedDatabaseUrl(platform.dataDir))!, { max: 2 });
    let period: string;
    try {
      const [change] = await sql<{ changedAt: Date }[]>`
        select changed_at as "changedAt" from subscription_changes where to_plan = 'premium' order by changed_at desc limit 1`;
      period = periodOf(change.changedAt);
      const { end } = billingPeriod(period);
      const closed = await closeMonth(sql, period, meteredUsageFromDatabase(sql, () => {}), { now: end });
      expect(closed).toHaveLength(1);
      const client = createTossClient({ secretKey: toss.secretKey, baseUrl: toss.url });
      const outcome = await chargeInvoice(sql, client, closed[0].invoiceId, { encryptionKey: Buffer.from(ENCRYPTION_KEY, 'hex'), now: end });
      expect(outcome.outcome).toBe('paid');
    } finally {
      await sql.end();
    }
    expect(toss.charges).toHaveLength(1);

    await page.goto(`${platform.webUrl}/billing`);
    await page.getByRole('link', { name: '청구서와 영수증' }).click();
    await page.waitForURL(/\/billing\/invoices$/);
    await expect.poll(() => page.getByText('결제 완료').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('billing', '6-invoices'), fullPage: true });

    await page.getByRole('link', { name: '상세' }).click();
    await page.waitForURL(/\/billing\/invoices\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByText('요금제 변경 무료 체험 → 프리미엄', { exact: false }).count()).toBe(1);
    const total = await page.getByTestId('invoice-total').innerText();
    expect(total).toBe(`${toss.charges[0].amount.toLocaleString('ko-KR')}원`);
    await page.screenshot({ path: screenshotPath('billing', '7-invoice'), fullPage: true });

    await page.getByRole('link', { name: '영수증 보기' }).click();
    await page.waitForURL(/\/receipt$/);
    await expect.poll(() => page.getByRole('heading', { name: '영수증' }).count()).toBe(1);
    await page.screenshot({ path: screenshotPath('billing', '8-receipt'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.app-header').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: '인쇄하기' }).isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('billing', '9-receipt-print'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });

    // The owner cancels at the end of the period; the next month closes; the subscription has ended.
    await page.goto(`${platform.webUrl}/billing`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: '기간 끝에 해지' }).click();
    await expect.poll(() => page.getByRole('button', { name: '해지 취소' }).count()).toBe(1);
    const ended = connect((await runningEmbeddedDatabaseUrl(platform.dataDir))!, { max: 2 });
    try {
      const next = nextPeriod(period);
      const closed = await closeMonth(ended, next, meteredUsageFromDatabase(ended, () => {}), { now: billingPeriod(next).end });
      expect(closed).toHaveLength(1);
    } finally {
      await ended.end();
    }
    await page.goto(`${platform.webUrl}/billing`);
    await expect.poll(() => page.getByText(/구독이 .+에 끝나 새 게시가 멈췄습니다/).count()).toBe(1);
    await expect.poll(() => page.getByTestId('current-plan').innerText()).toBe('무료 체험');
    expect(await page.getByText('구독이 끝났습니다. 요금제를 고르면 다시 시작합니다').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('billing', '10-subscription-ended'), fullPage: true });
    await context.close();
  }, 300_000); // the usual 120 s, and the wait out of a month's last two minutes
});
