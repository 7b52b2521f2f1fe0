// The public API over real HTTP against the built web server, a fresh database and a real build
// worker (child-process executor): keys, every endpoint, tenant isolation, scopes, idempotency,
// rate limits, bad input, metering, the OpenAPI document and signed webhooks with retries.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../config/env.ts';
import { grantPlan, meteredUsageFromDatabase } from '../billing/index.ts';
import { startQueue, startWorker, type BuildWorker } from '../buildfarm/index.ts';
import { countApiCalls, createApiKey, flushApiMeters, periodOfDate, revokeApiKey } from './app/api/keys.server.ts';
import { verifyWebhookSignature } from './app/api/webhooks.server.ts';
import { startTestWeb, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let boss: PgBoss;
let worker: BuildWorker;
let dataDir: string;
let tenantA: string;
let tenantB: string;
let keyA: string; // read, write, publish
let keyB: string; // another workspace, all scopes
let readOnlyA: string;
let siteId: string;

async function tenantOf(email: string): Promise<string> {
  const [row] = await web.db.sql<{ tenant_id: string }[]>`
    select m.tenant_id from memberships m join users u on u.id = m.user_id where lower(u.email) = ${email}`;
  return row.tenant_id;
}

async function newKey(tenantId: string, scopes: string[]): Promise<string> {
  const created = await createApiKey(web.db.sql, { tenantId, userId: null, name: `key ${scopes.join('+')}`, scopes });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  return created.secret;
}

interface Answer { status: number; json: any; headers: Headers; text: string }

async function call(key: string | null, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${web.baseUrl}/api/v1${route}`, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: response.status, json, headers: response.headers, text };
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  process.env.WEBHOOK_RETRY_DELAY_SECONDS = '1';
  // The webhook receiver below listens on 127.0.0.1 over http: the explicit dev/test allowance.
  process.env.WEBHOOK_ALLOW_LOOPBACK_HTTP = 'true';
  resetEnvForTests();
  web = await startTestWeb();
  await web.signUp({ email: 'agency@momo.kr', workspaceName: '모모 에이전시' });
  await web.signUp({ email: 'other@example.com', workspaceName: '다른 가게' });
  tenantA = await tenantOf('agency@momo.kr');
  tenantB = await tenantOf('other@example.com');
  // These workspaces create several sites; the free trial allows one (its limit is tested below).
  await grantPlan(web.db.sql, tenantA, 'enterprise', { userId: null });
  await grantPlan(web.db.sql, tenantB, 'enterprise', { userId: null });
  keyA = await newKey(tenantA, ['read', 'write', 'publish']);
  keyB = await newKey(tenantB, ['read', 'write', 'publish']);
  readOnlyA = await newKey(tenantA, ['read']);
  // This file makes a few hundred calls a minute with these keys; the limit itself is tested with keys of its own.
  await web.db.sql`update api_keys set rate_limit_per_minute = 100000`;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-api-test-'));
  boss = await startQueue(web.db.url);
  worker = await startWorker({ sql: web.db.sql, boss, databaseUrl: web.db.url, dataDir, executor: 'process', concurrency: 1 });
  const created = await call(keyA, 'POST', '/sites', { name: '카페 모모', slug: 'cafe-momo-api', template: 'cafe' });
  expect(created.status).toBe(201);
  siteId = created.json.id;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await boss?.stop({ graceful: false });
  await web?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  delete process.env.WEBHOOK_RETRY_DELAY_SECONDS;
  delete process.env.WEBHOOK_ALLOW_LOOPBACK_HTTP;
  resetEnvForTests();
});

describe('API keys', () => {
  it('refuses calls without a key, with a wrong key and with a revoked key, and never reads the session cookie', async () => {
    expect((await call(null, 'GET', '/sites')).status).toBe(401);
    expect((await call('ww_live_nope', 'GET', '/sites')).json.error.code).toBe('unauthorized');
    const owner = await web.signUp({ email: 'cookie@momo.kr' });
    const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const withCookie = await call(null, 'GET', '/sites', undefined, { Cookie: cookie });
    expect(withCookie.status).toBe(401);
    const doomed = await createApiKey(web.db.sql, { tenantId: tenantA, userId: null, name: 'doomed', scopes: ['read'] });
    if (!doomed.ok) throw new Error('key not created');
    expect((await call(doomed.secret, 'GET', '/sites')).status).toBe(200);
    expect(await revokeApiKey(web.db.sql, { tenantId: tenantA, userId: null, keyId: doomed.key.id })).toBe(true);
    expect((await call(doomed.secret, 'GET', '/sites')).status).toBe(401);
  });

  it('stores only the sha256 of a key and shows a recognisable prefix', async () => {
    const rows = await web.db.sql<{ prefix: string; key_hash: string }[]>`select prefix, key_hash from api_keys`;
    expect(rows.every((r) => r.prefix.startsWith('ww_live_') && /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
    expect(rows.some((r) => r.key_hash.includes(keyA.slice(8)))).toBe(false);
  });

  it('does not need the Origin header for API mutations', async () => {
    const answer = await call(keyA, 'POST', '/sites', { name: 'Origin 없음', slug: 'no-origin-site', template: 'salon' });
    expect(answer.status).toBe(201);
    expect((await call(keyA, 'DELETE', `/sites/${answer.json.id}`)).status).toBe(204);
  });
});

describe('sites, versions and pagination', () => {
  it('lists, reads, saves the document and one section, restores a version', async () => {
    const list = await call(keyA, 'GET', '/sites?limit=100');
    expect(list.status).toBe(200);
    expect(list.json.data.map((s: { id: string }) => s.id)).toContain(siteId);
    const site = await call(keyA, 'GET', `/sites/${siteId}`);
    expect(site.json.document.pages.length).toBeGreaterThan(0);

    const document = structuredClone(site.json.document);
    document.name = '카페 모모 본점';
    const saved = await call(keyA, 'PUT', `/sites/${siteId}/document`, { document, baseRevision: site.json.revision });
    expect(saved.status).toBe(200);
    expect(saved.json.revision).toBe(site.json.revision + 1);
    const stale = await call(keyA, 'PUT', `/sites/${siteId}/document`, { document, baseRevision: site.json.revision });
    expect(stale.status).toBe(409);
    expect(stale.json.error.currentRevision).toBe(saved.json.revision);

    const section = document.pages[0].sections[0];
    const changed = await call(keyA, 'PUT', `/sites/${siteId}/sections/${section.id}`, { section: { ...section, heading: 'API로 바꾼 제목' } });
    expect(changed.status).toBe(200);
    const reread = await call(keyA, 'GET', `/sites/${siteId}`);
    expect(reread.json.document.pages[0].sections[0].heading).toBe('API로 바꾼 제목');
    expect((await call(keyA, 'PUT', `/sites/${siteId}/sections/no-such-section`, { section: { ...section, id: 'no-such-section' } })).status).toBe(404);

    const versions = await call(keyA, 'GET', `/sites/${siteId}/versions?limit=1`);
    expect(versions.json.data).toHaveLength(1);
    expect(versions.json.nextCursor).toEqual(expect.any(String));
    const next = await call(keyA, 'GET', `/sites/${siteId}/versions?limit=1&cursor=${versions.json.nextCursor}`);
    expect(next.json.data[0].id).not.toBe(versions.json.data[0].id);
    const oldest = next.json.data[0];
    const restored = await call(keyA, 'POST', `/sites/${siteId}/versions/${oldest.id}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.json.versionNumber).toBe(oldest.number);
  });

  it("refuses a site beyond the workspace's plan with 403 plan_limit, the Korean reason and the billing link", async () => {
    await web.signUp({ email: 'trial@api.kr', workspaceName: '체험 에이전시' });
    const trialKey = await newKey(await tenantOf('trial@api.kr'), ['read', 'write']);
    expect((await call(trialKey, 'POST', '/sites', { name: '첫 사이트', slug: 'trial-api-first', template: 'cafe' })).status).toBe(201);
    const refused = await call(trialKey, 'POST', '/sites', { name: '둘째 사이트', slug: 'trial-api-second', template: 'cafe' });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: 'plan_limit',
      field: 'plan',
      upgradeUrl: '/billing',
      message: '무료 체험 요금제의 사이트는 최대 1개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.',
    });
    expect((await call(trialKey, 'GET', '/sites?limit=100')).json.data).toHaveLength(1);
  });

  it('pages through sites with an opaque cursor and limit ≤ 100', async () => {
    for (const slug of ['page-a-site', 'page-b-site']) {
      expect((await call(keyA, 'POST', '/sites', { name: slug, slug, template: 'shop' })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await call(keyA, 'GET', `/sites?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.json.data.map((s: { id: string }) => s.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe((await call(keyA, 'GET', '/sites?limit=100')).json.data.length);
    const tooMany = await call(keyA, 'GET', '/sites?limit=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.field).toBe('limit');
    expect((await call(keyA, 'GET', '/sites?cursor=garbage')).json.error.field).toBe('cursor');
  });
});

describe('bad input', () => {
  const count = async () => Number((await web.db.sql<{ n: string }[]>`select count(*) as n from sites`)[0].n);

  it('answers 400 naming the field for unknown fields, wrong types, malformed JSON and oversize bodies, and stores nothing', async () => {
    const before = await count();
    const unknown = await call(keyA, 'POST', '/sites', { name: '가게', slug: 'unknown-field', template: 'cafe', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.field).toBe('colour');
    expect(unknown.json.error.message).toMatch(/알 수 없는 항목/);
    expect(unknown.json.error.message_en).toMatch(/Unknown field/);

    const wrongType = await call(keyA, 'POST', '/sites', { name: 42, slug: 'wrong-type', template: 'cafe' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.field).toBe('name');

    const missing = await call(keyA, 'POST', '/sites', { slug: 'missing-name', template: 'cafe' });
    expect(missing.json.error).toMatchObject({ code: 'invalid_request', field: 'name' });

    const malformed = await call(keyA, 'POST', '/sites', '{"name": "가게",');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatchObject({ code: 'malformed_json', field: 'body' });

    const huge = await call(keyA, 'POST', '/sites', JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), slug: 'huge-site', template: 'cafe' }));
    expect(huge.status).toBe(400);
    expect(huge.json.error).toMatchObject({ code: 'body_too_large', field: 'body' });

    const badDocument = await call(keyA, 'PUT', `/sites/${siteId}/document`, { document: { version: 1 }, baseRevision: 1 });
    expect(badDocument.status).toBe(400);
    expect(badDocument.json.error.field).toMatch(/^document/);
    expect(await count()).toBe(before);
  });
});

describe('idempotency', () => {
  it('replays a POST with the same key and body, creating nothing twice; a different body is 422', async () => {
    const body = { name: '멱등 가게', slug: 'idempotent-shop', template: 'restaurant' };
    const first = await call(keyA, 'POST', '/sites', body, { 'Idempotency-Key': 'create-idem-1' });
    const again = await call(keyA, 'POST', '/sites', body, { 'Idempotency-Key': 'create-idem-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const [row] = await web.db.sql<{ n: string }[]>`select count(*) as n from sites where slug = 'idempotent-shop'`;
    expect(Number(row.n)).toBe(1);
    const different = await call(keyA, 'POST', '/sites', { ...body, name: '다른 이름' }, { 'Idempotency-Key': 'create-idem-1' });
    expect(different.status).toBe(422);
    expect(different.json.error.code).toBe('idempotency_key_reused');
  });

  it('creates one site when the same POST is sent five times at once; the others replay or answer 409', async () => {
    const body = { name: '동시 가게', slug: 'concurrent-idem-shop', template: 'cafe' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(keyA, 'POST', '/sites', body, { 'Idempotency-Key': 'concurrent-1' })));
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.json.id)).size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect({ status: a.status, code: a.json.error.code }).toEqual({ status: 409, code: 'idempotency_in_progress' });
    const [row] = await web.db.sql<{ n: string }[]>`select count(*) as n from sites where slug = 'concurrent-idem-shop'`;
    expect(Number(row.n)).toBe(1);
  });

  it('keeps a 4xx answer for its key (replayed as is) and never replays one workspace’s answer to another', async () => {
    const taken = { name: '중복 주소', slug: 'idempotent-shop', template: 'cafe' };
    const first = await call(keyA, 'POST', '/sites', taken, { 'Idempotency-Key': 'taken-1' });
    expect(first.status).toBe(409);
    const again = await call(keyA, 'POST', '/sites', taken, { 'Idempotency-Key': 'taken-1' });
    expect({ status: again.status, replayed: again.headers.get('idempotent-replayed'), body: again.json }).toEqual({ status: 409, replayed: 'true', body: first.json });

    const hook = { url: 'https://hooks.momo-cafe.example/same', events: ['build.failed'] };
    const mine = await call(keyA, 'POST', '/webhooks', hook, { 'Idempotency-Key': 'shared-key' });
    const mineAgain = await call(keyA, 'POST', '/webhooks', hook, { 'Idempotency-Key': 'shared-key' });
    const theirs = await call(keyB, 'POST', '/webhooks', hook, { 'Idempotency-Key': 'shared-key' });
    expect([mine.status, mineAgain.status, theirs.status]).toEqual([201, 201, 201]);
    expect(mineAgain.json).toEqual(mine.json);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.json.id).not.toBe(mine.json.id);
    expect(theirs.json.secret).not.toBe(mine.json.secret);
    const [rows] = await web.db.sql<{ a: string; b: string }[]>`
      select count(*) filter (where tenant_id = ${tenantA}) as a, count(*) filter (where tenant_id = ${tenantB}) as b
      from webhook_endpoints where url = ${hook.url}`;
    expect({ a: Number(rows.a), b: Number(rows.b) }).toEqual({ a: 1, b: 1 });
    await call(keyB, 'DELETE', `/webhooks/${theirs.json.id}`);
    await call(keyA, 'DELETE', `/webhooks/${mine.json.id}`);
  });
});

describe('publish, builds, deployments and webhooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: { signature: string; body: string }[] = [];
  let failuresLeft = 2;
  let webhookId: string;
  let webhookSecret: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ signature: String(req.headers['windwalker-signature']), body });
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          res.writeHead(500).end('down for a moment');
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
    const hook = await call(keyA, 'POST', '/webhooks', { url: receiverUrl, events: ['build.succeeded', 'build.failed', 'deployment.live'] });
    expect(hook.status).toBe(201);
    webhookId = hook.json.id;
    webhookSecret = hook.json.secret;
  });
  afterAll(() => new Promise<void>((resolve) => receiver?.close(() => resolve())));

  it('refuses every write and publish operation to a read-only key with 403, changing nothing', async () => {
    const { operations } = await import('./app/api/routes.server.ts');
    const before = (await call(keyA, 'GET', `/sites/${siteId}`)).json.revision;
    const ids: Record<string, string> = {
      siteId, versionId: '3f0c2a52-8d0e-4c0b-9a57-2f8e7a3b9c10', buildId: '3f0c2a52-8d0e-4c0b-9a57-2f8e7a3b9c10',
      deploymentId: '3f0c2a52-8d0e-4c0b-9a57-2f8e7a3b9c10', webhookId: webhookId, sectionId: 'hero', domain: 'www.momo-cafe.kr',
    };
    const writes = operations.filter((o) => o.scope !== 'read');
    expect(writes.length).toBeGreaterThanOrEqual(8);
    for (const op of writes) {
      const route = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name]);
      const answer = await call(readOnlyA, op.method.toUpperCase(), route, op.method === 'post' || op.method === 'put' ? {} : undefined);
      expect({ op: op.operationId, status: answer.status, code: answer.json?.error?.code }).toEqual({ op: op.operationId, status: 403, code: 'insufficient_scope' });
    }
    expect((await call(keyA, 'GET', `/sites/${siteId}`)).json.revision).toBe(before);
    expect((await call(keyA, 'GET', `/webhooks`)).json.data.map((w: { id: string }) => w.id)).toContain(webhookId);
  });

  it('refuses publish to a key without the publish scope with 403', async () => {
    const refused = await call(readOnlyA, 'POST', `/sites/${siteId}/publish`, {});
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('insufficient_scope');
  });

  it('publishes, streams the logs as NDJSON until the build ends, lists builds and deployments, rolls back', async () => {
    const first = await call(keyA, 'POST', `/sites/${siteId}/publish`, {}, { 'Idempotency-Key': 'publish-1' });
    expect(first.status).toBe(202);
    const replay = await call(keyA, 'POST', `/sites/${siteId}/publish`, {}, { 'Idempotency-Key': 'publish-1' });
    expect(replay.json.buildId).toBe(first.json.buildId);

    const stream = await call(keyA, 'GET', `/builds/${first.json.buildId}/logs`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const events = stream.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.some((e) => e.type === 'log')).toBe(true);
    const last = events[events.length - 1];
    expect(last.type).toBe('status');
    expect(['succeeded', 'failed']).toContain(last.status);
    expect({ status: last.status, error: last.error }).toEqual({ status: 'succeeded', error: null });

    const build = await call(keyA, 'GET', `/builds/${first.json.buildId}`);
    expect(build.json.status).toBe('succeeded');
    const builds = await call(keyA, 'GET', `/sites/${siteId}/builds`);
    expect(builds.json.data.map((b: { id: string }) => b.id)).toContain(first.json.buildId);
    expect((await call(keyA, 'POST', `/builds/${first.json.buildId}/cancel`, {})).status).toBe(409);

    const second = await call(keyA, 'POST', `/sites/${siteId}/publish`, {});
    await call(keyA, 'GET', `/builds/${second.json.buildId}/logs`);
    const deployments = await call(keyA, 'GET', `/sites/${siteId}/deployments`);
    expect(deployments.json.data.length).toBeGreaterThanOrEqual(2);
    const older = deployments.json.data.find((d: { live: boolean; status: string }) => !d.live && d.status === 'ready');
    const rolledBack = await call(keyA, 'POST', `/sites/${siteId}/deployments/${older.id}/activate`, {});
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.json.live).toBe(true);
  }, 60_000);

  it('cancels a queued build', async () => {
    const published = await call(keyA, 'POST', `/sites/${siteId}/publish`, {});
    const cancelled = await call(keyA, 'POST', `/builds/${published.json.buildId}/cancel`, {});
    expect([200, 409]).toContain(cancelled.status);
    if (cancelled.status === 200) expect(cancelled.json.status).toBe('cancelled');
  });

  it('refuses to register webhook URLs that reach internal addresses, in Korean and English, storing nothing', async () => {
    const endpoints = async () => Number((await web.db.sql<{ n: string }[]>`select count(*) as n from webhook_endpoints`)[0].n);
    const before = await endpoints();
    for (const url of [
      'http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe/latest/meta-data/', 'http://10.0.0.1/hook', 'http://012.0.0.1/hook',
      'http://3232235777/hook', 'http://[::ffff:10.0.0.1]/hook', 'http://100.64.0.1/hook', 'http://[fd12::1]/hook', 'http://0.0.0.0/hook',
      'http://224.0.0.1/hook', 'http://user:pass@example.com/hook',
    ]) {
      const refused = await call(keyA, 'POST', '/webhooks', { url, events: ['build.succeeded'] });
      expect({ url, status: refused.status, code: refused.json?.error?.code, field: refused.json?.error?.field }).toEqual({ url, status: 400, code: 'webhook_url_refused', field: 'url' });
      expect(refused.json.error.message).toMatch(/[가-힣]/);
      expect(refused.json.error.message_en).toMatch(/[a-z]/);
    }
    const ftp = await call(keyA, 'POST', '/webhooks', { url: 'ftp://example.com/hook', events: ['build.succeeded'] });
    expect({ status: ftp.status, field: ftp.json.error.field }).toEqual({ status: 400, field: 'url' });
    expect(await endpoints()).toBe(before);
  });

  it('refuses at delivery time a webhook whose address is internal now, without retrying it', async () => {
    // As if the name had resolved to a public address when it was registered (or the row predates the guard).
    const [endpoint] = await web.db.sql<{ id: string }[]>`
      insert into webhook_endpoints (tenant_id, url, events, secret)
      values (${tenantA}, 'http://169.254.169.254/latest/meta-data/', ${['build.succeeded']}, 'whsec_test')
      returning id`;
    const published = await call(keyA, 'POST', `/sites/${siteId}/publish`, {});
    expect(published.status).toBe(202);
    await call(keyA, 'GET', `/builds/${published.json.buildId}/logs?follow=true`);
    const [delivery] = await waitFor('the refused delivery', async () => {
      const answer = await call(keyA, 'GET', `/webhooks/${endpoint.id}/deliveries`);
      return answer.json.data.some((d: { status: string }) => d.status === 'failed') ? answer.json.data : null;
    });
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
    expect(delivery.lastError).toMatch(/보내지 않았습니다: .*169\.254\.169\.254.*링크 로컬/);
    await web.db.sql`update webhook_endpoints set disabled_at = now() where id = ${endpoint.id}`;
  }, 60_000);

  it('signs webhook deliveries (HMAC over timestamp.body) and retries a failing receiver until it answers', async () => {
    const deliveries = await waitFor('a delivered webhook after two failures', async () => {
      const answer = await call(keyA, 'GET', `/webhooks/${webhookId}/deliveries`);
      const delivered = answer.json.data.filter((d: { status: string; attempts: number }) => d.status === 'delivered' && d.attempts >= 2);
      return delivered.length > 0 ? answer.json.data : null;
    }, 40_000);
    expect(deliveries.some((d: { event: string }) => d.event === 'build.succeeded')).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(3);
    for (const r of received) expect(verifyWebhookSignature(webhookSecret, r.signature, r.body)).toBe(true);
    expect(verifyWebhookSignature(webhookSecret, received[0].signature, received[0].body + ' ')).toBe(false);
    const event = JSON.parse(received[received.length - 1].body);
    expect(event).toMatchObject({ type: expect.stringMatching(/^(build\.succeeded|build\.failed|deployment\.live)$/), data: expect.any(Object) });
  }, 60_000);
});

describe('tenant isolation', () => {
  it('answers 404 to another workspace’s key for every id', async () => {
    const build = (await call(keyA, 'GET', `/sites/${siteId}/builds`)).json.data[0];
    const version = (await call(keyA, 'GET', `/sites/${siteId}/versions`)).json.data[0];
    const deployment = (await call(keyA, 'GET', `/sites/${siteId}/deployments`)).json.data[0];
    const webhook = (await call(keyA, 'GET', '/webhooks')).json.data[0];
    const section = (await call(keyA, 'GET', `/sites/${siteId}`)).json.document.pages[0].sections[0];
    const attempts: [string, string, unknown?][] = [
      ['GET', `/sites/${siteId}`],
      ['PUT', `/sites/${siteId}/document`, { document: {}, baseRevision: 1 }],
      ['PUT', `/sites/${siteId}/sections/${section.id}`, { section }],
      ['DELETE', `/sites/${siteId}`],
      ['GET', `/sites/${siteId}/versions`],
      ['POST', `/sites/${siteId}/versions/${version.id}/restore`, {}],
      ['POST', `/sites/${siteId}/publish`, {}],
      ['GET', `/sites/${siteId}/builds`],
      ['GET', `/builds/${build.id}`],
      ['POST', `/builds/${build.id}/cancel`, {}],
      ['GET', `/builds/${build.id}/logs?follow=false`],
      ['GET', `/sites/${siteId}/deployments`],
      ['POST', `/sites/${siteId}/deployments/${deployment.id}/activate`, {}],
      ['POST', `/sites/${siteId}/domains`, { domain: 'www.momo-cafe.kr' }],
      ['GET', `/sites/${siteId}/domains/www.momo-cafe.kr`],
      ['DELETE', `/webhooks/${webhook.id}`],
      ['GET', `/webhooks/${webhook.id}/deliveries`],
    ];
    for (const [method, route, body] of attempts) {
      const answer = await call(keyB, method, route, body);
      expect({ method, route, status: answer.status }).toEqual({ method, route, status: 404 });
    }
    expect((await call(keyA, 'GET', `/sites/${siteId}`)).status).toBe(200);
    expect((await call(keyA, 'GET', `/webhooks/${webhook.id}/deliveries`)).status).toBe(200);

    // Every operation that takes an id is tried above (a new one must be added there). The custom
    // domain operations beyond adding and reading one are tried in web/api-domains.test.ts.
    const { operations } = await import('./app/api/routes.server.ts');
    const tried = new Set(attempts.map(([method, route]) => `${method} ${route.split('?')[0]}`));
    for (const op of operations.filter((o) => o.params && (o.tag !== 'Domains' || ['addDomain', 'getDomain'].includes(o.operationId)))) {
      const pattern = new RegExp(`^${op.method.toUpperCase()} ${op.path.replace(/\{\w+\}/g, '[^/]+')}$`);
      expect({ op: op.operationId, tried: [...tried].some((t) => pattern.test(t)) }).toEqual({ op: op.operationId, tried: true });
    }

    // The other workspace's own site with this workspace's version / deployment ids: still 404.
    const own = await call(keyB, 'POST', '/sites', { name: '다른 가게 사이트', slug: 'other-tenant-site', template: 'cafe' });
    expect(own.status).toBe(201);
    expect((await call(keyB, 'POST', `/sites/${own.json.id}/versions/${version.id}/restore`, {})).status).toBe(404);
    expect((await call(keyB, 'POST', `/sites/${own.json.id}/deployments/${deployment.id}/activate`, {})).status).toBe(404);

    // Lists show only the caller's workspace.
    const theirSites = (await call(keyB, 'GET', '/sites?limit=100')).json.data.map((s: { id: string }) => s.id);
    expect(theirSites).toContain(own.json.id);
    expect(theirSites).not.toContain(siteId);
    expect((await call(keyB, 'GET', '/webhooks')).json.data.map((w: { id: string }) => w.id)).not.toContain(webhook.id);
  });
});

describe('domains, usage and metering', () => {
  it('adds a custom domain: 201 with the DNS records to create (the rest of adding: web/api-domains.test.ts)', async () => {
    const answer = await call(keyA, 'POST', `/sites/${siteId}/domains`, { domain: 'www.momo-cafe.kr' });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ hostname: 'www.momo-cafe.kr', status: 'pending', isPrimary: false });
    expect(answer.json.dnsRecords.map((r: { type: string }) => r.type)).toEqual(['CNAME', 'TXT']);
  });

  it('reads a connected domain’s status and DNS instructions through cdn/, 404 for an unknown one', async () => {
    expect((await call(keyA, 'GET', `/sites/${siteId}/domains/shop.momo-cafe.kr`)).status).toBe(404);
    await web.db.sql`
      insert into cdn_domains (tenant_id, site_id, hostname, provider, dns_records)
      values (${tenantA}, ${siteId}, 'shop.momo-cafe.kr', 'local',
              ${web.db.sql.json([{ type: 'CNAME', name: 'shop.momo-cafe.kr', value: 'edge.windwalker.test', purpose: '사이트 연결' }])})`;
    const answer = await call(keyA, 'GET', `/sites/${siteId}/domains/shop.momo-cafe.kr`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ hostname: 'shop.momo-cafe.kr', status: 'pending', dnsRecords: [{ type: 'CNAME' }] });
    expect(answer.json.instructions[0]).toMatch(/CNAME 레코드/);
    expect((await call(keyB, 'GET', `/sites/${siteId}/domains/shop.momo-cafe.kr`)).status).toBe(404);
  });

  it('hands billing the month’s API calls through its usage source (api_usage_daily)', async () => {
    const period = periodOfDate(new Date());
    await flushApiMeters(); // calls admitted from memory reach the database within ~100 ms
    const usage = await meteredUsageFromDatabase(web.db.sql, () => {})(tenantA, period);
    expect(usage.apiCalls).toBe(await countApiCalls(web.db.sql, tenantA, period));
    expect(usage.apiCalls).toBeGreaterThan(10);
  });

  it('counts every authenticated call once per workspace and key, and reports usage', async () => {
    const period = periodOfDate(new Date());
    const before = await countApiCalls(web.db.sql, tenantB, period);
    await call(keyB, 'GET', '/sites');
    await call(keyB, 'GET', '/sites');
    const usage = await call(keyB, 'GET', `/usage?period=${period}`);
    expect(usage.status).toBe(200);
    expect(usage.json.apiCalls).toBe(before + 3);
    expect(await countApiCalls(web.db.sql, tenantB, period)).toBe(before + 3);
    const [daily] = await web.db.sql<{ calls: string }[]>`
      select sum(calls) as calls from api_usage_daily where tenant_id = ${tenantB}`;
    expect(Number(daily.calls)).toBe(before + 3);
  });
});

describe('rate limits', () => {
  it('holds the per-key limit under a burst with RateLimit headers and 429 + Retry-After', async () => {
    const key = await createApiKey(web.db.sql, { tenantId: tenantB, userId: null, name: 'burst', scopes: ['read'] });
    if (!key.ok) throw new Error('no key');
    await web.db.sql`update api_keys set rate_limit_per_minute = 5 where id = ${key.key.id}`;
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(key.secret, 'GET', '/usage')));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    // A burst may straddle a minute boundary, which opens a fresh window.
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(ok.length).toBeLessThanOrEqual(10);
    expect(limited.length).toBe(12 - ok.length);
    expect(ok[0].headers.get('ratelimit-limit')).toBe('5');
    expect(limited[0].headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited[0].json.error.code).toBe('rate_limited');
    await flushApiMeters();
    const [metered] = await web.db.sql<{ n: string }[]>`select count(*) as n from api_calls where key_id = ${key.key.id}`;
    expect(Number(metered.n)).toBe(ok.length);
  });
});

describe('rate limits from memory', () => {
  it('holds the limit for a key this process already confirmed (admitted from memory), metering only the calls let through', async () => {
    const key = await createApiKey(web.db.sql, { tenantId: tenantB, userId: null, name: 'warm burst', scopes: ['read'] });
    if (!key.ok) throw new Error('no key');
    await web.db.sql`update api_keys set rate_limit_per_minute = 6 where id = ${key.key.id}`;
    expect((await call(key.secret, 'GET', '/webhooks')).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 15 }, () => call(key.secret, 'GET', '/webhooks')));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    // A burst straddling a minute boundary opens a fresh window.
    expect(ok.length === 5 || (ok.length > 5 && ok.length <= 11)).toBe(true);
    expect(limited.length).toBe(15 - ok.length);
    expect(limited[0].headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await flushApiMeters();
    const [metered] = await web.db.sql<{ n: string }[]>`select count(*) as n from api_calls where key_id = ${key.key.id}`;
    expect(Number(metered.n)).toBe(1 + ok.length);
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document', async () => {
    const doc = await call(null, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc.json);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('answers every documented operation, sent with its documented example, with its documented status', async () => {
    const doc = (await call(null, 'GET', '/openapi.json')).json;
    // Real ids for the path parameters, chosen per operation so each example can succeed.
    const fresh = async (slug: string) => {
      const created = await call(keyA, 'POST', '/sites', { name: slug, slug, template: 'cafe' });
      expect(created.status).toBe(201);
      return created.json as { id: string; revision: number };
    };
    const forDocument = await fresh('example-document');
    const forSection = await fresh('example-section');
    const forDelete = await fresh('example-delete');
    const forPublish = await fresh('example-publish');
    const version = (await call(keyA, 'GET', `/sites/${siteId}/versions`)).json.data[0];
    const build = (await call(keyA, 'GET', `/sites/${siteId}/builds`)).json.data.find((b: { status: string }) => b.status === 'succeeded');
    const deployment = (await call(keyA, 'GET', `/sites/${siteId}/deployments`)).json.data.find((d: { live: boolean; status: string }) => !d.live && d.status === 'ready');
    const webhook = (await call(keyA, 'POST', '/webhooks', { url: 'https://hooks.momo-cafe.example/windwalker', events: ['build.failed'] })).json;
    const spare = (await call(keyA, 'POST', '/webhooks', { url: 'https://hooks.momo-cafe.example/windwalker', events: ['build.failed'] })).json;
    expect([version, build, deployment, webhook.id, spare.id].every(Boolean)).toBe(true);
    const fixtures: Record<string, Record<string, string>> = {
      getSite: { siteId }, listVersions: { siteId }, listBuilds: { siteId }, listDeployments: { siteId },
      saveSiteDocument: { siteId: forDocument.id },
      saveSiteSection: { siteId: forSection.id, sectionId: 'hero' },
      deleteSite: { siteId: forDelete.id },
      restoreVersion: { siteId, versionId: version.id },
      publishSite: { siteId: forPublish.id },
      getBuild: { buildId: build.id }, streamBuildLogs: { buildId: build.id }, cancelBuild: { buildId: build.id },
      activateDeployment: { siteId, deploymentId: deployment.id },
      addDomain: { siteId }, getDomain: { siteId, domain: 'shop.momo-cafe.kr' },
      deleteWebhook: { webhookId: spare.id }, listWebhookDeliveries: { webhookId: webhook.id },
    };
    // The domains test above connected the example's domain; free it so the example can connect it again.
    await web.db.sql`delete from cdn_domains where hostname = 'www.momo-cafe.kr'`;
    // The one answer that depends on timing: a finished build is no longer cancellable (409, documented).
    const alsoDocumented: Record<string, number> = { cancelBuild: 409 };
    const schemaOf = (ref: any) => (ref?.$ref ? doc.components.schemas[ref.$ref.split('/').pop()] : ref);

    // The custom domain operations beyond adding and reading one are exercised in web/api-domains.test.ts.
    const elsewhere = (op: { tag?: string; tags?: string[]; operationId: string }) =>
      (op.tag === 'Domains' || op.tags?.includes('Domains')) && !['addDomain', 'getDomain'].includes(op.operationId);
    const sent: string[] = [];
    for (const [route, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (elsewhere(op)) continue;
        const params = (op.parameters ?? []) as any[];
        let path = route;
        for (const p of params.filter((x) => x.in === 'path')) {
          const value = fixtures[op.operationId]?.[p.name];
          expect({ op: op.operationId, param: p.name, fixture: value !== undefined }).toEqual({ op: op.operationId, param: p.name, fixture: true });
          path = path.replace(`{${p.name}}`, encodeURIComponent(value));
        }
        const query = params.filter((x) => x.in === 'query' && x.example !== undefined).map((x) => `${x.name}=${encodeURIComponent(x.example)}`).join('&');
        const content = op.requestBody?.content?.['application/json'];
        // The operation's example, or one made of its schema's documented property examples.
        let body = content?.example;
        if (content && body === undefined) {
          const properties = schemaOf(content.schema)?.properties ?? {};
          body = Object.fromEntries(Object.entries<any>(properties).filter(([, v]) => v.example !== undefined).map(([k, v]) => [k, v.example]));
        }
        if (op.operationId === 'saveSiteDocument') {
          expect(body.baseRevision).toBe(forDocument.revision); // the example is written against a new site
        }
        const documented = Number(Object.keys(op.responses).find((code) => code.startsWith('2')));
        const answer = await call(keyA, method.toUpperCase(), `${path}${query ? `?${query}` : ''}`, body);
        const accepted = [documented, alsoDocumented[op.operationId]].filter(Boolean);
        expect({ op: op.operationId, ok: accepted.includes(answer.status), documented: String(answer.status) in op.responses, answer: accepted.includes(answer.status) ? null : answer.text })
          .toEqual({ op: op.operationId, ok: true, documented: true, answer: null });
        sent.push(op.operationId);
      }
    }
    const { operations } = await import('./app/api/routes.server.ts');
    expect(sent.sort()).toEqual(operations.filter((o) => !elsewhere(o)).map((o) => o.operationId).sort());
  }, 60_000);
});

describe('owner pages', () => {
  it('lets an owner create a key on the API keys page (shown once) that then works, with the month’s calls shown', async () => {
    const owner = await web.signUp({ email: 'pages@momo.kr', workspaceName: '페이지 가게' });
    const page = await owner.get('/settings/api-keys');
    expect(page.status).toBe(200);
    expect(page.body).toContain('새 키 만들기');
    const created = await owner.request('/settings/api-keys', { method: 'POST', form: { intent: 'create', name: '주문 연동', scopes: 'read' } });
    expect(created.status).toBe(200);
    const secret = /ww_live_[A-Za-z0-9_-]{43}/.exec(created.body)?.[0];
    expect(secret).toBeDefined();
    expect((await call(secret!, 'GET', '/sites')).status).toBe(200);
    const again = await owner.get('/settings/api-keys');
    expect(again.body).not.toContain(secret!);
    expect(again.body).toContain(secret!.slice(0, 16));
    expect(again.body).toMatch(/이번 달\(\d{4}-\d{2}\) API 호출\s*<strong>1회<\/strong>/);
  });

  it('lets only owners manage keys and webhooks; another workspace’s key id is not found', async () => {
    const editor = await web.signUp({ email: 'editor-only@momo.kr', workspaceName: '편집자 가게' });
    await web.db.sql`update memberships set role = 'editor' where user_id = (select id from users where email = 'editor-only@momo.kr')`;
    const page = await editor.get('/settings/api-keys');
    expect(page.status).toBe(403);
    expect(page.body).toContain('워크스페이스 소유자만 관리할 수 있습니다');
    const tenant = await tenantOf('editor-only@momo.kr');
    const before = await web.db.sql`select 1 from api_keys where tenant_id = ${tenant}`;
    expect((await editor.request('/settings/api-keys', { method: 'POST', form: { intent: 'create', name: '몰래 만든 키', scopes: 'read' } })).status).toBe(403);
    expect(await web.db.sql`select 1 from api_keys where tenant_id = ${tenant}`).toHaveLength(before.length);

    const owner = await web.signUp({ email: 'owner-pages@momo.kr', workspaceName: '주인 가게' });
    const [aKey] = await web.db.sql<{ id: string }[]>`select id from api_keys where tenant_id = ${tenantA} and revoked_at is null limit 1`;
    const revoke = await owner.request('/settings/api-keys', { method: 'POST', form: { intent: 'revoke', keyId: aKey.id } });
    expect(revoke.status).toBe(404);
    const [still] = await web.db.sql<{ revoked_at: Date | null }[]>`select revoked_at from api_keys where id = ${aKey.id}`;
    expect(still.revoked_at).toBeNull();
  });

  it('refuses an internal webhook URL on the owner page with the reason, keeping what was typed', async () => {
    const owner = await web.signUp({ email: 'hooks-page@momo.kr', workspaceName: '웹훅 가게' });
    const refused = await owner.request('/settings/api-keys', { method: 'POST', form: { intent: 'webhook', url: 'http://169.254.169.254/latest/meta-data/', events: 'build.failed' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('공개되지 않은 내부 주소');
    expect(refused.body).toContain('value="http://169.254.169.254/latest/meta-data/"');
    expect(await web.db.sql`select 1 from webhook_endpoints where tenant_id = ${await tenantOf('hooks-page@momo.kr')}`).toHaveLength(0);
  });

  it('renders the API reference from the OpenAPI document', async () => {
    const page = await web.tab().get('/developers/api');
    expect(page.status).toBe(200);
    expect(page.body).toContain('POST /sites/{siteId}/publish');
    expect(page.body).toContain('openapi.json');
  });
});
