// The owner's publish, end to end with the `process` executor: queue → worker → child process
// renderer → local CDN store → atomic switch → the edge serves the new content.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type Edge } from '../cdn/index.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import {
  BUILD_QUEUE,
  cancelBuild,
  getBuild,
  listBuildLogs,
  publishSite,
  startQueue,
  startWorker,
  subscribeToBuild,
  type BuildEvent,
  type BuildWorker,
} from './index.ts';
import { createSiteFor, createTenantWithSite, fetchFromEdge, renameSite, waitForBuild } from './testing.ts';

let db: TestDatabase;
let sql: Sql;
let boss: PgBoss;
let worker: BuildWorker;
let edge: Edge;
let dataDir: string;
const SLOW_RENDER_MS = 1500;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 12 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-buildfarm-test-'));
  boss = await startQueue(db.url);
  // Every render is held SLOW_RENDER_MS so a test can watch (and cancel) a running build.
  worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 2, slowRenderMs: SLOW_RENDER_MS });
  edge = await startEdge({ sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
});
afterAll(async () => {
  await worker?.stop({ timeoutMs: 10_000 });
  await edge?.close();
  await boss?.stop({ graceful: false, wait: true });
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a published site', () => {
  it('is built by the worker, stored by the local provider and served by the edge', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'morning-cafe', siteName: '아침햇살 카페' });
    const events: BuildEvent[] = [];
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const unsubscribe = await subscribeToBuild(sql, buildId, (e) => events.push(e));

    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    // Events are delivered to the listening connection after the commit the poll may see first.
    await expect.poll(() => events.some((e) => e.type === 'status' && e.status === 'succeeded')).toBe(true);
    await unsubscribe();
    expect(build).toMatchObject({ status: 'succeeded', progress: 100, stage: 'done', executor: 'process', worker_id: worker.id, attempts: 1 });
    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(build.deployment_id);
    const [deployment] = await sql`select status, file_count, build_id from deployments where id = ${build.deployment_id as string}`;
    expect(deployment).toMatchObject({ status: 'ready', build_id: buildId });
    expect(deployment.file_count).toBeGreaterThan(1);

    // Edges hear of the switch by NOTIFY; the page is there as soon as they have.
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'morning-cafe.localhost')).status).toBe(200);
    expect((await fetchFromEdge(edge.port, 'morning-cafe.localhost')).body).toContain('아침햇살 카페');

    // The live stream saw the stages in order and ended at 100 %.
    const statuses = events.filter((e) => e.type === 'status');
    expect(statuses.map((e) => e.stage)).toEqual(expect.arrayContaining(['render', 'upload', 'switch', 'done']));
    const progress = statuses.map((e) => e.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(statuses.at(-1)).toMatchObject({ status: 'succeeded', progress: 100, deploymentId: build.deployment_id });
  });

  it('keeps its build log in PostgreSQL in the order the stages ran', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'log-cafe', siteName: '기록 카페' });
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    const logs = await listBuildLogs(sql, tenantId, buildId);
    const stages = logs.map((l) => l.stage).filter((stage, i, all) => stage !== all[i - 1]);
    expect(stages).toEqual(['queued', 'render', 'upload', 'switch', 'done']);
    expect(logs.map((l) => l.id)).toEqual([...logs.map((l) => l.id)].sort((a, b) => a - b));
    expect(logs.some((l) => /^파일 \d+개를 \d+ms에 만들었습니다/.test(l.message))).toBe(true);
    expect(logs.at(-1)?.message).toBe('사이트가 게시되었습니다.');
  });
});

