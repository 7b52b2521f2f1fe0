// Developer mode across hosts, against the real Docker engine and the code-server image: two host
// agents on 127.0.0.1 (their own ports and data folders, one Docker engine) stand for two worker
// hosts. "코드 편집기 열기" places the session on the agent with more free memory; the web's proxy
// reaches it through that agent, pages and WebSockets; another workspace's member gets 404; the
// agent refuses what the web did not sign, and a signed request taken a second time (a replay);
// the editor's files come back to the web's copy of the workspace; and when the agent dies its
// session is closed with the workspace saved, and the agent removes the container when it comes
// back.
//
// Needs the image (devmode/install-code-server.sh + devmode/build-image.sh); skipped otherwise.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngineAnswers, startQueue } from '../buildfarm/index.ts';
import { env } from '../config/env.ts';
import { connect, type Sql } from '../db/index.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from '../web/server/testing.ts';
import {
  agentProxyPrefix,
  agentSecret,
  devmodeImageExists,
  devmodeImageTag,
  devmodeRuntimeFromEnv,
  getWorkspace,
  listSaves,
  signAgentRequest,
  startDevmodeAgent,
  startDevmodeSupervisor,
  type DevmodeAgent,
} from './index.ts';
import { workspaceDir } from './workspace.ts';

const GiB = 2 ** 30;
const docker = new Docker();
const installDir = env().devmodeInstallDir;

async function imageReady(): Promise<string | null> {
  if (!(await dockerEngineAnswers(docker))) return 'no Docker engine answers on this host';
  try {
    const tag = await devmodeImageTag(installDir);
    return (await devmodeImageExists(docker, tag)) ? null : `the image ${tag} is not built on this host (run devmode/build-image.sh)`;
  } catch (error) {
    return (error as Error).message;
  }
}
const notReady = await imageReady();
if (notReady) console.warn(`\n[devmode] !!! Host-agent container tests SKIPPED: ${notReady}.\n`);

