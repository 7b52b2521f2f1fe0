// /ops/capacity shows the developer-mode sessions the monitor sampled: per host (count and
// memory) and for the cluster against the business plan's target — seeded sessions, numbers
// worked out by hand. A screenshot of the page is kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../../e2e/browser.ts';
import { createHostSampler, recordHostSample } from '../../monitoring/host-capacity.ts';
import { addHost, addSite, createTenantWithSite } from '../../monitoring/testing.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from '../server/testing.ts';

const MiB = 2 ** 20;
let web: TestWeb;
let ops: BrowserTab;

beforeAll(async () => {
  web = await startTestWeb();
  ops = await web.signUp({ email: 'ops@capacity.example' });
  await web.db.sql`insert into platform_roles (user_id, role) select id, 'ops' from users where email = 'ops@capacity.example'`;
  // The test web registers this machine as a host too: only the seeded host stays online.
  await web.db.sql`update hosts set status = 'removed'`;
  await addHost(web.db.sql, 'pve-dev', 8, 2_000_000);
  const { tenantId } = await createTenantWithSite(web.db.sql, { tenant: '코드 에이전시', site: '에이전시', slug: 'cap-page', plan: { code: 'premium', status: 'active' } });
  // Two running editors on pve-dev: 512 + 256 MiB.
  for (const [slug, memory] of [['cap-page-1', 512 * MiB], ['cap-page-2', 256 * MiB]] as const) {
    const { siteId } = await addSite(web.db.sql, tenantId, slug, slug);
    await web.db.sql`insert into devmode_workspaces (site_id, tenant_id, host, base_commit) values (${siteId}, ${tenantId}, 'pve-dev', ${'b'.repeat(40)})`;
    await web.db.sql`
      insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, memory_used_bytes)
      values (${tenantId}, ${siteId}, 'pve-dev', 'running', 1024, 1, 256, ${memory})`;
  }
  await recordHostSample(web.db.sql, await createHostSampler('.', 'pve-dev')(web.db.sql));
}, 120_000);
afterAll(() => web?.stop());

describe('/ops/capacity developer sessions', () => {
  it('shows the open sessions and their memory per host and against the 1-server plan of 10–20', async () => {
    const page = await ops.get('/ops/capacity');
    expect(page.status).toBe(200);
    // KPI: 2 sessions of a 1-server cluster's 10–20; 768 MiB = 805,306,368 bytes, shown as 805.3MB.
    expect(page.body).toContain('개발자 세션');
    expect(page.body).toContain('2 / 10~20개');
    expect(page.body).toContain('기본형 1서버 계획: 동시 개발 10~20명');
    expect(page.body).toContain('메모리 805.3MB');
    // The host row: 2 sessions · 805.3MB.
    expect(page.body).toContain('2개 · 805.3MB');
    // The meter: 2 of the plan's upper 20 = 10%.
    expect(page.body).toContain('10.0%');

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1100 }, locale: 'ko-KR' });
      const url = new URL(web.baseUrl);
      await context.addCookies([...ops.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })));
      const tab = await context.newPage();
      await tab.goto(`${web.baseUrl}/ops/capacity`);
      await tab.getByText('개발자 세션 용량').waitFor();
      await tab.screenshot({ path: screenshotPath('ops', 'capacity-devmode'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
