// Developer mode without containers: turning it on renders the site into a git-versioned source
// tree, the owner sees what going back to the builder would lose, saves can be restored, and the
// code publishes through the real queue and worker (process executor) to the edge — checked for
// broken links first. Another workspace's ids find nothing.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishSite, PublishError, startQueue, startWorker, type BuildWorker } from '../buildfarm/index.ts';
import { checkSourceFiles } from '../buildfarm/source-build.ts';
import { createTenantWithSite, fetchFromEdge, waitForBuild } from '../buildfarm/testing.ts';
import { startEdge, type Edge } from '../cdn/index.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import {
  changesSinceBuilder,
  createSourceWorkspace,
  discardWorkspace,
  DevmodeError,
  getWorkspace,
  listSaves,
  publishFromSource,
  restoreSave,
  saveWorkspace,
  type WorkspaceRecord,
} from './index.ts';
import { handTreeToEditor } from './workspace.ts';

let db: TestDatabase;
let sql: Sql;
let boss: PgBoss;
let worker: BuildWorker;
let edge: Edge;
let dataDir: string;
let tenantId: string;
let siteId: string;
let otherTenant: string;
let workspace: WorkspaceRecord;
const HOST = os.hostname();
const owner = { id: 'user-devmode-owner', name: '김개발', email: 'dev@momo.kr' };

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 8 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-test-'));
  boss = await startQueue(db.url);
  worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1 });
  edge = await startEdge({ sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
  ({ tenantId, siteId } = await createTenantWithSite(sql, { slug: 'code-cafe', siteName: '코드 카페', planCode: 'premium' }));
  ({ tenantId: otherTenant } = await createTenantWithSite(sql, { slug: 'other-shop', siteName: '다른 가게', planCode: 'premium' }));
  await sql`insert into users (id, email, password_hash, display_name) values (${owner.id}, ${owner.email}, 'x', ${owner.name})`;
});
afterAll(async () => {
  await worker?.stop({ timeoutMs: 10_000 });
  await edge?.close();
  await boss?.stop({ graceful: false, wait: true });
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const siteHost = (slug: string) => `${slug}.localhost`;

describe('turning developer mode on', () => {
  it('renders the builder document into an editable, versioned source tree with a manifest', async () => {
    const result = await createSourceWorkspace(sql, { dataDir, hostName: HOST, tenantId, siteId, user: owner });
    expect(result.created).toBe(true);
    workspace = result.workspace;
    const home = await readFile(path.join(workspace.dir, 'index.html'), 'utf8');
    expect(home).toContain('코드 카페');
    expect(home).toContain('<link rel="stylesheet" href="/styles/home.css">');
    expect(home).not.toContain('<style>');
    // One block element per line, indented, so people can read it.
    expect(home.split('\n').length).toBeGreaterThan(40);
    expect(home).toMatch(/\n {4}<title>/);
    const css = await readFile(path.join(workspace.dir, 'styles', 'home.css'), 'utf8');
    expect(css.length).toBeGreaterThan(200);
    expect(css).toMatch(/\{\n {2}\S/);
    const manifest = JSON.parse(await readFile(path.join(workspace.dir, 'windwalker.json'), 'utf8'));
    expect(manifest).toMatchObject({ windwalker: 1, site: { id: siteId, name: '코드 카페' }, source: { from: 'builder' } });
    expect(manifest.pages).toContain('/index.html');
    expect(await readFile(path.join(workspace.dir, 'README.md'), 'utf8')).toContain('게시');
    // The history lives outside the folder the editor sees.
    expect(existsSync(path.join(workspace.dir, '.git'))).toBe(false);
    const saves = await listSaves(workspace);
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatchObject({ commit: workspace.baseCommit, author: '김개발' });
    expect(saves[0].message).toContain('개발자 모드 시작');
  });

  it('returns the same workspace when turned on twice', async () => {
    const again = await createSourceWorkspace(sql, { dataDir, hostName: HOST, tenantId, siteId, user: owner });
    expect(again.created).toBe(false);
    expect(again.workspace.baseCommit).toBe(workspace.baseCommit);
  });

  it('finds nothing for another workspace using this site id', async () => {
    expect(await getWorkspace(sql, dataDir, otherTenant, siteId)).toBeNull();
    await expect(publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId: otherTenant, siteId, user: owner })).rejects.toMatchObject({ code: 'NO_WORKSPACE' });
    await expect(createSourceWorkspace(sql, { dataDir, hostName: HOST, tenantId: otherTenant, siteId, user: owner })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('what going back to the builder loses', () => {
  it('lists saved and not yet saved edits against the tree the builder made', async () => {
    const home = path.join(workspace.dir, 'index.html');
    await writeFile(home, (await readFile(home, 'utf8')).replace('</body>', '<p id="hand-made">직접 만든 문단</p>\n</body>'));
    await writeFile(path.join(workspace.dir, 'hello.js'), 'console.log("안녕");\n');
    const lost = await changesSinceBuilder(workspace);
    expect(lost.files).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'index.html', change: 'modified', added: expect.any(Number) }),
      expect.objectContaining({ path: 'hello.js', change: 'added', added: 1, removed: 0 }),
    ]));
    expect(lost.diff).toContain('직접 만든 문단');
  });
});

describe('publishing from code', () => {
  it('refuses the builder publish while the site is in developer mode, naming the code page', async () => {
    await expect(publishSite(sql, boss, { tenantId, siteId, userId: null })).rejects.toThrow(PublishError);
    await expect(publishSite(sql, boss, { tenantId, siteId, userId: null })).rejects.toThrow(`/sites/${siteId}/code`);
  });

  it('saves, queues a build from the source snapshot, and the edge serves the edited page', async () => {
    const published = await publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId, siteId, user: owner });
    expect(published.commit).toMatch(/^[0-9a-f]{40}$/);
    const build = await waitForBuild(sql, published.buildId, ['succeeded', 'failed'], 30_000);
    expect(build.error).toBeNull();
    expect(build.status).toBe('succeeded');
    await expect.poll(async () => (await fetchFromEdge(edge.port, siteHost('code-cafe'), '/')).body).toContain('직접 만든 문단');
    const script = await fetchFromEdge(edge.port, siteHost('code-cafe'), '/hello.js');
    expect(script.body).toContain('안녕');
    // The manifest and README are about the workspace, not the site.
    expect((await fetchFromEdge(edge.port, siteHost('code-cafe'), '/windwalker.json')).status).toBe(404);
    const [version] = await sql`select source_snapshot_id from site_versions where id = ${published.versionId}`;
    expect(version.source_snapshot_id).toBe(published.snapshotId);
    const logs = await sql<{ message: string }[]>`select message from build_logs where build_id = ${published.buildId} order by id`;
    expect(logs.map((l) => l.message).join('\n')).toContain(`커밋 ${published.commit.slice(0, 7)}`);
  });

  it('fails a build with a broken link or a missing image, listing them, and keeps the live site', async () => {
    const home = path.join(workspace.dir, 'index.html');
    await writeFile(home, (await readFile(home, 'utf8')).replace('</body>', '<a href="/menu-old/">옛 메뉴</a><img src="/assets/gone.png" alt="">\n</body>'));
    const published = await publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId, siteId, user: owner });
    const build = await waitForBuild(sql, published.buildId, ['succeeded', 'failed'], 30_000);
    expect(build.status).toBe('failed');
    expect(build.error).toContain('깨진 링크: /menu-old/');
    expect(build.error).toContain('빠진 파일: /assets/gone.png');
    expect(build.error).toContain('공개 중인 사이트는 그대로입니다');
    const page = await fetchFromEdge(edge.port, siteHost('code-cafe'), '/');
    expect(page.body).not.toContain('옛 메뉴');
    expect(page.body).toContain('직접 만든 문단');
  });

  it('restores an earlier save as a new save, keeping the history', async () => {
    const saves = await listSaves(workspace);
    // the first publish (the newest one added the broken link)
    const good = saves.filter((s) => s.message.startsWith('게시')).at(-1)!;
    const before = saves.length;
    const restored = await restoreSave(sql, workspace, { hostName: HOST, commit: good.commit, author: owner });
    expect(restored).toMatch(/^[0-9a-f]{40}$/);
    expect(await readFile(path.join(workspace.dir, 'index.html'), 'utf8')).not.toContain('옛 메뉴');
    const after = await listSaves(workspace);
    expect(after.length).toBeGreaterThan(before);
    expect(after[0].message).toContain('되돌림');
    await expect(restoreSave(sql, workspace, { hostName: HOST, commit: 'f'.repeat(40) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The editor works on its host's copy, which would write its files over the restored ones.
    const [open] = await sql<{ id: string }[]>`
      insert into devmode_sessions (tenant_id, site_id, host, status, memory_mb, cpus, pids)
      values (${tenantId}, ${siteId}, 'devhost-elsewhere', 'running', 1024, 1, 256) returning id`;
    try {
      await expect(restoreSave(sql, workspace, { hostName: HOST, commit: good.commit })).rejects.toMatchObject({ code: 'SESSION_OPEN', message: expect.stringContaining('편집기를 먼저 닫은 뒤') });
    } finally {
      await sql`update devmode_sessions set status = 'stopped' where id = ${open.id}`;
    }
  });

  it('records a save only when something changed', async () => {
    expect(await saveWorkspace(sql, workspace, { hostName: HOST, message: '아무것도 안 바뀜' })).toBeNull();
  });

  it('publishes no link made in the editor, and hands the tree over without touching what a link points at', async () => {
    const outside = path.join(dataDir, 'host-secret.txt');
    await writeFile(outside, '호스트의 파일\n');
    await symlink(outside, path.join(workspace.dir, 'leak.txt'));
    try {
      await handTreeToEditor(workspace.dir);
      expect((await stat(outside)).uid).toBe(process.getuid?.() ?? 0);
      await expect(publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId, siteId, user: { id: owner.id, name: owner.name, email: owner.email } }))
        .rejects.toMatchObject({ code: 'INVALID_DOCUMENT', message: expect.stringContaining('leak.txt: 링크나 특수 파일은 게시할 수 없습니다') });
    } finally {
      await rm(path.join(workspace.dir, 'leak.txt'), { force: true });
      await saveWorkspace(sql, workspace, { hostName: HOST, message: '링크 지움' });
    }
  });
});

