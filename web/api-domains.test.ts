// Custom domains from the outside: POST /api/v1/sites/{siteId}/domains over real HTTP (201 with
// the DNS records, bad names, the plan limit, a name another workspace holds, another
// workspace's key) and the owner page /sites/:siteId/domains (its loader and actions, another
// workspace's site id → 404, what the owner typed kept on an error).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantPlan } from '../billing/index.ts';
import { createLocalProvider, recheckSiteDomain } from '../cdn/index.ts';
import { verifyWebhookSignature } from './app/api/webhooks.server.ts';
import { resetEnvForTests } from '../config/env.ts';
import { createApiKey } from './app/api/keys.server.ts';
import { createSite } from './app/sites.server.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let ownerA: BrowserTab;
let ownerB: BrowserTab;
let tenantA: string;
let tenantB: string;
let siteA: string;
let siteB: string;
let keyA: string;
let keyB: string;

async function tenantOf(email: string): Promise<string> {
  const [row] = await web.db.sql<{ tenant_id: string }[]>`
    select m.tenant_id from memberships m join users u on u.id = m.user_id where lower(u.email) = ${email}`;
  return row.tenant_id;
}

async function siteOf(tenantId: string, slug: string): Promise<string> {
  const created = await createSite(web.db.sql, { tenantId, userId: null, name: `가게 ${slug}`, slug, templateId: 'cafe' });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  return created.site.id;
}

async function keyOf(tenantId: string): Promise<string> {
  const created = await createApiKey(web.db.sql, { tenantId, userId: null, name: '도메인 연동', scopes: ['read', 'write', 'publish'] });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  return created.secret;
}

async function addDomain(key: string, siteId: string, domain: unknown) {
  const response = await fetch(`${web.baseUrl}/api/v1/sites/${siteId}/domains`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ domain }),
  });
  return { status: response.status, json: (await response.json()) as any };
}

async function domainRows(tenantId: string): Promise<string[]> {
  const rows = await web.db.sql<{ hostname: string }[]>`select hostname from cdn_domains where tenant_id = ${tenantId} order by hostname`;
  return rows.map((r) => r.hostname);
}

beforeAll(async () => {
  process.env.WEBHOOK_RETRY_DELAY_SECONDS = '1';
  // The webhook receiver below listens on 127.0.0.1 over http: the explicit dev/test allowance.
  process.env.WEBHOOK_ALLOW_LOOPBACK_HTTP = 'true';
  resetEnvForTests();
  web = await startTestWeb();
  ownerA = await web.signUp({ email: 'owner@momo.kr', workspaceName: '모모 카페' });
  ownerB = await web.signUp({ email: 'owner@rival.kr', workspaceName: '라이벌 카페' });
  tenantA = await tenantOf('owner@momo.kr');
  tenantB = await tenantOf('owner@rival.kr');
  // 기본 allows one connected domain per workspace; 엔터프라이즈 fifty.
  await grantPlan(web.db.sql, tenantA, 'basic', { userId: null });
  await grantPlan(web.db.sql, tenantB, 'enterprise', { userId: null });
  siteA = await siteOf(tenantA, 'momo-domains');
  siteB = await siteOf(tenantB, 'rival-domains');
  keyA = await keyOf(tenantA);
  keyB = await keyOf(tenantB);
}, 120_000);

afterAll(async () => {
  await web?.stop();
  delete process.env.WEBHOOK_RETRY_DELAY_SECONDS;
  delete process.env.WEBHOOK_ALLOW_LOOPBACK_HTTP;
  resetEnvForTests();
});

