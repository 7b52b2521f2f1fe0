// /ops over real HTTP: an owner gets 404 everywhere, finance sees money but not capacity, ops
// sees capacity but not money, admins both; the CSV export keeps the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysInMonth, rollUpDailyCosts, seoulDay } from '../../monitoring/index.ts';
import { addCdnUsage, addHost, createTenantWithSite } from '../../monitoring/testing.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from '../server/testing.ts';

let web: TestWeb;
const tabs: Record<'owner' | 'finance' | 'ops' | 'admin', BrowserTab> = {} as never;
/** The Seoul day the costs were rolled up for (a run may cross midnight KST after it). */
let today: string;

beforeAll(async () => {
  web = await startTestWeb();
  for (const who of ['owner', 'finance', 'ops', 'admin'] as const) {
    tabs[who] = await web.signUp({ email: `${who}@ops.example` });
    if (who !== 'owner') await web.db.sql`insert into platform_roles (user_id, role) select id, ${who} from users where email = ${`${who}@ops.example`}`;
  }
  today = seoulDay();
  await addHost(web.db.sql, 'pve-ops-test', 4, 3_100_000);
  const site = await createTenantWithSite(web.db.sql, { tenant: '권한카페', site: '권한 카페', slug: 'ops-access-cafe', plan: { code: 'premium', status: 'active' } });
  await addCdnUsage(web.db.sql, site, today, 'local', 500, 1000);
  await rollUpDailyCosts(web.db.sql, today);
});
afterAll(() => web?.stop());

const MONEY = ['/ops/finance', '/ops/scenarios', '/ops/export/margin-sites', '/ops/export/cost-by-day', '/ops/export/cdn-savings', '/ops/export/cdn-single-provider', '/ops/export/mrr', '/ops/export/scenarios'];
const CAPACITY = ['/ops/capacity', '/ops/loadtests', '/ops/export/hosts', '/ops/export/loadtests'];

describe('/ops access', () => {
  it('is a 404 for a workspace owner on every view and export, and shows no 운영 link', async () => {
    for (const path of ['/ops', '/ops/budgets', ...MONEY, ...CAPACITY]) {
      expect((await tabs.owner.get(path)).status, path).toBe(404);
    }
    expect((await tabs.owner.get('/sites')).body).not.toContain('href="/ops"');
  });

  it('sends a visitor to the login page', async () => {
    const response = await web.tab().get('/ops/finance');
    expect(response.status).toBe(302);
    expect(response.location).toContain('/login');
  });

  it('shows finance the money views and hides capacity', async () => {
    for (const path of MONEY) expect((await tabs.finance.get(path)).status, path).toBe(200);
    for (const path of CAPACITY) expect((await tabs.finance.get(path)).status, path).toBe(404);
    const index = await tabs.finance.get('/ops');
    expect(index.location).toBe('/ops/finance');
    const page = await tabs.finance.get('/ops/finance');
    expect(page.body).toContain('권한 카페');
    expect(page.body).toContain('50,000원'); // MRR of the premium plan
    expect(page.body).not.toContain('href="/ops/capacity');
  });

  it('shows ops the capacity views and hides money', async () => {
    for (const path of CAPACITY) expect((await tabs.ops.get(path)).status, path).toBe(200);
    for (const path of MONEY) expect((await tabs.ops.get(path)).status, path).toBe(404);
    expect((await tabs.ops.get('/ops')).location).toBe('/ops/capacity');
    const page = await tabs.ops.get('/ops/capacity');
    expect(page.body).toContain('pve-ops-test');
    expect(page.body).not.toContain('href="/ops/finance');
  });

  it('shows an admin both', async () => {
    for (const path of [...MONEY, ...CAPACITY, '/ops/budgets']) expect((await tabs.admin.get(path)).status, path).toBe(200);
    expect((await tabs.admin.get('/sites')).body).toContain('href="/ops"');
  });

  it('lets finance, not ops or an owner, set a host cost in its parts (the total stays what the roll-up reads)', async () => {
    const form = { intent: 'host-cost', host: 'pve-ops-test', hardware: '2,000,000', power: '600000', operation: '500000' };
    for (const who of ['owner', 'ops'] as const) expect((await tabs[who].post('/ops/scenarios', form)).status, who).toBe(404);
    const parts = () => web.db.sql`select hardware_monthly_krw, power_monthly_krw, operation_monthly_krw, monthly_cost_krw from hosts where name = 'pve-ops-test'`;
    expect((await parts())[0]).toMatchObject({ hardware_monthly_krw: null, monthly_cost_krw: 3_100_000 });
    const saved = await tabs.finance.post('/ops/scenarios', form);
    expect(saved.status).toBe(200);
    expect(saved.body).toContain('pve-ops-test 월 비용을 3,100,000원으로 바꿨습니다');
    expect((await parts())[0]).toEqual({ hardware_monthly_krw: 2_000_000, power_monthly_krw: 600_000, operation_monthly_krw: 500_000, monthly_cost_krw: 3_100_000 });
  });

  it('exports MRR by plan and the scenario tables as CSV', async () => {
    const mrr = (await tabs.finance.get('/ops/export/mrr')).body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(mrr[0]).toBe('플랜,유료 구독 수,"MRR(원, VAT 별도)"');
    expect(mrr).toContain('프리미엄,1,50000');
    expect(mrr.at(-1)).toMatch(/^합계,\d+,\d+$/);
    const scenarios = (await tabs.finance.get('/ops/export/scenarios')).body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(scenarios).toHaveLength(1 + 8); // 50 / 100 / 250 / 500 users × hybrid and self-hosted
    expect(scenarios.filter((l) => l.startsWith('500,')).map((l) => l.split(',')[1])).toEqual(['하이브리드 (자체 코어 + CDN)', '순수 자체 구축']);
  });

  it('exports a table as CSV with Korean headers and the seeded numbers', async () => {
    const csv = await tabs.finance.get('/ops/export/margin-sites');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="windwalker-margin-sites-/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('사이트,설명,플랜,매출(원),CDN(원),빌드(원),AI(원),코어(원),비용 합계(원),마진(원),마진율(%)');
    // the only active site carries the whole core day: 3,100,000원 ÷ days in the rolled-up day's month
    const row = lines.find((l) => l.startsWith('권한 카페,'))!;
    expect(row).toBeDefined();
    const core = Number(row.split(',')[7]);
    expect(core).toBe(Math.round(3_100_000 / daysInMonth(today)));
  });

  it('lets finance edit a scenario assumption and recomputes', async () => {
    const before = await tabs.finance.get('/ops/scenarios');
    expect(before.body).toContain('시나리오 A: 하이브리드');
    const form: Record<string, string> = { concurrent_users_per_host: '25' };
    const response = await tabs.finance.post('/ops/scenarios', form);
    expect(response.status).toBe(200);
    expect(response.body).toContain('서버 1대당 동시 개발자 값을 바꿨습니다');
    expect((await tabs.ops.post('/ops/scenarios', form)).status).toBe(404);
  });
});
