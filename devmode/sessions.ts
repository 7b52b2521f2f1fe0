// Editor sessions, from the web's side: "코드 편집기 열기" places a session on the live
// developer-mode host agent (devmode/agent.ts) with the most free memory that has room for the
// plan's memory limit — in embedded mode the agent npm start runs on this machine — records the
// host on the session, sends the agent the workspace's history and has it start the container
// there. The browser reaches the editor only through the web app's authenticated proxy
// (web/server/devmode-proxy.ts), which forwards to that agent. A workspace has at most one open
// session (a unique index); a second open joins it. The workspace's repository stays on the web
// host that made it: the web copies the session's tree back on every supervisor pass, before
// every save (publish) and when the session stops (decision 145). Idle sessions stop with the
// workspace saved (devmode/supervisor.ts).
import path from 'node:path';
import { getPlan } from '../billing/index.ts';
import { env } from '../config/env.ts';
import { withTenant, type Sql } from '../db/index.ts';
import { agentSecret } from './agent-auth.ts';
import { AgentRequestError, forgetOnAgent, startOnAgent, stopOnAgent, syncFromAgent, type AgentTarget, type SyncAnswer } from './agent-client.ts';
import { DevmodeError } from './errors.ts';
import type { GitAuthor } from './git.ts';
import { sessionLimitsForPlan, type SessionLimits } from './limits.ts';
import { applyTreeBundle, bundleHistory } from './transfer.ts';
import { getWorkspace, saveWorkspace, setBeforeSave, type WorkspaceRecord } from './workspace.ts';

export interface DevmodeRuntime {
  sql: Sql;
  /** The web host's data folder: the workspaces' repositories. */
  dataDir: string;
  /** Where devmode/install-code-server.sh installed Node 24 and code-server (the image is made from it). */
  installDir: string;
  /** This web host's name: the workspaces it made (devmode_workspaces.host) are the ones it serves. */
  hostName: string;
  /** Signs the requests to the host agents (DEVMODE_AGENT_SECRET); '' when it is not configured. */
  agentSecret: string;
  /** A session with no traffic through the proxy this long is stopped (workspace saved). */
  idleSeconds: number;
  /** How long a container may take to answer on its socket. */
  startTimeoutMs?: number;
}

/** An agent that has not beaten for this long gets no new session. */
export const AGENT_LIVE_SECONDS = 15;
/** An agent that has not beaten for this long is taken for dead: its sessions are closed. */
export const AGENT_DEAD_SECONDS = 30;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const formatGiB = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

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
  /** The tree the web last copied from the session's host into the workspace, and when. */
  syncedTree: string | null;
  syncedAt: Date | null;
}

type SessionRow = {
  id: string; tenant_id: string; site_id: string; host: string; status: SessionStatus; container_id: string | null;
  socket_path: string | null; memory_mb: number; cpus: string; pids: number; started_by: string | null; started_at: Date;
  ready_at: Date | null; last_activity_at: Date; stopped_at: Date | null; stop_reason: string | null;
  memory_used_bytes: string | null; error: string | null; synced_tree: string | null; synced_at: Date | null;
};

