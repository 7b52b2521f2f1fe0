// The embedded default: no Toss keys. The billing page says payments are not configured and
// offers no card registration, Toss's URLs refuse politely, and a platform admin grants a plan
// from /finance instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSubscription } from '../billing/index.ts';
import { resetEnvForTests } from '../config/env.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let owner: BrowserTab;
let admin: BrowserTab;

beforeAll(async () => {
  for (const name of ['TOSS_CLIENT_KEY', 'TOSS_SECRET_KEY', 'TOSS_API_BASE']) delete process.env[name];
  resetEnvForTests();
  web = await startTestWeb();
  owner = await web.signUp({ email: 'owner@gage.kr', workspaceName: '동네 꽃집' });
  admin = await web.signUp({ email: 'admin@windwalker.kr', workspaceName: '운영팀' });
  const [user] = await web.db.sql<{ id: string }[]>`select id from users where email = 'admin@windwalker.kr'`;
  await web.db.sql`insert into platform_roles (user_id, role) values (${user.id}, 'admin')`;
});
afterAll(() => web?.stop());

describe('payments not configured', () => {
  it('says so on the billing page and offers no card registration', async () => {
    const page = await owner.get('/billing');
    expect(page.status).toBe(200);
    expect(page.body).toContain('결제가 아직 설정되지 않았습니다');
    expect(page.body).toContain('TOSS_CLIENT_KEY, TOSS_SECRET_KEY');
    expect(page.body).not.toContain('카드 등록</button>');
    expect(page.body).toContain('30,000원/월');
  });

  it('refuses Toss’s success URL and the webhook with a clear answer', async () => {
    const success = await owner.get('/billing/card/success?authKey=abc&customerKey=def');
    expect(success.status).toBe(503);
    expect(success.body).toContain('결제가 아직 설정되지 않아 카드를 등록할 수 없습니다');
    const webhook = await fetch(new URL('/webhooks/toss', web.baseUrl), { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(webhook.status).toBe(503);
  });

  it('lets a platform admin grant a plan that the owner then sees, never invoiced', async () => {
    const [tenant] = await web.db.sql<{ id: string }[]>`select id from tenants where name = '동네 꽃집'`;
    const finance = await admin.get('/finance');
    expect(finance.status).toBe(200);
    expect(finance.body).toContain('요금제 지정 (관리자)');
    expect(finance.body).toContain('결제가 아직 설정되지 않았습니다');
    const granted = await admin.post('/finance', { intent: 'grant-plan', tenantId: tenant.id, plan: 'premium' });
    expect(granted.status).toBe(200);
    expect(granted.body).toContain('동네 꽃집');
    expect(granted.body).toContain('프리미엄 요금제를 지정했습니다');
    const subscription = await getSubscription(web.db.sql, tenant.id);
    expect(subscription).toMatchObject({ planCode: 'premium', status: 'active' });
    expect(subscription!.grantedAt).not.toBeNull();
    const page = await owner.get('/billing');
    expect(page.body).toContain('관리자 지정');
    expect(page.body).toMatch(/data-testid="current-plan">프리미엄/);
    const unknown = await admin.post('/finance', { intent: 'grant-plan', tenantId: tenant.id, plan: 'trial' });
    expect(unknown.status).toBe(400);
  });
});
