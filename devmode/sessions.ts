// Editor sessions: "코드 편집기 열기" starts one container of the developer-mode image for a
// site's workspace on the host with the most free memory (proxmox/ placement; in embedded mode
// this machine). The container has no network, a read-only root, memory / CPU / pids limits from
// the plan, and sees three host folders: the workspace (/workspace), its own session folder
// (/run/windwalker: code-server's unix socket and the Publish command's request file) and the
// site's editor state (/home/coder: settings, extension state). code-server runs with auth none
// — the web app's reverse proxy (web/server/devmode-proxy.ts) is the only way in and checks the
// owner's own session — and with telemetry, update checks, the built-in AI chat and the
// workspace-trust prompt turned off. A workspace has at most one open session (a unique index);
// a second open joins it. Idle sessions stop with the workspace saved (devmode/supervisor.ts).
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { getPlan } from '../billing/index.ts';
import { dockerEngineAnswers } from '../buildfarm/index.ts';
import { withTenant, type Sql } from '../db/index.ts';
import { chooseHostForWorker, currentHostCapacities, type ProxmoxClient } from '../proxmox/index.ts';
import { DevmodeError } from './errors.ts';
import type { GitAuthor } from './git.ts';
import { devmodeImageExists, devmodeImageTag, EDITOR_GID, EDITOR_UID } from './image.ts';
import { sessionLimitsForPlan, type SessionLimits } from './limits.ts';
import { getWorkspace, saveWorkspace, type WorkspaceRecord } from './workspace.ts';

export const SESSION_CONTAINER_LABEL = 'windwalker.devmode.session';
/**
 * Which installation (database, host name, data folder) a container belongs to: several (test
 * runs, a bench platform) may share one Docker engine, and each cleans up only its own.
 */
export const SESSION_SCOPE_LABEL = 'windwalker.devmode.scope';

const databases = new WeakMap<Sql, Promise<string>>();
export function sessionScope(rt: Pick<DevmodeRuntime, 'sql' | 'dataDir' | 'hostName'>): Promise<string> {
  let database = databases.get(rt.sql);
  if (!database) {
    database = rt.sql<{ db: string }[]>`select current_database() as db`.then(([row]) => row.db);
    databases.set(rt.sql, database);
    database.catch(() => databases.delete(rt.sql));
  }
  return database.then((db) => `${db}@${rt.hostName}:${path.resolve(rt.dataDir)}`);
}
const SOCKET_NAME = 'code-server.sock';
const SESSION_DIR_IN_CONTAINER = '/run/windwalker';

export interface DevmodeRuntime {
  sql: Sql;
  dataDir: string;
  /** Where devmode/install-code-server.sh installed Node 24 and code-server (the image is made from it). */
  installDir: string;
  /** This machine's name in the hosts table (os.hostname() in embedded mode). */
  hostName: string;
  docker: Docker;
  /** Placement over the Proxmox nodes when configured; null: this machine is the only host. */
  proxmox: ProxmoxClient | null;
  /** A session with no traffic through the proxy this long is stopped (workspace saved). */
  idleSeconds: number;
  /** How long a container may take to answer on its socket. */
  startTimeoutMs?: number;
}

export type SessionStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface EditorSession {
  id: string;
  tenantId: string;
  siteId: string;
  host: string;
  status: SessionStatus;
  containerId: string | null;
  socketPath: string | null;
  limits: SessionLimits;
  startedBy: string | null;
  startedAt: Date;
  readyAt: Date | null;
  lastActivityAt: Date;
  stoppedAt: Date | null;
  stopReason: string | null;
  memoryUsedBytes: number | null;
  error: string | null;
}

type SessionRow = {
  id: string; tenant_id: string; site_id: string; host: string; status: SessionStatus; container_id: string | null;
  socket_path: string | null; memory_mb: number; cpus: string; pids: number; started_by: string | null; started_at: Date;
  ready_at: Date | null; last_activity_at: Date; stopped_at: Date | null; stop_reason: string | null;
  memory_used_bytes: string | null; error: string | null;
};

