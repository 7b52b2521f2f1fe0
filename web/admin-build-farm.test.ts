// /admin/builds — the build farm as the platform admin sees it, driven over real HTTP against
// the built Remix app (npm run build) and a fresh PostgreSQL database. The farm's state is
// seeded the way workers leave it: a worker heartbeat, a build it is running, a failed build,
// and a build whose job ran out of retries and sits in pg-boss's dead-letter queue.
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_QUEUE, listDeadLetteredBuilds, publishSite, startQueue } from '../buildfarm/index.ts';
import { createTenantWithSite } from '../buildfarm/testing.ts';
import { startHeartbeat } from '../db/index.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let boss: PgBoss;
let heartbeat: Awaited<ReturnType<typeof startHeartbeat>>;
let admin: BrowserTab;
const WORKER_ID = 'worker:farm-host-1:4242:a1b2c3';
const ids = { running: '', failed: '', dead: '', deadSite: '', deadVersion: '' };

beforeAll(async () => {
  web = await startTestWeb();
  const sql = web.db.sql;
  boss = await startQueue(web.db.url);

  admin = await web.signUp({ email: 'farm-admin@example.com', workspaceName: '본사' });
  await sql`
    insert into platform_roles (user_id, role)
    select id, 'admin' from users where email = 'farm-admin@example.com'`;

  // A live worker with room for two builds, and one that went silent two minutes ago.
  heartbeat = await startHeartbeat(sql, { kind: 'worker', id: WORKER_ID, executor: 'process', capacity: 2 });
  await sql`
    insert into process_heartbeats (id, kind, host, pid, executor, capacity, info, started_at, last_seen_at)
    values ('worker:farm-host-2:777:dead00', 'worker', 'farm-host-2', 777, 'docker', 4, '{}',
            now() - interval '1 hour', now() - interval '2 minutes')`;

  // A build the live worker is uploading.
  const running = await createTenantWithSite(sql, { slug: 'running-cafe', siteName: '달리는 카페' });
  ids.running = (await publishSite(sql, boss, { ...running, userId: null })).buildId;
  await sql`
    update builds set status = 'running', stage = 'upload', progress = 55, executor = 'process', attempts = 1,
      worker_id = ${WORKER_ID}, started_at = now() - interval '42 seconds'
    where id = ${ids.running}`;

  // A build that failed on its content.
  const failed = await createTenantWithSite(sql, { slug: 'broken-bakery', siteName: '부서진 빵집' });
  ids.failed = (await publishSite(sql, boss, { ...failed, userId: null })).buildId;
  await sql`
    update builds set status = 'failed', stage = 'render', executor = 'process', attempts = 1, worker_id = ${WORKER_ID},
      started_at = now() - interval '10 seconds', finished_at = now(),
      error = '메뉴 섹션의 이미지를 찾을 수 없습니다. 이미지를 다시 올린 뒤 게시해 주세요.'
    where id = ${ids.failed}`;

  // A build whose job had no retries left: its infrastructure failure sends it to the dead-letter queue.
  const dead = await createTenantWithSite(sql, { slug: 'dead-letter-salon', siteName: '잠든 미용실' });
  ids.deadSite = dead.siteId;
  ids.dead = (await publishSite(sql, boss, { ...dead, userId: null })).buildId;
  const [first] = await sql<{ job_id: string; version_id: string }[]>`select job_id, version_id from builds where id = ${ids.dead}`;
  ids.deadVersion = first.version_id;
  await boss.cancel(BUILD_QUEUE, first.job_id);
  const jobId = await boss.send(BUILD_QUEUE, { kind: 'build', buildId: ids.dead, tenantId: dead.tenantId, siteId: dead.siteId }, { retryLimit: 0 });
  if (!jobId) throw new Error('pg-boss did not create the dead-letter test job');
  await sql`
    update builds set job_id = ${jobId}, status = 'failed', stage = 'upload', executor = 'process', attempts = 1,
      worker_id = ${WORKER_ID}, started_at = now() - interval '5 seconds', finished_at = now(),
      error = '빌드 중 내부 오류가 여러 번 났습니다. 잠시 후 다시 게시해 주세요.'
    where id = ${ids.dead}`;
  await boss.fail(BUILD_QUEUE, jobId, { message: 'Could not store object: ENOTDIR' });
  if (!(await listDeadLetteredBuilds(sql)).some((b) => b.id === ids.dead)) throw new Error('the failed job did not reach the dead-letter queue');
});

afterAll(async () => {
  await heartbeat?.stop();
  await boss?.stop({ graceful: false, wait: true });
  await web?.stop();
});