describe('a small edit published again', () => {
  it('uploads only the files the edit changed', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'edit-cafe', siteName: '한 줄 카페' });
    const first = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await waitForBuild(sql, first.buildId, ['succeeded']);

    await sql`
      update sites set document = jsonb_set(document, '{pages,0,sections,0,heading}', '"새로 볶은 원두로 내린 한 잔"')
      where id = ${siteId}`;
    const second = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const build = await waitForBuild(sql, second.buildId, ['succeeded', 'failed']);
    expect(build.status).toBe('succeeded');
    const logs = await listBuildLogs(sql, tenantId, second.buildId);
    const upload = logs.map((l) => /파일 (\d+)개 중 (\d+)개/.exec(l.message)).find(Boolean);
    expect(upload).toBeTruthy();
    const [, total, uploaded] = upload!.map(Number);
    expect(total).toBeGreaterThan(5);
    expect(uploaded).toBe(1);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'edit-cafe.localhost')).body).toContain('새로 볶은 원두로 내린 한 잔');
  });
});

describe('a build whose document is invalid', () => {
  it('fails once with a Korean reason, is not retried, and leaves the live site as it was', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'broken-cafe', siteName: '고장난 카페' });
    const good = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const goodBuild = await waitForBuild(sql, good.buildId, ['succeeded', 'failed']);
    expect(goodBuild.status).toBe('succeeded');

    await sql`update sites set document = ${sql.json({ version: 1, pages: 'not pages' })} where id = ${siteId}`;
    const bad = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const badBuild = await waitForBuild(sql, bad.buildId, ['succeeded', 'failed']);
    expect(badBuild.status).toBe('failed');
    expect(badBuild.error).toMatch(/고친 뒤 다시 게시해 주세요/);
    expect(badBuild.attempts).toBe(1);
    expect(badBuild.deployment_id).toBeNull();
    await expect.poll(async () => (await boss.getJobById(BUILD_QUEUE, badBuild.job_id as string))?.state).toBe('completed');
    expect((await boss.getJobById(BUILD_QUEUE, badBuild.job_id as string))?.retryCount).toBe(0);

    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(goodBuild.deployment_id);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'broken-cafe.localhost')).body).toContain('고장난 카페');
  });
});

describe('a build whose image was deleted', () => {
  it('fails without retry, naming the missing image', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'lost-image-cafe', siteName: '사진 없는 카페' });
    await sql`
      update sites set document = jsonb_set(document, '{pages,0,sections,0,image}',
        '{"assetId": "6f1c2d7e-8a9b-4c3d-9e8f-0a1b2c3d4e5f", "alt": "카페 내부"}')
      where id = ${siteId}`;
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    expect(build).toMatchObject({ status: 'failed', attempts: 1, deployment_id: null });
    expect(build.error).toMatch(/이미지 파일\(6f1c2d7e-8a9b-4c3d-9e8f-0a1b2c3d4e5f\)을 찾을 수 없습니다/);
  });
});

describe('a burst of publishes of one site', () => {
  it('never runs two builds of the site at once and ends with the newest content live', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'busy-cafe', siteName: '바쁜 카페 0', planCode: 'enterprise' });
    let maxRunning = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [{ count }] = await sql`select count(*)::int as count from builds where site_id = ${siteId} and status = 'running'`;
        maxRunning = Math.max(maxRunning, count);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const published: string[] = [];
    for (let i = 1; i <= 10; i++) {
      await renameSite(sql, siteId, `바쁜 카페 ${i}`);
      published.push((await publishSite(sql, boss, { tenantId, siteId, userId: null })).buildId);
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = await waitForBuild(sql, published.at(-1)!, ['succeeded', 'failed'], 30_000);
    watching = false;
    await watcher;

    expect(last.status).toBe('succeeded');
    expect(maxRunning).toBe(1);
    const builds = await sql<{ status: string }[]>`select status from builds where site_id = ${siteId}`;
    expect(builds.filter((b) => b.status === 'running' || b.status === 'queued')).toEqual([]);
    expect(builds.filter((b) => b.status === 'superseded').length).toBeGreaterThanOrEqual(7);
    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(last.deployment_id);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'busy-cafe.localhost')).body).toContain('바쁜 카페 10');
  });
});

