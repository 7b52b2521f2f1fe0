// Placement over the developer-mode host agents, without Docker: opening the code editor when no
// agent has room is refused plainly, in Korean, with each host's reason, and nothing is started,
// recorded or left waiting; the agents refuse every request the web did not sign, and every signed
// request they have already taken once (a replay). The agents run here with engines that do not
// exist, so a refusal that reached for Docker would fail differently.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithSite } from '../buildfarm/testing.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { SeenNonces, signAgentRequest, verifyAgentRequest } from './agent-auth.ts';
import { startDevmodeAgent, type DevmodeAgent } from './agent.ts';
import { parseEnv } from '../config/index.ts';
import { chooseAgent, createSourceWorkspace, DevmodeError, devmodeRuntimeFromEnv, openSession, type DevmodeRuntime } from './index.ts';

const GiB = 2 ** 30;
const SECRET = 'a-test-secret-of-the-web-and-its-agents-0123456789';
let db: TestDatabase;
let sql: Sql;
let dataDir: string;
let tenantId: string;
let siteId: string;
const agents: DevmodeAgent[] = [];
const logged: string[] = [];
const owner = { id: 'user-devmode-capacity', name: '박개발', email: 'capacity@momo.kr' };

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 4 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-capacity-'));
  const noEngine = new Docker({ socketPath: path.join(dataDir, 'no-docker.sock') });
  const agent = (name: string, memory: { total: number; free: number }, capacityBytes?: number) => startDevmodeAgent({
    sql, name, dataDir: path.join(dataDir, name), installDir: path.join(dataDir, 'no-install'), docker: noEngine, secret: SECRET,
    memory: async () => ({ totalBytes: memory.total, availableBytes: memory.free }), capacityBytes, heartbeatMs: 60_000, sweepMs: 600_000,
    log: (line) => logged.push(`${name}: ${line}`),
  });
  // 0.5 GiB free on one; the other has memory but gives editors 2 GiB, 1.25 of it taken; a third stopped beating.
  agents.push(await agent('devhost-1', { total: 32 * GiB, free: 0.5 * GiB }));
  agents.push(await agent('devhost-2', { total: 32 * GiB, free: 20 * GiB }, 2 * GiB));
  agents.push(await agent('devhost-3', { total: 32 * GiB, free: 20 * GiB }));
  await sql`update devmode_hosts set heartbeat_at = now() - interval '2 minutes' where name = 'devhost-3'`;
  ({ tenantId, siteId } = await createTenantWithSite(sql, { slug: 'full-cafe', siteName: '만석 카페', planCode: 'premium' }));
  await sql`insert into users (id, email, password_hash, display_name) values (${owner.id}, ${owner.email}, 'x', ${owner.name})`;
  await createSourceWorkspace(sql, { dataDir, hostName: 'web-1', tenantId, siteId, user: owner });
  // Another tenant's editor holds 1.25 GiB of devhost-2's 2 GiB.
  const other = await createTenantWithSite(sql, { slug: 'other-cafe', siteName: '옆 카페', planCode: 'premium' });
  await createSourceWorkspace(sql, { dataDir, hostName: 'web-1', tenantId: other.tenantId, siteId: other.siteId, user: owner });
  await sql`insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids)
            values (${other.tenantId}, ${other.siteId}, 'devhost-2', 'running', 1280, 1, 256)`;
});
afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('placing an editor session on a host agent', () => {
  it('picks the live agent with the most room: free memory, less what open sessions reserve of its capacity', () => {
    const row = (name: string, free: number, capacity: number, reserved: number, since = 1, stopped = false) => ({
      name, address: `http://127.0.0.1:${name.length}`, mem_free_bytes: free, capacity_bytes: capacity,
      reserved_bytes: reserved, seconds_since_beat: since, stopped,
    });
    const placed = chooseAgent([
      row('a', 8 * GiB, 16 * GiB, 0), // 8 GiB of room
      row('b', 12 * GiB, 16 * GiB, 6 * GiB), // 10 GiB
      row('c', 30 * GiB, 16 * GiB, 0, 40), // most room, but silent for 40 s
      row('d', 30 * GiB, 30 * GiB, 0, 1, true), // stopped
    ], GiB);
    expect(placed).toMatchObject({ ok: true, agent: { name: 'b' }, roomBytes: 10 * GiB });
  });

  it('refuses in Korean with each host’s reason, and starts, records and queues nothing', async () => {
    const rt: DevmodeRuntime = { sql, dataDir, installDir: path.join(dataDir, 'no-install'), hostName: 'web-1', agentSecret: SECRET, idleSeconds: 1800 };
    const refused = await openSession(rt, { tenantId, siteId, userId: owner.id }).then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(DevmodeError);
    const error = refused as DevmodeError;
    expect(error.code).toBe('NO_CAPACITY');
    expect(error.message).toContain('지금은 코드 편집기(메모리 1024MB)를 열 여유가 있는 서버가 없습니다');
    expect(error.message).toContain('devhost-1: 남은 메모리 0.5 GiB < 필요 1.0 GiB');
    expect(error.message).toContain('devhost-2: 남은 메모리 0.8 GiB < 필요 1.0 GiB');
    expect(error.message).toMatch(/devhost-3: 1\d\d초 동안 응답이 없습니다/);
    expect(error.message).toContain('열린 편집기가 닫히면 다시 시도해 주세요. 대기열에 넣지 않았습니다.');
    // Nothing recorded or waiting (an editor waiting for room would be a 'starting' session).
    expect(await sql`select id from devmode_sessions where site_id = ${siteId}`).toHaveLength(0);
    expect(await sql`select 1 from audit_log where action = 'site.devmode.session.start'`).toHaveLength(0);
  });
});