export const toSession = (r: SessionRow): EditorSession => ({
  id: r.id, tenantId: r.tenant_id, siteId: r.site_id, host: r.host, status: r.status, containerId: r.container_id,
  socketPath: r.socket_path, limits: { memoryMb: r.memory_mb, cpus: Number(r.cpus), pids: r.pids }, startedBy: r.started_by,
  startedAt: r.started_at, readyAt: r.ready_at, lastActivityAt: r.last_activity_at, stoppedAt: r.stopped_at,
  stopReason: r.stop_reason, memoryUsedBytes: r.memory_used_bytes === null ? null : Number(r.memory_used_bytes), error: r.error,
});

const OPEN = ['starting', 'running', 'stopping'] as const;

export async function getOpenSession(sql: Sql, tenantId: string, siteId: string): Promise<EditorSession | null> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<SessionRow[]>`
    select * from devmode_sessions where site_id = ${siteId} and status in ${tx([...OPEN])}`);
  return row ? toSession(row) : null;
}

export async function getSession(sql: Sql, tenantId: string, sessionId: string): Promise<EditorSession | null> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<SessionRow[]>`select * from devmode_sessions where id = ${sessionId}`);
  return row ? toSession(row) : null;
}

export async function listSessions(sql: Sql, tenantId: string, siteId: string, limit = 20): Promise<EditorSession[]> {
  const rows = await withTenant(sql, tenantId, (tx) => tx<SessionRow[]>`
    select * from devmode_sessions where site_id = ${siteId} order by started_at desc limit ${limit}`);
  return rows.map(toSession);
}

export function sessionDir(dataDir: string, sessionId: string): string {
  return path.join(dataDir, 'devmode', 'sessions', sessionId);
}

function stateDir(dataDir: string, siteId: string): string {
  return path.join(dataDir, 'devmode', 'state', siteId);
}

/** The editor's settings: no telemetry, no update checks, no AI chat, no trust prompt, Korean-friendly defaults. */
export const EDITOR_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'workbench.startupEditor': 'none',
  // The secondary side bar only holds the chat view, which is off.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'chat.agent.enabled': false,
  'github.copilot.enable': { '*': false },
  'npm.fetchOnlinePackageInfo': false,
  'git.enabled': false,
  'files.autoSave': 'afterDelay',
  'files.autoSaveDelay': 1000,
};

/** A unix socket's address holds at most 107 bytes; a longer socket path is reached through a short link. */
const SOCKET_PATH_MAX = 100;
const SHORT_LINK_PREFIX = 'ww-devmode-';

/**
 * The path the web process connects to for a session folder's socket: the socket itself, or — when
 * DATA_DIR is deep enough to make that too long to connect to — a link to the folder in a fresh
 * private temporary folder (mkdtemp: mode 700, a name no one else can take first).
 */
async function reachableSocketPath(sessionFolder: string): Promise<string> {
  const direct = path.join(sessionFolder, SOCKET_NAME);
  if (Buffer.byteLength(direct) <= SOCKET_PATH_MAX) return direct;
  const linkFolder = await mkdtemp(path.join(os.tmpdir(), SHORT_LINK_PREFIX));
  await symlink(sessionFolder, path.join(linkFolder, 's'));
  const linked = path.join(linkFolder, 's', SOCKET_NAME);
  if (Buffer.byteLength(linked) > SOCKET_PATH_MAX) {
    throw new Error(`the editor's socket path is too long to connect to (${direct}, and ${linked} through the temporary folder): use a shorter DATA_DIR or TMPDIR`);
  }
  return linked;
}

/** Removes the short link a socket path went through, if it did. */
async function removeShortLink(socketPath: string | null): Promise<void> {
  if (!socketPath || !socketPath.startsWith(path.join(os.tmpdir(), SHORT_LINK_PREFIX))) return;
  await rm(path.dirname(path.dirname(socketPath)), { recursive: true, force: true }).catch(() => {});
}

/** code-server's command line in the container. */
export function codeServerArguments(): string[] {
  return [
    '--auth', 'none',
    '--socket', `${SESSION_DIR_IN_CONTAINER}/${SOCKET_NAME}`,
    '--socket-mode', '600',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--user-data-dir', '/home/coder/data',
    '--extensions-dir', '/home/coder/extensions',
    '/workspace',
  ];
}