export const toSession = (r: SessionRow): EditorSession => ({
  id: r.id, tenantId: r.tenant_id, siteId: r.site_id, host: r.host, status: r.status, containerId: r.container_id,
  socketPath: r.socket_path, limits: { memoryMb: r.memory_mb, cpus: Number(r.cpus), pids: r.pids }, startedBy: r.started_by,
  startedAt: r.started_at, readyAt: r.ready_at, lastActivityAt: r.last_activity_at, stoppedAt: r.stopped_at,
  stopReason: r.stop_reason, memoryUsedBytes: r.memory_used_bytes === null ? null : Number(r.memory_used_bytes), error: r.error,
  syncedTree: r.synced_tree, syncedAt: r.synced_at,
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


export interface AgentHostRow {
  name: string;
  address: string;
  mem_free_bytes: number;
  capacity_bytes: number;
  reserved_bytes: number;
  seconds_since_beat: number;
  stopped: boolean;
}

export type AgentPlacement =
  | { ok: true; agent: AgentTarget; roomBytes: number }
  | { ok: false; rejected: { host: string; reason: string }[] };

/**
 * The live agent with the most room: the smaller of its free memory (MemAvailable) and its
 * capacity less the limits of the sessions open there. An editor is mostly idle and its CPU is
 * capped, not reserved, so placement weighs memory only.
 */
export function chooseAgent(hosts: AgentHostRow[], needBytes: number): AgentPlacement {
  const candidates: { agent: AgentTarget; roomBytes: number }[] = [];
  const rejected: { host: string; reason: string }[] = [];
  for (const host of hosts) {
    const room = Math.max(0, Math.min(Number(host.mem_free_bytes), Number(host.capacity_bytes) - Number(host.reserved_bytes)));
    if (host.stopped) rejected.push({ host: host.name, reason: '에이전트가 멈춰 있습니다' });
    else if (host.seconds_since_beat > AGENT_LIVE_SECONDS) rejected.push({ host: host.name, reason: `${Math.round(host.seconds_since_beat)}초 동안 응답이 없습니다` });
    else if (room < needBytes) rejected.push({ host: host.name, reason: `남은 메모리 ${formatGiB(room)} < 필요 ${formatGiB(needBytes)}` });
    else candidates.push({ agent: { name: host.name, address: host.address }, roomBytes: room });
  }
  if (candidates.length === 0) return { ok: false, rejected };
  candidates.sort((a, b) => b.roomBytes - a.roomBytes || a.agent.name.localeCompare(b.agent.name));
  return { ok: true, ...candidates[0] };
}

/** The agent of a host, as the web reaches it (null: no agent of that name ever registered). */
async function agentOf(sql: Sql, tenantId: string, host: string): Promise<(AgentHostRow & { target: AgentTarget }) | null> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<AgentHostRow[]>`select * from devmode_agent_hosts() where name = ${host}`);
  return row ? { ...row, target: { name: row.name, address: row.address } } : null;
}

/**
 * Opens the site's editor: joins the running session, or places and starts one. Refuses (Korean
 * DevmodeError) when the plan lacks developer mode, the site has no workspace, no host has room,
 * or the chosen host has no Docker engine or image — nothing is queued silently.
 */
