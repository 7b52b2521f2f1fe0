// Reading and cancelling builds, always through withTenant: another tenant's build id reads
// as nothing at all.
import type PgBoss from 'pg-boss';
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { announceBuildStatus, appendBuildLog, BUILD_CANCEL_CHANNEL, type BuildStatus, type LogLevel } from './build-events.ts';
import { BUILD_QUEUE } from './queue.ts';

export interface Build {
  id: string;
  siteId: string;
  versionId: string;
  versionNumber: number;
  status: BuildStatus;
  stage: string | null;
  progress: number;
  executor: string | null;
  workerId: string | null;
  attempts: number;
  error: string | null;
  deploymentId: string | null;
  requestedBy: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Queued builds ahead of this one across the whole farm (paid plans first); null unless queued. */
  queuePosition: number | null;
}

export interface BuildLogLine {
  id: number;
  at: Date;
  level: LogLevel;
  stage: string | null;
  message: string;
}

interface BuildRow {
  id: string;
  site_id: string;
  version_id: string;
  version_number: number;
  status: BuildStatus;
  stage: string | null;
  progress: number;
  executor: string | null;
  worker_id: string | null;
  attempts: number;
  error: string | null;
  deployment_id: string | null;
  requested_by: string | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  queue_position: number | null;
}

function toBuild(row: BuildRow): Build {
  return {
    id: row.id,
    siteId: row.site_id,
    versionId: row.version_id,
    versionNumber: row.version_number,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    executor: row.executor,
    workerId: row.worker_id,
    attempts: row.attempts,
    error: row.error,
    deploymentId: row.deployment_id,
    requestedBy: row.requested_by,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    queuePosition: row.queue_position,
  };
}

export async function getBuild(sql: Sql, tenantId: string, buildId: string): Promise<Build | null> {
  if (!isUuid(buildId)) return null;
  const [row] = await withTenant(sql, tenantId, (tx) => tx<BuildRow[]>`
    select b.id, b.site_id, b.version_id, v.number as version_number, b.status, b.stage, b.progress,
      b.executor, b.worker_id, b.attempts, b.error, b.deployment_id, b.requested_by,
      b.queued_at, b.started_at, b.finished_at,
      case when b.status = 'queued' then build_queue_position(b.id) end as queue_position
    from builds b join site_versions v on v.id = b.version_id
    where b.id = ${buildId}`);
  return row ? toBuild(row) : null;
}

export async function listBuilds(sql: Sql, tenantId: string, siteId: string, limit = 50): Promise<Build[]> {
  if (!isUuid(siteId)) return [];
  const rows = await withTenant(sql, tenantId, (tx) => tx<BuildRow[]>`
    select b.id, b.site_id, b.version_id, v.number as version_number, b.status, b.stage, b.progress,
      b.executor, b.worker_id, b.attempts, b.error, b.deployment_id, b.requested_by,
      b.queued_at, b.started_at, b.finished_at,
      case when b.status = 'queued' then build_queue_position(b.id) end as queue_position
    from builds b join site_versions v on v.id = b.version_id
    where b.site_id = ${siteId}
    order by b.queued_at desc, b.id
    limit ${limit}`);
  return rows.map(toBuild);
}

/** Log lines in the order they were written; `afterId` resumes a stream after a reconnect. */
export async function listBuildLogs(sql: Sql, tenantId: string, buildId: string, afterId = 0): Promise<BuildLogLine[]> {
  if (!isUuid(buildId)) return [];
  return withTenant(sql, tenantId, (tx) => tx<BuildLogLine[]>`
    select id, at, level, stage, message from build_logs
    where build_id = ${buildId} and id > ${afterId}
    order by id`);
}

export class CancelBuildError extends Error {}

/**
 * Queued: the build is cancelled and its job withdrawn. Running: the build is marked cancelled
 * at once and every worker is told; the one running it kills its container or process, and
 * the switch step refuses a cancelled build, so the live site is never touched.
 */
export async function cancelBuild(sql: Sql, boss: PgBoss, opts: { tenantId: string; buildId: string }): Promise<void> {
  const { tenantId, buildId } = opts;
  if (!isUuid(buildId)) throw new CancelBuildError('빌드를 찾을 수 없습니다. 빌드 목록에서 다시 선택해 주세요.');
  const cancelled = await withTenant(sql, tenantId, async (tx) => {
    const [before] = await tx<{ status: BuildStatus; stage: string | null; job_id: string | null }[]>`
      select status, stage, job_id from builds where id = ${buildId} for update`;
    if (!before) throw new CancelBuildError('빌드를 찾을 수 없습니다. 빌드 목록에서 다시 선택해 주세요.');
    if (before.status !== 'queued' && before.status !== 'running') {
      throw new CancelBuildError('이미 끝난 빌드는 취소할 수 없습니다. 빌드 목록에서 상태를 확인해 주세요.');
    }
    if (before.stage === 'switch') {
      // The files are uploaded and the site is switching to them: stopping now could only
      // leave the owner unsure which version is live.
      throw new CancelBuildError('사이트를 새 버전으로 전환하는 중이라 취소할 수 없습니다. 끝난 뒤 이전 배포로 되돌릴 수 있습니다.');
    }
    await tx`
      update builds set status = 'cancelled', finished_at = now(), error = '사용자가 빌드를 취소했습니다.'
      where id = ${buildId}`;
    await appendBuildLog(tx, {
      tenantId, buildId, level: 'warn', stage: null,
      message: before.status === 'running' ? '실행 중인 빌드를 취소했습니다. 빌드 작업을 중지합니다.' : '대기 중인 빌드를 취소했습니다.',
    });
    await announceBuildStatus(tx, buildId);
    if (before.status === 'running') await tx`select pg_notify(${BUILD_CANCEL_CHANNEL}, ${buildId})`;
    return before;
  });
  if (cancelled.status === 'queued' && cancelled.job_id) await boss.cancel(BUILD_QUEUE, cancelled.job_id);
}
