// /ops/capacity shows the developer-mode sessions per agent host (devmode_hosts) as the monitor
// sampled them, and the cluster against the business plan's target: two agent hosts inserted,
// one live with two editors and one that stopped beating with one, numbers worked out by hand,
// read from the route's loader data and the page. Only ops (and admins) see it, with or without a
// workspace of their own. A screenshot of the page is kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../../e2e/browser.ts';
import { sampleAndRecordDevmodeHosts, type DevmodeCapacity } from '../../monitoring/index.ts';
import { addSite, createTenantWithSite } from '../../monitoring/testing.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from '../server/testing.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
let web: TestWeb;
const tabs: Record<'owner' | 'finance' | 'ops' | 'admin', BrowserTab> = {} as never;

beforeAll(async () => {
  web = await startTestWeb();
  for (const who of ['owner', 'finance', 'ops', 'admin'] as const) {
    tabs[who] = await web.signUp({ email: `${who}@capacity.example` });
    if (who !== 'owner') await web.db.sql`insert into platform_roles (user_id, role) select id, ${who} from users where email = ${`${who}@capacity.example`}`;
  }
  // The ops person belongs to no workspace: the page needs the platform role only.
  await web.db.sql`delete from memberships where user_id = (select id from users where email = 'ops@capacity.example')`;

  // Two agent hosts: dev-a beat a second ago (16 GiB, 9 GiB available, 12 GiB for sessions),
  // dev-b 90 s ago (8 GiB, 5 GiB available, 6 GiB for sessions).
  await web.db.sql`
    insert into devmode_hosts (name, address, data_dir, pid, mem_total_bytes, mem_free_bytes, capacity_bytes, heartbeat_at)
    values ('dev-a', 'http://127.0.0.1:7101', '/srv/dev-a', 101, ${16 * GiB}, ${9 * GiB}, ${12 * GiB}, now() - interval '1 second'),
           ('dev-b', 'http://127.0.0.1:7102', '/srv/dev-b', 102, ${8 * GiB}, ${5 * GiB}, ${6 * GiB}, now() - interval '90 seconds')`;
  const { tenantId } = await createTenantWithSite(web.db.sql, { tenant: '코드 에이전시', site: '에이전시', slug: 'cap-page', plan: { code: 'premium', status: 'active' } });
  // dev-a: two running editors, 512 + 256 MiB used, 1 GiB limit each. dev-b: one, 300 MiB of 2 GiB.
  for (const [slug, host, used, limitMb] of [['cap-page-1', 'dev-a', 512 * MiB, 1024], ['cap-page-2', 'dev-a', 256 * MiB, 1024], ['cap-page-3', 'dev-b', 300 * MiB, 2048]] as const) {
    const { siteId } = await addSite(web.db.sql, tenantId, slug, slug);
    await web.db.sql`insert into devmode_workspaces (site_id, tenant_id, host, base_commit) values (${siteId}, ${tenantId}, 'web-1', ${'b'.repeat(40)})`;
    await web.db.sql`
      insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, memory_used_bytes)
      values (${tenantId}, ${siteId}, ${host}, 'running', ${limitMb}, 1, 256, ${used})`;
  }
  // The monitor's minute round for developer mode.
  await sampleAndRecordDevmodeHosts(web.db.sql);
}, 120_000);
afterAll(() => web?.stop());

const DATA = '/ops/capacity?_data=routes%2Fops.capacity';