/** GET a path from code-server over its unix socket. */
export function requestOverSocket(socketPath: string, urlPath: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: 'GET', headers: { Host: 'localhost' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function tenantPlanCode(sql: Sql, tenantId: string): Promise<string> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<{ plan_code: string }[]>`select plan_code from tenants where id = ${tenantId}`);
  return row?.plan_code ?? 'trial';
}

/** Developer mode is a plan feature; throws a PLAN error naming the plan otherwise. */
export async function assertPlanAllowsDevmode(sql: Sql, tenantId: string): Promise<string> {
  const planCode = await tenantPlanCode(sql, tenantId);
  const plan = await getPlan(sql, planCode);
  if (!plan.devmode) {
    throw new DevmodeError('PLAN', `개발자 모드(코드 편집기)는 프리미엄 요금제부터 쓸 수 있습니다. 지금은 ${plan.nameKo} 요금제입니다. 요금제 페이지에서 바꿔 주세요.`);
  }
  return planCode;
}

async function prepareFolders(rt: DevmodeRuntime, sessionId: string, siteId: string): Promise<{ session: string; state: string }> {
  const session = sessionDir(rt.dataDir, sessionId);
  const state = stateDir(rt.dataDir, siteId);
  await rm(session, { recursive: true, force: true });
  await mkdir(session, { recursive: true });
  await mkdir(path.join(state, 'data', 'User'), { recursive: true });
  await mkdir(path.join(state, 'data', 'Machine'), { recursive: true });
  await mkdir(path.join(state, 'extensions'), { recursive: true });
  const settings = `${JSON.stringify(EDITOR_SETTINGS, null, 2)}\n`;
  await writeFile(path.join(state, 'data', 'Machine', 'settings.json'), settings);
  const userSettings = path.join(state, 'data', 'User', 'settings.json');
  if (!existsSync(userSettings)) await writeFile(userSettings, settings);
  // Only the editor's user (and root on the host) may reach the socket and the state.
  if (process.getuid?.() === 0) {
    for (const dir of [session, state, path.join(state, 'data'), path.join(state, 'data', 'User'), path.join(state, 'data', 'Machine'), path.join(state, 'extensions')]) {
      await chown(dir, EDITOR_UID, EDITOR_GID);
    }
    await chown(userSettings, EDITOR_UID, EDITOR_GID);
    await chown(path.join(state, 'data', 'Machine', 'settings.json'), EDITOR_UID, EDITOR_GID);
  }
  await chmod(session, 0o700);
  return { session, state };
}

