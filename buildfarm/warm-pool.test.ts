// Warm build containers (decision 121): a build takes a container started before it was
// published, made with exactly its plan's limits, and gets the build's document ahead of its input;
// the pool starts another once the build has ended; a cancelled build's
// container is killed and removed; the containers of a worker killed with SIGKILL stop with it
// and the next worker on the host removes them; a pool of 0 builds as before; a build's container is
// named after it only once the build has run for 250 ms.
// Needs a Docker engine (.ci/run starts dockerd); skipped, saying so, elsewhere.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type PgBoss from 'pg-boss';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import {
  BUILD_CONTAINER_LABEL,
  BUILD_CONTAINER_OWNER_LABEL,
  dockerEngineAnswers,
  listBuildContainers,
} from './executors/index.ts';
import { thisProcessOwner } from './executors/build-container.ts';
import { buildLimitsForPlan, cancelBuild, getBuild, publishSite, startQueue, startWorker, type BuildWorker } from './index.ts';
import { createTenantWithSite, waitForBuild } from './testing.ts';

const docker = new Docker();
const engineAnswers = await dockerEngineAnswers(docker);
if (!engineAnswers) {
  if (process.env.CI) throw new Error('CI is set but no Docker engine answers: .ci/run should have started dockerd.');
  console.warn('[buildfarm] warm pool tests skipped: no Docker engine answers on this host (start dockerd, as .ci/run does).');
}