describe('POST /api/v1/sites/{siteId}/domains', () => {
  it('answers another workspace’s key with 404 and stores nothing', async () => {
    const answer = await addDomain(keyB, siteA, 'www.momo-cafe.kr');
    expect(answer.status).toBe(404);
    expect(answer.json.error.code).toBe('not_found');
    expect(await domainRows(tenantA)).toEqual([]);
    expect(await domainRows(tenantB)).toEqual([]);
  });

  it('refuses a malformed or reserved name with 400 naming the field, in Korean and English', async () => {
    const spaced = await addDomain(keyA, siteA, 'not a domain');
    expect(spaced.status).toBe(400);
    expect(spaced.json.error.field).toBe('domain');
    const reserved = await addDomain(keyA, siteA, 'cafe.test');
    expect(reserved).toMatchObject({ status: 400, json: { error: { code: 'invalid_domain', field: 'domain', message: expect.stringMatching(/예약된 이름/) } } });
    const ours = await addDomain(keyA, siteA, 'momo.localhost');
    expect(ours.status).toBe(400);
    expect(await domainRows(tenantA)).toEqual([]);
  });

  it('adds a Korean domain as punycode: 201 with the CNAME and TXT records and Korean instructions', async () => {
    const answer = await addDomain(keyA, siteA, '모모카페.한국');
    expect(answer.status).toBe(201);
    const hostname = new URL('http://모모카페.한국/').hostname;
    expect(answer.json).toMatchObject({ hostname, status: 'pending', certificateStatus: 'pending', isPrimary: false, statusText: '도메인 확인 대기 중 · 인증서 확인 대기 중' });
    expect(answer.json.dnsRecords).toEqual([
      // The site's stable name, which leads to the edge (decision 143).
      { type: 'CNAME', name: hostname, value: expect.stringMatching(/^[0-9a-f]{16}\.cname\.localhost$/), purpose: '사이트 연결' },
      { type: 'TXT', name: `_windwalker.${hostname}`, value: expect.stringMatching(/^windwalker-verify=/), purpose: '도메인 소유 확인' },
    ]);
    expect(answer.json.instructions[1]).toMatch(/TXT 레코드를 만들고/);
    const status = await fetch(`${web.baseUrl}/api/v1/sites/${siteA}/domains/${hostname}`, { headers: { Authorization: `Bearer ${keyA}` } });
    expect(status.status).toBe(200);
  });

  it('refuses a domain over the plan’s limit with 403 plan_limit and the page to upgrade on', async () => {
    const answer = await addDomain(keyA, siteA, 'www.second-momo.kr');
    expect(answer.status).toBe(403);
    expect(answer.json.error).toMatchObject({ code: 'plan_limit', upgradeUrl: '/billing', message: expect.stringMatching(/기본 요금제는 도메인을 1개까지.*\/billing/) });
    expect(await domainRows(tenantA)).toHaveLength(1);
  });

  it('refuses with 409 a domain another workspace connected, without naming that workspace', async () => {
    const answer = await addDomain(keyB, siteB, '모모카페.한국');
    expect(answer.status).toBe(409);
    expect(answer.json.error.code).toBe('domain_taken');
    expect(JSON.stringify(answer.json)).not.toMatch(/모모 카페|momo-domains/);
    expect(await domainRows(tenantB)).toEqual([]);
  });
});

describe('the owner page /sites/:siteId/domains', () => {
  it('shows the site’s domains with their DNS records, status and actions', async () => {
    const page = await ownerA.get(`/sites/${siteA}/domains`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('도메인 연결');
    expect(page.body).toContain(new URL('http://모모카페.한국/').hostname);
    expect(page.body).toContain('확인 대기 중');
    expect(page.body).toContain('_windwalker.');
    expect(page.body).toContain('다시 확인');
    expect(page.body).toContain('기본 요금제: 워크스페이스 전체에서 도메인 1개까지');
  });

  it('answers another workspace’s site id with 404, for the page and every action', async () => {
    expect((await ownerB.get(`/sites/${siteA}/domains`)).status).toBe(404);
    const forms: Record<string, string>[] = [
      { intent: 'add', domain: 'www.sneaky.kr' },
      { intent: 'recheck', hostname: 'www.sneaky.kr' },
      { intent: 'primary', hostname: 'www.sneaky.kr' },
      { intent: 'remove', hostname: new URL('http://모모카페.한국/').hostname },
    ];
    for (const form of forms) {
      const answer = await ownerB.post(`/sites/${siteA}/domains`, form);
      expect({ intent: form.intent, status: answer.status }).toEqual({ intent: form.intent, status: 404 });
    }
    expect(await domainRows(tenantA)).toEqual([new URL('http://모모카페.한국/').hostname]);
    expect(await domainRows(tenantB)).toEqual([]);
  });

  it('adds a domain from the form, and keeps what the owner typed when it is refused', async () => {
    const refused = await ownerB.post(`/sites/${siteB}/domains`, { intent: 'add', domain: 'shop.rival.test' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('예약된 이름');
    expect(refused.body).toContain('value="shop.rival.test"');
    const added = await ownerB.post(`/sites/${siteB}/domains`, { intent: 'add', domain: 'Shop.Rival-Cafe.kr' });
    expect(added.status).toBe(200);
    expect(added.body).toContain('shop.rival-cafe.kr을(를) 추가했습니다');
    expect(await domainRows(tenantB)).toEqual(['shop.rival-cafe.kr']);
  });

  it('links to /billing when the plan has no room left', async () => {
    const answer = await ownerA.post(`/sites/${siteA}/domains`, { intent: 'add', domain: 'www.third-momo.kr' });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('href="/billing"');
    expect(answer.body).toContain('value="www.third-momo.kr"');
  });

  it('lets an editor look but keeps adding and removing (billed) to the owner', async () => {
    const editor = await web.signUp({ email: 'editor@momo.kr', workspaceName: '편집자 가게' });
    const [user] = await web.db.sql<{ id: string }[]>`select id from users where lower(email) = 'editor@momo.kr'`;
    await web.db.sql`insert into memberships (tenant_id, user_id, role) values (${tenantA}, ${user.id}, 'editor')`;
    await web.db.sql`update user_sessions set tenant_id = ${tenantA} where user_id = ${user.id}`;
    const page = await editor.get(`/sites/${siteA}/domains`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('워크스페이스 소유자만 할 수 있습니다');
    expect(page.body).not.toContain('name="domain"');
    expect((await editor.post(`/sites/${siteA}/domains`, { intent: 'add', domain: 'www.editor-momo.kr' })).status).toBe(403);
    const hostname = new URL('http://모모카페.한국/').hostname;
    expect((await editor.post(`/sites/${siteA}/domains`, { intent: 'remove', hostname })).status).toBe(403);
    expect(await domainRows(tenantA)).toEqual([hostname]);
  });

  it('removes a domain from the page', async () => {
    const removed = await ownerB.post(`/sites/${siteB}/domains`, { intent: 'remove', hostname: 'shop.rival-cafe.kr' });
    expect(removed.status).toBe(200);
    expect(removed.body).toContain('연결을 해제했습니다');
    expect(await domainRows(tenantB)).toEqual([]);
  });
});

describe('the domain.verified webhook', () => {
  let receiver: Server;
  let dataDir: string;
  const received: { signature: string; body: string }[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-domain-hook-'));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ signature: String(req.headers['windwalker-signature']), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is delivered, signed, once, when a domain turns active on a re-check', async () => {
    const address = receiver.address();
    const hook = await fetch(`${web.baseUrl}/api/v1/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${keyB}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`, events: ['domain.verified'] }),
    });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()) as { secret: string };
    const added = await addDomain(keyB, siteB, 'www.rival-cafe.kr');
    expect(added.status).toBe(201);
    const txt = added.json.dnsRecords.find((r: { type: string }) => r.type === 'TXT');

    // The owner's DNS now has the TXT record (a resolver standing in for the internet's DNS).
    const local = createLocalProvider({
      sql: web.db.sql, dataDir, baseDomain: 'localhost',
      resolveTxt: async (name) => (name === txt.name ? [[txt.value]] : Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }))),
    });
    const providers = new Map([['local' as const, local]]);
    expect((await recheckSiteDomain(web.db.sql, providers, tenantB, siteB, 'www.rival-cafe.kr')).status).toBe('active');
    await recheckSiteDomain(web.db.sql, providers, tenantB, siteB, 'www.rival-cafe.kr');

    const until = Date.now() + 15_000;
    while (received.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toHaveLength(1);
    expect(verifyWebhookSignature(secret, received[0].signature, received[0].body)).toBe(true);
    expect(JSON.parse(received[0].body)).toMatchObject({ type: 'domain.verified', data: { siteId: siteB, hostname: 'www.rival-cafe.kr', verifiedAt: expect.any(String) } });
  });
});