async function waitUntilOpen(sql: Sql, tenantId: string, siteId: string, timeoutMs: number): Promise<EditorSession | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await getOpenSession(sql, tenantId, siteId);
    if (!open || open.status !== 'starting' || Date.now() > deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface OpenSessionResult {
  session: EditorSession;
  /** true: the workspace already had a running session and this open joined it. */
  joined: boolean;
}

/**
 * Opens the site's editor: joins the running session, or starts one. Refuses (Korean
 * DevmodeError) when the plan lacks developer mode, the site has no workspace, no Docker engine
 * or image is there, or no host has room — nothing is queued silently.
 */
export async function openSession(rt: DevmodeRuntime, opts: { tenantId: string; siteId: string; userId: string }): Promise<OpenSessionResult> {
  const { sql } = rt;
  const planCode = await assertPlanAllowsDevmode(sql, opts.tenantId);
  const workspace = await getWorkspace(sql, rt.dataDir, opts.tenantId, opts.siteId);
  if (!workspace) throw new DevmodeError('NO_WORKSPACE', '이 사이트는 아직 개발자 모드가 아닙니다. 먼저 개발자 모드를 켜 주세요.');
  if (workspace.host !== rt.hostName) {
    throw new DevmodeError('WRONG_HOST', `이 사이트의 소스는 호스트 ${workspace.host}에 있어 이 서버(${rt.hostName})에서 편집기를 열 수 없습니다.`);
  }

  for (let attempt = 0; attempt < 3; attempt++) {
    const open = await waitUntilOpen(sql, opts.tenantId, opts.siteId, rt.startTimeoutMs ?? 60_000);
    if (open?.status === 'running') return { session: open, joined: true };
    if (open) {
      throw new DevmodeError('SESSION_BUSY', open.status === 'stopping'
        ? '편집기를 닫고 저장하는 중입니다. 잠시 후 다시 열어 주세요.'
        : '다른 사람이 이 사이트의 편집기를 여는 중입니다. 잠시 후 다시 열어 주세요.');
    }
    const limits = sessionLimitsForPlan(planCode);
    // Room first: a full cluster is refused before anything is started or recorded.
    await placeOnThisHost(rt, limits);
    const image = await ensureEngineAndImage(rt);

    let row: SessionRow;
    try {
      [row] = await withTenant(sql, opts.tenantId, (tx) => tx<SessionRow[]>`
        insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, started_by)
        values (${opts.tenantId}, ${opts.siteId}, ${rt.hostName}, 'starting', ${limits.memoryMb}, ${limits.cpus}, ${limits.pids}, ${opts.userId})
        returning *`);
    } catch (error) {
      // Someone opened it at the same moment: the unique index lets one start; join theirs.
      if ((error as { code?: string }).code === '23505') continue;
      throw error;
    }
    const session = await startContainer(rt, toSession(row), workspace, image);
    return { session, joined: false };
  }
  throw new DevmodeError('SESSION_BUSY', '편집기를 여는 요청이 겹쳤습니다. 잠시 후 다시 열어 주세요.');
}

async function ensureEngineAndImage(rt: DevmodeRuntime): Promise<string> {
  if (!(await dockerEngineAnswers(rt.docker))) {
    throw new DevmodeError('NO_ENGINE', '이 서버의 Docker 엔진이 응답하지 않아 코드 편집기를 열 수 없습니다. 운영팀에 알려 주세요.');
  }
  let tag: string;
  try {
    tag = await devmodeImageTag(rt.installDir);
  } catch (error) {
    throw new DevmodeError('NO_IMAGE', (error as Error).message, { cause: error });
  }
  if (!(await devmodeImageExists(rt.docker, tag))) {
    throw new DevmodeError('NO_IMAGE', `코드 편집기 이미지(${tag})가 이 서버에 없습니다. 운영팀이 devmode/build-image.sh 로 만들어야 합니다.`);
  }
  return tag;
}

/**
 * The host with the most free memory that can hold the session's memory limit. An editor is
 * mostly idle and its CPU is capped, not reserved, so placement weighs memory only. This web
 * process starts containers on its own host; a placement elsewhere says so instead of queuing.
 */
async function placeOnThisHost(rt: DevmodeRuntime, limits: SessionLimits): Promise<void> {
  const hosts = await currentHostCapacities(rt.proxmox, rt.dataDir);
  if (!rt.proxmox) for (const host of hosts) host.name = rt.hostName;
  const placed = chooseHostForWorker(hosts, { memBytes: limits.memoryMb * 2 ** 20, cpus: 0 });
  if (!placed.ok) {
    const reasons = placed.rejected.map((r) => `${r.host}: ${r.reason}`).join('; ');
    throw new DevmodeError('NO_CAPACITY', `지금은 코드 편집기(메모리 ${limits.memoryMb}MB)를 열 여유가 있는 서버가 없습니다${reasons ? ` (${reasons})` : ''}. 열린 편집기가 닫히면 다시 시도해 주세요. 대기열에 넣지 않았습니다.`);
  }
  if (placed.host.name !== rt.hostName) {
    throw new DevmodeError('WRONG_HOST', `여유 메모리가 가장 많은 호스트는 ${placed.host.name}이지만, 이 웹 서버는 자기 호스트(${rt.hostName})에서만 편집기를 시작할 수 있습니다. 그 호스트의 웹 서버로 접속해 주세요.`);
  }
}

async function startContainer(rt: DevmodeRuntime, session: EditorSession, workspace: WorkspaceRecord, image: string): Promise<EditorSession> {
  const { sql, docker } = rt;
  let container: Docker.Container | null = null;
  let socketPath: string | null = null;
  try {
    const folders = await prepareFolders(rt, session.id, session.siteId);
    const memoryBytes = session.limits.memoryMb * 2 ** 20;
    container = await docker.createContainer({
      Image: image,
      name: `ww-devmode-${session.id}`,
      Cmd: codeServerArguments(),
      User: `${EDITOR_UID}:${EDITOR_GID}`,
      WorkingDir: '/workspace',
      Env: [
        'HOME=/home/coder', 'SHELL=/bin/sh', `WINDWALKER_SESSION_DIR=${SESSION_DIR_IN_CONTAINER}`,
        'NODE_OPTIONS=--max-old-space-size=' + Math.floor(session.limits.memoryMb * 0.6),
        // Node's compiled-code cache in the site's own editor state: the next open of this site
        // starts code-server and its extension host from it (never shared between sites).
        'NODE_COMPILE_CACHE=/home/coder/.cache/node-compile',
      ],
      NetworkDisabled: true,
      Labels: { [SESSION_CONTAINER_LABEL]: session.id, 'windwalker.site': session.siteId, [SESSION_SCOPE_LABEL]: await sessionScope(rt) },
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,size=128m' },
        Binds: [
          `${workspace.dir}:/workspace:rw`,
          `${folders.session}:${SESSION_DIR_IN_CONTAINER}:rw`,
          `${folders.state}:/home/coder:rw`,
        ],
        Memory: memoryBytes,
        MemorySwap: memoryBytes,
        NanoCpus: Math.round(session.limits.cpus * 1e9),
        PidsLimit: session.limits.pids,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        AutoRemove: false,
      },
    });
    await withTenant(sql, session.tenantId, (tx) => tx`update devmode_sessions set container_id = ${container!.id} where id = ${session.id}`);
    await container.start();
    socketPath = await reachableSocketPath(folders.session);
    const deadline = Date.now() + (rt.startTimeoutMs ?? 60_000);
    for (;;) {
      if (existsSync(socketPath)) {
        const health = await requestOverSocket(socketPath, '/healthz', 1000).catch(() => null);
        if (health?.status === 200) {
          // code-server loads VS Code's server on the first workbench request; start that now,
          // while the owner's browser follows the redirect to the editor (errors show there).
          requestOverSocket(socketPath, '/', 60_000).catch(() => {});
          break;
        }
      }
      const state = (await container.inspect()).State;
      if (!state.Running) {
        const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })).toString('utf8');
        throw new Error(`the editor container exited (${state.OOMKilled ? 'out of memory' : `code ${state.ExitCode}`}): ${logs.replace(/[\x00-\x08]/g, '').slice(-1500)}`);
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer on ${socketPath} within ${rt.startTimeoutMs ?? 60_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [row] = await withTenant(sql, session.tenantId, (tx) => tx<SessionRow[]>`
      update devmode_sessions set status = 'running', socket_path = ${socketPath}, ready_at = now(), last_activity_at = now()
      where id = ${session.id} returning *`);
    await withTenant(sql, session.tenantId, (tx) => tx`
      insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${session.tenantId}, ${session.startedBy}, 'site.devmode.session.start', ${session.siteId},
              ${tx.json({ sessionId: session.id, host: session.host, memoryMb: session.limits.memoryMb })})`);
    return toSession(row);
  } catch (error) {
    if (container) await container.remove({ force: true }).catch(() => {});
    const message = (error as Error).message;
    await withTenant(sql, session.tenantId, (tx) => tx`
      update devmode_sessions set status = 'failed', stopped_at = now(), stop_reason = 'failed', error = ${message.slice(0, 4000)}
      where id = ${session.id}`);
    await rm(sessionDir(rt.dataDir, session.id), { recursive: true, force: true }).catch(() => {});
    await removeShortLink(socketPath);
    throw new DevmodeError('START_FAILED', '코드 편집기를 시작하지 못했습니다. 잠시 후 다시 시도해 주세요. 계속되면 운영팀에 알려 주세요.', { cause: error });
  }
}