/** Build containers started by `owner` (a worker process) that no build has taken yet. */
async function warmContainersOf(owner: string) {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${BUILD_CONTAINER_OWNER_LABEL}=${owner}`] } });
  return containers.filter((c) => c.Labels[BUILD_CONTAINER_LABEL] === '' && !c.Names.some((name) => name.startsWith('/ww-build-')));
}

async function containersOwnedBy(owner: string) {
  return docker.listContainers({ all: true, filters: { label: [`${BUILD_CONTAINER_OWNER_LABEL}=${owner}`] } });
}

/** The engine's events of this kind for a container since `since` (seconds), up to now. */
async function eventsOf(id: string, action: string, since: number): Promise<unknown[]> {
  const stream = (await docker.getEvents({
    since, until: Math.floor(Date.now() / 1000) + 1, filters: { container: [id], event: [action] },
  })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
}

async function containerGone(id: string): Promise<boolean> {
  try {
    await docker.getContainer(id).inspect();
    return false;
  } catch (error) {
    return (error as { statusCode?: number }).statusCode === 404;
  }
}

describe.skipIf(!engineAnswers)('warm build containers', () => {
  let db: TestDatabase;
  let sql: Sql;
  let boss: PgBoss;
  let dataDir: string;
  let worker: BuildWorker | null = null;
  const children = new Set<ChildProcessWithoutNullStreams>();
  const me = thisProcessOwner();

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = connect(db.url, { max: 12 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-buildfarm-warm-'));
    boss = await startQueue(db.url);
  }, 120_000);
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 10_000 });
    worker = null;
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await boss?.stop({ graceful: false, wait: true });
    await sql?.end({ timeout: 5 });
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs a build in a container started before the publish, with its plan’s limits, and starts another', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-cafe', siteName: '미리 데운 카페', planCode: 'basic' });
    // A basic build ran this week: a starting worker warms a container with the basic plan's limits.
    await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await sql`update builds set status = 'cancelled', finished_at = now() where site_id = ${siteId}`;
    // Renders held 1 s: long enough to see which container the build runs in.
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1, slowRenderMs: 1_000 });

    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [warm] = await warmContainersOf(me);
    const basic = buildLimitsForPlan('basic');
    const warmInspected = await docker.getContainer(warm.Id).inspect();
    expect(warmInspected.HostConfig).toMatchObject({ NetworkMode: 'none', ReadonlyRootfs: true, Memory: basic.memoryMb * 1024 * 1024, PidsLimit: basic.pids });
    // Nothing of any build is in its work folder yet (its source folder, read-only, is empty).
    const mounts = Object.fromEntries(warmInspected.Mounts.map((m) => [m.Destination, m]));
    expect(Object.keys(mounts).sort()).toEqual(['/work', '/work/src']);
    expect(mounts['/work/src']!.RW).toBe(false);
    expect(await readdir(mounts['/work/src']!.Source)).toEqual([]);
    expect(existsSync(path.join(mounts['/work']!.Source, 'input.json'))).toBe(false);

    const since = Math.floor(Date.now() / 1000) - 1;
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect.poll(async () => (await listBuildContainers(docker, buildId)).map((c) => c.Id), { timeout: 10_000, interval: 20 }).toEqual([warm.Id]);
    // The document went ahead of the input (decision 151): the stored version as it is, and an input
    // without it, since validating it changed nothing.
    const work = mounts['/work']!.Source;
    await expect.poll(() => existsSync(path.join(work, 'input.json')), { timeout: 10_000, interval: 20 }).toBe(true);
    const [version] = await sql<{ document: string }[]>`
      select v.document::text as document from builds b join site_versions v on v.id = b.version_id where b.id = ${buildId}`;
    expect(await readFile(path.join(work, 'document.json'), 'utf8')).toBe(version.document);
    expect(JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'))).toMatchObject({ document: null, documentPreloaded: true, documentValidated: true });
    // While the build runs, its replacement is not started yet: starting a container and warming
    // its renderer would take the host's CPUs from the build.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(worker.warmPool()).toMatchObject({ idle: [], starting: 0 });
    expect(await warmContainersOf(me)).toEqual([]);
    const built = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    expect(built).toMatchObject({ status: 'succeeded', executor: 'docker' });
    // Named after the build once it had run for 250 ms (decision 153).
    const renames = (await eventsOf(warm.Id, 'rename', since)) as { timeNano: number; Actor: { Attributes: { name: string } } }[];
    expect(renames).toHaveLength(1);
    expect(renames[0]!.timeNano / 1e6 - (built.started_at as Date).getTime()).toBeGreaterThanOrEqual(250);
    expect(renames[0]!.Actor.Attributes.name).toMatch(new RegExp(`^ww-build-${buildId}-`));

    // Used once, then removed; a new warm container takes its place.
    await expect.poll(() => containerGone(warm.Id), { timeout: 5_000, interval: 50 }).toBe(true);
    await expect
      .poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running' && c.Id !== warm.Id).length, { timeout: 20_000, interval: 100 })
      .toBe(1);
  });

  it('sends the validated document with the input when validating the stored one changed it', async () => {
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1, slowRenderMs: 1_000 });
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-defaults', siteName: '기본값 카페', planCode: 'basic' });
    // Stored without its search settings: validation fills in their defaults.
    await sql`update sites set document = document - 'seo' where id = ${siteId}`;
    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [warm] = await warmContainersOf(me);
    const work = (await docker.getContainer(warm.Id).inspect()).Mounts.find((m) => m.Destination === '/work')!.Source;
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect.poll(() => existsSync(path.join(work, 'input.json')), { timeout: 10_000, interval: 20 }).toBe(true);
    expect(JSON.parse(await readFile(path.join(work, 'document.json'), 'utf8'))).not.toHaveProperty('seo');
    const input = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8')) as { document: { seo?: unknown }; documentPreloaded?: boolean };
    expect(input.documentPreloaded).toBeUndefined();
    expect(input.document.seo).toMatchObject({ titleSuffix: '', description: '' });
    expect(await waitForBuild(sql, buildId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', executor: 'docker' });
  });

  it('removes the container a build took for its document when the build ends without rendering', async () => {
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1 });
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-refused', siteName: '고칠 곳 있는 카페', planCode: 'basic' });
    await sql`update sites set document = jsonb_set(document, '{pages,0,slug}', '"Not A Slug"') where id = ${siteId}`;
    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [warm] = await warmContainersOf(me);
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    expect(await waitForBuild(sql, buildId, ['succeeded', 'failed'])).toMatchObject({ status: 'failed' });
    // It held the build's document: removed, never handed to another build; a new one replaces it.
    await expect.poll(() => containerGone(warm.Id), { timeout: 5_000, interval: 50 }).toBe(true);
    await expect
      .poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running' && c.Id !== warm.Id).length, { timeout: 20_000, interval: 100 })
      .toBe(1);
  });

  it('leaves a quick build’s warm container unnamed (a rename costs the engine CPU the build needs)', async () => {
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1 });
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-quick', siteName: '빠른 카페', planCode: 'basic' });
    // A first build: the worker's code compiled, and a container warmed with the basic plan's limits.
    expect(await waitForBuild(sql, (await publishSite(sql, boss, { tenantId, siteId, userId: null })).buildId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [warm] = await warmContainersOf(me);
    const since = Math.floor(Date.now() / 1000) - 1;
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    expect(build).toMatchObject({ status: 'succeeded', executor: 'docker' });
    // It ran in the warm container, removed after the build as any build's.
    await expect.poll(() => containerGone(warm.Id), { timeout: 5_000, interval: 50 }).toBe(true);
    const started = (build.started_at as Date).getTime();
    const renames = (await eventsOf(warm.Id, 'rename', since)) as { timeNano: number }[];
    // Renamed, if at all, 250 ms or more after the build took it (in its claim, which began at started_at).
    for (const rename of renames) expect(rename.timeNano / 1e6 - started).toBeGreaterThanOrEqual(250);
    if ((build.finished_at as Date).getTime() - started < 200) expect(renames).toEqual([]);
  });

  it('never gives a build a container warmed for another plan', async () => {
    // Renders held 2 s: the build's container is still there to be inspected.
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1, slowRenderMs: 2_000 });
    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [warm] = await warmContainersOf(me);
    expect((await docker.getContainer(warm.Id).inspect()).HostConfig.Memory).toBe(buildLimitsForPlan('basic').memoryMb * 1024 * 1024);

    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-enterprise', siteName: '큰 회사', planCode: 'enterprise' });
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const enterprise = buildLimitsForPlan('enterprise');
    let used: Docker.ContainerInfo[] = [];
    await expect
      .poll(async () => (used = (await listBuildContainers(docker, buildId)).filter((c) => c.State === 'running')).length, { timeout: 10_000, interval: 20 })
      .toBe(1);
    expect(used[0]!.Id).not.toBe(warm.Id);
    expect((await docker.getContainer(used[0]!.Id).inspect()).HostConfig).toMatchObject({ Memory: enterprise.memoryMb * 1024 * 1024, NanoCpus: enterprise.cpus * 1e9 });
    expect(await waitForBuild(sql, buildId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
  });

  it('kills and removes a cancelled build’s warm container', async () => {
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1, slowRenderMs: 5_000 });
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-cancel', siteName: '취소할 카페', planCode: 'basic' });
    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [warm] = await warmContainersOf(me);
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect.poll(async () => (await listBuildContainers(docker, buildId)).map((c) => c.Id), { timeout: 10_000, interval: 20 }).toEqual([warm.Id]);
    await cancelBuild(sql, boss, { tenantId, buildId });
    await expect.poll(() => containerGone(warm.Id), { timeout: 2_000, interval: 20 }).toBe(true);
    expect(await listBuildContainers(docker, buildId)).toEqual([]);
    await expect.poll(async () => (await getBuild(sql, tenantId, buildId))?.status).toBe('cancelled');
  });

  it('drains its warm containers when the worker stops', async () => {
    const stopping = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 2, warmContainers: 2 });
    await expect.poll(async () => (await warmContainersOf(me)).filter((c) => c.State === 'running').length, { timeout: 30_000, interval: 100 }).toBe(2);
    await stopping.stop();
    expect(await containersOwnedBy(me)).toEqual([]);
  });

  it('builds in a container of its own when the pool size is 0', async () => {
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 0 });
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'no-pool', siteName: '바로 만드는 카페' });
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    expect(await waitForBuild(sql, buildId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', executor: 'docker' });
    await expect.poll(async () => (await containersOwnedBy(me)).length, { timeout: 5_000, interval: 50 }).toBe(0);
  });

  it('stops a SIGKILLed worker’s containers with it; the next worker removes them and finishes the build', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'warm-crash', siteName: '쓰러진 작업자', planCode: 'basic' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'buildfarm/worker-process.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        BUILD_EXECUTOR: 'docker',
        WORKER_CONCURRENCY: '1',
        BUILD_WARM_CONTAINERS: '2',
        // Longer than the waits below can take on a busy host (CI once saw the build finish before
        // the kill with 8 s), so the worker dies mid-build.
        BUILD_RENDER_DELAY_MS: '45000',
      },
    });
    children.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The child's owner label: this host, its pid (and its start time, which we need not know).
    const ownedByChild = (c: Docker.ContainerInfo) => {
      const [host, pid] = (c.Labels[BUILD_CONTAINER_OWNER_LABEL] ?? '').split(':');
      return host === os.hostname() && Number(pid) === child.pid;
    };
    const childContainers = async () =>
      (await docker.listContainers({ all: true, filters: { label: [BUILD_CONTAINER_OWNER_LABEL] } })).filter(ownedByChild);
    await expect.poll(() => /\[worker\] worker:/.test(output), { timeout: 60_000, interval: 100 }).toBe(true);
    // Its two warm containers started: a build published before would start one of its own
    // besides them (CI once saw 3 where the test counts 2 below).
    await expect.poll(async () => (await childContainers()).filter((c) => c.State === 'running').length, { timeout: 30_000, interval: 100 }).toBe(2);

    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    await expect.poll(async () => (await listBuildContainers(docker, buildId)).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 50 }).toBe(1);
    // The build's and the other warm one (the build's replacement waits for the build's end).
    await expect.poll(async () => (await childContainers()).filter((c) => c.State === 'running').length, { timeout: 20_000, interval: 100 }).toBe(2);
    const left = await childContainers();
    expect((await getBuild(sql, tenantId, buildId))?.status).toBe('running');

    child.kill('SIGKILL');
    await exited;
    // Its attach connections closed with it: the renderers' stdin closed and they exited.
    await expect.poll(async () => (await childContainers()).filter((c) => c.State === 'running').length, { timeout: 5_000, interval: 50 }).toBe(0);
    // Not compared with `left` one by one: a container the pool was creating when the worker died
    // may appear afterwards (never started), and a worker of another test file starting on this
    // Docker host may already be removing the dead worker's containers (CI once saw 3 of 4).

    worker = await startWorker({
      sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, warmContainers: 1, deadWorkerAfterSeconds: 3, recoveryIntervalMs: 500,
    });
    for (const container of left) expect(await containerGone(container.Id)).toBe(true);
    await expect.poll(async () => (await childContainers()).length, { timeout: 10_000, interval: 100 }).toBe(0);
    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed'], 40_000);
    expect(build).toMatchObject({ status: 'succeeded', worker_id: worker.id, attempts: 2 });
  }, 120_000);
});