describe('a web process without the agents’ secret', () => {
  it('starts (production, DEVMODE_AGENT_SECRET unset) and refuses opening the editor saying what is missing', async () => {
    const rt = devmodeRuntimeFromEnv(sql, parseEnv({ NODE_ENV: 'production', DATA_DIR: dataDir }));
    expect(rt.agentSecret).toBe('');
    const refused = await openSession({ ...rt, hostName: 'web-1' }, { tenantId, siteId, userId: owner.id }).then(() => null, (error: unknown) => error);
    expect(refused).toMatchObject({ code: 'NOT_CONFIGURED', message: expect.stringContaining('DEVMODE_AGENT_SECRET') });
    expect(await sql`select id from devmode_sessions where site_id = ${siteId}`).toHaveLength(0);
  });
});

describe('a host agent', () => {
  it('registers its host with its memory and capacity', async () => {
    const rows = await sql<{ name: string; address: string; mem_free_bytes: number; capacity_bytes: number }[]>`
      select name, address, mem_free_bytes, capacity_bytes from devmode_hosts order by name`;
    expect(rows.map((r) => r.name)).toEqual(['devhost-1', 'devhost-2', 'devhost-3']);
    expect(rows[0]).toMatchObject({ address: agents[0].address, mem_free_bytes: 0.5 * GiB, capacity_bytes: 30 * GiB });
    expect(rows[1].capacity_bytes).toBe(2 * GiB);
  });

  it('refuses a request without the web’s signature, with a wrong or expired one, or one moved to another path or agent', async () => {
    const { address } = agents[0];
    const sessionPath = '/v1/sessions/0b7c6a4e-3f4b-4c1e-9f55-0d6c1f1b2a11/proxy/';
    const get = (headers: Record<string, string>, at = sessionPath) => fetch(`${address}${at}`, { headers });
    const unsigned = await get({});
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: 'UNSIGNED', message: 'refused: missing signature' });
    expect((await get({ 'x-windwalker-agent-auth': signAgentRequest('another-secret-another-secret-0000', address, 'GET', sessionPath) })).status).toBe(401);
    expect((await get({ 'x-windwalker-agent-auth': signAgentRequest(SECRET, address, 'GET', sessionPath, '', Date.now() - 120_000) })).status).toBe(401);
    expect((await get({ 'x-windwalker-agent-auth': signAgentRequest(SECRET, address, 'GET', '/v1/health') })).status).toBe(401);
    expect((await get({ 'x-windwalker-agent-auth': signAgentRequest(SECRET, address, 'POST', sessionPath) })).status).toBe(401);
    // Signed for another agent (devhost-2): not good here.
    expect((await get({ 'x-windwalker-agent-auth': signAgentRequest(SECRET, agents[1].address, 'GET', sessionPath) })).status).toBe(401);
    // Signed for this path: past the check (no such session here).
    const signed = await get({ 'x-windwalker-agent-auth': signAgentRequest(SECRET, address, 'GET', sessionPath) });
    expect(signed.status).toBe(404);
    expect(signed.headers.get('x-windwalker-session')).toBe('gone');
    const health = await get({ 'x-windwalker-agent-auth': signAgentRequest(SECRET, address, 'GET', '/v1/health') }, '/v1/health');
    expect(await health.json()).toEqual({ name: 'devhost-1' });
  });

  it('checks a signature’s agent, method, path, expiry, nonce and metadata', () => {
    const now = Date.now();
    const AGENT = 'http://10.0.0.7:7340';
    const header = signAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', 'meta', now);
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', header, 'meta', now)).toEqual({ ok: true });
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', header, 'other meta', now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', header, 'meta', now + 61_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', 'garbage', 'meta', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', undefined, 'meta', now)).toEqual({ ok: false, reason: 'missing' });
    // The nonce is signed too: the header of before this change, or another nonce, does not pass.
    const [expires, nonce, hmac] = header.split('.');
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', `${expires}.${hmac}`, 'meta', now)).toEqual({ ok: false, reason: 'malformed' });
    const otherNonce = `${expires}.${nonce.replace(/^./, nonce[0] === '0' ? '1' : '0')}.${hmac}`;
    expect(verifyAgentRequest(SECRET, AGENT, 'POST', '/v1/sessions/x/start', otherNonce, 'meta', now)).toEqual({ ok: false, reason: 'bad signature' });
    // Another agent's address does not pass; the same address written otherwise does.
    expect(verifyAgentRequest(SECRET, 'http://10.0.0.8:7340', 'POST', '/v1/sessions/x/start', header, 'meta', now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyAgentRequest(SECRET, 'http://10.0.0.7:7340/', 'POST', '/v1/sessions/x/start', header, 'meta', now)).toEqual({ ok: true });
    // Two signatures of the same request in the same millisecond differ.
    expect(signAgentRequest(SECRET, AGENT, 'GET', '/v1/health', '', now)).not.toBe(signAgentRequest(SECRET, AGENT, 'GET', '/v1/health', '', now));
  });

  it('takes a signed request once: the same signature again is refused with 401 and a log line, a fresh one passes', async () => {
    const agent = agents[0];
    const before = agent.rememberedNonces();
    const health = signAgentRequest(SECRET, agent.address, 'GET', '/v1/health');
    const first = await fetch(`${agent.address}/v1/health`, { headers: { 'x-windwalker-agent-auth': health } });
    expect(first.status).toBe(200);
    const replayed = await fetch(`${agent.address}/v1/health`, { headers: { 'x-windwalker-agent-auth': health } });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toEqual({ code: 'REPLAYED', message: 'refused: replayed signature' });
    expect(logged).toContain(`devhost-1: refused GET /v1/health from 127.0.0.1: its signature was already used once (a replayed request?)`);
    const fresh = await fetch(`${agent.address}/v1/health`, { headers: { 'x-windwalker-agent-auth': signAgentRequest(SECRET, agent.address, 'GET', '/v1/health') } });
    expect(fresh.status).toBe(200);

    // A session's control call with its metadata (stop, which answers the tree): once.
    const stopPath = '/v1/sessions/0b7c6a4e-3f4b-4c1e-9f55-0d6c1f1b2a11/stop';
    const meta = Buffer.from(JSON.stringify({ have: null })).toString('base64url');
    const signed = { 'x-windwalker-agent-auth': signAgentRequest(SECRET, agent.address, 'POST', stopPath, meta), 'x-windwalker-agent-meta': meta };
    const stop = await fetch(`${agent.address}${stopPath}`, { method: 'POST', headers: signed });
    expect(stop.status).not.toBe(401);
    await stop.arrayBuffer();
    const stopAgain = await fetch(`${agent.address}${stopPath}`, { method: 'POST', headers: signed });
    expect(stopAgain.status).toBe(401);
    expect((await stopAgain.json()).code).toBe('REPLAYED');

    // Only signatures that check out are remembered: the three taken, not the refusals.
    await fetch(`${agent.address}/v1/health`, { headers: { 'x-windwalker-agent-auth': signAgentRequest('another-secret-another-secret-0000', agent.address, 'GET', '/v1/health') } });
    await fetch(`${agent.address}/v1/health`);
    expect(agent.rememberedNonces()).toBe(before + 3);
  });

  it('refuses after a restart a request signed before it (a restart forgets the nonces it had seen)', async () => {
    const options = {
      sql, name: 'devhost-restarted', dataDir: path.join(dataDir, 'devhost-restarted'), installDir: path.join(dataDir, 'no-install'),
      docker: new Docker({ socketPath: path.join(dataDir, 'no-docker.sock') }), secret: SECRET,
      memory: async () => ({ totalBytes: 32 * GiB, availableBytes: 0 }), heartbeatMs: 60_000, sweepMs: 600_000,
      log: (line: string) => logged.push(`devhost-restarted: ${line}`),
    };
    const before = await startDevmodeAgent(options);
    const { address, port } = before;
    const taken = signAgentRequest(SECRET, address, 'GET', '/v1/health');
    expect((await fetch(`${address}/v1/health`, { headers: { 'x-windwalker-agent-auth': taken } })).status).toBe(200);
    const notYetSent = signAgentRequest(SECRET, address, 'GET', '/v1/health');
    await before.stop();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The same agent again, on the same address: both signatures are within their minute.
    const restarted = await startDevmodeAgent({ ...options, port });
    try {
      expect(restarted.address).toBe(address);
      for (const header of [taken, notYetSent]) {
        const old = await fetch(`${address}/v1/health`, { headers: { 'x-windwalker-agent-auth': header } });
        expect(old.status).toBe(401);
        expect(await old.json()).toEqual({ code: 'REPLAYED', message: 'refused: unverifiable signature' });
      }
      expect(logged).toContain('devhost-restarted: refused GET /v1/health from 127.0.0.1: its signature is older than the nonces this agent remembers (a replayed request?)');
      const fresh = await fetch(`${address}/v1/health`, { headers: { 'x-windwalker-agent-auth': signAgentRequest(SECRET, address, 'GET', '/v1/health') } });
      expect(fresh.status).toBe(200);
    } finally {
      await restarted.stop();
      await sql`delete from devmode_hosts where name = 'devhost-restarted'`;
    }
  });

  it('remembers at most maxNonces: past it, the earliest expiring are dropped and their signatures refused, fresh ones pass', async () => {
    const small = await startDevmodeAgent({
      sql, name: 'devhost-bounded', dataDir: path.join(dataDir, 'devhost-bounded'), installDir: path.join(dataDir, 'no-install'),
      docker: new Docker({ socketPath: path.join(dataDir, 'no-docker.sock') }), secret: SECRET,
      memory: async () => ({ totalBytes: 32 * GiB, availableBytes: 0 }), heartbeatMs: 60_000, sweepMs: 600_000, maxNonces: 2,
      log: (line) => logged.push(`devhost-bounded: ${line}`),
    });
    try {
      const now = Date.now();
      // Three signatures expiring a few seconds apart (a web clock a little ahead is allowed).
      const [a, b, c] = [2_000, 4_000, 6_000].map((ahead) => signAgentRequest(SECRET, small.address, 'GET', '/v1/health', '', now + ahead));
      const get = (header: string) => fetch(`${small.address}/v1/health`, { headers: { 'x-windwalker-agent-auth': header } });
      expect((await get(a)).status).toBe(200);
      expect((await get(b)).status).toBe(200);
      expect((await get(c)).status).toBe(200);
      expect(small.rememberedNonces()).toBe(2);
      // a was dropped to make room for c: its replay is still refused, as unverifiable.
      expect(await (await get(a)).json()).toEqual({ code: 'REPLAYED', message: 'refused: unverifiable signature' });
      expect(await (await get(b)).json()).toEqual({ code: 'REPLAYED', message: 'refused: replayed signature' });
      expect((await get(signAgentRequest(SECRET, small.address, 'GET', '/v1/health', '', now + 8_000))).status).toBe(200);
    } finally {
      await small.stop();
      await sql`delete from devmode_hosts where name = 'devhost-bounded'`;
    }
  });
});

