// Looks after this host's editor sessions, from the web process that serves them:
// - a session with no traffic through the proxy for `idleSeconds` is stopped, its workspace
//   saved (a commit) first;
// - a session whose container died is closed and its workspace saved;
// - the editor's Publish command (a request file in the session folder, the container has no
//   network) publishes the workspace through the build queue and writes the outcome back;
// - each running session's memory is sampled for the ops capacity view;
// - editor containers outlive the web process that started them (a restart does not close the
//   owners' editors), so the first pass runs as soon as the supervisor starts and reconciles:
//   a running session whose container is gone is closed with its workspace saved, one a web
//   process that has since ended left 'starting' or 'stopping' is finished, and a container of
//   this installation (database, host name and data folder: its scope label) with no open
//   session is removed.
// Every web process on a host may run one; the database decides who stops what (stopSession
// claims a session with one UPDATE), and a publish request file is claimed by renaming it.
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { dockerEngineAnswers, getBuild } from '../buildfarm/index.ts';
import { withTenant } from '../db/index.ts';
import { DevmodeError } from './errors.ts';
import { publishFromSource } from './publish.ts';
import { SESSION_CONTAINER_LABEL, SESSION_SCOPE_LABEL, sessionDir, sessionMemoryBytes, sessionScope, stopSession, toSession, type DevmodeRuntime } from './sessions.ts';

/** A 'stopping' session older than this was left by a web process that ended mid-stop. */
const ABANDONED_STOP_MS = 2 * 60_000;

export interface DevmodeSupervisor {
  /** The first pass, which starts at once: settles when this host's sessions are reconciled. */
  ready: Promise<void>;
  /** One pass now (tests call it instead of waiting for the timer). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

interface PublishWatch {
  tenantId: string;
  requestId: string;
  buildId: string;
  statusFile: string;
}

async function writeStatus(file: string, status: Record<string, unknown>): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, JSON.stringify(status));
  await rename(temporary, file);
}

export function startDevmodeSupervisor(
  rt: DevmodeRuntime,
  opts: { boss: () => Promise<PgBoss>; intervalMs?: number; log?: (line: string) => void },
): DevmodeSupervisor {
  const log = opts.log ?? ((line: string) => console.error(`[devmode] ${line}`));
  const watches = new Map<string, PublishWatch>();
  let running: Promise<void> | null = null;
  let stopped = false;

  const openSessionsHere = async () => {
    // Platform-level read of this host's sessions (which tenants have editors here); every
    // change below goes through withTenant with the session's own tenant.
    const rows = await rt.sql<Parameters<typeof toSession>[0][]>`
      select * from devmode_sessions where host = ${rt.hostName} and status = 'running'`;
    return rows.map(toSession);
  };

  const handlePublishRequest = async (session: ReturnType<typeof toSession>) => {
    const dir = sessionDir(rt.dataDir, session.id);
    const request = path.join(dir, 'publish-request.json');
    if (!existsSync(request)) return;
    const taken = path.join(dir, `publish-request.${process.pid}.taken`);
    try {
      await rename(request, taken);
    } catch {
      return; // another web process took it
    }
    const statusFile = path.join(dir, 'publish-status.json');
    let requestId = 'unknown';
    try {
      requestId = String((JSON.parse(await readFile(taken, 'utf8')) as { requestId?: unknown }).requestId ?? 'unknown').slice(0, 100);
    } catch {
      // an unreadable request still publishes; its answer carries no id
    }
    await rm(taken, { force: true });
    try {
      const [user] = await rt.sql<{ id: string; display_name: string; email: string }[]>`
        select id, display_name, email from users where id = ${session.startedBy ?? ''}`;
      const published = await publishFromSource(rt.sql, await opts.boss(), {
        dataDir: rt.dataDir, hostName: rt.hostName, tenantId: session.tenantId, siteId: session.siteId,
        user: { id: user?.id ?? null, name: user?.display_name ?? 'WindWalker', email: user?.email ?? 'devmode@windwalker.invalid' },
      });
      await writeStatus(statusFile, { requestId, state: 'queued', buildId: published.buildId, message: '게시 대기열에 넣었습니다.' });
      watches.set(session.id, { tenantId: session.tenantId, requestId, buildId: published.buildId, statusFile });
    } catch (error) {
      const message = error instanceof DevmodeError || (error as Error).name === 'PublishError' ? (error as Error).message : '게시를 시작하지 못했습니다. 잠시 후 다시 시도해 주세요.';
      if (!(error instanceof DevmodeError)) log(`publish from the editor of session ${session.id} failed: ${(error as Error).message}`);
      await writeStatus(statusFile, { requestId, state: 'failed', message }).catch(() => {});
    }
  };

  const followPublishes = async () => {
    for (const [sessionId, watch] of watches) {
      const build = await getBuild(rt.sql, watch.tenantId, watch.buildId).catch(() => null);
      if (!build) continue;
      if (build.status === 'queued' || build.status === 'running') {
        await writeStatus(watch.statusFile, { requestId: watch.requestId, state: build.status, buildId: build.id, message: '게시 중입니다.' }).catch(() => {});
        continue;
      }
      const succeeded = build.status === 'succeeded';
      await writeStatus(watch.statusFile, {
        requestId: watch.requestId, state: succeeded ? 'succeeded' : 'failed', buildId: build.id,
        message: succeeded ? '사이트가 게시되었습니다.' : (build.error ?? '게시하지 못했습니다.'),
      }).catch(() => {});
      watches.delete(sessionId);
    }
  };

  /** The container's state; null when the engine says it does not exist, undefined when the engine did not answer. */
  const inspectContainer = async (id: string | null) => {
    if (!id) return null;
    try {
      return await rt.docker.getContainer(id).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      log(`container ${id}: the Docker engine did not answer (${(error as Error).message}); looking again next pass`);
      return undefined;
    }
  };