export async function openSession(rt: DevmodeRuntime, opts: { tenantId: string; siteId: string; userId: string }): Promise<OpenSessionResult> {
  const { sql } = rt;
  const planCode = await assertPlanAllowsDevmode(sql, opts.tenantId);
  const workspace = await getWorkspace(sql, rt.dataDir, opts.tenantId, opts.siteId);
  if (!workspace) throw new DevmodeError('NO_WORKSPACE', '이 사이트는 아직 개발자 모드가 아닙니다. 먼저 개발자 모드를 켜 주세요.');
  if (!rt.agentSecret) {
    throw new DevmodeError('NOT_CONFIGURED', '이 웹 서버에 편집기 호스트와 함께 쓰는 비밀 값(DEVMODE_AGENT_SECRET)이 설정되지 않아 코드 편집기를 열 수 없습니다. 운영팀에 알려 주세요.');
  }
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
    let placed: { row: SessionRow; agent: AgentTarget };
    try {
      // Placement and the session's row in one transaction, one placement at a time: two opens
      // at once never both take the last room on a host.
      placed = await withTenant(sql, opts.tenantId, async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext('windwalker.devmode.placement'))`;
        const hosts = await tx<AgentHostRow[]>`select * from devmode_agent_hosts() order by name`;
        const choice = chooseAgent(hosts, limits.memoryMb * MiB);
        if (!choice.ok) {
          if (hosts.length === 0) {
            throw new DevmodeError('NO_CAPACITY', '코드 편집기를 열 서버(개발자 모드 호스트 에이전트)가 하나도 등록되어 있지 않습니다. 운영팀에 알려 주세요. 대기열에 넣지 않았습니다.');
          }
          const reasons = choice.rejected.map((r) => `${r.host}: ${r.reason}`).join('; ');
          throw new DevmodeError('NO_CAPACITY', `지금은 코드 편집기(메모리 ${limits.memoryMb}MB)를 열 여유가 있는 서버가 없습니다 (${reasons}). 열린 편집기가 닫히면 다시 시도해 주세요. 대기열에 넣지 않았습니다.`);
        }
        const [row] = await tx<SessionRow[]>`
          insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids, started_by)
          values (${opts.tenantId}, ${opts.siteId}, ${choice.agent.name}, 'starting', ${limits.memoryMb}, ${limits.cpus}, ${limits.pids}, ${opts.userId})
          returning *`;
        return { row, agent: choice.agent };
      });
    } catch (error) {
      // Someone opened it at the same moment: the unique index lets one start; join theirs.
      if ((error as { code?: string }).code === '23505') continue;
      throw error;
    }
    const session = await startOnHost(rt, toSession(placed.row), placed.agent, workspace);
    return { session, joined: false };
  }
  throw new DevmodeError('SESSION_BUSY', '편집기를 여는 요청이 겹쳤습니다. 잠시 후 다시 열어 주세요.');
}

async function startOnHost(rt: DevmodeRuntime, session: EditorSession, agent: AgentTarget, workspace: WorkspaceRecord): Promise<EditorSession> {
  const { sql } = rt;
  try {
    const bundle = await bundleHistory(workspace);
    const started = await startOnAgent(rt.agentSecret, agent, session.id, {
      tenantId: session.tenantId, siteId: session.siteId, limits: session.limits, startTimeoutMs: rt.startTimeoutMs ?? 60_000,
    }, bundle);
    const [row] = await withTenant(sql, session.tenantId, (tx) => tx<SessionRow[]>`
      update devmode_sessions set status = 'running', container_id = ${started.containerId}, socket_path = ${started.socketPath},
        ready_at = now(), last_activity_at = now(), synced_tree = ${started.tree}, synced_at = now()
      where id = ${session.id} and status = 'starting' returning *`);
    if (!row) throw new Error(`session ${session.id} was closed while it started`);
    await withTenant(sql, session.tenantId, (tx) => tx`
      insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${session.tenantId}, ${session.startedBy}, 'site.devmode.session.start', ${session.siteId},
              ${tx.json({ sessionId: session.id, host: session.host, memoryMb: session.limits.memoryMb })})`);
    return toSession(row);
  } catch (error) {
    const message = (error as Error).message;
    await withTenant(sql, session.tenantId, (tx) => tx`
      update devmode_sessions set status = 'failed', stopped_at = now(), stop_reason = 'failed', error = ${`${agent.name}: ${message}`.slice(0, 4000)}
      where id = ${session.id} and status = 'starting'`);
    await forgetOnAgent(rt.agentSecret, agent, session.id).catch(() => {});
    if (error instanceof AgentRequestError && (error.code === 'NO_ENGINE' || error.code === 'NO_IMAGE')) {
      throw new DevmodeError(error.code, error.message, { cause: error });
    }
    throw new DevmodeError('START_FAILED', '코드 편집기를 시작하지 못했습니다. 잠시 후 다시 시도해 주세요. 계속되면 운영팀에 알려 주세요.', { cause: error });
  }
}

/** Copies a sync's tree into the web's copy of the workspace and records it on the session. */
async function takeTree(rt: DevmodeRuntime, session: EditorSession, workspace: WorkspaceRecord, answer: SyncAnswer): Promise<void> {
  if (!answer.tree || !answer.bundle) return;
  await applyTreeBundle(workspace, answer.bundle, answer.tree);
  await withTenant(rt.sql, session.tenantId, (tx) => tx`
    update devmode_sessions set synced_tree = ${answer.tree}, synced_at = now() where id = ${session.id}`);
}

/** Per workspace, one copy from its host at a time in this process (git's index is one file). */
const copying = new Map<string, Promise<unknown>>();
function oneAtATime<T>(siteId: string, work: () => Promise<T>): Promise<T> {
  const previous = copying.get(siteId) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(work);
  copying.set(siteId, next);
  void next.finally(() => {
    if (copying.get(siteId) === next) copying.delete(siteId);
  }).catch(() => {});
  return next;
}

/**
 * One sync of a running session: the tree from its host into the web's copy when it changed,
 * and the facts the supervisor acts on (container running, memory, a Publish request).
 */
export async function syncSession(rt: DevmodeRuntime, session: EditorSession): Promise<SyncAnswer> {
  return oneAtATime(session.siteId, async () => {
    const agent = await agentOf(rt.sql, session.tenantId, session.host);
    if (!agent) throw new Error(`no devmode agent ${session.host} is registered`);
    const workspace = await getWorkspace(rt.sql, rt.dataDir, session.tenantId, session.siteId);
    if (!workspace) throw new Error(`session ${session.id} has no workspace`);
    const [current] = await withTenant(rt.sql, session.tenantId, (tx) => tx<{ synced_tree: string | null }[]>`
      select synced_tree from devmode_sessions where id = ${session.id}`);
    const answer = await syncFromAgent(rt.agentSecret, agent.target, session.id, current?.synced_tree ?? null);
    await takeTree(rt, session, workspace, answer);
    return answer;
  });
}

// Before the web saves a workspace (publish, restore) whose editor runs on a host, it takes the
// tree from there first: a save holds what the owner sees in the editor. A host that does not
// answer leaves the copy of the last sync (the save still happens).
setBeforeSave(async (sql, workspace) => {
  const session = await getOpenSession(sql, workspace.tenantId, workspace.siteId);
  if (session?.status !== 'running') return;
  const e = env();
  // The data folder the workspace record was read from (<DATA_DIR>/devmode/workspaces/<site id>).
  const dataDir = path.dirname(path.dirname(path.dirname(workspace.dir)));
  const rt: DevmodeRuntime = { sql, dataDir, installDir: e.devmodeInstallDir, hostName: workspace.host, agentSecret: agentSecret(e), idleSeconds: 0 };
  await syncSession(rt, session).catch((error) => {
    console.error(`[devmode] could not take the editor's files of session ${session.id} before saving: ${(error as Error).message}`);
  });
});