describe('going live', () => {
  it('switches the site and ends the build in one transaction: a switch that fails leaves neither, and the retry puts it live', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'atomic-cafe', siteName: '한 번에 카페 1' });
    const first = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const firstBuild = await waitForBuild(sql, first.buildId, ['succeeded', 'failed']);
    expect(firstBuild.status).toBe('succeeded');

    // The database refuses to switch this site, as if going live failed at the last moment.
    await sql.unsafe(`
      create function ww_test_refuse_switch() returns trigger language plpgsql as $$
      begin raise exception 'test: switch refused'; end $$`);
    await sql.unsafe(`
      create trigger ww_test_refuse_switch before update of live_deployment_id on sites for each row
      when (new.id = '${siteId}' and new.live_deployment_id is distinct from old.live_deployment_id)
      execute function ww_test_refuse_switch()`);
    let buildId: string;
    try {
      await renameSite(sql, siteId, '한 번에 카페 2');
      ({ buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null }));
      await expect
        .poll(async () => (await listBuildLogs(sql, tenantId, buildId)).some((l) => l.message.includes('test: switch refused')), {
          timeout: 20_000,
          interval: 50,
        })
        .toBe(true);
      // Neither half happened: the build is not succeeded and has no deployment, the site serves the first build.
      const build = await getBuild(sql, tenantId, buildId);
      expect(build?.status).not.toBe('succeeded');
      expect(build?.deploymentId).toBeNull();
      const logs = await listBuildLogs(sql, tenantId, buildId);
      expect(logs.some((l) => l.message === '사이트가 게시되었습니다.')).toBe(false);
      const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
      expect(site.live_deployment_id).toBe(firstBuild.deployment_id);
      expect((await fetchFromEdge(edge.port, 'atomic-cafe.localhost')).body).toContain('한 번에 카페 1');
    } finally {
      await sql.unsafe('drop trigger ww_test_refuse_switch on sites');
      await sql.unsafe('drop function ww_test_refuse_switch()');
    }
    // The infrastructure failure is retried; the retry goes live.
    const done = await waitForBuild(sql, buildId, ['succeeded', 'failed'], 30_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(done.deployment_id);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'atomic-cafe.localhost')).body).toContain('한 번에 카페 2');
  });

  it('does not go live when a newer version went live while it rendered: its switch is undone and it ends superseded', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'newer-cafe', siteName: '새 버전 카페 1' });
    const first = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const firstBuild = await waitForBuild(sql, first.buildId, ['succeeded', 'failed']);
    expect(firstBuild.status).toBe('succeeded');

    await renameSite(sql, siteId, '새 버전 카페 2');
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await waitForBuild(sql, buildId, ['running']);
    // While it renders, a build of a later version succeeds (as a worker that took a build over could).
    const [later] = await sql<{ id: string }[]>`
      insert into site_versions (tenant_id, site_id, number, document, reason)
      select tenant_id, site_id, 99, document, 'publish' from site_versions where id = (select version_id from builds where id = ${buildId})
      returning id`;
    await sql`
      insert into builds (tenant_id, site_id, version_id, status, stage, priority, finished_at)
      values (${tenantId}, ${siteId}, ${later.id}, 'succeeded', 'done', 0, now())`;

    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed', 'superseded']);
    expect(build.status).toBe('superseded');
    // Its files were stored (a deployment one could roll back to), but nothing of its switch stayed.
    const [deployment] = await sql`select status, activated_at from deployments where id = ${build.deployment_id as string}`;
    expect(deployment).toEqual({ status: 'ready', activated_at: null });
    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(firstBuild.deployment_id);
    const messages = (await listBuildLogs(sql, tenantId, buildId)).map((l) => l.message);
    expect(messages).toContain('더 새로운 버전이 이미 게시되어 있어 이 빌드는 게시하지 않았습니다.');
    expect(messages).not.toContain('사이트가 게시되었습니다.');
    expect(messages.some((m) => m.endsWith('사이트를 새 배포로 전환합니다.'))).toBe(false);
    expect((await fetchFromEdge(edge.port, 'newer-cafe.localhost')).body).toContain('새 버전 카페 1');
  });
});

