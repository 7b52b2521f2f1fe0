// Looks after the editor sessions of this web host's workspaces, wherever their containers run
// (each on a host agent: devmode/agent.ts). Every pass, for each running session:
// - its host agent is asked for the tree (when it changed), whether the container runs, its memory
//   and a Publish request of the editor, in one signed request; the tree goes into this host's
//   copy of the workspace (decision 145), so a session whose host dies is closed with the
//   workspace as of the last pass;
// - a session with no traffic through the proxy for `idleSeconds` is stopped, its workspace saved
//   (a commit) first; one whose container died is closed and its workspace saved;
// - a session whose agent has not beaten for AGENT_DEAD_SECONDS is closed with the workspace
//   saved as of its last sync (the agent removes the container when it comes back: its sweep);
// - the editor's Publish command publishes the workspace through the build queue and its
//   outcome is written back through the agent where the editor reads it;
// - a session a web process that has since ended left 'starting' or 'stopping' is finished.
// The first pass runs as soon as the supervisor starts (editors outlive the web process that
// started them). Every web process on a host may run one; the database decides who stops what
// (stopSession claims a session with one UPDATE), the agent claims a Publish request by renaming
// it.
import type PgBoss from 'pg-boss';
import { getBuild } from '../buildfarm/index.ts';
import { withTenant } from '../db/index.ts';
import { publishStatusToAgent, type PublishStatus } from './agent-client.ts';
import { DevmodeError } from './errors.ts';
import { publishFromSource } from './publish.ts';
import { AGENT_DEAD_SECONDS, stopSession, syncSession, toSession, type DevmodeRuntime, type EditorSession } from './sessions.ts';

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
  session: EditorSession;
  requestId: string;
  buildId: string;
}

type SessionRow = Parameters<typeof toSession>[0];

