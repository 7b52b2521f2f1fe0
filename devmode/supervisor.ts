// Looks after this host's editor sessions, from the web process that serves them:
// - a session with no traffic through the proxy for `idleSeconds` is stopped, its workspace
//   saved (a commit) first;
// - a session whose container died is closed and its workspace saved;
// - the editor's Publish command (a request file in the session folder, the container has no
//   network) publishes the workspace through the build queue and writes the outcome back;
// - each running session's memory is sampled for the ops capacity view.
// Every web process on a host may run one; the database decides who stops what (stopSession
// claims a session with one UPDATE), and a publish request file is claimed by renaming it.
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { getBuild } from '../buildfarm/index.ts';
import { withTenant } from '../db/index.ts';
import { DevmodeError } from './errors.ts';
import { publishFromSource } from './publish.ts';
import { sessionDir, sessionMemoryBytes, stopSession, toSession, type DevmodeRuntime } from './sessions.ts';

export interface DevmodeSupervisor {
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

  const pass = async () => {
    const sessions = await openSessionsHere();
    const now = Date.now();
    for (const session of sessions) {
      try {
        const container = session.containerId ? await rt.docker.getContainer(session.containerId).inspect().catch(() => null) : null;
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

  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
