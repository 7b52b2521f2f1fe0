// Publishing from code with the docker executor, against the real Docker engine: the snapshot's
// files are copied and checked inside a build container (no network, read-only root, the plan's
// limits, the source mounted read-only beside the work folder), a good tree goes live, and a
// broken link or a missing image fails the build with the Korean reason while the live site
// stays exactly as it was. Needs only the builder image (made by the worker on start), not the
// code-server image. Skipped, saying so, where no Docker engine answers; CI fails instead.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLimitsForPlan, dockerEngineAnswers, listBuildLogs, startQueue, startWorker, type BuildWorker } from '../buildfarm/index.ts';
import { listBuildContainers } from '../buildfarm/executors/index.ts';
import { createTenantWithSite, fetchFromEdge, waitForBuild } from '../buildfarm/testing.ts';
import { startEdge, type Edge } from '../cdn/index.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { createSourceWorkspace, publishFromSource, type WorkspaceRecord } from './index.ts';

const docker = new Docker();
const engineAnswers = await dockerEngineAnswers(docker);
if (!engineAnswers) {
  if (process.env.CI) throw new Error('CI is set but no Docker engine answers: .ci/run should have started dockerd.');
  console.warn('[devmode] source publish container tests skipped: no Docker engine answers on this host (start dockerd, as .ci/run does).');
}

const HOST = os.hostname();
const owner = { id: 'user-source-docker', name: '박코드', email: 'code@momo.kr' };
// A 1×1 PNG: the image the page shows, published twice under two names (one body in the source folder).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082', 'hex');