describe('plans', () => {
  it('refuses developer mode on a plan without it, naming the plan', async () => {
    const { tenantId: trialTenant, siteId: trialSite } = await createTenantWithSite(sql, { slug: 'trial-shop', siteName: '체험 가게', planCode: 'basic' });
    await createSourceWorkspace(sql, { dataDir, hostName: HOST, tenantId: trialTenant, siteId: trialSite, user: owner });
    const refused = await publishFromSource(sql, boss, { dataDir, hostName: HOST, tenantId: trialTenant, siteId: trialSite, user: owner }).catch((e) => e);
    expect(refused).toBeInstanceOf(DevmodeError);
    expect(refused.code).toBe('PLAN');
    expect(refused.message).toContain('프리미엄');
  });
});

describe('going back to the builder', () => {
  it('moves the code aside and lets the builder publish the document again', async () => {
    await discardWorkspace(sql, workspace, { hostName: HOST, userId: owner.id });
    expect(await getWorkspace(sql, dataDir, tenantId, siteId)).toBeNull();
    expect(existsSync(workspace.dir)).toBe(false);
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed'], 30_000);
    expect(build.status).toBe('succeeded');
    await expect.poll(async () => (await fetchFromEdge(edge.port, siteHost('code-cafe'), '/')).body).not.toContain('직접 만든 문단');
    expect((await fetchFromEdge(edge.port, siteHost('code-cafe'), '/')).body).toContain('코드 카페');
  });
});

