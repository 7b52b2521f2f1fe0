// Publishing and the queue, without a worker: what an owner sees between the click and the build.
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { subscribeToBuild, type BuildEvent } from './build-events.ts';
import { cancelBuild, getBuild, listBuildLogs, listBuilds } from './builds.ts';
import { publishSite } from './publish.ts';
import { BUILD_QUEUE, startQueue } from './queue.ts';

let db: TestDatabase;
let boss: PgBoss;
let tenantA: string;
let tenantB: string;
let paidTenant: string;

async function createSite(tenantId: string, slug: string): Promise<string> {
  // publishSite snapshots whatever document the site holds; the worker validates it.
  const document = { version: 1, name: slug, pages: [] };
  const [site] = await db.sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document)
    values (${tenantId}, ${slug}, ${slug}, 'cafe', ${db.sql.json(document)})
    returning id`;
  return site.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  boss = await startQueue(db.url);
  [{ id: tenantA }, { id: tenantB }, { id: paidTenant }] = await db.sql<{ id: string }[]>`
    insert into tenants (name, plan_code) values ('카페 A', 'trial'), ('미용실 B', 'trial'), ('학원 C', 'premium') returning id`;
});
afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
  await db.drop();
});

describe('startQueue', () => {
  it('creates the build queue with retries, backoff, expiry and a dead-letter queue', async () => {
    const queue = await boss.getQueue(BUILD_QUEUE);
    expect(queue).toMatchObject({ policy: 'standard', retryLimit: 3, retryBackoff: true, expireInSeconds: 300, deadLetter: 'site-build-dead' });
    expect(await boss.getQueue('site-build-dead')).not.toBeNull();
  });
});

describe('publishSite', () => {
  it('snapshots the document as a new version, queues one build with a job and logs it', async () => {
    const siteId = await createSite(tenantA, 'cafe-first');
    const { buildId, versionId } = await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });

    const [version] = await db.sql`select number, reason, document from site_versions where id = ${versionId}`;
    expect(version).toMatchObject({ number: 1, reason: 'publish', document: { name: 'cafe-first' } });
    const build = await getBuild(db.sql, tenantA, buildId);
    expect(build).toMatchObject({ status: 'queued', versionId, versionNumber: 1, siteId, queuePosition: expect.any(Number) });
    const [row] = await db.sql<{ job_id: string }[]>`select job_id from builds where id = ${buildId}`;
    const job = await boss.getJobById<{ kind: string; buildId: string }>(BUILD_QUEUE, row.job_id);
    expect(job?.data).toEqual({ kind: 'build', buildId, tenantId: tenantA, siteId });
    expect(job?.singletonKey).toBe(siteId);
    const logs = await listBuildLogs(db.sql, tenantA, buildId);
    expect(logs.map((l) => l.stage)).toEqual(['queued']);
    expect(logs[0].message).toContain('버전 1');
  });

  it('supersedes the queued build of the same site: one queued build per site, its job cancelled', async () => {
    const siteId = await createSite(tenantA, 'cafe-burst');
    const first = await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });
    const second = await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });

    expect((await getBuild(db.sql, tenantA, first.buildId))?.status).toBe('superseded');
    expect((await getBuild(db.sql, tenantA, second.buildId))?.status).toBe('queued');
    const [firstRow] = await db.sql<{ job_id: string }[]>`select job_id from builds where id = ${first.buildId}`;
    expect((await boss.getJobById(BUILD_QUEUE, firstRow.job_id))?.state).toBe('cancelled');
    const builds = await listBuilds(db.sql, tenantA, siteId);
    expect(builds.map((b) => [b.versionNumber, b.status])).toEqual([[2, 'queued'], [1, 'superseded']]);
  });

  it('keeps version numbers unique and exactly one build queued when publishes race', async () => {
    const siteId = await createSite(tenantA, 'cafe-race');
    await Promise.all(Array.from({ length: 6 }, () => publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null })));
    const versions = await db.sql<{ number: number }[]>`select number from site_versions where site_id = ${siteId} order by number`;
    expect(versions.map((v) => v.number)).toEqual([1, 2, 3, 4, 5, 6]);
    const statuses = await db.sql<{ status: string; number: number }[]>`
      select b.status, v.number from builds b join site_versions v on v.id = b.version_id where b.site_id = ${siteId}`;
    expect(statuses.filter((s) => s.status === 'queued')).toEqual([{ status: 'queued', number: 6 }]);
  });

  it('refuses another workspace’s site without creating anything', async () => {
    const siteId = await createSite(tenantA, 'cafe-private');
    await expect(publishSite(db.sql, boss, { tenantId: tenantB, siteId, userId: null })).rejects.toThrow(/사이트를 찾을 수 없습니다/);
    const [{ count }] = await db.sql`select count(*)::int as count from site_versions where site_id = ${siteId}`;
    expect(count).toBe(0);
  });

  it('puts paid plans first in the queue and tells each owner its position', async () => {
    const trialSite = await createSite(tenantB, 'salon-trial');
    const paidSite = await createSite(paidTenant, 'academy-paid');
    const trial = await publishSite(db.sql, boss, { tenantId: tenantB, siteId: trialSite, userId: null });
    const paid = await publishSite(db.sql, boss, { tenantId: paidTenant, siteId: paidSite, userId: null });
    const trialBuild = await getBuild(db.sql, tenantB, trial.buildId);
    const paidBuild = await getBuild(db.sql, paidTenant, paid.buildId);
    expect(paidBuild?.queuePosition).toBe(0);
    expect(trialBuild!.queuePosition!).toBeGreaterThan(0);
    const [paidJob] = await db.sql<{ priority: number }[]>`
      select j.priority from pgboss.job j join builds b on b.job_id = j.id where b.id = ${paid.buildId}`;
    expect(paidJob.priority).toBe(20);
  });
});

describe('reading builds', () => {
  it('shows another workspace’s build id as nothing at all', async () => {
    const siteId = await createSite(tenantA, 'cafe-secret');
    const { buildId } = await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });
    expect(await getBuild(db.sql, tenantB, buildId)).toBeNull();
    expect(await listBuilds(db.sql, tenantB, siteId)).toEqual([]);
    expect(await listBuildLogs(db.sql, tenantB, buildId)).toEqual([]);
    expect(await getBuild(db.sql, tenantB, 'not-a-uuid')).toBeNull();
    await expect(cancelBuild(db.sql, boss, { tenantId: tenantB, buildId })).rejects.toThrow(/빌드를 찾을 수 없습니다/);
    expect((await getBuild(db.sql, tenantA, buildId))?.status).toBe('queued');
  });

  it('resumes a log listing after the last line seen', async () => {
    const siteId = await createSite(tenantA, 'cafe-logs');
    const first = await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });
    await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });
    const all = await listBuildLogs(db.sql, tenantA, first.buildId);
    expect(all.length).toBe(2);
    expect(await listBuildLogs(db.sql, tenantA, first.buildId, all[0].id)).toEqual([all[1]]);
  });
});

describe('cancelBuild', () => {
  it('cancels a queued build, withdraws its job and streams the change', async () => {
    const siteId = await createSite(tenantA, 'cafe-cancel');
    const { buildId } = await publishSite(db.sql, boss, { tenantId: tenantA, siteId, userId: null });
    const events: BuildEvent[] = [];
    const unsubscribe = await subscribeToBuild(db.sql, buildId, (e) => events.push(e));
    await cancelBuild(db.sql, boss, { tenantId: tenantA, buildId });
    await expect.poll(() => events.map((e) => e.type)).toEqual(['log', 'status']);
    await unsubscribe();

    expect(events[1]).toMatchObject({ type: 'status', buildId, status: 'cancelled' });
    const [row] = await db.sql<{ job_id: string }[]>`select job_id from builds where id = ${buildId}`;
    expect((await boss.getJobById(BUILD_QUEUE, row.job_id))?.state).toBe('cancelled');
    await expect(cancelBuild(db.sql, boss, { tenantId: tenantA, buildId })).rejects.toThrow(/이미 끝난 빌드/);
  });
});
