// The owner's site pages over real HTTP against the built Remix app (npm run build) and a fresh
// database: create, autosave, upload, publish, build status stream, cancel, rollback — and a
// second workspace that gets 404 for every id of the first.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let owner: BrowserTab;
let stranger: BrowserTab;
let siteId: string;

beforeAll(async () => {
  web = await startTestWeb();
  owner = await web.signUp({ email: 'owner@momo.kr', workspaceName: '모모 커피' });
  stranger = await web.signUp({ email: 'other@example.com', workspaceName: '다른 가게' });
  const created = await owner.post('/sites/new', { name: '카페 모모', slug: 'cafe-momo', template: 'cafe' });
  expect(created.status).toBe(302);
  siteId = /^\/sites\/([0-9a-f-]{36})$/.exec(created.location ?? '')![1];
});
afterAll(() => web?.stop());

function cookie(tab: BrowserTab): string {
  return [...tab.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function postJson(tab: BrowserTab, path: string, body: unknown) {
  const response = await fetch(new URL(path, web.baseUrl), {
    method: 'POST',
    headers: { Cookie: cookie(tab), Origin: web.baseUrl, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function upload(tab: BrowserTab, path: string, data: Buffer, name: string, type: string) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(data)], { type }), name);
  const response = await fetch(new URL(path, web.baseUrl), { method: 'POST', headers: { Cookie: cookie(tab), Origin: web.baseUrl }, body: form });
  return { status: response.status, json: (await response.json()) as { ok: boolean; message?: string; asset?: { id: string; width: number } } };
}

async function storedSite() {
  const [row] = await web.db.sql<{ revision: number; document: { name: string } }[]>`select revision, document from sites where id = ${siteId}`;
  return row;
}

describe('sites list and create', () => {
  it('lists the new site with its address, and shows an invitation when there is none', async () => {
    const list = await owner.get('/sites');
    expect(list.status).toBe(200);
    expect(list.body).toContain('카페 모모');
    expect(list.body).toMatch(/cafe-momo\.localhost(:\d+)?/);
    const empty = await stranger.get('/sites');
    expect(empty.body).toContain('첫 홈페이지를 만들어 볼까요?');
  });

  it('refuses a taken or reserved address in Korean and stores nothing', async () => {
    const [{ n: before }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from sites`;
    const taken = await stranger.post('/sites/new', { name: '가짜 모모', slug: 'cafe-momo', template: 'cafe' });
    expect(taken.status).toBe(400);
    expect(taken.body).toContain('이미 사용 중인 주소입니다');
    const reserved = await stranger.post('/sites/new', { name: '관리', slug: 'admin', template: 'cafe' });
    expect(reserved.body).toContain('예약된 주소');
    const check = await stranger.get('/sites/check-slug?slug=cafe-momo');
    expect(JSON.parse(check.body)).toMatchObject({ ok: false, message: expect.stringContaining('이미 사용 중인 주소입니다') });
    const [{ n: after }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from sites`;
    expect(after).toBe(before);
  });

  it('opens the builder with the template document', async () => {
    const page = await owner.get(`/sites/${siteId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('게시하기');
    expect(page.body).toContain('카페 모모');
  });

  it('tells the builder the plan’s page limit in billing’s words', async () => {
    const data = await owner.get(`/sites/${siteId}?_data=${encodeURIComponent('routes/sites.$siteId._index')}`);
    expect(data.status).toBe(200);
    const { pageLimit } = JSON.parse(data.body) as { pageLimit: { max: number; message: string } };
    expect(pageLimit.max).toBe(5);
    expect(pageLimit.message).toMatch(/^무료 체험 요금제의 사이트당 페이지는 최대 5개입니다/);
  });
});

describe('autosave', () => {
  it('saves an edit, then refuses a stale revision and a malformed document without changing anything', async () => {
    const site = await storedSite();
    const saved = await postJson(owner, `/sites/${siteId}/document`, { document: { ...site.document, name: '모모 로스터스' }, baseRevision: site.revision });
    expect(saved).toMatchObject({ status: 200, json: { ok: true, revision: site.revision + 1 } });

    const stale = await postJson(owner, `/sites/${siteId}/document`, { document: { ...site.document, name: '늦은 편집' }, baseRevision: site.revision });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ kind: 'conflict', currentRevision: site.revision + 1 });

    const malformed = await postJson(owner, `/sites/${siteId}/document`, { document: { ...site.document, pages: [] }, baseRevision: site.revision + 1 });
    expect(malformed.status).toBe(400);
    expect(String(malformed.json.message)).toMatch(/저장하지 못했습니다/);

    const after = await storedSite();
    expect(after.revision).toBe(site.revision + 1);
    expect(after.document.name).toBe('모모 로스터스');
  });

  it('lets a viewer read the builder but not save', async () => {
    const viewer = await web.signUp({ email: 'viewer@momo.kr' });
    const [{ tenant_id: tenantId }] = await web.db.sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
    const [{ id: viewerId }] = await web.db.sql<{ id: string }[]>`select id from users where email = 'viewer@momo.kr'`;
    await web.db.sql`insert into memberships (tenant_id, user_id, role) values (${tenantId}, ${viewerId}, 'viewer')`;
    await web.db.sql`update user_sessions set tenant_id = ${tenantId} where user_id = ${viewerId}`;
    const page = await viewer.get(`/sites/${siteId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('보기 전용입니다');
    const site = await storedSite();
    const save = await fetch(new URL(`/sites/${siteId}/document`, web.baseUrl), {
      method: 'POST',
      headers: { Cookie: cookie(viewer), Origin: web.baseUrl, 'Content-Type': 'application/json' },
      body: JSON.stringify({ document: { ...site.document, name: '뷰어 편집' }, baseRevision: site.revision }),
    });
    expect(save.status).toBe(403);
    expect((await storedSite()).revision).toBe(site.revision);
  });
});

describe('images', () => {
  let assetId: string;

  it('stores an uploaded image and serves it to the preview', async () => {
    const png = await sharp({ create: { width: 2600, height: 1300, channels: 3, background: '#6b4226' } }).png().toBuffer();
    const result = await upload(owner, `/sites/${siteId}/upload`, png, '매장.png', 'image/png');
    expect(result.status).toBe(200);
    expect(result.json.asset?.width).toBe(2000);
    assetId = result.json.asset!.id;
    const image = await fetch(new URL(`/sites/${siteId}/assets/${assetId}`, web.baseUrl), { headers: { Cookie: cookie(owner) } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).width).toBe(2000);
  });

  it('refuses a non-image and an oversized file with Korean messages and stores nothing', async () => {
    const [{ n: before }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from assets`;
    const fake = await upload(owner, `/sites/${siteId}/upload`, Buffer.from('<?php echo 1; ?>'), 'photo.jpg', 'image/jpeg');
    expect(fake.status).toBe(400);
    expect(fake.json.message).toContain('이미지 파일이 아닙니다');
    const huge = await upload(owner, `/sites/${siteId}/upload`, Buffer.alloc(6 * 1024 * 1024, 7), 'huge.jpg', 'image/jpeg');
    expect(huge.status).toBe(413);
    expect(huge.json.message).toBe('이미지가 5MB를 넘습니다. 더 작은 파일을 올려 주세요.');
    const [{ n: after }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from assets`;
    expect(after).toBe(before);
  });

  it('answers 404 to another workspace asking for the image', async () => {
    const image = await fetch(new URL(`/sites/${siteId}/assets/${assetId}`, web.baseUrl), { headers: { Cookie: cookie(stranger) } });
    expect(image.status).toBe(404);
  });
});

describe('publish, build status and rollback', () => {
  let buildId: string;

  it('publishes into a queued build and shows its page', async () => {
    const publish = await owner.post(`/sites/${siteId}`, { intent: 'publish' });
    expect(publish.status).toBe(302);
    buildId = /\/builds\/([0-9a-f-]{36})$/.exec(publish.location ?? '')![1];
    const page = await owner.get(`/sites/${siteId}/builds/${buildId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('게시 대기 중');
    expect(page.body).toContain('게시 대기열에 넣었습니다');
  });

  it('streams the build’s log lines and its cancellation as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(new URL(`/sites/${siteId}/builds/${buildId}/events`, web.baseUrl), {
      headers: { Cookie: cookie(owner), Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(/event: status\ndata: .*"status":"queued"/);
    expect(text).toMatch(/event: log\ndata: .*게시 대기열에 넣었습니다/);

    const cancel = await owner.post(`/sites/${siteId}/builds/${buildId}`, {});
    expect(cancel.status).toBe(200);
    expect(cancel.body).toContain('게시를 취소했습니다');
    await readUntil(/"status":"cancelled"/);
    expect(text).toContain('"status":"cancelled"');
    controller.abort();
  });

  it('makes an earlier deployment live again and marks it', async () => {
    const [{ tenant_id: tenantId }] = await web.db.sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
    // Two ready deployments as the worker leaves them (the worker itself is tested in buildfarm/).
    const [first, second] = await web.db.sql<{ id: string }[]>`
      insert into deployments (tenant_id, site_id, provider, status, file_count, total_bytes, created_at)
      values (${tenantId}, ${siteId}, 'local', 'ready', 9, 60000, now() - interval '1 hour'),
             (${tenantId}, ${siteId}, 'local', 'ready', 9, 61000, now())
      returning id`;
    await web.db.sql`update sites set live_deployment_id = ${second.id} where id = ${siteId}`;
    const before = await owner.get(`/sites/${siteId}/deployments`);
    expect(before.body).toContain('지금 사이트에 보이는 버전');
    expect(before.body).toContain('이 버전으로 되돌리기');
    const rollback = await owner.post(`/sites/${siteId}/deployments`, { deploymentId: first.id });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toContain('선택한 버전이 지금 사이트에 보입니다');
    const [site] = await web.db.sql<{ live_deployment_id: string }[]>`select live_deployment_id from sites where id = ${siteId}`;
    expect(site.live_deployment_id).toBe(first.id);
  });
});

describe('another workspace', () => {
  it('gets 404 for the site, its versions, builds, deployments and assets on every route, and changes nothing', async () => {
    const [{ id: versionId }] = await web.db.sql<{ id: string }[]>`select id from site_versions where site_id = ${siteId} order by number limit 1`;
    const [{ id: buildId }] = await web.db.sql<{ id: string }[]>`select id from builds where site_id = ${siteId} limit 1`;
    const [{ id: deploymentId }] = await web.db.sql<{ id: string }[]>`select id from deployments where site_id = ${siteId} limit 1`;
    const [{ id: assetId }] = await web.db.sql<{ id: string }[]>`select id from assets where site_id = ${siteId} limit 1`;
    const before = await storedSite();
    const [{ live_deployment_id: liveBefore }] = await web.db.sql<{ live_deployment_id: string }[]>`select live_deployment_id from sites where id = ${siteId}`;

    for (const path of [
      `/sites/${siteId}`,
      `/sites/${siteId}/deployments`,
      `/sites/${siteId}/builds/${buildId}`,
      `/sites/${siteId}/builds/${buildId}/events`,
      `/sites/${siteId}/assets/${assetId}`,
    ]) {
      expect((await stranger.get(path)).status, path).toBe(404);
    }
    expect((await stranger.post(`/sites/${siteId}`, { intent: 'restore', versionId })).status).toBe(404);
    expect((await stranger.post(`/sites/${siteId}`, { intent: 'publish' })).status).toBe(404);
    expect((await stranger.post(`/sites/${siteId}/builds/${buildId}`, {})).status).toBe(404);
    expect((await stranger.post(`/sites/${siteId}/deployments`, { deploymentId })).status).toBe(404);
    expect((await postJson(stranger, `/sites/${siteId}/document`, { document: before.document, baseRevision: before.revision })).status).toBe(404);
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000000' } }).png().toBuffer();
    expect((await upload(stranger, `/sites/${siteId}/upload`, png, 'x.png', 'image/png')).status).toBe(404);

    // The stranger's own site cannot be pointed at the first workspace's deployment either.
    const own = await stranger.post('/sites/new', { name: '다른 가게', slug: 'other-shop', template: 'salon' });
    const ownId = /\/sites\/([0-9a-f-]{36})$/.exec(own.location ?? '')![1];
    expect((await stranger.post(`/sites/${ownId}/deployments`, { deploymentId })).status).toBe(404);
    expect((await stranger.get(`/sites/${ownId}/assets/${assetId}`)).status).toBe(404);

    const after = await storedSite();
    expect(after.revision).toBe(before.revision);
    const [{ live_deployment_id: liveAfter }] = await web.db.sql<{ live_deployment_id: string }[]>`select live_deployment_id from sites where id = ${siteId}`;
    expect(liveAfter).toBe(liveBefore);
  });
});
