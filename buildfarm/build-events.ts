// Build logs and progress: stored in build_logs / builds, announced on the 'build_events'
// channel in the same transaction (PostgreSQL delivers a NOTIFY only when it commits), so a
// browser streaming a build never sees an event for something that was rolled back.
import type { Sql, TransactionSql } from '../db/index.ts';

export const BUILD_EVENTS_CHANNEL = 'build_events';
export const BUILD_CANCEL_CHANNEL = 'build_cancel';
/** Wakes idle workers when a build job is sent, so pickup does not wait for the next poll. */
export const BUILD_QUEUED_CHANNEL = 'build_queued';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'superseded';
export type BuildStage = 'queued' | 'render' | 'upload' | 'switch' | 'done';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface BuildLogEvent {
  type: 'log';
  buildId: string;
  id: number;
  at: string;
  level: LogLevel;
  stage: string | null;
  message: string;
}

export interface BuildStatusEvent {
  type: 'status';
  buildId: string;
  status: BuildStatus;
  stage: string | null;
  progress: number;
  error: string | null;
  deploymentId: string | null;
}

export type BuildEvent = BuildLogEvent | BuildStatusEvent;

// NOTIFY payloads are limited to 8000 bytes; a log line longer than this is stored whole and
// announced shortened (the stream's reader can re-read the row).
const ANNOUNCED_MESSAGE_CHARS = 2000;

export async function appendBuildLog(
  tx: TransactionSql,
  entry: { tenantId: string; buildId: string; level?: LogLevel; stage: string | null; message: string },
): Promise<number> {
  const level = entry.level ?? 'info';
  // Stored and announced in one statement (every build writes several of these on its path).
  // execute() sends it when this is called (a bare `await` of a postgres.js query starts it a
  // microtask later), so statements a caller pipelines in one transaction run in call order.
  // The event is a BuildLogEvent: `at` as JavaScript's toISOString writes it.
  const [row] = await tx<{ id: number }[]>`
    with stored as (
      insert into build_logs (tenant_id, build_id, level, stage, message)
      values (${entry.tenantId}, ${entry.buildId}, ${level}, ${entry.stage}, ${entry.message})
      returning id, at, build_id, level, stage, message)
    select id, pg_notify(${BUILD_EVENTS_CHANNEL}, json_build_object(
      'type', 'log', 'buildId', build_id, 'id', id,
      'at', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'level', level, 'stage', stage, 'message', left(message, ${ANNOUNCED_MESSAGE_CHARS}))::text)
    from stored`.execute();
  return row.id;
}

/**
 * appendBuildLog for several lines of one build: one statement, the lines stored and announced
 * in the order given (sent when called, like appendBuildLog).
 */
export async function appendBuildLogs(
  tx: TransactionSql,
  opts: { tenantId: string; buildId: string; lines: { level?: LogLevel; stage: string | null; message: string }[] },
): Promise<void> {
  if (opts.lines.length === 0) return;
  const rows = opts.lines.map((line) => ({
    tenant_id: opts.tenantId, build_id: opts.buildId, level: line.level ?? 'info', stage: line.stage, message: line.message,
  }));
  await tx`
    with stored as (
      insert into build_logs ${tx(rows, 'tenant_id', 'build_id', 'level', 'stage', 'message')}
      returning id, at, build_id, level, stage, message)
    select pg_notify(${BUILD_EVENTS_CHANNEL}, json_build_object(
      'type', 'log', 'buildId', build_id, 'id', id,
      'at', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'level', level, 'stage', stage, 'message', left(message, ${ANNOUNCED_MESSAGE_CHARS}))::text)
    from (select * from stored order by id) as ordered`.execute();
}

/**
 * Runs `update` — an `update builds set … where …` of one build, as a fragment — and announces
 * the row it leaves, in one statement; resolves to the rows it changed (none: the where clause
 * did not match, and nothing is announced).
 */
export async function updateBuildAndAnnounce(tx: TransactionSql, update: ReturnType<TransactionSql>): Promise<{ count: number }> {
  const rows = await tx`
    with updated as (${update} returning id, status, stage, progress, error, deployment_id)
    select pg_notify(${BUILD_EVENTS_CHANNEL}, json_build_object(
      'type', 'status', 'buildId', id, 'status', status, 'stage', stage, 'progress', progress,
      'error', error, 'deploymentId', deployment_id)::text)
    from updated`.execute();
  return { count: rows.length };
}

/** Announces the build's current status row (read back in the same statement, so the event matches what is stored). */
export async function announceBuildStatus(tx: TransactionSql, buildId: string): Promise<void> {
  // One round trip: this runs in every stage change of every build.
  await tx`
    select pg_notify(${BUILD_EVENTS_CHANNEL}, json_build_object(
      'type', 'status', 'buildId', id, 'status', status, 'stage', stage, 'progress', progress,
      'error', error, 'deploymentId', deployment_id)::text)
    from builds where id = ${buildId}`.execute();
}

/**
 * Streams one build's events live (web turns them into server-sent events). Returns the
 * function that stops listening. Events are only for builds the caller already checked it may
 * see: the channel is shared by all tenants, so filter by a build id read through withTenant.
 */
export async function subscribeToBuild(
  sql: Sql,
  buildId: string,
  onEvent: (event: BuildEvent) => void,
): Promise<() => Promise<void>> {
  const listener = await sql.listen(BUILD_EVENTS_CHANNEL, (payload) => {
    let event: BuildEvent;
    try {
      event = JSON.parse(payload) as BuildEvent;
    } catch {
      return;
    }
    if (event.buildId === buildId) onEvent(event);
  });
  return async () => {
    await listener.unlisten();
  };
}