describe('/ops/capacity developer sessions per agent host', () => {
  it('gives the page each agent host: live or not, sessions, their memory, free memory, capacity — and the cluster against 10–20', async () => {
    const response = await tabs.ops.get(DATA);
    expect(response.status).toBe(200);
    const devmode = (JSON.parse(response.body) as { devmode: DevmodeCapacity }).devmode;
    expect(devmode.hosts.map((h) => ({ name: h.name, address: h.address, live: h.live, stopped: h.stopped, ...h.sample, at: undefined }))).toEqual([
      // room = min(MemAvailable, capacity − reserved) = min(9, 12 − 2) = 9 GiB
      { name: 'dev-a', address: 'http://127.0.0.1:7101', live: true, stopped: false, sessions: 2, memoryUsedBytes: 768 * MiB, reservedBytes: 2 * GiB, memTotalBytes: 16 * GiB, memFreeBytes: 9 * GiB, capacityBytes: 12 * GiB, roomBytes: 9 * GiB, at: undefined },
      // min(5, 6 − 2) = 4 GiB
      { name: 'dev-b', address: 'http://127.0.0.1:7102', live: false, stopped: false, sessions: 1, memoryUsedBytes: 300 * MiB, reservedBytes: 2 * GiB, memTotalBytes: 8 * GiB, memFreeBytes: 5 * GiB, capacityBytes: 6 * GiB, roomBytes: 4 * GiB, at: undefined },
    ]);
    expect(devmode.hosts[1].secondsSinceBeat).toBeGreaterThanOrEqual(90);
    // Cluster: 3 open sessions (both samples are fresh), 1068 MiB; one live host → the 1-server plan, 12 GiB, 9 GiB room.
    expect({ ...devmode, hosts: undefined }).toEqual({
      hosts: undefined,
      liveHosts: 1,
      sessions: 3,
      memoryUsedBytes: 1068 * MiB,
      capacityBytes: 12 * GiB,
      roomBytes: 9 * GiB,
      target: { min: 10, max: 20, label: '기본형 1서버 계획: 동시 개발 10~20명' },
    });
  });

  it('shows them on the page', async () => {
    const page = await tabs.ops.get('/ops/capacity');
    expect(page.status).toBe(200);
    // KPI: 3 of a 1-server cluster's 10–20; 1068 MiB = 1,119,879,168 bytes, shown as 1.1GB. Meter: 3 of 20 = 15%.
    expect(page.body).toContain('3 / 10~20개');
    expect(page.body).toContain('기본형 1서버 계획: 동시 개발 10~20명');
    expect(page.body).toContain('메모리 1.1GB');
    expect(page.body).toContain('15.0%');
    // The host rows: dev-a 2 sessions 805.3MB (768 MiB), 9.7GB of 17.2GB free; dev-b 응답 없음, 1 session, 314.6MB.
    for (const text of ['dev-a', 'http://127.0.0.1:7101', '805.3MB', '9.7GB / 17.2GB', '12.9GB', 'dev-b', '응답 없음', '314.6MB', '5.4GB / 8.6GB']) {
      expect(page.body, text).toContain(text);
    }
  });

  it('is a 404 for an owner and for finance, sends a visitor to log in, and shows admins', async () => {
    for (const who of ['owner', 'finance'] as const) {
      expect((await tabs[who].get('/ops/capacity')).status, who).toBe(404);
      expect((await tabs[who].get(DATA)).status, who).toBe(404);
    }
    const visitor = await web.tab().get('/ops/capacity');
    expect(visitor.status).toBe(302);
    expect(visitor.location).toContain('/login');
    const admin = await tabs.admin.get(DATA);
    expect(admin.status).toBe(200);
    expect((JSON.parse(admin.body) as { devmode: DevmodeCapacity }).devmode.sessions).toBe(3);
  });

  it('looks right in Chromium', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1100 }, locale: 'ko-KR' });
      const url = new URL(web.baseUrl);
      await context.addCookies([...tabs.ops.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })));
      const tab = await context.newPage();
      await tab.goto(`${web.baseUrl}/ops/capacity`);
      const table = tab.getByRole('table', { name: '개발자 세션 호스트' });
      await table.waitFor();
      expect(await table.getByRole('row').count()).toBe(3);
      await tab.getByText('개발자 세션 용량').scrollIntoViewIfNeeded();
      await tab.screenshot({ path: screenshotPath('ops', 'capacity-devmode'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