/**
 * Stops a session: saves the workspace (a commit, when anything changed), removes the container
 * and its socket folder. Safe to call twice; only one caller does the work.
 */
export async function stopSession(
  rt: DevmodeRuntime,
  opts: {
    tenantId: string; sessionId: string; reason: 'idle' | 'owner' | 'failed' | 'host'; author?: GitAuthor;
    /**
     * Also takes over a session a web process that has since ended left half-way: 'starting'
     * since before `startingBefore`, or 'stopping' since before `stoppingBefore`.
     */
    abandoned?: { startingBefore: Date; stoppingBefore: Date };
  },
): Promise<{ stopped: boolean; savedCommit: string | null }> {
  const { sql } = rt;
  const abandoned = opts.abandoned;
  // stopped_at marks when stopping began until the stop is done (how an abandoned stop is told).
  const [claimed] = await withTenant(sql, opts.tenantId, (tx) => tx<SessionRow[]>`
    update devmode_sessions set status = 'stopping', stopped_at = now()
    where id = ${opts.sessionId} and host = ${rt.hostName}
      and ${abandoned
        ? tx`(status = 'running' or (status = 'starting' and started_at < ${abandoned.startingBefore}) or (status = 'stopping' and stopped_at < ${abandoned.stoppingBefore}))`
        : tx`status in ('starting', 'running')`}
    returning *`);
  if (!claimed) return { stopped: false, savedCommit: null };
  const session = toSession(claimed);
  let savedCommit: string | null = null;
  let error: string | null = null;
  try {
    if (session.containerId) {
      const container = rt.docker.getContainer(session.containerId);
      const stats = await container.stats({ stream: false }).catch(() => null) as { memory_stats?: { usage?: number } } | null;
      if (stats?.memory_stats?.usage) session.memoryUsedBytes = stats.memory_stats.usage;
      await container.stop({ t: 3 }).catch(() => {});
      await container.remove({ force: true }).catch(() => {});
    }
    const workspace = await getWorkspace(sql, rt.dataDir, session.tenantId, session.siteId);
    if (workspace) {
      const why = { idle: '사용하지 않아 닫음', owner: '편집기 닫음', failed: '편집기가 멈춤', host: '서버 정리' }[opts.reason];
      savedCommit = await saveWorkspace(sql, workspace, { hostName: rt.hostName, message: `자동 저장: ${why}`, author: opts.author });
    }
  } catch (cause) {
    error = (cause as Error).message;
  } finally {
    await rm(sessionDir(rt.dataDir, session.id), { recursive: true, force: true }).catch(() => {});
    await removeShortLink(session.socketPath);
    await withTenant(sql, session.tenantId, (tx) => tx`
      update devmode_sessions set status = ${error ? 'failed' : 'stopped'}, stopped_at = now(), stop_reason = ${opts.reason},
        memory_used_bytes = coalesce(${session.memoryUsedBytes}, memory_used_bytes), error = ${error}
      where id = ${session.id}`);
  }
  if (error) throw new Error(`stopping session ${session.id} failed: ${error}`);
  return { stopped: true, savedCommit };
}

/** Records traffic through the proxy (the idle clock starts again). */
export async function touchSessions(sql: Sql, touched: { tenantId: string; sessionId: string }[]): Promise<void> {
  for (const t of touched) {
    await withTenant(sql, t.tenantId, (tx) => tx`
      update devmode_sessions set last_activity_at = now() where id = ${t.sessionId} and status = 'running'`);
  }
}

/** Memory in use by a session's container right now (docker stats), or null. */
export async function sessionMemoryBytes(docker: Docker, containerId: string): Promise<number | null> {
  const stats = (await docker.getContainer(containerId).stats({ stream: false }).catch(() => null)) as { memory_stats?: { usage?: number; stats?: { inactive_file?: number } } } | null;
  const usage = stats?.memory_stats?.usage;
  if (!usage) return null;
  return usage - (stats?.memory_stats?.stats?.inactive_file ?? 0);
}
