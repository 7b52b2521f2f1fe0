// What /admin sees of the farm, and a dead-lettered build re-run from there.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import {
  BUILD_QUEUE,
  getBuildFarmStatus,
  listBuildLogs,
  listDeadLetteredBuilds,
  publishSite,
  rerunBuild,
  startQueue,
  startWorker,
  type BuildWorker,
} from './index.ts';
import { createTenantWithSite, waitForBuild } from './testing.ts';

let db: TestDatabase;
let sql: Sql;
let boss: PgBoss;
let worker: BuildWorker;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 10 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-buildfarm-admin-'));
  boss = await startQueue(db.url);
  worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1 });
});
afterAll(async () => {
  await worker?.stop({ timeoutMs: 10_000 });
  await boss?.stop({ graceful: false, wait: true });
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a build whose publisher died before sending its job', () => {
  it('is given a job by a worker and built', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'orphan-cafe', siteName: '주인 잃은 카페' });
    await worker.stop();
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    // As if the web process had died between committing the build and sending its job.
    const [{ job_id: jobId }] = await sql`select job_id from builds where id = ${buildId}`;
    await boss.deleteJob(BUILD_QUEUE, jobId);
    await sql`update builds set job_id = null, queued_at = now() - interval '1 minute' where id = ${buildId}`;
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1, recoveryIntervalMs: 500 });

    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    expect(build.status).toBe('succeeded');
    expect(build.job_id).not.toBe(jobId);
  });
});

describe('the build farm seen from /admin', () => {
  it('lists the worker with its executor and capacity, and the queue', async () => {
    const status = await getBuildFarmStatus(sql);
    expect(status.workers.find((w) => w.id === worker.id)).toMatchObject({ kind: 'worker', executor: 'process', capacity: 1, alive: true });
    expect(status.queueDepth).toBe(0);
    expect(status.running).toEqual([]);
  });

  it('fails a build whose infrastructure keeps failing, lists it as dead-lettered, and re-runs it once fixed', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'dead-cafe', siteName: '되살아난 카페' });
    // The CDN store cannot be written: a file sits where its folder should be.
    await rm(path.join(dataDir, 'cdn'), { recursive: true, force: true });
    await writeFile(path.join(dataDir, 'cdn'), 'not a folder');
    // A publish whose job has no retries left, so the first infrastructure failure is final.
    await worker.stop();
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const [{ job_id: firstJob }] = await sql`select job_id from builds where id = ${buildId}`;
    await boss.cancel(BUILD_QUEUE, firstJob);
    const jobId = await boss.send(BUILD_QUEUE, { kind: 'build', buildId, tenantId, siteId }, { retryLimit: 0 });
    await sql`update builds set job_id = ${jobId} where id = ${buildId}`;
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1 });

    const failed = await waitForBuild(sql, buildId, ['failed', 'succeeded']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/내부 오류/);
    expect((await listBuildLogs(sql, tenantId, buildId)).some((l) => l.level === 'error' && /Could not store object|ENOTDIR/.test(l.message))).toBe(true);
    await expect.poll(async () => (await listDeadLetteredBuilds(sql)).map((b) => b.id), { timeout: 10_000 }).toContain(buildId);
    expect((await getBuildFarmStatus(sql)).recentFailures.map((b) => b.id)).toContain(buildId);

    await rm(path.join(dataDir, 'cdn'));
    const rerun = await rerunBuild(sql, boss, { buildId, userId: null });
    const rebuilt = await waitForBuild(sql, rerun.buildId, ['failed', 'succeeded']);
    expect(rebuilt.status).toBe('succeeded');
    expect(rebuilt.version_id).toBe(failed.version_id);
    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(rebuilt.deployment_id);
  });
});
