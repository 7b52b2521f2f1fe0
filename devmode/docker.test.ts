// Developer mode against the real Docker engine and the real code-server image: an owner turns
// developer mode on, opens the editor (a container with no network and a memory limit, started by
// this machine's host agent), the workbench loads in Chromium through the web app's proxy and the
// agent (screenshot kept), a second open joins, another workspace's member gets 404, the
// editor's Publish command puts a file written in the workspace on the live site, and an idle
// session stops with its edits kept. (Placement over several agents: agents.test.ts.)
//
// Needs the image (devmode/install-code-server.sh + devmode/build-image.sh). Without it the
// suite is skipped and says why; with CI=true it builds the image instead, or fails.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngineAnswers, startQueue, startWorker, type BuildWorker } from '../buildfarm/index.ts';
import { fetchFromEdge, waitForBuild } from '../buildfarm/testing.ts';
import { startEdge, type Edge } from '../cdn/index.ts';
import { env } from '../config/env.ts';
import { connect, type Sql } from '../db/index.ts';
import { launchChromium, screenshotPath } from '../e2e/browser.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from '../web/server/testing.ts';
import { randomUUID } from 'node:crypto';
import {
  agentSecret,
  devmodeImageExists,
  devmodeImageTag,
  devmodeRuntimeFromEnv,
  ensureDevmodeImage,
  getWorkspace,
  listSaves,
  SESSION_CONTAINER_LABEL,
  SESSION_SCOPE_LABEL,
  sessionScope,
  startDevmodeAgent,
  startDevmodeSupervisor,
  type DevmodeAgent,
} from './index.ts';
import { workspaceDir } from './workspace.ts';

const run = promisify(execFile);
const docker = new Docker();
const dataDir = env().dataDir;
const installDir = env().devmodeInstallDir;
const inCi = process.env.CI === 'true';

async function imageState(): Promise<{ ready: boolean; reason: string }> {
  if (!(await dockerEngineAnswers(docker))) return { ready: false, reason: 'no Docker engine answers on this host (start dockerd, as .ci/run does)' };
  try {
    const tag = await devmodeImageTag(installDir);
    if (await devmodeImageExists(docker, tag)) return { ready: true, reason: '' };
    return { ready: false, reason: `the image ${tag} is not built on this host (run devmode/build-image.sh)` };
  } catch (error) {
    return { ready: false, reason: (error as Error).message };
  }
}

let state = await imageState();
if (!state.ready && inCi) {
  // CI builds what it lacks; a failure here fails the run instead of skipping it.
  console.warn(`[devmode] CI: ${state.reason} — installing code-server and building the image`);
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  await run('bash', [path.join(root, 'devmode', 'install-code-server.sh')], { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 40 * 60_000 });
  await ensureDevmodeImage(docker, { installDir, log: (line) => console.warn(`[devmode] ${line}`) });
  state = await imageState();
  if (!state.ready) throw new Error(`CI=true but the developer-mode image could not be made: ${state.reason}`);
}
if (!state.ready) {
  console.warn(`\n[devmode] !!! Developer-mode container tests SKIPPED: ${state.reason}.\n[devmode] !!! Run devmode/install-code-server.sh and devmode/build-image.sh to run them.\n`);
}

/** The Korean message a page shows in its alert (what the owner read). */
function alertOf(body: string): string {
  return /class="alert[^"]*"[^>]*>([^<]*)</.exec(body)?.[1] ?? body.slice(0, 300);
}

function cookieOf(tab: BrowserTab): string {
  return [...tab.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A raw WebSocket upgrade through the web server: the status line it answers with. */
function upgradeStatus(port: number, urlPath: string, cookie: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: urlPath,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Cookie: cookie, Origin: origin, Host: `127.0.0.1:${port}` },
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
      // A refusal written straight to the socket ends it after the status line.
      const match = /HTTP\/1\.1 (\d{3})/.exec(String(error.message));
      if (match) resolve(Number(match[1]));
      else reject(error);
    });
    req.end();
  });
}

