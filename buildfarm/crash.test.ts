// Workers die and shut down; builds do not get lost, duplicated or stranded. The workers here
// are real `npm run start:worker` processes (buildfarm/worker-process.ts) killed with signals.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { listBuildLogs, publishSite, startQueue, startWorker } from './index.ts';
import { createSiteFor, createTenantWithSite, waitForBuild } from './testing.ts';

let db: TestDatabase;
let sql: Sql;
let boss: PgBoss;
let dataDir: string;
const children = new Set<ChildProcessWithoutNullStreams>();

/** Starts `buildfarm/worker-process.ts` against the test database; resolves with its worker id. */
async function startWorkerProcess(renderDelayMs: number): Promise<{ child: ChildProcessWithoutNullStreams; workerId: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'buildfarm/worker-process.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      BUILD_EXECUTOR: 'process',
      WORKER_CONCURRENCY: '1',
      BUILD_RENDER_DELAY_MS: String(renderDelayMs),
    },
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const workerId = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /\[worker\] (worker:\S+):/.exec(stdout);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`worker process exited (${code}) before it started:\n${stderr}`)));
  });
  return { child, workerId, exited };
}

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 12 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-buildfarm-crash-'));
  boss = await startQueue(db.url);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await boss?.stop({ graceful: false, wait: true });
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a worker killed with SIGKILL mid-build', () => {
  it('loses nothing: another worker takes the build over and finishes it', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'crash-cafe', siteName: '다시 일어난 카페' });
    const doomed = await startWorkerProcess(3_000);
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect
      .poll(async () => (await sql`select worker_id from builds where id = ${buildId} and status = 'running'`)[0]?.worker_id, { timeout: 15_000, interval: 50 })
      .toBe(doomed.workerId);
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const rescuer = await startWorker({
      sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1, deadWorkerAfterSeconds: 3, recoveryIntervalMs: 500,
    });
    try {
      const build = await waitForBuild(sql, buildId, ['succeeded', 'failed'], 40_000);
      expect(build).toMatchObject({ status: 'succeeded', worker_id: rescuer.id, attempts: 2 });
      const [site] = await sql`select live_deployment_id from sites where id = ${siteId}`;
      expect(site.live_deployment_id).toBe(build.deployment_id);
      const logs = await listBuildLogs(sql, tenantId, buildId);
      expect(logs.some((l) => l.message.includes('이어받아'))).toBe(true);
      const [{ count }] = await sql`select count(*)::int as count from deployments where site_id = ${siteId}`;
      expect(count).toBe(1);
    } finally {
      await rescuer.stop({ timeoutMs: 10_000 });
    }
  }, 60_000);
});

describe('a worker told to stop with SIGTERM', () => {
  it('finishes its running build before it exits', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'sigterm-cafe', siteName: '끝까지 카페' });
    const worker = await startWorkerProcess(2_000);
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect
      .poll(async () => (await sql`select worker_id from builds where id = ${buildId} and status = 'running'`)[0]?.worker_id, { timeout: 15_000, interval: 50 })
      .toBe(worker.workerId);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const [build] = await sql`select status, worker_id from builds where id = ${buildId}`;
    expect(build).toEqual({ status: 'succeeded', worker_id: worker.workerId });
    const [beat] = await sql`select stopped_at from process_heartbeats where id = ${worker.workerId}`;
    expect(beat.stopped_at).toBeInstanceOf(Date);
  }, 60_000);
});

describe('a burst from several workspaces', () => {
  it('never runs more of one workspace’s builds at once than its plan allows', async () => {
    const premium = await createTenantWithSite(sql, { slug: 'premium-1', siteName: '프리미엄 1', planCode: 'premium' });
    const trial = await createTenantWithSite(sql, { slug: 'trial-1', siteName: '체험 1', planCode: 'trial' });
    const sites = [
      { tenantId: premium.tenantId, siteId: premium.siteId },
      { tenantId: trial.tenantId, siteId: trial.siteId },
    ];
    for (let i = 2; i <= 4; i++) {
      sites.push({ tenantId: premium.tenantId, siteId: await createSiteFor(sql, premium.tenantId, { slug: `premium-${i}`, siteName: `프리미엄 ${i}` }) });
      sites.push({ tenantId: trial.tenantId, siteId: await createSiteFor(sql, trial.tenantId, { slug: `trial-${i}`, siteName: `체험 ${i}` }) });
    }
    const worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 4, slowRenderMs: 700 });
    const peak = new Map<string, number>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const rows = await sql<{ tenant_id: string; running: number }[]>`
          select tenant_id, count(*)::int as running from builds where status = 'running' group by tenant_id`;
        for (const row of rows) peak.set(row.tenant_id, Math.max(peak.get(row.tenant_id) ?? 0, row.running));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const published = await Promise.all(sites.map((s) => publishSite(sql, boss, { ...s, userId: null })));
      for (const { buildId } of published) expect((await waitForBuild(sql, buildId, ['succeeded', 'failed'], 40_000)).status).toBe('succeeded');
    } finally {
      watching = false;
      await watcher;
      await worker.stop({ timeoutMs: 10_000 });
    }
    expect(peak.get(premium.tenantId)).toBe(2);
    expect(peak.get(trial.tenantId)).toBe(1);
  }, 90_000);
});