describe('the nonces an agent remembers', () => {
  it('forgets a nonce once its signature has expired, and refuses a repeat until then', () => {
    const t0 = 1_800_000_000_000;
    const seen = new SeenNonces();
    expect(seen.take('a'.repeat(32), t0 + 60_000, t0)).toBe('new');
    expect(seen.take('b'.repeat(32), t0 + 90_500, t0 + 30_500)).toBe('new');
    expect(seen.take('a'.repeat(32), t0 + 60_000, t0 + 59_999)).toBe('replayed');
    expect(seen.size).toBe(2);
    // Past a's expiry (the expiry check refuses it from then on): a is forgotten, b kept.
    seen.forget(t0 + 61_000);
    expect(seen.size).toBe(1);
    expect(seen.take('b'.repeat(32), t0 + 90_500, t0 + 61_000)).toBe('replayed');
    seen.forget(t0 + 91_000);
    expect(seen.size).toBe(0);
  });

  it('holds no more than its bound however many requests come within a minute, and never takes a dropped nonce again', () => {
    const t0 = 1_800_000_000_000;
    const seen = new SeenNonces({ maxEntries: 1_000 });
    const nonce = (i: number) => i.toString(16).padStart(32, '0');
    // 5,000 requests over 50 s, each expiring 60 s after it was signed.
    for (let i = 0; i < 5_000; i++) expect(seen.take(nonce(i), t0 + 60_000 + i * 10, t0 + i * 10)).toBe('new');
    expect(seen.size).toBeLessThanOrEqual(1_000);
    // The earliest were dropped: their repeat is refused all the same.
    expect(seen.take(nonce(0), t0 + 60_000, t0 + 50_000)).toBe('unverifiable');
    expect(seen.take(nonce(4_999), t0 + 60_000 + 49_990, t0 + 50_000)).toBe('replayed');
  });

  it('refuses what expires before notBefore (signed before the agent started)', () => {
    const t0 = 1_800_000_000_000;
    const seen = new SeenNonces({ notBefore: t0 + 60_000 });
    expect(seen.take('c'.repeat(32), t0 + 59_999, t0)).toBe('unverifiable');
    expect(seen.take('c'.repeat(32), t0 + 60_000, t0)).toBe('new');
  });
});
