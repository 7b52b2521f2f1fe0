// What the platform admin sees on /admin/builds: the build farm's workers, queue depth, running
// builds, recent failures and the dead-letter queue (buildfarm/), plus for each dead-lettered
// build what the site built after it, so an admin sees whether a re-run already happened.
// Platform-level reads across tenants: only ever called behind requirePlatformRole('admin').
import { getBuildFarmStatus, listDeadLetteredBuilds, rerunBuild, RerunBuildError, type DeadLetteredBuild, type FarmBuild } from '../../buildfarm/index.ts';
import { isUuid, type ProcessStatus, type Sql } from '../../db/index.ts';
import type PgBoss from 'pg-boss';

export interface FarmWorker extends ProcessStatus {
  /** Builds this worker holds right now (status 'running' with its worker id). */
  runningBuilds: number;
}

export interface LaterBuild {
  id: string;
  status: string;
  queuedAt: Date;
}

export interface DeadLetteredBuildView extends DeadLetteredBuild {
  /** The site's newest build when it was queued after this one (a re-run or a new publish). */
  laterBuild: LaterBuild | null;
}

export interface BuildFarmView {
  workers: FarmWorker[];
  queueDepth: number;
  running: FarmBuild[];
  recentFailures: FarmBuild[];
  deadLettered: DeadLetteredBuildView[];
}

export async function loadBuildFarmView(sql: Sql): Promise<BuildFarmView> {
  const [status, deadLettered] = await Promise.all([getBuildFarmStatus(sql), listDeadLetteredBuilds(sql)]);
  const holding = new Map<string, number>();
  for (const build of status.running) {
    if (build.workerId) holding.set(build.workerId, (holding.get(build.workerId) ?? 0) + 1);
  }
  const workers = status.workers
    .map((w) => ({ ...w, runningBuilds: holding.get(w.id) ?? 0 }))
    // Live workers first, then the ones that stopped or went silent, newest first.
    .sort((a, b) => Number(b.alive) - Number(a.alive) || new Date(b.last_seen_at).getTime() - new Date(a.last_seen_at).getTime());

  const siteIds = [...new Set(deadLettered.map((b) => b.siteId))];
  const newest = siteIds.length
    ? await sql<(LaterBuild & { siteId: string })[]>`
        select distinct on (site_id) site_id as "siteId", id, status, queued_at as "queuedAt"
        from builds
        where site_id = any(${siteIds}::uuid[])
        order by site_id, queued_at desc, id`
    : [];
  const newestBySite = new Map(newest.map((b) => [b.siteId, b]));
  return {
    workers,
    queueDepth: status.queueDepth,
    running: status.running,
    recentFailures: status.recentFailures,
    deadLettered: deadLettered.map((b) => {
      const later = newestBySite.get(b.siteId);
      const isLater = later && later.id !== b.id && new Date(later.queuedAt).getTime() > new Date(b.queuedAt).getTime();
      return { ...b, laterBuild: isLater ? { id: later.id, status: later.status, queuedAt: later.queuedAt } : null };
    }),
  };
}

/**
 * Re-runs a build from the dead-letter queue as a new queued build. Answers a Korean sentence
 * either way; a failure that is not the admin's to fix is logged here, once, with its cause.
 */
export async function rerunDeadLetteredBuild(
  sql: Sql,
  boss: PgBoss,
  opts: { buildId: string; userId: string }
): Promise<{ ok: true; message: string; buildId: string } | { ok: false; status: number; message: string }> {
  if (!isUuid(opts.buildId)) return { ok: false, status: 400, message: '다시 실행할 빌드를 찾을 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' };
  const [build] = await sql<{ slug: string }[]>`
    select s.slug from builds b join sites s on s.id = b.site_id where b.id = ${opts.buildId}`;
  if (!build) return { ok: false, status: 404, message: '다시 실행할 빌드를 찾을 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' };
  try {
    const rerun = await rerunBuild(sql, boss, { buildId: opts.buildId, userId: opts.userId });
    return {
      ok: true,
      buildId: rerun.buildId,
      message: `'${build.slug}' 사이트의 빌드를 다시 실행했습니다. 새 빌드가 대기열에 들어갔습니다.`,
    };
  } catch (error) {
    if (error instanceof RerunBuildError) return { ok: false, status: 409, message: error.message };
    console.error(new Error(`re-running build ${opts.buildId} failed`, { cause: error }));
    return { ok: false, status: 500, message: '빌드를 다시 실행하지 못했습니다. 잠시 뒤 다시 시도하고, 계속되면 서버 로그를 확인해 주세요.' };
  }
}