describe.skipIf(!state.ready)('developer mode in containers', () => {
  let web: TestWeb;
  let sql: Sql;
  let boss: PgBoss;
  let worker: BuildWorker;
  let edge: Edge;
  let cdnDir: string;
  let owner: BrowserTab;
  let stranger: BrowserTab;
  let siteId: string;
  let tenantId: string;
  let agent: DevmodeAgent;
  let agentDir: string;
  const agentLog: string[] = [];

  beforeAll(async () => {
    web = await startTestWeb();
    sql = connect(web.db.url, { max: 6 });
    // This machine's host agent, in its own data folder (as npm start runs it).
    agentDir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-agent-'));
    agent = await startDevmodeAgent({
      sql, name: `ww-test-host-${Math.random().toString(36).slice(2, 8)}`, dataDir: agentDir, installDir, docker, secret: agentSecret(env()),
      log: (line) => agentLog.push(line),
    });
    cdnDir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-cdn-'));
    boss = await startQueue(web.db.url);
    worker = await startWorker({ sql, boss, databaseUrl: web.db.url, dataDir: cdnDir, executor: 'process', concurrency: 1 });
    edge = await startEdge({ sql, dataDir: cdnDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
    owner = await web.signUp({ email: 'dev-owner@momo.kr', workspaceName: '코드 카페' });
    stranger = await web.signUp({ email: 'dev-other@example.com', workspaceName: '남의 가게' });
    await sql`update tenants set plan_code = 'premium'`;
    const created = await owner.post('/sites/new', { name: '코드 카페', slug: 'devmode-cafe', template: 'cafe' });
    expect(created.status).toBe(302);
    siteId = /^\/sites\/([0-9a-f-]{36})$/.exec(created.location ?? '')![1];
    [{ tenant_id: tenantId }] = await sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
  }, 120_000);

  afterAll(async () => {
    const open = sql ? await sql<{ container_id: string | null }[]>`select container_id from devmode_sessions where status <> 'stopped'` : [];
    for (const row of open) if (row.container_id) await docker.getContainer(row.container_id).remove({ force: true }).catch(() => {});
    await agent?.stop();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
    await worker?.stop({ timeoutMs: 10_000 });
    await edge?.close();
    await boss?.stop({ graceful: false, wait: true });
    await sql?.end({ timeout: 5 });
    await web?.stop();
    if (siteId) {
      for (const dir of [path.join(dataDir, 'devmode', 'workspaces', siteId), path.join(dataDir, 'devmode', 'repos', `${siteId}.git`), path.join(dataDir, 'devmode', 'state', siteId)]) {
        await rm(dir, { recursive: true, force: true });
      }
    }
    if (cdnDir) await rm(cdnDir, { recursive: true, force: true });
  }, 60_000);

  it('explains developer mode and what going back loses, and turns it on', async () => {
    const page = await owner.get(`/sites/${siteId}/code`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('개발자 모드를 켜면 바뀌는 것');
    expect(page.body).toContain('빌더로 돌아가면 코드 변경은 버려집니다');
    const enabled = await owner.post(`/sites/${siteId}/code`, { intent: 'enable' });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toContain('개발자 모드를 켰습니다');
    expect(await getWorkspace(sql, dataDir, tenantId, siteId)).not.toBeNull();
  });

  it('starts one container with no network and the plan’s memory limit, and proxies the workbench', async () => {
    const started = Date.now();
    const opened = await owner.post(`/sites/${siteId}/code`, { intent: 'open' });
    expect(opened.status, alertOf(opened.body)).toBe(302);
    // Straight to the workspace folder: no second redirect by code-server.
    expect(opened.location).toBe(`/sites/${siteId}/code/editor/?folder=/workspace`);
    // A whole-document load in the browser: the editor is not a Remix route.
    expect(opened.headers.get('x-remix-reload-document')).toBe('true');
    console.warn(`[devmode] session started in ${Date.now() - started} ms`);
    const sessions = await sql<{ status: string; container_id: string; memory_mb: number }[]>`select status, container_id, memory_mb from devmode_sessions where site_id = ${siteId}`;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'running', memory_mb: 1024 });
    const inspected = await docker.getContainer(sessions[0].container_id).inspect();
    expect(inspected.HostConfig.NetworkMode).toBe('none');
    expect(inspected.HostConfig.Memory).toBe(1024 * 2 ** 20);
    expect(inspected.HostConfig.PidsLimit).toBe(256);
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspected.Config.Cmd).toEqual(expect.arrayContaining(['--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust']));

    const root = await owner.get(`/sites/${siteId}/code/editor/`);
    expect(root.status).toBe(302);
    expect(root.location).toContain('folder=/workspace');
    const workbench = await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(workbench.status).toBe(200);
    expect(workbench.body).toContain('vscode-workbench-web-configuration');
  }, 90_000);

  it('answers another workspace’s member with 404, for pages and WebSockets, and a visitor with the log-in page', async () => {
    const page = await stranger.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(page.status).toBe(404);
    expect(page.body).not.toContain('workbench');
    expect((await stranger.get(`/sites/${siteId}/code`)).status).toBe(404);
    const ws = await upgradeStatus(web.server.port, `/sites/${siteId}/code/editor/stable-x?reconnectionToken=a&reconnection=false&skipWebSocketFrames=false`, cookieOf(stranger), web.baseUrl.replace('localhost', '127.0.0.1'));
    expect(ws).toBe(404);
    const visitor = await web.tab().get(`/sites/${siteId}/code/editor/`);
    expect(visitor.status).toBe(302);
    expect(visitor.location).toContain('/login');
    const foreignOrigin = await upgradeStatus(web.server.port, `/sites/${siteId}/code/editor/x`, cookieOf(owner), 'https://evil.example');
    expect(foreignOrigin).toBe(403);
  });

  it('refuses a viewer of the workspace opening the editor and the proxy, while the editor runs', async () => {
    const viewer = await web.signUp({ email: 'dev-viewer@momo.kr', workspaceName: '보기만 하는 가게' });
    await sql`insert into memberships (tenant_id, user_id, role) select ${tenantId}, id, 'viewer' from users where email = 'dev-viewer@momo.kr'`;
    expect((await viewer.post('/workspace/switch', { tenantId, redirectTo: `/sites/${siteId}/code` })).status).toBe(302);
    const opened = await viewer.post(`/sites/${siteId}/code`, { intent: 'open' });
    expect(opened.status).toBe(403);
    expect(opened.body).toContain('편집자 이상의 권한이 필요합니다');
    const page = await viewer.get(`/sites/${siteId}/code/editor/?folder=/workspace`);
    expect(page.status).toBe(403);
    expect(page.body).not.toContain('workbench');
    const ws = await upgradeStatus(web.server.port, `/sites/${siteId}/code/editor/stable-x?reconnectionToken=a&reconnection=false&skipWebSocketFrames=false`, cookieOf(viewer), web.baseUrl.replace('localhost', '127.0.0.1'));
    expect(ws).toBe(403);
    // The owner's editor is the one session, still running.
    expect(await sql`select status from devmode_sessions where site_id = ${siteId} and status <> 'stopped'`).toEqual([{ status: 'running' }]);
    expect((await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`)).status).toBe(200);
  });

  it('joins the running session on a second open, and two opens at once never run two', async () => {
    const [a, b] = await Promise.all([
      owner.post(`/sites/${siteId}/code`, { intent: 'open' }),
      owner.post(`/sites/${siteId}/code`, { intent: 'open' }),
    ]);
    expect([a.status, b.status], `${alertOf(a.body)} / ${alertOf(b.body)}`).toEqual([302, 302]);
    const open = await sql`select id from devmode_sessions where site_id = ${siteId} and status in ('starting', 'running', 'stopping')`;
    expect(open).toHaveLength(1);
    const containers = await docker.listContainers({ filters: { label: [`windwalker.site=${siteId}`] } });
    expect(containers).toHaveLength(1);
  }, 60_000);

  it('loads the workbench in Chromium through the proxy (screenshot kept)', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 850 }, locale: 'ko-KR' });
      const url = new URL(web.baseUrl);
      await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })));
      const page = await context.newPage();
      const sockets: { url: string; closed: boolean }[] = [];
      page.on('websocket', (ws) => {
        const entry = { url: ws.url(), closed: false };
        sockets.push(entry);
        ws.on('close', () => (entry.closed = true));
      });
      const started = Date.now();
      await page.goto(`${web.baseUrl}/sites/${siteId}/code/editor/`);
      await page.waitForSelector('.monaco-workbench .explorer-folders-view .monaco-list-row', { timeout: 60_000 });
      console.warn(`[devmode] workbench ready in Chromium after ${Date.now() - started} ms`);
      await page.getByText('index.html', { exact: true }).first().waitFor({ timeout: 20_000 });
      await page.getByText('index.html', { exact: true }).first().click();
      await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
      await page.waitForTimeout(1500);
      const shot = screenshotPath('devmode', 'workbench');
      await page.screenshot({ path: shot });
      expect(existsSync(shot)).toBe(true);
      // The workbench's WebSockets (management and extension host) stay open while it sits idle
      // past the proxy's 4 s idle-socket timeout: none closed, none reopened.
      const opened = sockets.length;
      expect(opened).toBeGreaterThanOrEqual(2);
      await page.waitForTimeout(6000);
      expect(sockets.filter((s) => s.closed)).toEqual([]);
      expect(sockets).toHaveLength(opened);
      const [row] = await sql<{ container_id: string }[]>`select container_id from devmode_sessions where site_id = ${siteId} and status = 'running'`;
      const stats = (await docker.getContainer(row.container_id).stats({ stream: false })) as { memory_stats: { usage: number; stats?: { inactive_file?: number } } };
      console.warn(`[devmode] one session with one editor open: ${Math.round((stats.memory_stats.usage - (stats.memory_stats.stats?.inactive_file ?? 0)) / 2 ** 20)} MiB`);
      // Nothing in the workbench reached for the network: the container has none.
      const body = await page.content();
      expect(body).toContain('monaco-workbench');
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('publishes a file written in the workspace from the editor’s Publish command to the live site', async () => {
    const [session] = await sql<{ id: string }[]>`select id from devmode_sessions where site_id = ${siteId} and status = 'running'`;
    // Written where the editor writes: the agent's clone of the workspace, which the container mounts.
    await writeFile(path.join(workspaceDir(agentDir, siteId), 'hello.html'), '<!doctype html><html lang="ko"><title>안녕</title><p id="from-code">코드에서 만든 페이지</p><a href="/">홈</a></html>\n');
    const sessionFolder = path.join(agentDir, 'devmode', 'sessions', session.id);
    await writeFile(path.join(sessionFolder, 'publish-request.json'), JSON.stringify({ requestId: 'test-1' }));
    let status: { state?: string; buildId?: string; message?: string } = {};
    await expect.poll(async () => {
      status = JSON.parse(await readFile(path.join(sessionFolder, 'publish-status.json'), 'utf8').catch(() => '{}'));
      return status.state;
    }, { timeout: 60_000, interval: 250 }).toBe('succeeded');
    expect(status.message).toBe('사이트가 게시되었습니다.');
    await waitForBuild(sql, status.buildId!, ['succeeded']);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'devmode-cafe.localhost', '/hello.html')).body, { timeout: 10_000 }).toContain('코드에서 만든 페이지');
  }, 90_000);

  it('reconciles at once when a web process starts: keeps a running editor, closes an abandoned start with its workspace saved; the agent removes its installation’s containers without a session', async () => {
    const logged: string[] = [];
    const firstPassOf = async (rt: ReturnType<typeof devmodeRuntimeFromEnv>) => {
      // A web process starting, with a 10-minute interval: only its first pass runs here.
      const supervisor = startDevmodeSupervisor(rt, { boss: async () => boss, intervalMs: 600_000, log: (line) => logged.push(line) });
      try {
        await supervisor.ready;
      } finally {
        await supervisor.stop();
      }
    };
    // This host: the owner's editor, whose container outlived nothing, is kept and still answers.
    const here = devmodeRuntimeFromEnv(sql, env());
    await sql`update devmode_sessions set memory_used_bytes = null where site_id = ${siteId} and status = 'running'`;
    await firstPassOf(here);
    const [running] = await sql<{ status: string; memory_used_bytes: string | null }[]>`select status, memory_used_bytes from devmode_sessions where site_id = ${siteId} and status <> 'stopped'`;
    expect(running.status).toBe('running');
    expect(Number(running.memory_used_bytes)).toBeGreaterThan(0); // measured again (this pass or the test web's own)
    expect((await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`)).status).toBe(200);

    // A second web host name over the same data folder stands for a web host whose process ended:
    // only a supervisor of that name looks at its workspaces' sessions (this test web's own
    // supervisor, every 5 s, does not), so what changes below is its first pass's doing.
    const restarted = { ...here, hostName: 'ww-restarted-host' };
    const scope = await sessionScope({ sql, dataDir: agentDir, hostName: agent.name });
    const image = await devmodeImageTag(installDir);
    const created = await stranger.post('/sites/new', { name: '남의 가게', slug: 'devmode-abandoned', template: 'cafe' });
    const otherSite = /^\/sites\/([0-9a-f-]{36})$/.exec(created.location ?? '')![1];
    expect((await stranger.post(`/sites/${otherSite}/code`, { intent: 'enable' })).body).toContain('개발자 모드를 켰습니다');
    const [{ tenant_id: otherTenant }] = await sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${otherSite}`;
    await sql`update devmode_workspaces set host = ${restarted.hostName} where site_id = ${otherSite}`;
    const otherWorkspace = (await getWorkspace(sql, dataDir, otherTenant, otherSite))!;
    await writeFile(path.join(otherWorkspace.dir, 'before-crash.txt'), '시작이 멈추기 전에 적은 메모\n');
    // Its web process placed a session on this agent 5 minutes ago, the container was created, then the web process ended.
    const [abandoned] = await sql<{ id: string }[]>`
      insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, started_at)
      values (${otherTenant}, ${otherSite}, ${agent.name}, 'starting', 1024, 1, 256, now() - interval '5 minutes') returning id`;
    const make = (sessionId: string, label: string) => docker.createContainer({
      Image: image, name: `ww-devmode-test-${sessionId}`, Cmd: ['--version'], NetworkDisabled: true,
      Labels: { [SESSION_CONTAINER_LABEL]: sessionId, [SESSION_SCOPE_LABEL]: label },
    });
    const abandonedContainer = await make(abandoned.id, scope);
    await sql`update devmode_sessions set container_id = ${abandonedContainer.id} where id = ${abandoned.id}`;
    const orphanId = randomUUID();
    const orphan = await make(orphanId, scope); // created, then its web process ended before recording it
    const foreign = await make(randomUUID(), `another_database@${agent.name}:${path.join(os.tmpdir(), 'elsewhere')}`);
    try {
      await firstPassOf(restarted);
      const [row] = await sql<{ status: string; stop_reason: string }[]>`select status, stop_reason from devmode_sessions where id = ${abandoned.id}`;
      expect(row).toEqual({ status: 'stopped', stop_reason: 'host' });
      expect(logged).toContain(`session ${abandoned.id}: left 'starting' by a web process that ended; closing it with the workspace saved`);
      const saves = await listSaves(otherWorkspace);
      expect(saves[0].message).toBe('자동 저장: 서버 정리');
      expect(await readFile(path.join(otherWorkspace.dir, 'before-crash.txt'), 'utf8')).toContain('시작이 멈추기 전에');
      // The host's agent removes the containers of its installation whose session is not open.
      await agent.sweep();
      await expect(abandonedContainer.inspect()).rejects.toThrow();
      await expect(orphan.inspect()).rejects.toThrow();
      expect((await foreign.inspect()).Id).toBe(foreign.id);
      expect(agentLog).toContain(`container ${orphan.id.slice(0, 12)} of session ${orphanId} has no open session; removing it`);
      // The owner's editor was not touched.
      expect((await owner.get(`/sites/${siteId}/code/editor/?folder=/workspace`)).status).toBe(200);
    } finally {
      await foreign.remove({ force: true }).catch(() => {});
      await orphan.remove({ force: true }).catch(() => {});
      await abandonedContainer.remove({ force: true }).catch(() => {});
      for (const dir of [path.join(dataDir, 'devmode', 'workspaces', otherSite), path.join(dataDir, 'devmode', 'repos', `${otherSite}.git`), path.join(dataDir, 'devmode', 'state', otherSite)]) {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }, 60_000);

  it('stops an idle session with its edits saved, and they are still there afterwards', async () => {
    const [session] = await sql<{ id: string; container_id: string }[]>`select id, container_id from devmode_sessions where site_id = ${siteId} and status = 'running'`;
    const workspace = (await getWorkspace(sql, dataDir, tenantId, siteId))!;
    await writeFile(path.join(workspaceDir(agentDir, siteId), 'notes.txt'), '유휴 종료 전에 적은 메모\n');
    // A supervisor with a 2-second idle limit; the proxy's last activity flush is 10 s at most.
    const rt = { ...devmodeRuntimeFromEnv(sql, env()), idleSeconds: 2 };
    const supervisor = startDevmodeSupervisor(rt, { boss: async () => boss, intervalMs: 60_000 });
    try {
      await expect.poll(async () => {
        await supervisor.tick();
        const [row] = await sql<{ status: string; stop_reason: string | null }[]>`select status, stop_reason from devmode_sessions where id = ${session.id}`;
        return row;
      }, { timeout: 40_000, interval: 1000 }).toEqual({ status: 'stopped', stop_reason: 'idle' });
    } finally {
      await supervisor.stop();
    }
    await expect(docker.getContainer(session.container_id).inspect()).rejects.toThrow();
    expect(await readFile(path.join(workspace.dir, 'notes.txt'), 'utf8')).toContain('유휴 종료 전에 적은 메모');
    const saves = await listSaves(workspace);
    expect(saves[0].message).toBe('자동 저장: 사용하지 않아 닫음');
    // The next open starts a new session over the same files.
    const page = await owner.get(`/sites/${siteId}/code`);
    expect(page.body).toContain('편집기가 닫혀 있습니다');
    expect(page.body).toContain('notes.txt');
    // What the owner sees: the save history and what going back to the builder would lose.
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1400 }, locale: 'ko-KR' });
      const url = new URL(web.baseUrl);
      await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })));
      const tab = await context.newPage();
      await tab.goto(`${web.baseUrl}/sites/${siteId}/code`);
      await tab.screenshot({ path: screenshotPath('devmode', 'code-page'), fullPage: true });
      await tab.goto(`${web.baseUrl}/sites/${siteId}`);
      await tab.getByRole('link', { name: '코드 편집기 열기' }).waitFor();
      await tab.screenshot({ path: screenshotPath('devmode', 'builder-link') });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