describe('checkSourceFiles', () => {
  const html = (body: string) => ({ path: '/index.html', contentType: 'text/html; charset=utf-8', body: Buffer.from(body) });
  it('accepts pages whose links and assets exist, external links and form posts', () => {
    const files = [
      html('<a href="/about">소개</a><a href="https://example.com">외부</a><a href="tel:010">전화</a><form action="/__forms/x"></form><img srcset="/a.png 1x, /a.png 2x" src="a.png"><link rel="stylesheet" href="/s.css?v=2">'),
      { path: '/about/index.html', contentType: 'text/html', body: Buffer.from('<a href="../">홈</a>') },
      { path: '/a.png', contentType: 'image/png', body: Buffer.alloc(1) },
      { path: '/s.css', contentType: 'text/css', body: Buffer.from('body{background:url("/a.png")}') },
    ];
    expect(checkSourceFiles(files)).toEqual([]);
  });
  it('reports a missing home page, broken links, missing CSS images and hidden files', () => {
    const problems = checkSourceFiles([
      { path: '/about/index.html', contentType: 'text/html', body: Buffer.from('<a href="/nope">x</a>') },
      { path: '/s.css', contentType: 'text/css', body: Buffer.from('h1{background:url(bg.jpg)}') },
      { path: '/.env', contentType: 'text/plain', body: Buffer.from('SECRET=1') },
    ]);
    expect(problems.map((p) => p.message)).toEqual(expect.arrayContaining([
      expect.stringContaining('첫 페이지'),
      expect.stringContaining('깨진 링크: /nope'),
      expect.stringContaining('빠진 파일: bg.jpg'),
      expect.stringContaining('게시할 수 없는 파일 이름'),
    ]));
  });
});
