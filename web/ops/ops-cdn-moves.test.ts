// /ops/cdn moves over real HTTP (the web process configured with the Cloudflare Pages contract
// server): ops and admins switch traffic moves on and off and move a site to another CDN with
// the router's reason and costs shown; owners and finance get 404 and nothing moves; the owner's
// deployments page says where the site is served and why.
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider } from '../../cdn/index.ts';
import { startCloudflareContract, type CloudflareContract } from '../../cdn/contracts/cloudflare.ts';
import { pagesProjectName } from '../../cdn/providers/cloudflare.ts';
import { clearOfSeoulMidnight } from '../../cdn/test-fixtures.ts';
import { resetEnvForTests } from '../../config/env.ts';
import { launchChromium } from '../../e2e/browser.ts';
import { startTestWeb, TEST_PASSWORD, type BrowserTab, type TestWeb } from '../server/testing.ts';

let web: TestWeb;
let contract: CloudflareContract;
let dataDir: string;
const tabs: Record<'owner' | 'stranger' | 'finance' | 'ops' | 'admin', BrowserTab> = {} as never;
let siteId: string;
let tenantId: string;

beforeAll(async () => {
  contract = await startCloudflareContract();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-ops-cdn-moves-'));
  // This web process has Cloudflare credentials (pointing at the contract server) and its own store.
  process.env.CLOUDFLARE_API_TOKEN = contract.apiToken;
  process.env.CLOUDFLARE_ACCOUNT_ID = contract.accountId;
  process.env.CLOUDFLARE_API_BASE = contract.url;
  process.env.DATA_DIR = dataDir;
  resetEnvForTests();
  web = await startTestWeb();
  for (const who of ['owner', 'stranger', 'finance', 'ops', 'admin'] as const) {
    tabs[who] = await web.signUp({ email: `${who}@cdn-moves.example`, displayName: `${who} 담당` });
    if (who === 'finance' || who === 'ops' || who === 'admin') {
      await web.db.sql`insert into platform_roles (user_id, role) select id, ${who} from users where email = ${`${who}@cdn-moves.example`}`;
    }
  }
  // The owner's published site, on the edge, with 60k requests and 3GB a month.
  [{ tenantId }] = await web.db.sql<{ tenantId: string }[]>`
    select m.tenant_id as "tenantId" from memberships m join users u on u.id = m.user_id where u.email = 'owner@cdn-moves.example'`;
  [{ id: siteId }] = await web.db.sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document) values (${tenantId}, '이사 카페', 'moving-day-cafe', 'cafe', '{}') returning id`;
  const local = createLocalProvider({ sql: web.db.sql, dataDir });
  const body = Buffer.from('<!doctype html><html lang="ko"><body data-deployment="moves"><h1>이사 카페</h1></body></html>');
  const deployed = await local.deploy({ tenantId, siteId, buildId: null, files: [{ path: '/index.html', contentType: 'text/html; charset=utf-8', body }] });
  await local.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
  // Every test reads "월 6만 요청·3GB" from these ten days; the file takes 5–20 s.
  await clearOfSeoulMidnight(60_000);
  await web.db.sql`
    insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
    select ${tenantId}, ${siteId}, 'local', (now() at time zone 'Asia/Seoul')::date - d, 2000, 100000000 from generate_series(0, 9) d`;
}, 150_000);
afterAll(async () => {
  await web?.stop();
  await contract?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_BASE', 'DATA_DIR']) delete process.env[name];
  resetEnvForTests();
});

async function siteProvider(): Promise<string> {
  const [site] = await web.db.sql<{ cdn_provider: string }[]>`select cdn_provider from sites where id = ${siteId}`;
  return site.cdn_provider;
}

describe('/ops/cdn moves', () => {
  it('shows ops each site with the router’s reason, its monthly cost and where it may go', async () => {
    const page = await tabs.ops.get('/ops/cdn');
    expect(page.status).toBe(200);
    expect(page.body).toContain('이사 카페');
    expect(page.body).toContain('월 6만 요청·3GB: Cloudflare가 가장 저렴 (월 0원)');
    expect(page.body).toContain('Cloudflare(으)로 이동 권고');
    expect(page.body).toContain('월 50,900원');
    expect(page.body).toContain('Cloudflare (월 0원)');
    expect(page.body).toContain('끔 — 알림만');
    expect(page.body).toContain('아직 아무도 바꾸지 않았습니다');
    // The search narrows the list.
    const none = await tabs.ops.get('/ops/cdn?q=없는가게');
    expect(none.body).toContain('‘없는가게’와 맞는 게시된 사이트가 없습니다.');
  });

  it('is a 404 for an owner and for finance (nothing moves, nothing switches), and sends a visitor to log in', async () => {
    for (const who of ['owner', 'finance'] as const) {
      expect((await tabs[who].post('/ops/cdn', { intent: 'move', siteId, to: 'cloudflare' })).status, who).toBe(404);
      expect((await tabs[who].post('/ops/cdn', { intent: 'traffic-moves', enabled: 'on', maxMovesPerRound: '3' })).status, who).toBe(404);
    }
    const visitor = await web.tab().post('/ops/cdn', { intent: 'move', siteId, to: 'cloudflare' });
    expect(visitor.status).toBe(302);
    expect(visitor.location).toContain('/login');
    expect(await siteProvider()).toBe('local');
    const [settings] = await web.db.sql`select traffic_moves_enabled, updated_by from cdn_move_settings`;
    expect(settings).toEqual({ traffic_moves_enabled: false, updated_by: null });
  });

  it('lets ops switch traffic moves on, saying who did it, and keeps a refused limit as typed', async () => {
    const refused = await tabs.ops.post('/ops/cdn', { intent: 'traffic-moves', enabled: 'on', maxMovesPerRound: '0' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('한 번에 옮길 사이트 수는 1에서 50 사이의 정수로 입력해 주세요.');
    expect(refused.body).toMatch(/name="maxMovesPerRound"[^>]*value="0"/);
    const [still] = await web.db.sql`select traffic_moves_enabled from cdn_move_settings`;
    expect(still.traffic_moves_enabled).toBe(false);

    const saved = await tabs.ops.post('/ops/cdn', { intent: 'traffic-moves', enabled: 'on', maxMovesPerRound: '5' });
    expect(saved.status).toBe(200);
    expect(saved.body).toContain('자동 이동을 켰습니다. 모니터가 매시간 라우터의 권고대로 최대 5개 사이트를 옮깁니다.');
    const [row] = await web.db.sql`
      select s.traffic_moves_enabled, s.max_moves_per_round, u.email from cdn_move_settings s join users u on u.id = s.updated_by`;
    expect(row).toEqual({ traffic_moves_enabled: true, max_moves_per_round: 5, email: 'ops@cdn-moves.example' });
    const page = await tabs.ops.get('/ops/cdn');
    expect(page.body).toContain('ops 담당 · ');
    const off = await tabs.admin.post('/ops/cdn', { intent: 'traffic-moves', enabled: 'off', maxMovesPerRound: '5' });
    expect(off.body).toContain('자동 이동을 껐습니다. 라우터의 권고는 알림으로만 보냅니다.');
  });

  it('moves a site where ops ask, refusing in Korean a provider that is down or the one it is on, and records the move', async () => {
    const already = await tabs.ops.post('/ops/cdn', { intent: 'move', siteId, to: 'local' });
    expect(already.status).toBe(409);
    expect(already.body).toContain('이미 자체 에지에서 서비스되고 있습니다');
    const unknown = await tabs.ops.post('/ops/cdn', { intent: 'move', siteId, to: 'vercel' });
    expect(unknown.status).toBe(409);
    expect(unknown.body).toContain('Vercel 자격 증명이 이 설치에 설정되지 않아 옮길 수 없습니다');
    await web.db.sql`insert into cdn_provider_health (provider, state) values ('cloudflare', 'down')`;
    const down = await tabs.ops.post('/ops/cdn', { intent: 'move', siteId, to: 'cloudflare' });
    expect(down.status).toBe(409);
    expect(down.body).toContain('Cloudflare이(가) 지금 장애 중이라 옮길 수 없습니다');
    // A provider that is down is not offered either.
    expect((await tabs.ops.get('/ops/cdn')).body).toContain('옮길 수 있는 다른 CDN이 없습니다');
    await web.db.sql`update cdn_provider_health set state = 'up' where provider = 'cloudflare'`;
    const missing = await tabs.ops.post('/ops/cdn', { intent: 'move', siteId: '00000000-0000-0000-0000-000000000000', to: 'cloudflare' });
    expect(missing.status).toBe(404);
    expect(await siteProvider()).toBe('local');

    const moved = await tabs.ops.post('/ops/cdn', { intent: 'move', siteId, to: 'cloudflare' });
    expect(moved.status).toBe(200);
    expect(moved.body).toContain('&#x27;이사 카페&#x27;을(를) 자체 에지에서 Cloudflare(으)로 옮겼습니다. 월 비용 50,900원 → 0원.');
    expect(await siteProvider()).toBe('cloudflare');
    const served = contract.serve(pagesProjectName(siteId), '/index.html');
    expect(served.status).toBe(200);
    expect(served.body.toString()).toContain('data-deployment="moves"');
    const [move] = await web.db.sql`
      select m.reason, m.status, m.monthly_cost_before_krw, m.monthly_cost_after_krw, u.email
      from cdn_migrations m join users u on u.id = m.requested_by where m.site_id = ${siteId}`;
    expect(move).toEqual({ reason: 'admin', status: 'done', monthly_cost_before_krw: 50_900, monthly_cost_after_krw: 0, email: 'ops@cdn-moves.example' });
    const page = await tabs.ops.get('/ops/cdn');
    expect(page.body).toContain('관리자 요청 · ops 담당');
    expect(page.body).toContain('50,900원 → 0원');
  });

  it('tells the owner on the deployments page where the site is served and why; another workspace gets 404', async () => {
    const page = await tabs.owner.get(`/sites/${siteId}/deployments`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('CDN: Cloudflare에서 서비스 중 · 월 6만 요청·3GB: Cloudflare가 가장 저렴 (월 0원)');
    expect((await tabs.stranger.get(`/sites/${siteId}/deployments`)).status).toBe(404);
  });

  it('reads as a page in Chromium, and an admin moves the site back from the form (screenshot in .data/screenshots)', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
      const consoleErrors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      await page.goto(`${web.baseUrl}/login`);
      await page.fill('input[name="email"]', 'admin@cdn-moves.example');
      await page.fill('input[name="password"]', TEST_PASSWORD);
      await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type="submit"]')]);
      await page.goto(`${web.baseUrl}/ops/cdn`);
      await page.getByRole('heading', { name: '사이트별 CDN' }).waitFor();
      mkdirSync('.data/screenshots', { recursive: true });
      await page.screenshot({ path: '.data/screenshots/ops-cdn-moves.png', fullPage: true });
      await page.getByLabel('이사 카페을(를) 옮길 CDN').selectOption('local');
      const asked: string[] = [];
      page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.accept(); });
      await page.getByRole('button', { name: '이동' }).click();
      await page.getByText('Cloudflare에서 자체 에지(으)로 옮겼습니다').waitFor();
      expect(asked).toEqual(['\'이사 카페\'을(를) 자체 에지(으)로 옮길까요? 새 CDN에 배포하고 전환한 뒤 옛 배포를 정리합니다. 사이트는 그동안 계속 열립니다.']);
      // The page reloads its data: the site on the edge now, both moves in the record.
      await page.getByRole('button', { name: '이동' }).waitFor();
      await page.getByRole('cell', { name: 'Cloudflare → 자체 에지' }).waitFor();
      await page.getByText('옛 배포 1개 정리').first().waitFor();
      expect(await siteProvider()).toBe('local');
      await page.screenshot({ path: '.data/screenshots/ops-cdn-moved.png', fullPage: true });

      // The owner, on their site's deployments page, sees the one line.
      const owner = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
      owner.on('pageerror', (e) => consoleErrors.push(e.message));
      await owner.goto(`${web.baseUrl}/login`);
      await owner.fill('input[name="email"]', 'owner@cdn-moves.example');
      await owner.fill('input[name="password"]', TEST_PASSWORD);
      await Promise.all([owner.waitForURL((url) => !url.pathname.startsWith('/login')), owner.click('button[type="submit"]')]);
      await owner.goto(`${web.baseUrl}/sites/${siteId}/deployments`);
      await owner.getByText('CDN: 자체 에지에서 서비스 중 · 월 6만 요청·3GB: Cloudflare가 가장 저렴').waitFor();
      await owner.screenshot({ path: '.data/screenshots/site-deployments-cdn.png' });
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
