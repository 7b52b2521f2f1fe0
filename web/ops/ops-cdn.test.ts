// /ops/cdn over real HTTP: ops and admins see the providers' health, failover's record and the
// usage sync; a workspace owner and finance get 404, a visitor goes to the login page.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../e2e/browser.ts';
import { createTenantWithSite } from '../../monitoring/testing.ts';
import { startTestWeb, TEST_PASSWORD, type BrowserTab, type TestWeb } from '../server/testing.ts';

let web: TestWeb;
const tabs: Record<'owner' | 'finance' | 'ops' | 'admin', BrowserTab> = {} as never;

beforeAll(async () => {
  web = await startTestWeb();
  for (const who of ['owner', 'finance', 'ops', 'admin'] as const) {
    tabs[who] = await web.signUp({ email: `${who}@ops-cdn.example` });
    if (who !== 'owner') await web.db.sql`insert into platform_roles (user_id, role) select id, ${who} from users where email = ${`${who}@ops-cdn.example`}`;
  }
  const site = await createTenantWithSite(web.db.sql, { tenant: '장애카페', site: '장애 조치 카페', slug: 'ops-cdn-cafe' });
  await web.db.sql`
    insert into cdn_provider_health (provider, state, consecutive_failures, consecutive_successes, last_checked_at, latency_ms, detail)
    values ('cloudflare', 'down', 4, 0, now(), 812, 'GET /accounts/…/pages/projects: 503 Service Unavailable'),
           ('local', 'up', 0, 12, now(), 3, 'object store writable; 1 edge process(es) alive')`;
  await web.db.sql`
    insert into cdn_failover_events (kind, provider, to_provider, tenant_id, site_id, reason)
    values ('site_failover', 'cloudflare', 'local', ${site.tenantId}, ${site.siteId}, 'Cloudflare 장애로 자체 에지(으)로 옮겼습니다 (다음으로 저렴한 CDN)')`;
  await web.db.sql`
    insert into cdn_usage_syncs (provider, site_id, day, status, requests, bytes, detail)
    values ('vercel', ${site.siteId}, '2026-11-27', 'ok', 4321, 98765432, '1일, 요청 4321건')`;
});
afterAll(() => web?.stop());

describe('/ops/cdn', () => {
  it('shows ops which provider is down, what failover did and why, and the usage sync', async () => {
    for (const who of ['ops', 'admin'] as const) {
      const page = await tabs[who].get('/ops/cdn');
      expect(page.status, who).toBe(200);
      expect(page.body).toContain('CDN 상태');
      expect(page.body).toContain('장애');
      expect(page.body).toContain('503 Service Unavailable');
      expect(page.body).toContain('장애 조치 카페');
      expect(page.body).toContain('Cloudflare 장애로 자체 에지(으)로 옮겼습니다');
      expect(page.body).toContain('4,321');
    }
  });

  it('is a 404 for an owner and for finance, and sends a visitor to log in', async () => {
    expect((await tabs.owner.get('/ops/cdn')).status).toBe(404);
    expect((await tabs.finance.get('/ops/cdn')).status).toBe(404);
    const visitor = await web.tab().get('/ops/cdn');
    expect(visitor.status).toBe(302);
    expect(visitor.location).toContain('/login');
  });

  it('reads as a page in Chromium, without console errors (screenshot in .data/screenshots)', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
      const consoleErrors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      await page.goto(`${web.baseUrl}/login`);
      await page.fill('input[name="email"]', 'ops@ops-cdn.example');
      await page.fill('input[name="password"]', TEST_PASSWORD);
      await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type="submit"]')]);
      await page.goto(`${web.baseUrl}/ops/cdn`);
      await page.getByRole('heading', { name: '제공자 상태' }).waitFor();
      expect(await page.getByRole('link', { name: 'CDN 상태' }).getAttribute('aria-current')).toBe('page');
      mkdirSync('.data/screenshots', { recursive: true });
      await page.screenshot({ path: '.data/screenshots/ops-cdn.png', fullPage: true });
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