/**
 * Stops a session: its host stops the container and sends the last tree, the web saves the
 * workspace (a commit, when anything changed) and the host forgets its clone. A host that does
 * not answer, or has not beaten for AGENT_DEAD_SECONDS, is not waited for: the workspace is saved
 * as of the last sync and the host removes the container once it runs again (its sweep). Safe
 * to call twice; only one caller does the work.
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
  // Only a web process of the workspace's host does it: the repository is there.
  const [claimed] = await withTenant(sql, opts.tenantId, (tx) => tx<SessionRow[]>`
    update devmode_sessions set status = 'stopping', stopped_at = now()
    where id = ${opts.sessionId}
      and site_id in (select site_id from devmode_workspaces where host = ${rt.hostName})
      and ${abandoned
        ? tx`(status = 'running' or (status = 'starting' and started_at < ${abandoned.startingBefore}) or (status = 'stopping' and stopped_at < ${abandoned.stoppingBefore}))`
        : tx`status in ('starting', 'running')`}
    returning *`);
  if (!claimed) return { stopped: false, savedCommit: null };
  const session = toSession(claimed);
  let savedCommit: string | null = null;
  let error: string | null = null;
  let note: string | null = null;
  let forget: AgentTarget | null = null;
  try {
    const workspace = await getWorkspace(sql, rt.dataDir, session.tenantId, session.siteId);
    const agent = await agentOf(sql, session.tenantId, session.host);
    // A host taken for dead is not waited for; any other is asked, an abandoned start's too.
    if (agent && agent.seconds_since_beat <= AGENT_DEAD_SECONDS) {
      try {
        const last = await oneAtATime(session.siteId, () => stopOnAgent(rt.agentSecret, agent.target, session.id, session.syncedTree));
        if (last.memoryBytes) session.memoryUsedBytes = last.memoryBytes;
        if (workspace) await oneAtATime(session.siteId, () => takeTree(rt, session, workspace, last));
        forget = agent.target;
      } catch (cause) {
        if (!(cause instanceof AgentRequestError)) throw cause;
        note = `${cause.message}; the workspace was saved as of the last copy (${session.syncedAt?.toISOString() ?? 'the start'})`;
      }
    } else {
      note = `the devmode agent ${session.host} stopped answering; the workspace was saved as of the last copy (${session.syncedAt?.toISOString() ?? 'the start'})`;
    }
    if (workspace) {
      const why = { idle: '사용하지 않아 닫음', owner: '편집기 닫음', failed: '편집기가 멈춤', host: '서버 정리' }[opts.reason];
      savedCommit = await saveWorkspace(sql, workspace, { hostName: rt.hostName, message: `자동 저장: ${why}`, author: opts.author });
    }
    if (forget) await forgetOnAgent(rt.agentSecret, forget, session.id).catch(() => {});
  } catch (cause) {
    error = (cause as Error).message;
  } finally {
    await withTenant(sql, session.tenantId, (tx) => tx`
      update devmode_sessions set status = ${error ? 'failed' : 'stopped'}, stopped_at = now(), stop_reason = ${opts.reason},
        memory_used_bytes = coalesce(${session.memoryUsedBytes}, memory_used_bytes), error = ${error ?? note}
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