describe('checking, choosing the primary and disconnecting over the API', () => {
  async function call(key: string, method: string, route: string, body?: unknown) {
    const response = await fetch(`${web.baseUrl}/api/v1${route}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null };
  }
  const korean = () => new URL('http://모모카페.한국/').hostname;

  it('answers another workspace’s key with 404 for every domain action and changes nothing', async () => {
    for (const [method, route, body] of [
      ['POST', `/sites/${siteA}/domains/${korean()}/verify`, {}],
      ['POST', `/sites/${siteA}/domains/${korean()}/primary`, {}],
      ['DELETE', `/sites/${siteA}/domains/${korean()}`, undefined],
    ] as const) {
      expect({ method, route, status: (await call(keyB, method, route, body)).status }).toEqual({ method, route, status: 404 });
    }
    expect(await domainRows(tenantA)).toEqual([korean()]);
  });

  it('re-checks a pending domain (still pending while DNS has no record) and refuses it as primary until connected', async () => {
    const checked = await call(keyA, 'POST', `/sites/${siteA}/domains/${korean()}/verify`, {});
    expect(checked.status).toBe(200);
    expect(checked.json).toMatchObject({ hostname: korean(), status: 'pending', checkedAt: expect.any(String) });
    const primary = await call(keyA, 'POST', `/sites/${siteA}/domains/${korean()}/primary`, {});
    expect(primary.status).toBe(409);
    expect(primary.json.error.code).toBe('domain_not_ready');
    expect((await call(keyA, 'POST', `/sites/${siteA}/domains/www.unknown-momo.kr/verify`, {})).status).toBe(404);
  });

  it('makes a connected domain the primary and disconnects domains', async () => {
    // www.rival-cafe.kr was verified above (the webhook test).
    const primary = await call(keyB, 'POST', `/sites/${siteB}/domains/www.rival-cafe.kr/primary`, {});
    expect(primary.status).toBe(200);
    expect(primary.json).toMatchObject({ hostname: 'www.rival-cafe.kr', status: 'active', isPrimary: true });
    expect((await call(keyB, 'DELETE', `/sites/${siteB}/domains/www.rival-cafe.kr`)).status).toBe(204);
    expect(await domainRows(tenantB)).toEqual([]);
    expect((await call(keyB, 'DELETE', `/sites/${siteB}/domains/www.rival-cafe.kr`)).status).toBe(404);
    expect((await call(keyA, 'DELETE', `/sites/${siteA}/domains/${korean()}`)).status).toBe(204);
    expect(await domainRows(tenantA)).toEqual([]);
  });
});