  /** Sessions a web process that has since ended left half-way on this host. */
  const finishAbandoned = async () => {
    const startingBefore = new Date(Date.now() - (rt.startTimeoutMs ?? 60_000) - 30_000);
    const stoppingBefore = new Date(Date.now() - ABANDONED_STOP_MS);
    const rows = await rt.sql<{ id: string; tenant_id: string; status: string }[]>`
      select id, tenant_id, status from devmode_sessions
      where host = ${rt.hostName}
        and ((status = 'starting' and started_at < ${startingBefore}) or (status = 'stopping' and stopped_at < ${stoppingBefore}))`;
    for (const row of rows) {
      log(`session ${row.id}: left '${row.status}' by a web process that ended; closing it with the workspace saved`);
      await stopSession(rt, { tenantId: row.tenant_id, sessionId: row.id, reason: 'host', abandoned: { startingBefore, stoppingBefore } })
        .catch((error) => log(`session ${row.id}: ${(error as Error).message}`));
    }
  };

  /** Containers of this installation whose session is over (or was never recorded). */
  const removeOrphanContainers = async () => {
    // A host without a Docker engine has no editor containers (opening one says so).
    if (!(await dockerEngineAnswers(rt.docker))) return;
    const scope = await sessionScope(rt);
    // Containers first, then the rows: a container is created after its session's row.
    const containers = await rt.docker.listContainers({ all: true, filters: { label: [`${SESSION_SCOPE_LABEL}=${scope}`] } });
    if (containers.length === 0) return;
    const open = new Set((await rt.sql<{ id: string }[]>`
      select id from devmode_sessions where status in ('starting', 'running', 'stopping')`).map((r) => r.id));
    for (const container of containers) {
      const sessionId = container.Labels[SESSION_CONTAINER_LABEL];
      if (sessionId && open.has(sessionId)) continue;
      log(`container ${container.Id.slice(0, 12)} of session ${sessionId ?? '?'} has no open session; removing it`);
      await rt.docker.getContainer(container.Id).remove({ force: true }).catch((error: { statusCode?: number; message: string }) => {
        // Gone already, or being removed: the session's own stop got there first.
        if (error.statusCode !== 404 && error.statusCode !== 409) log(`container ${container.Id.slice(0, 12)}: ${error.message}`);
      });
    }
  };

  const pass = async () => {
    await finishAbandoned().catch((error) => log(`abandoned sessions: ${(error as Error).message}`));
    const sessions = await openSessionsHere();
    const now = Date.now();
    for (const session of sessions) {
      try {
        const container = await inspectContainer(session.containerId);
        if (container === undefined) continue;
        if (!container?.State.Running) {
          log(`session ${session.id}: its container is gone; closing it with the workspace saved`);
          await stopSession(rt, { tenantId: session.tenantId, sessionId: session.id, reason: 'failed' });
          continue;
        }
        if (now - session.lastActivityAt.getTime() > rt.idleSeconds * 1000) {
          await stopSession(rt, { tenantId: session.tenantId, sessionId: session.id, reason: 'idle' });
          continue;
        }
        await handlePublishRequest(session);
        const memory = await sessionMemoryBytes(rt.docker, session.containerId!);
        if (memory !== null) {
          await withTenant(rt.sql, session.tenantId, (tx) => tx`
            update devmode_sessions set memory_used_bytes = ${memory} where id = ${session.id} and status = 'running'`);
        }
      } catch (error) {
        log(`session ${session.id}: ${(error as Error).message}`);
      }
    }
    await followPublishes();
    await removeOrphanContainers().catch((error) => log(`orphan containers: ${(error as Error).message}`));
  };

  const tick = () => {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) tick().catch((error) => log(`supervisor pass failed: ${(error as Error).message}`));
  }, opts.intervalMs ?? 5_000);
  timer.unref();
  // Reconcile now, not a whole interval after a restart.
  const ready = tick().catch((error) => log(`first supervisor pass failed: ${(error as Error).message}`));

  return {
    ready,
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
