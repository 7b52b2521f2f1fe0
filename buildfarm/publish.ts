// Publish: snapshot the site's document into an immutable version, queue one build for it,
// and supersede the site's build that is still waiting (the newest content is what goes live).
import type PgBoss from 'pg-boss';
import { withTenant, type Sql } from '../db/index.ts';
import { announceBuildStatus, appendBuildLog, BUILD_QUEUED_CHANNEL } from './build-events.ts';
import { buildLimitsForPlan } from './plan-limits.ts';
import { BUILD_QUEUE, type BuildJob } from './queue.ts';

export class PublishError extends Error {}

export interface PublishResult {
  buildId: string;
  versionId: string;
}

export async function publishSite(
  sql: Sql,
  boss: PgBoss,
  /** sourceSnapshotId: publish a developer-mode source snapshot (buildfarm/source-build.ts) instead of the document. */
  opts: { tenantId: string; siteId: string; userId: string | null; sourceSnapshotId?: string | null },
): Promise<PublishResult> {
  const { tenantId, siteId, userId } = opts;
  const published = await withTenant(sql, tenantId, async (tx) => {
    // The site row lock orders concurrent publishes of one site: version numbers stay unique
    // and exactly one build is left queued.
    const [site] = await tx<{ plan_code: string }[]>`
      select t.plan_code
      from sites s join tenants t on t.id = s.tenant_id
      where s.id = ${siteId}
      for update of s`;
    if (!site) throw new PublishError('사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
    // A site in developer mode publishes its code, never the builder document it started from.
    if (!opts.sourceSnapshotId) {
      const [devmode] = await tx`select 1 from devmode_workspaces where site_id = ${siteId}`;
      if (devmode) throw new PublishError(`이 사이트는 개발자 모드라 코드에서 게시합니다. 코드 편집기 페이지(/sites/${siteId}/code)의 게시 단추나 편집기 안의 '사이트 게시'를 눌러 주세요.`);
    }
    const limits = buildLimitsForPlan(site.plan_code);

    // The document is copied in the database (locked above), not read out and sent back.
    const [version] = await tx<{ id: string; number: number }[]>`
      insert into site_versions (tenant_id, site_id, number, document, reason, created_by, source_snapshot_id)
      select ${tenantId}, ${siteId}, coalesce(max(v.number), 0) + 1, (select document from sites where id = ${siteId}), 'publish', ${userId}, ${opts.sourceSnapshotId ?? null}
      from site_versions v where v.site_id = ${siteId}
      returning id, number`;

    const superseded = await tx<{ id: string; job_id: string | null }[]>`
      update builds set status = 'superseded', finished_at = now(), stage = null,
        error = '더 새로운 게시가 이 빌드를 대신합니다.'
      where site_id = ${siteId} and status = 'queued'
      returning id, job_id`;

    const [build] = await tx<{ id: string }[]>`
      insert into builds (tenant_id, site_id, version_id, status, stage, requested_by, priority)
      values (${tenantId}, ${siteId}, ${version.id}, 'queued', 'queued', ${userId}, ${limits.priority})
      returning id`;

    for (const old of superseded) {
      await appendBuildLog(tx, {
        tenantId, buildId: old.id, stage: 'queued',
        message: `버전 ${version.number}의 새 게시가 이 빌드를 대신합니다.`,
      });
      await announceBuildStatus(tx, old.id);
    }
    await appendBuildLog(tx, {
      tenantId, buildId: build.id, stage: 'queued',
      message: `버전 ${version.number}을(를) 게시 대기열에 넣었습니다.`,
    });
    await announceBuildStatus(tx, build.id);
    await tx`
      insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${tenantId}, ${userId}, 'site.publish', ${siteId},
              ${tx.json({ buildId: build.id, versionId: version.id, versionNumber: version.number })})`;
    return { buildId: build.id, versionId: version.id, priority: limits.priority, superseded };
  });

  const supersededJobs = published.superseded.flatMap((b) => (b.job_id ? [b.job_id] : []));
  if (supersededJobs.length) await boss.cancel(BUILD_QUEUE, supersededJobs);
  await enqueueBuild(sql, boss, { tenantId, siteId, buildId: published.buildId, priority: published.priority });
  return { buildId: published.buildId, versionId: published.versionId };
}

/**
 * Gives a queued build a pg-boss job (also used to defer a build behind its site's running
 * build, and by the worker to re-enqueue a queued build whose publisher died before sending).
 */
export async function enqueueBuild(
  sql: Sql,
  boss: PgBoss,
  opts: { tenantId: string; siteId: string; buildId: string; priority: number; startAfterSeconds?: number },
): Promise<string> {
  const job: BuildJob = { kind: 'build', buildId: opts.buildId, tenantId: opts.tenantId, siteId: opts.siteId };
  const jobId = await boss.send(BUILD_QUEUE, job, {
    priority: opts.priority,
    singletonKey: opts.siteId,
    ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
  });
  if (!jobId) throw new Error(`pg-boss refused the build job for build ${opts.buildId}`);
  await withTenant(sql, opts.tenantId, async (tx) => {
    await tx`update builds set job_id = ${jobId} where id = ${opts.buildId} and status in ('queued', 'running')`;
    // A job that may start now wakes the idle workers (they poll every 0.5 s otherwise).
    if (!opts.startAfterSeconds) await tx`select pg_notify(${BUILD_QUEUED_CHANNEL}, ${jobId})`;
  });
  return jobId;
}
