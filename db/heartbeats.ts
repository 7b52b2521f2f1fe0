// Every long-running process (web, worker, monitor, edge) registers itself and beats every few
// seconds, so /admin and the ops dashboard can see what is alive without asking each process.
import os from 'node:os';
import type { Sql } from './client.ts';

export type ProcessKind = 'web' | 'worker' | 'monitor' | 'edge';

export interface HeartbeatOptions {
  kind: ProcessKind;
  id?: string;
  executor?: string;
  capacity?: number;
  intervalMs?: number;
  /** Extra facts to publish with each beat (running builds, sites served, …). */
  info?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface Heartbeat {
  id: string;
  stop(): Promise<void>;
}

export async function startHeartbeat(sql: Sql, options: HeartbeatOptions): Promise<Heartbeat> {
  const host = os.hostname();
  const id = options.id ?? `${options.kind}:${host}:${process.pid}`;
  const beat = async () => {
    const info = options.info ? await options.info() : {};
    await sql`
      insert into process_heartbeats (id, kind, host, pid, executor, capacity, info)
      values (${id}, ${options.kind}, ${host}, ${process.pid}, ${options.executor ?? null},
              ${options.capacity ?? null}, ${sql.json(info as never)})
      on conflict (id) do update set last_seen_at = now(), info = excluded.info,
        executor = excluded.executor, capacity = excluded.capacity, stopped_at = null`;
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((error) => console.error(`[heartbeat] ${id}: ${(error as Error).message}`));
  }, options.intervalMs ?? 5_000);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      await sql`update process_heartbeats set stopped_at = now() where id = ${id}`.catch(() => {});
    },
  };
}

export interface ProcessStatus {
  id: string;
  kind: ProcessKind;
  host: string;
  pid: number;
  executor: string | null;
  capacity: number | null;
  info: Record<string, unknown>;
  started_at: Date;
  last_seen_at: Date;
  stopped_at: Date | null;
  alive: boolean;
}

/** Processes seen in the last hour; `alive` when the last beat is under 30 seconds old. */
export async function listProcesses(sql: Sql): Promise<ProcessStatus[]> {
  return sql<ProcessStatus[]>`
    select *, (stopped_at is null and last_seen_at > now() - interval '30 seconds') as alive
    from process_heartbeats
    where last_seen_at > now() - interval '1 hour'
    order by kind, host, started_at`;
}
