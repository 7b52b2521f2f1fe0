import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { createBudget, evaluateBudgets, listAlertDeliveries, listAlerts, signWebhook, BudgetInputError } from './budgets.ts';
import { createTenantWithSite } from './testing.ts';

let db: TestDatabase;
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
let received: Received[] = [];
let receiver: http.Server;
let receiverUrl: string;
let answerStatus = 200;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answerStatus, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/windwalker`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await db?.drop();
});
beforeEach(() => {
  received = [];
  answerStatus = 200;
});

const NOW = new Date('2026-03-20T03:00:00Z'); // 2026-03-20 12:00 KST
/** The test receiver listens on http://127.0.0.1: the guard's dev/test setting lets loopback http through. */
const loopback = { allowLoopbackHttp: true };
/** Production's guard (no loopback, https only), with a fixed DNS answer per host. */
const production = (answers: Record<string, string[]>) => ({
  allowLoopbackHttp: false,
  resolve: async (host: string) => (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
});

async function setCost(siteId: string, tenantId: string, day: string, amount: number) {
  await db.sql`delete from cost_daily where site_id = ${siteId} and day = ${day}`;
  await db.sql`insert into cost_daily (day, tenant_id, site_id, source, item, quantity, unit, amount_krw)
               values (${day}, ${tenantId}, ${siteId}, 'cdn', 'cloudflare', 1, 'request', ${amount})`;
}

describe('budgets', () => {
  it('fires a site cost alert once, delivers it signed to the webhook, and clears it when cost falls back', async () => {
    const site = await createTenantWithSite(db.sql, { tenant: '예산카페', site: '예산 카페', slug: 'budget-cafe' });
    const budget = await createBudget(db.sql, {
      name: '카페 월 비용',
      scope: 'site',
      siteId: site.siteId,
      metric: 'cost',
      threshold: 10_000,
      channel: 'webhook',
      target: receiverUrl,
      webhookSecret: 'shh-secret',
    }, { webhookPolicy: loopback });
    expect(budget.tenantId).toBe(site.tenantId);

    // 6,000 + 5,000 = 11,000원 this month > 10,000원; last month's 99,999원 does not count.
    await setCost(site.siteId, site.tenantId, '2026-03-02', 6_000);
    await setCost(site.siteId, site.tenantId, '2026-03-19', 5_000);
    await setCost(site.siteId, site.tenantId, '2026-02-28', 99_999);
    const first = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    expect(first.fired.map((a) => a.subject)).toEqual([`budget:${budget.id}`]);
    expect(first.fired[0].value).toBe(11_000);
    expect(first.fired[0].message).toBe("사이트 '예산 카페' 이번 달 비용 11,000원 (예산 10,000원)");

    expect(received).toHaveLength(1);
    const payload = JSON.parse(received[0].body);
    expect(payload).toMatchObject({ type: 'alert.fired', alert: { kind: 'budget', value: 11_000, threshold: 10_000 }, budget: { id: budget.id, metric: 'cost' } });
    const timestamp = received[0].headers['x-windwalker-timestamp'] as string;
    expect(received[0].headers['x-windwalker-signature']).toBe(`sha256=${signWebhook('shh-secret', timestamp, received[0].body)}`);

    // Still over: no second alert, no second delivery.
    const second = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    expect(second.fired).toEqual([]);
    expect(received).toHaveLength(1);

    // Back under (a corrected roll-up): the alert clears and the receiver hears it.
    await setCost(site.siteId, site.tenantId, '2026-03-19', 1_000);
    const third = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    expect(third.cleared.map((a) => a.id)).toEqual([first.fired[0].id]);
    expect(JSON.parse(received[1].body)).toMatchObject({ type: 'alert.cleared', alert: { id: first.fired[0].id } });
    const deliveries = await listAlertDeliveries(db.sql, first.fired[0].id);
    expect(deliveries.map((d) => [d.event, d.ok, d.status_code])).toEqual([
      ['fired', true, 200],
      ['cleared', true, 200],
    ]);

    // Over again later: a new alert, not the old one reopened.
    await setCost(site.siteId, site.tenantId, '2026-03-19', 9_000);
    const fourth = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    expect(fourth.fired).toHaveLength(1);
    expect(fourth.fired[0].id).not.toBe(first.fired[0].id);
    await db.sql`update budgets set enabled = false where id = ${budget.id}`;
  });

  it('records a failed webhook delivery with its status and an e-mail channel as undeliverable', async () => {
    const site = await createTenantWithSite(db.sql, { tenant: '마진집', site: '마진 가게', slug: 'budget-margin', plan: { code: 'basic', status: 'active' } });
    // revenue 1,000 − cost 3,000 = margin −2,000원 < 0원
    await db.sql`insert into revenue_daily (day, tenant_id, plan_code, amount_krw) values ('2026-03-05', ${site.tenantId}, 'basic', 1000)`;
    await setCost(site.siteId, site.tenantId, '2026-03-05', 3_000);
    answerStatus = 500;
    const hook = await createBudget(db.sql, { name: '마진 웹훅', scope: 'tenant', tenantId: site.tenantId, metric: 'margin', threshold: 0, channel: 'webhook', target: receiverUrl }, { webhookPolicy: loopback });
    const mail = await createBudget(db.sql, { name: '마진 메일', scope: 'tenant', tenantId: site.tenantId, metric: 'margin', threshold: 0, channel: 'email', target: 'finance@example.com' });
    const result = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    const byBudget = new Map(result.fired.map((a) => [a.budgetId, a]));
    expect(byBudget.get(hook.id)?.value).toBe(-2_000);
    expect(byBudget.get(hook.id)?.message).toBe("워크스페이스 '마진집' 이번 달 마진 -2,000원 (기준 0원)");
    const [hookDelivery] = await listAlertDeliveries(db.sql, byBudget.get(hook.id)!.id);
    expect(hookDelivery).toMatchObject({ ok: false, status_code: 500, error: 'HTTP 500' });
    const [mailDelivery] = await listAlertDeliveries(db.sql, byBudget.get(mail.id)!.id);
    expect(mailDelivery.ok).toBe(false);
    expect(mailDelivery.error).toContain('메일 발송 서버가 설정되지 않아');
    await db.sql`update budgets set enabled = false where id in (${hook.id}, ${mail.id})`;
  });

  it('judges capacity by the busiest host’s latest sample', async () => {
    const budget = await createBudget(db.sql, { name: '호스트 용량', scope: 'platform', metric: 'capacity', threshold: 80, channel: 'dashboard' });
    const sample = (host: string, cpu: number, memUsedGb: number) => db.sql`
      insert into host_samples (host, cpu_count, cpu_percent, load1, mem_total_bytes, mem_used_bytes, disk_total_bytes, disk_used_bytes, running_builds, queue_depth)
      values (${host}, 8, ${cpu}, 1, ${100 * 2 ** 30}, ${memUsedGb * 2 ** 30}, 1000, 100, 0, 0)`;
    await sample('pve-a', 30, 50);
    await sample('pve-b', 20, 91); // memory 91% is the busiest figure
    const fired = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    expect(fired.fired).toHaveLength(1);
    expect(fired.fired[0].message).toBe('pve-b의 메모리 사용률 91.0% (기준 80%)');
    await sample('pve-b', 20, 40);
    const cleared = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW });
    expect(cleared.cleared.map((a) => a.budgetId)).toEqual([budget.id]);
    await db.sql`update budgets set enabled = false where id = ${budget.id}`;
  });

  it('alerts when the CDN router says a site should change provider, and clears when it moved', async () => {
    const site = await createTenantWithSite(db.sql, { tenant: '트래픽', site: '인기 가게', slug: 'budget-cdn' });
    const watcher = await createBudget(db.sql, { name: '플랫폼 비용', scope: 'platform', metric: 'cost', threshold: 1e12, channel: 'webhook', target: receiverUrl }, { webhookPolicy: loopback });
    const advice = { siteId: site.siteId, siteName: '인기 가게', currentProvider: 'vercel', recommendedProvider: 'cloudfront', monthlySavingKrw: 12_345 };
    const fired = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW, cdnAdvice: [advice] });
    expect(fired.fired.map((a) => a.kind)).toEqual(['cdn_switch']);
    expect(fired.fired[0].message).toBe("사이트 '인기 가게'은(는) vercel에서 cloudfront(으)로 옮기면 월 12,345원을 아낍니다.");
    expect(JSON.parse(received[0].body)).toMatchObject({ type: 'alert.fired', alert: { kind: 'cdn_switch', siteId: site.siteId }, budget: { id: watcher.id } });
    expect((await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW, cdnAdvice: [advice] })).fired).toEqual([]);
    const moved = await evaluateBudgets(db.sql, { webhookPolicy: loopback, now: NOW, cdnAdvice: [] });
    expect(moved.cleared.map((a) => a.kind)).toEqual(['cdn_switch']);
    expect(await listAlerts(db.sql, { openOnly: true })).toEqual([]);
  });

  it('refuses budgets that cannot be judged, in Korean', async () => {
    await expect(createBudget(db.sql, { name: '잘못', scope: 'tenant', metric: 'capacity', threshold: 50, channel: 'dashboard' })).rejects.toThrow(BudgetInputError);
    await expect(createBudget(db.sql, { name: '잘못', scope: 'platform', metric: 'cost', threshold: 5, channel: 'webhook', target: 'ftp://x' }, { webhookPolicy: loopback })).rejects.toThrow(
      '웹훅 주소는 http:// 또는 https://로 시작해야 합니다.',
    );
  });
});

describe('budget webhooks go only to public addresses (decision 111, the API webhooks’ guard)', () => {
  const hostile: [string, string, RegExp][] = [
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/', /내부 주소\(169\.254\.169\.254, 링크 로컬/],
    ['loopback in a decimal spelling', 'https://2130706433/hook', /내부 주소\(127\.0\.0\.1, 루프백\)/],
    ['an IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook', /루프백/],
    ['a private network', 'https://10.0.0.5/hook', /사설망/],
    ['a name that resolves inside', 'https://hooks.evil.example/hook', /hooks\.evil\.example → 192\.168\.1\.10, 사설망/],
    ['plain http', 'http://hooks.example.com/hook', /https:\/\/로 시작해야 합니다/],
    ['credentials in the URL', 'https://user:pass@hooks.example.com/hook', /사용자 이름이나 비밀번호/],
  ];
  const policy = production({ 'hooks.evil.example': ['93.184.216.34', '192.168.1.10'], 'hooks.example.com': ['93.184.216.34'] });

  for (const [what, target, message] of hostile) {
    it(`refuses ${what} when the budget is created, in Korean, and saves nothing`, async () => {
      const [{ n: before }] = await db.sql<{ n: number }[]>`select count(*)::int as n from budgets`;
      const attempt = createBudget(db.sql, { name: '위험한 웹훅', scope: 'platform', metric: 'cost', threshold: 1, channel: 'webhook', target }, { webhookPolicy: policy });
      await expect(attempt).rejects.toBeInstanceOf(BudgetInputError);
      await expect(attempt).rejects.toThrow(message);
      const [{ n: after }] = await db.sql<{ n: number }[]>`select count(*)::int as n from budgets`;
      expect(after).toBe(before);
    });
  }

  it('accepts a public https address', async () => {
    const budget = await createBudget(db.sql, { name: '공개 웹훅', scope: 'platform', metric: 'cost', threshold: 1e12, channel: 'webhook', target: 'https://hooks.example.com/hook' }, { webhookPolicy: policy });
    expect(budget.target).toBe('https://hooks.example.com/hook');
    await db.sql`delete from budgets where id = ${budget.id}`;
  });

  it('checks again at delivery: a stored target that now resolves inside is not contacted, and the refusal is recorded', async () => {
    const site = await createTenantWithSite(db.sql, { tenant: '리바인딩', site: '리바인딩 가게', slug: 'budget-rebind' });
    // Registered while the name answered with a public address…
    const budget = await createBudget(db.sql, { name: '바뀐 DNS', scope: 'site', siteId: site.siteId, metric: 'cost', threshold: 1, channel: 'webhook', target: 'https://rebind.example/hook' },
      { webhookPolicy: production({ 'rebind.example': ['93.184.216.34'] }) });
    await setCost(site.siteId, site.tenantId, '2026-03-10', 5_000);
    // …and now it answers with the receiver's own loopback address.
    const result = await evaluateBudgets(db.sql, { now: NOW, webhookPolicy: production({ 'rebind.example': ['127.0.0.1'] }) });
    const alert = result.fired.find((a) => a.budgetId === budget.id)!;
    const [delivery] = await listAlertDeliveries(db.sql, alert.id);
    expect(delivery).toMatchObject({ ok: false, status_code: null, error: expect.stringContaining('내부 주소(rebind.example → 127.0.0.1, 루프백)') });
    expect(received).toEqual([]);
    await db.sql`update budgets set enabled = false where id = ${budget.id}`;
  });

  it('does not follow a redirect from the receiver', async () => {
    const site = await createTenantWithSite(db.sql, { tenant: '리다이렉트', site: '리다이렉트 가게', slug: 'budget-redirect' });
    answerStatus = 302;
    const budget = await createBudget(db.sql, { name: '리다이렉트', scope: 'site', siteId: site.siteId, metric: 'cost', threshold: 1, channel: 'webhook', target: receiverUrl }, { webhookPolicy: loopback });
    await setCost(site.siteId, site.tenantId, '2026-03-10', 5_000);
    const result = await evaluateBudgets(db.sql, { now: NOW, webhookPolicy: loopback });
    const [delivery] = await listAlertDeliveries(db.sql, result.fired.find((a) => a.budgetId === budget.id)!.id);
    expect(delivery).toMatchObject({ ok: false, status_code: 302 });
    expect(received).toHaveLength(1);
    await db.sql`update budgets set enabled = false where id = ${budget.id}`;
  });
});
