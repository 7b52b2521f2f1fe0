// What /admin shows of the build farm: workers, queue depth, running builds, recent failures,
// the dead-letter queue, and re-running a build from it. These read across all tenants, so
// they run as the platform (not through withTenant); the web layer calls them only behind
// requirePlatformRole('admin').
import type PgBoss from 'pg-boss';
import { isUuid, listProcesses, withTenant, type ProcessStatus, type Sql } from '../db/index.ts';
import { announceBuildStatus, appendBuildLog } from './build-events.ts';
import { enqueueBuild } from './publish.ts';
import { BUILD_DEAD_LETTER_QUEUE, BUILD_QUEUE } from './queue.ts';

export interface FarmBuild {
  id: string;
  tenantId: string;
  tenantName: string;
  siteId: string;
  siteSlug: string;
  status: string;
  stage: string | null;
  progress: number;
  executor: string | null;
  workerId: string | null;
  attempts: number;
  error: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface BuildFarmStatus {
  workers: ProcessStatus[];
  queueDepth: number;
  running: FarmBuild[];
  recentFailures: FarmBuild[];
}

const farmBuildColumns = (sql: Sql) => sql`
  b.id, b.tenant_id as "tenantId", t.name as "tenantName", b.site_id as "siteId", s.slug as "siteSlug",
  b.status, b.stage, b.progress, b.executor, b.worker_id as "workerId", b.attempts, b.error,
  b.queued_at as "queuedAt", b.started_at as "startedAt", b.finished_at as "finishedAt"`;

export async function getBuildFarmStatus(sql: Sql): Promise<BuildFarmStatus> {
  const workers = (await listProcesses(sql)).filter((p) => p.kind === 'worker');
  const [{ depth }] = await sql<{ depth: number }[]>`select count(*)::int as depth from builds where status = 'queued'`;
  const running = await sql<FarmBuild[]>`
    select ${farmBuildColumns(sql)}
    from builds b join sites s on s.id = b.site_id join tenants t on t.id = b.tenant_id
    where b.status = 'running'
    order by b.started_at`;
  const recentFailures = await sql<FarmBuild[]>`
    select ${farmBuildColumns(sql)}
    from builds b join sites s on s.id = b.site_id join tenants t on t.id = b.tenant_id
    where b.status = 'failed' and b.finished_at > now() - interval '7 days'
    order by b.finished_at desc
    limit 20`;
  return { workers, queueDepth: depth, running, recentFailures };
}

export interface DeadLetteredBuild extends FarmBuild {
  jobId: string;
  deadLetteredAt: Date;
}

/** Builds whose job ran out of retries or expired (pg-boss moved it to the dead-letter queue), archived ones included. */
export async function listDeadLetteredBuilds(sql: Sql): Promise<DeadLetteredBuild[]> {
  return sql<DeadLetteredBuild[]>`
    select ${farmBuildColumns(sql)}, j.id as "jobId", j.created_on as "deadLetteredAt"
    from (select id, data, created_on from pgboss.job where name = ${BUILD_DEAD_LETTER_QUEUE}
          union all
          select id, data, created_on from pgboss.archive where name = ${BUILD_DEAD_LETTER_QUEUE}) j
      join builds b on b.id = (j.data->>'buildId')::uuid
      join sites s on s.id = b.site_id join tenants t on t.id = b.tenant_id
    order by j.created_on desc
    limit 100`;
}

export class RerunBuildError extends Error {}

/**
 * Runs a finished build's site version again as a new build (build rows are history and are
 * never reopened). Like a publish, it supersedes the site's queued build.
 */
export async function rerunBuild(sql: Sql, boss: PgBoss, opts: { buildId: string; userId: string | null }): Promise<{ buildId: string }> {
  if (!isUuid(opts.buildId)) throw new RerunBuildError('빌드를 찾을 수 없습니다.');
  const [old] = await sql<{ tenant_id: string }[]>`select tenant_id from builds where id = ${opts.buildId}`;
  if (!old) throw new RerunBuildError('빌드를 찾을 수 없습니다.');
  const tenantId = old.tenant_id;
  const rerun = await withTenant(sql, tenantId, async (tx) => {
    const [build] = await tx<{ site_id: string; version_id: string; status: string; priority: number }[]>`
      select site_id, version_id, status, priority from builds where id = ${opts.buildId}`;
    if (build.status === 'queued' || build.status === 'running') {
      throw new RerunBuildError('아직 끝나지 않은 빌드는 다시 실행할 수 없습니다. 끝난 뒤 다시 시도해 주세요.');
    }
    await tx`select id from sites where id = ${build.site_id} for update`;
    const superseded = await tx<{ id: string; job_id: string | null }[]>`
      update builds set status = 'superseded', finished_at = now(), stage = null,
        error = '관리자가 다시 실행한 빌드가 이 빌드를 대신합니다.'
      where site_id = ${build.site_id} and status = 'queued'
      returning id, job_id`;
    const [created] = await tx<{ id: string }[]>`
      insert into builds (tenant_id, site_id, version_id, status, stage, requested_by, priority)
      values (${tenantId}, ${build.site_id}, ${build.version_id}, 'queued', 'queued', ${opts.userId}, ${build.priority})
      returning id`;
    for (const s of superseded) await announceBuildStatus(tx, s.id);
    await appendBuildLog(tx, {
      tenantId, buildId: created.id, stage: 'queued',
      message: `실패한 빌드(${opts.buildId})를 관리자가 다시 실행합니다.`,
    });
    await announceBuildStatus(tx, created.id);
    return { buildId: created.id, siteId: build.site_id, priority: build.priority, superseded };
  });
  const jobs = rerun.superseded.flatMap((s) => (s.job_id ? [s.job_id] : []));
  if (jobs.length) await boss.cancel(BUILD_QUEUE, jobs);
  await enqueueBuild(sql, boss, { tenantId, siteId: rerun.siteId, buildId: rerun.buildId, priority: rerun.priority });
  return { buildId: rerun.buildId };
}