export function startDevmodeSupervisor(
  rt: DevmodeRuntime,
  opts: { boss: () => Promise<PgBoss>; intervalMs?: number; log?: (line: string) => void },
): DevmodeSupervisor {
  const log = opts.log ?? ((line: string) => console.error(`[devmode] ${line}`));
  const watches = new Map<string, PublishWatch>();
  let running: Promise<void> | null = null;
  let stopped = false;

  const writeStatus = async (session: EditorSession, status: PublishStatus) => {
    const [agent] = await withTenant(rt.sql, session.tenantId, (tx) => tx<{ name: string; address: string }[]>`
      select name, address from devmode_agent_hosts() where name = ${session.host}`);
    if (agent) await publishStatusToAgent(rt.agentSecret, agent, session.id, status);
  };

  const handlePublishRequest = async (session: EditorSession, requestId: string) => {
    try {
      const [user] = await rt.sql<{ id: string; display_name: string; email: string }[]>`
        select id, display_name, email from users where id = ${session.startedBy ?? ''}`;
      const published = await publishFromSource(rt.sql, await opts.boss(), {
        dataDir: rt.dataDir, hostName: rt.hostName, tenantId: session.tenantId, siteId: session.siteId,
        user: { id: user?.id ?? null, name: user?.display_name ?? 'WindWalker', email: user?.email ?? 'devmode@windwalker.invalid' },
      });
      await writeStatus(session, { requestId, state: 'queued', buildId: published.buildId, message: '게시 대기열에 넣었습니다.' });
      watches.set(session.id, { session, requestId, buildId: published.buildId });
    } catch (error) {
      const message = error instanceof DevmodeError || (error as Error).name === 'PublishError' ? (error as Error).message : '게시를 시작하지 못했습니다. 잠시 후 다시 시도해 주세요.';
      if (!(error instanceof DevmodeError)) log(`publish from the editor of session ${session.id} failed: ${(error as Error).message}`);
      await writeStatus(session, { requestId, state: 'failed', message }).catch(() => {});
    }
  };

  const followPublishes = async () => {
    for (const [sessionId, watch] of watches) {
      const build = await getBuild(rt.sql, watch.session.tenantId, watch.buildId).catch(() => null);
      if (!build) continue;
      if (build.status === 'queued' || build.status === 'running') {
        await writeStatus(watch.session, { requestId: watch.requestId, state: build.status, buildId: build.id, message: '게시 중입니다.' }).catch(() => {});
        continue;
      }
      const succeeded = build.status === 'succeeded';
      await writeStatus(watch.session, {
        requestId: watch.requestId, state: succeeded ? 'succeeded' : 'failed', buildId: build.id,
        message: succeeded ? '사이트가 게시되었습니다.' : (build.error ?? '게시하지 못했습니다.'),
      }).catch(() => {});
      watches.delete(sessionId);
    }
  };

  /** Sessions a web process that has since ended left half-way, of this host's workspaces. */
  const finishAbandoned = async () => {
    const startingBefore = new Date(Date.now() - (rt.startTimeoutMs ?? 60_000) - 30_000);
    const stoppingBefore = new Date(Date.now() - ABANDONED_STOP_MS);
    const rows = await rt.sql<{ id: string; tenant_id: string; status: string }[]>`
      select s.id, s.tenant_id, s.status from devmode_sessions s join devmode_workspaces w on w.site_id = s.site_id
      where w.host = ${rt.hostName}
        and ((s.status = 'starting' and s.started_at < ${startingBefore}) or (s.status = 'stopping' and s.stopped_at < ${stoppingBefore}))`;
    for (const row of rows) {
      log(`session ${row.id}: left '${row.status}' by a web process that ended; closing it with the workspace saved`);
      await stopSession(rt, { tenantId: row.tenant_id, sessionId: row.id, reason: 'host', abandoned: { startingBefore, stoppingBefore } })
        .catch((error) => log(`session ${row.id}: ${(error as Error).message}`));
    }
  };

  const pass = async () => {
    await finishAbandoned().catch((error) => log(`abandoned sessions: ${(error as Error).message}`));
    // Platform-level read of this host's workspaces' sessions and their agents' last beat; every
    // change below goes through withTenant with the session's own tenant.
    const rows = await rt.sql<(SessionRow & { since_beat: number | null })[]>`
      select s.*, extract(epoch from now() - h.heartbeat_at)::float8 as since_beat
      from devmode_sessions s
      join devmode_workspaces w on w.site_id = s.site_id
      left join devmode_hosts h on h.name = s.host
      where w.host = ${rt.hostName} and s.status = 'running'`;
    const now = Date.now();
    for (const row of rows) {
      const session = toSession(row);
      try {
        if (row.since_beat === null || row.since_beat > AGENT_DEAD_SECONDS) {
          log(`session ${session.id}: its host ${session.host} has not answered for ${row.since_beat === null ? '?' : Math.round(row.since_beat)} s; closing it with the workspace saved as of ${session.syncedAt?.toISOString() ?? 'its start'}`);
          await stopSession(rt, { tenantId: session.tenantId, sessionId: session.id, reason: 'host' });
          continue;
        }
        const answer = await syncSession(rt, session);
        if (answer.running === false) {
          log(`session ${session.id}: its container is gone; closing it with the workspace saved`);
          await stopSession(rt, { tenantId: session.tenantId, sessionId: session.id, reason: 'failed' });
          continue;
        }
        if (now - session.lastActivityAt.getTime() > rt.idleSeconds * 1000) {
          await stopSession(rt, { tenantId: session.tenantId, sessionId: session.id, reason: 'idle' });
          continue;
        }
        if (answer.publishRequestId) await handlePublishRequest(session, answer.publishRequestId);
        if (answer.memoryBytes !== null) {
          await withTenant(rt.sql, session.tenantId, (tx) => tx`
            update devmode_sessions set memory_used_bytes = ${answer.memoryBytes} where id = ${session.id} and status = 'running'`);
        }
      } catch (error) {
        log(`session ${session.id}: ${(error as Error).message}`);
      }
    }
    await followPublishes();
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