function cookieOf(tab: BrowserTab): string {
  return [...tab.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A raw WebSocket upgrade: the status it answers with (101 when the editor took it). */
function upgradeStatus(port: number, urlPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: urlPath,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Host: `127.0.0.1:${port}`, ...headers },
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

describe.skipIf(notReady !== null)('developer mode across host agents', () => {
  let web: TestWeb;
  let sql: Sql;
  let boss: PgBoss;
  let owner: BrowserTab;
  let stranger: BrowserTab;
  let siteId: string;
  let tenantId: string;
  const agents: DevmodeAgent[] = [];
  const folders: string[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  const names = { small: `devhost-small-${suffix}`, large: `devhost-large-${suffix}` };
  const dataDirs: Record<string, string> = {};
  const logged: string[] = [];

  const startAgent = async (name: string, freeGiB: number) => {
    const agent = await startDevmodeAgent({
      sql, name, dataDir: dataDirs[name], installDir, docker, secret: agentSecret(env()),
      memory: async () => ({ totalBytes: 16 * GiB, availableBytes: freeGiB * GiB }), heartbeatMs: 1000,
      log: (line) => logged.push(`${name}: ${line}`),
    });
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    web = await startTestWeb();
    sql = connect(web.db.url, { max: 6 });
    boss = await startQueue(web.db.url);
    for (const name of Object.values(names)) {
      dataDirs[name] = await mkdtemp(path.join(os.tmpdir(), `ww-${name.slice(0, 13)}-`));
      folders.push(dataDirs[name]);
    }
    // The same machine, two hosts: one with 6 GiB free, one with 10.
    await startAgent(names.small, 6);
    await startAgent(names.large, 10);
    owner = await web.signUp({ email: 'agent-owner@momo.kr', workspaceName: '호스트 카페' });
    stranger = await web.signUp({ email: 'agent-other@example.com', workspaceName: '남의 가게' });
    await sql`update tenants set plan_code = 'premium'`;
    const created = await owner.post('/sites/new', { name: '호스트 카페', slug: 'devhost-cafe', template: 'cafe' });
    siteId = /^\/sites\/([0-9a-f-]{36})$/.exec(created.location ?? '')![1];
    [{ tenant_id: tenantId }] = await sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
    expect((await owner.post(`/sites/${siteId}/code`, { intent: 'enable' })).body).toContain('개발자 모드를 켰습니다');
  }, 120_000);

  afterAll(async () => {
    const open = sql ? await sql<{ container_id: string | null }[]>`select container_id from devmode_sessions` : [];
    for (const row of open) if (row.container_id) await docker.getContainer(row.container_id).remove({ force: true }).catch(() => {});
    for (const agent of agents) await agent.stop().catch(() => {});
    await boss?.stop({ graceful: false, wait: true });
    await sql?.end({ timeout: 5 });
    await web?.stop();
    if (siteId) {
      const dataDir = env().dataDir;
      for (const dir of [path.join(dataDir, 'devmode', 'workspaces', siteId), path.join(dataDir, 'devmode', 'repos', `${siteId}.git`)]) {
        await rm(dir, { recursive: true, force: true });
      }
    }
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  let sessionId: string;
  let containerId: string;

  it('places the session on the agent with more free memory, over that host’s own clone of the workspace', async () => {
    const opened = await owner.post(`/sites/${siteId}/code`, { intent: 'open' });
    expect(opened.status, opened.body.slice(0, 500)).toBe(302);
    const [session] = await sql<{ id: string; host: string; status: string; container_id: string; synced_tree: string | null }[]>`
      select id, host, status, container_id, synced_tree from devmode_sessions where site_id = ${siteId}`;
    expect(session).toMatchObject({ host: names.large, status: 'running' });
    expect(session.synced_tree).toMatch(/^[0-9a-f]{40}$/);
    ({ id: sessionId, container_id: containerId } = session);
    const inspected = await docker.getContainer(containerId).inspect();
    expect(inspected.HostConfig.NetworkMode).toBe('none');
    expect(inspected.HostConfig.Memory).toBe(1024 * 2 ** 20);
    expect(inspected.HostConfig.Binds).toContain(`${workspaceDir(dataDirs[names.large], siteId)}:/workspace:rw`);
    expect(existsSync(path.join(workspaceDir(dataDirs[names.large], siteId), 'index.html'))).toBe(true);
    expect(existsSync(workspaceDir(dataDirs[names.small], siteId))).toBe(false);
    // The room the session takes counts at the next placement: 10 GiB free, 1 GiB of it reserved.
    const [room] = await sql<{ reserved_bytes: number }[]>`select reserved_bytes from devmode_agent_hosts() where name = ${names.large}`;
    expect(Number(room.reserved_bytes)).toBe(GiB);
  }, 90_000);

  it('proxies pages and WebSockets to the session through that agent, and only that agent has it', async () => {
    const workbench = await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(workbench.status).toBe(200);
    expect(workbench.body).toContain('vscode-workbench-web-configuration');
    const origin = web.baseUrl.replace('localhost', '127.0.0.1');
    const ws = await upgradeStatus(web.server.port, `/sites/${siteId}/code/editor/?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`, { Cookie: cookieOf(owner), Origin: origin });
    expect(ws).toBe(101);
    // Signed requests straight to the agents: the larger host has the session, the other does not.
    const at = `${agentProxyPrefix(sessionId)}/healthz`;
    const secret = agentSecret(env());
    const [small, large] = agents;
    const viaLarge = await fetch(`${large.address}${at}`, { headers: { 'x-windwalker-agent-auth': signAgentRequest(secret, large.address, 'GET', at) } });
    expect(viaLarge.status).toBe(200);
    const viaSmall = await fetch(`${small.address}${at}`, { headers: { 'x-windwalker-agent-auth': signAgentRequest(secret, small.address, 'GET', at) } });
    expect(viaSmall.status).toBe(404);
  }, 60_000);

  it('answers another workspace’s member with 404, pages and WebSockets', async () => {
    const page = await stranger.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(page.status).toBe(404);
    expect(page.body).not.toContain('workbench');
    const origin = web.baseUrl.replace('localhost', '127.0.0.1');
    const ws = await upgradeStatus(web.server.port, `/sites/${siteId}/code/editor/?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`, { Cookie: cookieOf(stranger), Origin: origin });
    expect(ws).toBe(404);
  });

  it('the agent refuses requests the web did not sign, pages and WebSockets, even for the live session', async () => {
    const large = agents[1];
    const at = `${agentProxyPrefix(sessionId)}/?folder=/workspace`;
    const unsigned = await fetch(`${large.address}${at}`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).not.toContain('workbench');
    const forged = await fetch(`${large.address}${at}`, { headers: { 'x-windwalker-agent-auth': signAgentRequest('not-the-shared-secret-not-the-shared', large.address, 'GET', at) } });
    expect(forged.status).toBe(401);
    const ws = await upgradeStatus(large.port, `${agentProxyPrefix(sessionId)}/?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`, {});
    expect(ws).toBe(401);
    const stop = await fetch(`${large.address}/v1/sessions/${sessionId}/stop`, { method: 'POST' });
    expect(stop.status).toBe(401);
    expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);
  });

  it('takes a signed page or WebSocket upgrade once: a captured one replayed is refused (401, logged), a fresh one passes', async () => {
    const large = agents[1];
    const secret = agentSecret(env());
    const page = `${agentProxyPrefix(sessionId)}/?folder=/workspace`;
    const captured = signAgentRequest(secret, large.address, 'GET', page);
    const first = await fetch(`${large.address}${page}`, { headers: { 'x-windwalker-agent-auth': captured } });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('vscode-workbench-web-configuration');
    const replayed = await fetch(`${large.address}${page}`, { headers: { 'x-windwalker-agent-auth': captured } });
    expect(replayed.status).toBe(401);
    const refusal = await replayed.text();
    expect(refusal).not.toContain('workbench');
    expect(JSON.parse(refusal)).toEqual({ code: 'REPLAYED', message: 'refused: replayed signature' });
    expect(logged).toContain(`${names.large}: refused GET ${page} from 127.0.0.1: its signature was already used once (a replayed request?)`);
    expect((await fetch(`${large.address}${page}`, { headers: { 'x-windwalker-agent-auth': signAgentRequest(secret, large.address, 'GET', page) } })).status).toBe(200);
    // Nor is a signature for one agent taken by another (each remembers only its own nonces).
    const forLarge = signAgentRequest(secret, large.address, 'GET', page);
    expect((await fetch(`${agents[0].address}${page}`, { headers: { 'x-windwalker-agent-auth': forLarge } })).status).toBe(401);

    const socketPath = `${agentProxyPrefix(sessionId)}/?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`;
    const upgrade = signAgentRequest(secret, large.address, 'GET', socketPath);
    expect(await upgradeStatus(large.port, socketPath, { 'x-windwalker-agent-auth': upgrade })).toBe(101);
    expect(await upgradeStatus(large.port, socketPath, { 'x-windwalker-agent-auth': upgrade })).toBe(401);
    expect(logged).toContain(`${names.large}: refused GET ${socketPath} from 127.0.0.1: its signature was already used once (a replayed request?)`);
    expect(await upgradeStatus(large.port, socketPath, { 'x-windwalker-agent-auth': signAgentRequest(secret, large.address, 'GET', socketPath) })).toBe(101);

    // Through the web's proxy every request is signed afresh: the workbench loads again and again.
    for (let i = 0; i < 3; i++) expect((await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`)).status).toBe(200);
    const origin = web.baseUrl.replace('localhost', '127.0.0.1');
    for (let i = 0; i < 2; i++) {
      const ws = await upgradeStatus(web.server.port, `/sites/${siteId}/code/editor/?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`, { Cookie: cookieOf(owner), Origin: origin });
      expect(ws).toBe(101);
    }
    // Nothing else was refused as a replay: the web's own calls (start, sync, stop, the proxy) each used a fresh signature.
    expect(logged.filter((line) => line.includes('replayed request'))).toHaveLength(2);
  }, 60_000);

  it('brings the editor’s files back to the web’s copy of the workspace on each pass', async () => {
    await writeFile(path.join(workspaceDir(dataDirs[names.large], siteId), 'from-the-host.txt'), '호스트에서 적은 메모\n');
    const rt = devmodeRuntimeFromEnv(sql, env());
    const supervisor = startDevmodeSupervisor(rt, { boss: async () => boss, intervalMs: 600_000, log: (line) => logged.push(line) });
    try {
      await supervisor.ready;
      await supervisor.tick();
    } finally {
      await supervisor.stop();
    }
    const workspace = (await getWorkspace(sql, rt.dataDir, tenantId, siteId))!;
    expect(await readFile(path.join(workspace.dir, 'from-the-host.txt'), 'utf8')).toBe('호스트에서 적은 메모\n');
    // Copied, not committed: the save history holds saves, not syncs.
    expect((await listSaves(workspace)).map((s) => s.message)).not.toContain('editor sync');
    const [row] = await sql<{ synced_at: Date; memory_used_bytes: number | null }[]>`select synced_at, memory_used_bytes from devmode_sessions where id = ${sessionId}`;
    expect(Date.now() - row.synced_at.getTime()).toBeLessThan(60_000);
    expect(Number(row.memory_used_bytes)).toBeGreaterThan(0);
  }, 60_000);

  it('closes the session of a dead agent with the workspace saved, and the agent removes the container when it comes back', async () => {
    const large = agents[1];
    await writeFile(path.join(workspaceDir(dataDirs[names.large], siteId), 'last-words.txt'), '마지막 동기화 전에 적은 메모\n');
    const rt = devmodeRuntimeFromEnv(sql, env());
    const supervisor = startDevmodeSupervisor(rt, { boss: async () => boss, intervalMs: 600_000, log: (line) => logged.push(line) });
    try {
      await supervisor.ready; // the last sync before the host dies
      await large.stop();
      agents.splice(agents.indexOf(large), 1);
      // Its last beat 40 s ago: past the 30 s after which the web takes a host for dead.
      await sql`update devmode_hosts set heartbeat_at = now() - interval '40 seconds' where name = ${names.large}`;
      await supervisor.tick();
    } finally {
      await supervisor.stop();
    }
    const [row] = await sql<{ status: string; stop_reason: string; error: string }[]>`select status, stop_reason, error from devmode_sessions where id = ${sessionId}`;
    expect(row).toMatchObject({ status: 'stopped', stop_reason: 'host' });
    expect(row.error).toContain(`the devmode agent ${names.large} stopped answering`);
    const workspace = (await getWorkspace(sql, rt.dataDir, tenantId, siteId))!;
    const saves = await listSaves(workspace);
    expect(saves[0].message).toBe('자동 저장: 서버 정리');
    expect(await readFile(path.join(workspace.dir, 'last-words.txt'), 'utf8')).toContain('마지막 동기화 전에');
    expect(await readFile(path.join(workspace.dir, 'from-the-host.txt'), 'utf8')).toContain('호스트에서');
    // The dead host could not stop its container; the agent does when it starts again.
    expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);
    await startAgent(names.large, 10);
    await expect(docker.getContainer(containerId).inspect()).rejects.toThrow();
    expect(logged).toContain(`${names.large}: container ${containerId.slice(0, 12)} of session ${sessionId} has no open session; removing it`);
    // …and what it kept for that session: its record, folders and clone.
    expect(existsSync(path.join(dataDirs[names.large], 'devmode', 'agent-sessions', `${sessionId}.json`))).toBe(false);
    expect(existsSync(workspaceDir(dataDirs[names.large], siteId))).toBe(false);
    // And the editor opens again (on the host with more room) with the saved files.
    const reopened = await owner.post(`/sites/${siteId}/code`, { intent: 'open' });
    expect(reopened.status, reopened.body.slice(0, 500)).toBe(302);
    const [again] = await sql<{ host: string }[]>`select host from devmode_sessions where site_id = ${siteId} and status = 'running'`;
    expect(again.host).toBe(names.large);
    expect(await readFile(path.join(workspaceDir(dataDirs[names.large], siteId), 'last-words.txt'), 'utf8')).toContain('마지막 동기화 전에');
    // Closed and opened again while the proxy still holds its grant for the old session: a
    // request on the old grant is sent back to the same address once, then reaches the new one.
    const editorUrl = `/sites/${siteId}/code/editor/?folder=/workspace`;
    // The proxy's grant from before still names the agent's old address (it restarted on
    // another port): that request is sent back once, and the next one reaches the new session.
    const first = await owner.get(editorUrl);
    if (first.status === 307) expect(first.location).toBe(editorUrl);
    else expect(first.status).toBe(200);
    expect((await owner.get(editorUrl)).status).toBe(200);
    expect((await owner.post(`/sites/${siteId}/code`, { intent: 'stop' })).status).toBe(200);
    expect((await owner.post(`/sites/${siteId}/code`, { intent: 'open' })).status).toBe(302);
    // The workbench's page starts every open and is decided afresh: the new session at once, no 307.
    const page = await owner.get(editorUrl);
    expect(page.status).toBe(200);
    expect(page.body).toContain('vscode-workbench-web-configuration');
    // Any other request on a grant for a session that is gone is sent back once, then reaches the new one.
    expect((await owner.post(`/sites/${siteId}/code`, { intent: 'stop' })).status).toBe(200);
    expect((await owner.post(`/sites/${siteId}/code`, { intent: 'open' })).status).toBe(302);
    const fileUrl = `/sites/${siteId}/code/editor/_static/out/browser/serviceWorker.js`;
    const stale = await owner.get(fileUrl);
    expect(stale.status).toBe(307);
    expect(stale.location).toBe(fileUrl);
    expect((await owner.get(fileUrl)).status).toBe(200);
    const closed = await owner.post(`/sites/${siteId}/code`, { intent: 'stop' });
    expect(closed.status).toBe(200);
    expect(existsSync(workspaceDir(dataDirs[names.large], siteId))).toBe(false);
  }, 120_000);
});