describe.skipIf(!engineAnswers)('publishing from code in a build container', () => {
  let db: TestDatabase;
  let sql: Sql;
  let boss: PgBoss;
  let worker: BuildWorker;
  let edge: Edge;
  let dataDir: string;
  let tenantId: string;
  let siteId: string;
  let workspace: WorkspaceRecord;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = connect(db.url, { max: 8 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-source-docker-'));
    boss = await startQueue(db.url);
    // Each check is held 1.5 s so the test can look at its container while it runs.
    worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'docker', concurrency: 1, slowRenderMs: 1500 });
    edge = await startEdge({ sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
    ({ tenantId, siteId } = await createTenantWithSite(sql, { slug: 'container-code', siteName: '컨테이너 코드', planCode: 'premium' }));
    await sql`insert into users (id, email, password_hash, display_name) values (${owner.id}, ${owner.email}, 'x', ${owner.name})`;
    ({ workspace } = await createSourceWorkspace(sql, { dataDir, hostName: HOST, tenantId, siteId, user: owner }));
  }, 180_000);
  afterAll(async () => {
    await worker?.stop({ timeoutMs: 10_000 });
    await edge?.close();
    await boss?.stop({ graceful: false, wait: true });
    await sql?.end({ timeout: 5 });
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const home = () => path.join(workspace.dir, 'index.html');
  const liveDeployment = async () => (await sql<{ live_deployment_id: string | null }[]>`select live_deployment_id from sites where id = ${siteId}`)[0].live_deployment_id;

  it('copies and checks the source inside a container with no network and the source read-only, then goes live', async () => {
    await mkdir(path.join(workspace.dir, 'images'), { recursive: true });
    await writeFile(path.join(workspace.dir, 'images', 'logo.png'), PNG);
    await writeFile(path.join(workspace.dir, 'images', 'logo-copy.png'), PNG);
    await writeFile(home(), (await readFile(home(), 'utf8')).replace(
      '</body>', '<p id="in-container">컨테이너에서 검사한 문단</p><img src="/images/logo.png" alt="로고"><img src="images/logo-copy.png" alt="">\n</body>',
    ));
    const published = await publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId, siteId, user: owner });

    // The build's container, while the check runs in it.
    await expect.poll(async () => (await listBuildContainers(docker, published.buildId)).some((c) => c.State === 'running'), { timeout: 20_000, interval: 50 }).toBe(true);
    const [listed] = (await listBuildContainers(docker, published.buildId)).filter((c) => c.State === 'running');
    const inspected = await docker.getContainer(listed.Id).inspect();
    expect(inspected.Name).toMatch(new RegExp(`^/ww-build-${published.buildId}-`));
    expect(inspected.Config.Labels['windwalker.owner']).toContain(`:${process.pid}:`);
    // Labelled with the build when the build started it; '' when it took a warm one (named above).
    expect(['', published.buildId]).toContain(inspected.Config.Labels['windwalker.build']);
    const premium = buildLimitsForPlan('premium');
    expect(inspected.HostConfig).toMatchObject({
      NetworkMode: 'none', ReadonlyRootfs: true, Memory: premium.memoryMb * 1024 * 1024, PidsLimit: premium.pids, CapDrop: ['ALL'],
    });
    expect(inspected.Config.User).toBe('65534:65534');
    expect(Object.keys(inspected.NetworkSettings.Networks ?? {})).toEqual([]);
    const mounts = Object.fromEntries(inspected.Mounts.map((m) => [m.Destination, m]));
    expect(Object.keys(mounts).sort()).toEqual(['/work', '/work/src']);
    expect(mounts['/work/src'].RW).toBe(false);
    // What is mounted is this snapshot's files: each body once, named by its sha256.
    const snapshotBodies = await sql<{ sha256: string }[]>`select distinct sha256 from site_source_files where snapshot_id = ${published.snapshotId}`;
    // (the worker writes them once it has the container, so the folder may still be filling)
    await expect.poll(async () => (await readdir(mounts['/work/src'].Source)).sort(), { timeout: 5_000, interval: 20 })
      .toEqual(snapshotBodies.map((r) => r.sha256).sort());
    const pngs = await sql<{ sha256: string }[]>`select distinct sha256 from site_source_files where snapshot_id = ${published.snapshotId} and path like '/images/logo%'`;
    expect(pngs).toEqual([{ sha256: createHash('sha256').update(PNG).digest('hex') }]); // two paths, one body

    const build = await waitForBuild(sql, published.buildId, ['succeeded', 'failed'], 60_000);
    expect(build.error).toBeNull();
    expect(build).toMatchObject({ status: 'succeeded', executor: 'docker' });
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'container-code.localhost', '/')).body).toContain('컨테이너에서 검사한 문단');
    const logo = await fetchFromEdge(edge.port, 'container-code.localhost', '/images/logo-copy.png');
    expect(logo.status).toBe(200);
    const messages = (await listBuildLogs(sql, tenantId, published.buildId)).map((l) => l.message);
    // The check's own line, printed in the container (with the commit it checked).
    expect(messages.some((m) => m.startsWith(`소스(커밋 ${published.commit.slice(0, 7)})의 파일 ${published.fileCount}개`) && m.includes('검사했습니다 ('))).toBe(true);
    // The container is removed once its output is read.
    await expect.poll(async () => (await listBuildContainers(docker, published.buildId)).length, { timeout: 10_000, interval: 100 }).toBe(0);
  });

  it('fails a build with a broken link and a missing image in Korean, leaving the live site as it was', async () => {
    const live = await liveDeployment();
    expect(live).not.toBeNull();
    const before = await fetchFromEdge(edge.port, 'container-code.localhost', '/');
    await writeFile(home(), (await readFile(home(), 'utf8')).replace(
      '</body>', '<a href="/old-menu/">옛 메뉴</a><img src="/images/gone.webp" alt="">\n</body>',
    ));
    await writeFile(path.join(workspace.dir, 'styles', 'extra.css'), 'body { background: url("../images/paper.jpg"); }\n');
    const published = await publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId, siteId, user: owner });
    await expect.poll(async () => (await listBuildContainers(docker, published.buildId)).length, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);

    const build = await waitForBuild(sql, published.buildId, ['succeeded', 'failed'], 60_000);
    expect(build.status).toBe('failed');
    expect(build.deployment_id).toBeNull();
    const error = String(build.error);
    expect(error).toContain('소스에 고칠 곳이 3개 있어 게시하지 않았습니다');
    expect(error).toContain('깨진 링크: /old-menu/');
    expect(error).toContain('빠진 파일: /images/gone.webp');
    expect(error).toContain('공개 중인 사이트는 그대로입니다');
    const logs = await listBuildLogs(sql, tenantId, published.buildId);
    // Every problem on its own line, the CSS one included, after the container's summary.
    expect(logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(expect.arrayContaining([
      '/index.html: 깨진 링크: /old-menu/ 가 가리키는 페이지가 없습니다.',
      '/index.html: 빠진 파일: /images/gone.webp 이(가) 소스에 없습니다.',
      '/styles/extra.css: 빠진 파일: ../images/paper.jpg 이(가) 소스에 없습니다.',
    ]));
    expect(logs.some((l) => l.message.includes('검사했습니다: 문제 3개'))).toBe(true);
    // Nothing of it is live: the same deployment, the same page.
    expect(await liveDeployment()).toBe(live);
    const after = await fetchFromEdge(edge.port, 'container-code.localhost', '/');
    expect(after.body).toBe(before.body);
    expect(after.body).not.toContain('옛 메뉴');
    const deployments = await sql`select id from deployments where build_id = ${published.buildId}`;
    expect(deployments).toHaveLength(0);
    await expect.poll(async () => (await listBuildContainers(docker, published.buildId)).length, { timeout: 10_000, interval: 100 }).toBe(0);
  });

  it('publishes the fixed tree once the problems are gone', async () => {
    await writeFile(home(), (await readFile(home(), 'utf8'))
      .replace('<a href="/old-menu/">옛 메뉴</a>', '<a href="/">처음으로</a>')
      .replace('<img src="/images/gone.webp" alt="">', ''));
    await writeFile(path.join(workspace.dir, 'styles', 'extra.css'), 'body { background: url("../images/logo.png"); }\n');
    const published = await publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId, siteId, user: owner });
    const build = await waitForBuild(sql, published.buildId, ['succeeded', 'failed'], 60_000);
    expect(build.error).toBeNull();
    expect(build.status).toBe('succeeded');
    expect(await liveDeployment()).toBe(build.deployment_id);
    // The edge hears of the switch a moment after it commits.
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'container-code.localhost', '/')).body).toContain('처음으로');
    const css = await fetchFromEdge(edge.port, 'container-code.localhost', '/styles/extra.css');
    expect(css.body).toBe('body { background: url("../images/logo.png"); }\n');
  });
});