describe('/admin/builds', () => {
  it('sends a visitor to log in', async () => {
    const response = await web.tab().get('/admin/builds');
    expect(response.status).toBe(302);
    expect(response.location).toBe('/login?redirectTo=%2Fadmin%2Fbuilds');
  });

  it('is refused to a logged-in user without the admin role, page and re-run alike', async () => {
    const tab = await web.signUp({ email: 'farm-plain@example.com' });
    const page = await tab.get('/admin/builds');
    expect(page.status).toBe(403);
    expect(page.body).not.toContain('dead-letter-salon');
    const before = await web.db.sql`select id from builds where site_id = ${ids.deadSite}`;
    const rerun = await tab.post('/admin/builds', { intent: 'rerun', buildId: ids.dead });
    expect(rerun.status).toBe(403);
    expect(await web.db.sql`select id from builds where site_id = ${ids.deadSite}`).toHaveLength(before.length);
  });

  it('is linked from /admin', async () => {
    const page = await admin.get('/admin');
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/admin/builds"');
  });

  it('shows the workers, the running build, the failure with its reason and the dead-lettered build', async () => {
    const page = await admin.get('/admin/builds');
    expect(page.status).toBe(200);
    const body = page.body;
    expect(body).toContain('<h1>빌드 팜</h1>');

    // Workers: the live one with its executor, holding one of its two slots; the silent one.
    expect(body).toContain('farm-host-2');
    expect(body).toContain('4242:a1b2c3');
    expect(body).toContain('살아 있음');
    expect(body).toContain('응답 없음');
    expect(body).toMatch(/1 \/ 2<\/span>/);

    // The running build: site, workspace, stage and progress.
    expect(body).toContain('running-cafe');
    expect(body).toContain('달리는 카페');
    expect(body).toContain('파일 올리기');
    expect(body).toContain('aria-valuenow="55"');

    // The failure, with the reason the owner was given.
    expect(body).toContain('broken-bakery');
    expect(body).toContain('메뉴 섹션의 이미지를 찾을 수 없습니다');

    // The dead-letter queue, with a re-run button for that build.
    expect(body).toContain('dead-letter-salon');
    expect(body).toContain('빌드 중 내부 오류가 여러 번 났습니다');
    expect(body).toContain(`name="buildId" value="${ids.dead}"`);
    expect(body).toContain('다시 실행');
  });

  it('shows times in Korea time', async () => {
    const [{ started }] = await web.db.sql<{ started: string }[]>`
      select to_char(started_at at time zone 'Asia/Seoul', 'HH24:MI:SS') as started from builds where id = ${ids.running}`;
    const page = await admin.get('/admin/builds');
    expect(page.body).toContain(started);
  });

  it('re-runs a dead-lettered build as a new queued build of the same version, and says so in Korean', async () => {
    const response = await admin.post('/admin/builds', { intent: 'rerun', buildId: ids.dead });
    expect(response.status).toBe(200);
    expect(response.body).toContain('&#x27;dead-letter-salon&#x27; 사이트의 빌드를 다시 실행했습니다');

    const builds = await web.db.sql<{ id: string; status: string; version_id: string; requested_by: string | null; job_id: string | null }[]>`
      select id, status, version_id, requested_by, job_id from builds where site_id = ${ids.deadSite} and id <> ${ids.dead}`;
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({ status: 'queued', version_id: ids.deadVersion });
    expect(builds[0].job_id).not.toBeNull();
    const [me] = await web.db.sql<{ id: string }[]>`select id from users where email = 'farm-admin@example.com'`;
    expect(builds[0].requested_by).toBe(me.id);
    const [job] = await web.db.sql`select state, data from pgboss.job where id = ${builds[0].job_id}`;
    expect(job).toMatchObject({ state: 'created', data: { buildId: builds[0].id } });

    // The page now counts it in the queue and shows the dead-lettered build's follow-up.
    const page = await admin.get('/admin/builds');
    expect(page.body).toMatch(/data-testid="queue-depth">1</);
    expect(page.body).toMatch(/dead-letter-salon[\s\S]*?실패<\/span>[\s\S]*?badge badge-brand">대기 중<\/span>/);
  });

  it('refuses to re-run a build that is still running, in Korean, and queues nothing', async () => {
    const before = await web.db.sql`select id from builds where status = 'queued'`;
    const response = await admin.post('/admin/builds', { intent: 'rerun', buildId: ids.running });
    expect(response.status).toBe(409);
    expect(response.body).toContain('아직 끝나지 않은 빌드는 다시 실행할 수 없습니다');
    expect(await web.db.sql`select id from builds where status = 'queued'`).toHaveLength(before.length);
  });

  it('answers an unknown build id with a Korean message', async () => {
    const response = await admin.post('/admin/builds', { intent: 'rerun', buildId: '00000000-0000-4000-8000-000000000000' });
    expect(response.status).toBe(404);
    expect(response.body).toContain('다시 실행할 빌드를 찾을 수 없습니다');
  });
});
