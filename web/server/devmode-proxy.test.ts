// Who may open a site's code editor, over real HTTP without containers: a viewer of the
// workspace is refused both opening the editor (the page's action) and the proxy (pages and
// WebSockets) with a Korean message, while the owner — on the same site, with no editor running —
// passes the role check and is sent to the code page to open one. (devmode/docker.test.ts
// repeats the viewer's refusal against a running editor.) The billing page lists developer mode
// as part of 프리미엄 and up.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWeb, type BrowserTab, type TestWeb } from './testing.ts';

let web: TestWeb;
let owner: BrowserTab;
let viewer: BrowserTab;
let siteId: string;

function cookieOf(tab: BrowserTab): string {
  return [...tab.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A raw WebSocket upgrade through the web server: the status it answers with. */
function upgradeStatus(urlPath: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const origin = `http://127.0.0.1:${web.server.port}`;
    const req = http.request({
      host: '127.0.0.1', port: web.server.port, path: urlPath,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Cookie: cookie, Origin: origin, Host: `127.0.0.1:${web.server.port}` },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 101);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error) => {
      const match = /HTTP\/1\.1 (\d{3})/.exec(String(error.message));
      if (match) resolve(Number(match[1]));
      else reject(error);
    });
    req.end();
  });
}

beforeAll(async () => {
  web = await startTestWeb();
  owner = await web.signUp({ email: 'code-owner@momo.kr', workspaceName: '코드 빵집' });
  viewer = await web.signUp({ email: 'code-viewer@momo.kr', workspaceName: '보는 사람 가게' });
  await web.db.sql`update tenants set plan_code = 'premium'`;
  const created = await owner.post('/sites/new', { name: '코드 빵집', slug: 'viewer-bakery', template: 'cafe' });
  expect(created.status).toBe(302);
  siteId = /^\/sites\/([0-9a-f-]{36})$/.exec(created.location ?? '')![1];
  const enabled = await owner.post(`/sites/${siteId}/code`, { intent: 'enable' });
  expect(enabled.body).toContain('개발자 모드를 켰습니다');
  // The owner's workspace takes the second user in as a viewer, who switches to it.
  const [{ tenant_id: tenantId }] = await web.db.sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
  await web.db.sql`insert into memberships (tenant_id, user_id, role) select ${tenantId}, id, 'viewer' from users where email = 'code-viewer@momo.kr'`;
  const switched = await viewer.post('/workspace/switch', { tenantId, redirectTo: `/sites/${siteId}/code` });
  expect(switched.status).toBe(302);
}, 120_000);
afterAll(() => web?.stop());

describe('the code editor for a workspace viewer', () => {
  it('shows the code page without the open button, and refuses opening the editor with 403 and no session', async () => {
    const page = await viewer.get(`/sites/${siteId}/code`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('코드 편집기 열기</button>');
    expect((await owner.get(`/sites/${siteId}/code`)).body).toContain('코드 편집기 열기</button>');
    const opened = await viewer.post(`/sites/${siteId}/code`, { intent: 'open' });
    expect(opened.status).toBe(403);
    expect(opened.body).toContain('이 작업에는 편집자 이상의 권한이 필요합니다. 현재 권한은 뷰어입니다.');
    expect(await web.db.sql`select id from devmode_sessions where site_id = ${siteId}`).toHaveLength(0);
  });

  it('refuses the proxy to a viewer, for pages and WebSockets, where the owner passes the role check', async () => {
    const page = await viewer.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(page.status).toBe(403);
    expect(page.body).toBe('코드 편집기는 편집자 이상의 권한이 있어야 열 수 있습니다. 워크스페이스 소유자에게 권한을 요청해 주세요.');
    const files = await viewer.get(`/sites/${siteId}/code/editor/stable-x/static/out/vs/code/browser/workbench/workbench.js`);
    expect(files.status).toBe(403);
    const ws = await upgradeStatus(`/sites/${siteId}/code/editor/stable-x?reconnectionToken=a&reconnection=false&skipWebSocketFrames=false`, cookieOf(viewer));
    expect(ws).toBe(403);
    // The owner of the same site gets past the role check: no editor is running, so to the code page.
    const ownerPage = await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(ownerPage.status).toBe(302);
    expect(ownerPage.location).toBe(`/sites/${siteId}/code`);
    expect(await upgradeStatus(`/sites/${siteId}/code/editor/x`, cookieOf(owner))).toBe(404);
  });

  it('refuses the proxy on a plan without developer mode, naming the plan', async () => {
    const [{ tenant_id: tenantId }] = await web.db.sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
    await web.db.sql`update tenants set plan_code = 'basic' where id = ${tenantId}`;
    try {
      const page = await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
      expect(page.status).toBe(403);
      expect(page.body).toBe('개발자 모드(코드 편집기)는 프리미엄 요금제부터 쓸 수 있습니다. 지금은 기본 요금제입니다. 요금제 페이지에서 바꿔 주세요.');
    } finally {
      await web.db.sql`update tenants set plan_code = 'premium' where id = ${tenantId}`;
    }
  });

  it('lists developer mode on the billing page as part of 프리미엄 and up', async () => {
    const billing = await owner.get('/billing');
    expect(billing.status).toBe(200);
    expect(billing.body).toContain('개발자 모드 — 브라우저에서 VS Code로 사이트 코드 편집');
    expect(billing.body).not.toContain('준비 중');
  });
});