describe('cancelling', () => {
  it('stops a running build within 2 seconds, ends it cancelled and leaves the live site untouched', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'cancel-cafe', siteName: '취소 카페 1' });
    const first = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const firstBuild = await waitForBuild(sql, first.buildId, ['succeeded', 'failed']);

    await renameSite(sql, siteId, '취소 카페 2');
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect.poll(async () => (await getBuild(sql, tenantId, buildId))?.stage, { timeout: 10_000, interval: 20 }).toBe('render');
    await cancelBuild(sql, boss, { tenantId, buildId });
    await expect
      .poll(async () => (await listBuildLogs(sql, tenantId, buildId)).some((l) => l.message.startsWith('빌드 작업을 중지했습니다')), {
        timeout: 10_000,
        interval: 20,
      })
      .toBe(true);
    // Measured by the database's own clock: from the cancel being stored to the worker having
    // killed the renderer and said so (polling this from a loaded test machine would add its lag).
    const logs = await listBuildLogs(sql, tenantId, buildId);
    const cancelled = logs.find((l) => l.message.startsWith('실행 중인 빌드를 취소했습니다'))!;
    const stopped = logs.find((l) => l.message.startsWith('빌드 작업을 중지했습니다'))!;
    expect(stopped.at.getTime() - cancelled.at.getTime()).toBeLessThan(2_000);

    const build = await getBuild(sql, tenantId, buildId);
    expect(build).toMatchObject({ status: 'cancelled', deploymentId: null });
    const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(firstBuild.deployment_id);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'cancel-cafe.localhost')).body).toContain('취소 카페 1');
    const [{ count }] = await sql`select count(*)::int as count from deployments where site_id = ${siteId}`;
    expect(count).toBe(1);
  });

  it('withdraws a queued build before any worker starts it', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'queued-cafe', siteName: '대기 카페' });
    const second = await createSiteFor(sql, tenantId, { slug: 'queued-cafe-2', siteName: '대기 카페 둘' });
    // The trial plan runs one build at a time, so the second site's build waits in the queue.
    const running = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect.poll(async () => (await getBuild(sql, tenantId, running.buildId))?.status, { interval: 20 }).toBe('running');
    const waiting = await publishSite(sql, boss, { tenantId, siteId: second, userId: null });
    expect((await getBuild(sql, tenantId, waiting.buildId))?.status).toBe('queued');
    await cancelBuild(sql, boss, { tenantId, buildId: waiting.buildId });
    await waitForBuild(sql, running.buildId, ['succeeded']);
    await new Promise((r) => setTimeout(r, 1500));
    const build = await getBuild(sql, tenantId, waiting.buildId);
    expect(build).toMatchObject({ status: 'cancelled', startedAt: null, attempts: 0 });
  });
});

describe('a build job delivered twice', () => {
  it('does nothing the second time', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'twice-cafe', siteName: '두번 카페' });
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const done = await waitForBuild(sql, buildId, ['succeeded']);
    const jobId = await boss.send(BUILD_QUEUE, { kind: 'build', buildId, tenantId, siteId });
    await expect.poll(async () => (await boss.getJobById(BUILD_QUEUE, jobId!))?.state, { timeout: 10_000 }).toBe('completed');
    expect((await boss.getJobById(BUILD_QUEUE, jobId!))?.output).toEqual({ skipped: 'build is succeeded' });
    const [again] = await sql`select * from builds where id = ${buildId}`;
    expect(again).toMatchObject({ status: 'succeeded', attempts: done.attempts, deployment_id: done.deployment_id });
    const [{ count }] = await sql`select count(*)::int as count from deployments where site_id = ${siteId}`;
    expect(count).toBe(1);
  });
});

describe('the worker', () => {
  it('registers with its executor and capacity and heartbeats', async () => {
    const [row] = await sql`select kind, executor, capacity, stopped_at from process_heartbeats where id = ${worker.id}`;
    expect(row).toMatchObject({ kind: 'worker', executor: 'process', capacity: 2, stopped_at: null });
  });
});
