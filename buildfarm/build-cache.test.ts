// The build cache: a one-word edit on a 50-page site renders and uploads only the changed page,
// an edit every page shows re-renders them all, an unchanged site starts no renderer, and a
// cached file whose object left the store is rendered again.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type Edge } from '../cdn/index.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { createSiteDocument, type SiteDocument } from '../site/index.ts';
import { listBuildLogs, publishSite, startQueue, startWorker, type BuildWorker } from './index.ts';
import { fetchFromEdge, waitForBuild } from './testing.ts';

let db: TestDatabase;
let sql: Sql;
let boss: PgBoss;
let worker: BuildWorker;
let edge: Edge;
let dataDir: string;
let tenantId: string;
let siteId: string;
let document: SiteDocument;

function fiftyPageSite(): SiteDocument {
  const doc = createSiteDocument('cafe', { siteName: '오십 페이지 카페' });
  for (let n = 1; doc.pages.length < 50; n++) {
    const copy = structuredClone(doc.pages[0]!);
    copy.sections = copy.sections.map((section, i) => ({ ...section, id: `p${n}-s${i}` }));
    doc.pages.push({ ...copy, id: `page-${n}`, slug: `page-${n}`, title: `페이지 ${n}`, navLabel: `페이지 ${n}` });
  }
  return doc;
}

async function publish(doc: SiteDocument) {
  await sql`update sites set document = ${sql.json(doc as never)}, revision = revision + 1 where id = ${siteId}`;
  const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
  const build = await waitForBuild(sql, buildId, ['succeeded', 'failed'], 60_000);
  expect(build.status, String(build.error)).toBe('succeeded');
  const logs = (await listBuildLogs(sql, tenantId, buildId)).map((line) => line.message);
  const [deployment] = await sql<{ file_count: number; uploaded_bytes: number; manifest: Record<string, { sha256: string }> }[]>`
    select file_count, uploaded_bytes, manifest from deployments where id = ${build.deployment_id as string}`;
  return { buildId, logs, deployment };
}

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 12 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-build-cache-test-'));
  boss = await startQueue(db.url);
  worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1 });
  edge = await startEdge({ sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
  const [tenant] = await sql<{ id: string }[]>`insert into tenants (name, plan_code) values ('오십 페이지', 'enterprise') returning id`;
  tenantId = tenant.id;
  document = fiftyPageSite();
  const [site] = await sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document)
    values (${tenantId}, '오십 페이지 카페', 'fifty-pages', 'cafe', ${sql.json(document as never)}) returning id`;
  siteId = site.id;
});
afterAll(async () => {
  await worker?.stop({ timeoutMs: 10_000 });
  await edge?.close();
  await boss?.stop({ graceful: false, wait: true });
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the build cache', () => {
  it('renders every page of the first build and remembers each output', async () => {
    const first = await publish(document);
    expect(first.logs.some((line) => line.startsWith('50개 페이지 중 50개를 새로 만들었습니다'))).toBe(true);
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from build_render_cache where site_id = ${siteId}`;
    expect(count).toBe(first.deployment.file_count);
  });

  it('renders and uploads only the edited page after a one-word change', async () => {
    const before = await sql<{ manifest: Record<string, { sha256: string }> }[]>`
      select d.manifest from sites s join deployments d on d.id = s.live_deployment_id where s.id = ${siteId}`;
    const page = document.pages[30]!;
    const hero = page.sections[0]!;
    if (hero.type !== 'hero') throw new Error('pages start with a hero');
    hero.heading = '오늘만 반값';
    const edited = await publish(document);

    expect(edited.logs.some((line) => line.startsWith('50개 페이지 중 1개를 새로 만들었습니다'))).toBe(true);
    const changedPath = `/${page.slug}/index.html`;
    const changed = Object.keys(edited.deployment.manifest).filter((p) => edited.deployment.manifest[p]!.sha256 !== before[0]!.manifest[p]?.sha256);
    expect(changed).toEqual([changedPath]);
    expect(edited.deployment.file_count).toBe(Object.keys(before[0]!.manifest).length);
    expect(edited.deployment.uploaded_bytes).toBeGreaterThan(0);

    await expect.poll(async () => (await fetchFromEdge(edge.port, 'fifty-pages.localhost', `/${page.slug}/`)).body).toContain('오늘만 반값');
    const other = await fetchFromEdge(edge.port, 'fifty-pages.localhost', '/page-12/');
    expect(other.status).toBe(200);
    expect(other.body).not.toContain('오늘만 반값');
  });

  it('re-renders every page when the navigation changes, so no page keeps an old menu', async () => {
    document.pages[5]!.navLabel = '새 메뉴';
    const renamed = await publish(document);
    expect(renamed.logs.some((line) => line.startsWith('50개 페이지 중 50개를 새로 만들었습니다'))).toBe(true);
    for (const pathname of ['/', '/page-40/']) {
      await expect.poll(async () => (await fetchFromEdge(edge.port, 'fifty-pages.localhost', pathname)).body).toContain('새 메뉴');
    }
  });

  it('starts no renderer when nothing changed', async () => {
    const again = await publish(document);
    expect(again.logs.some((line) => line.startsWith('50개 페이지 중 0개를 새로 만들었습니다'))).toBe(true);
    expect(again.logs.some((line) => /^파일 \d+개를 \d+ms에 만들었습니다/.test(line))).toBe(false);
    expect(again.deployment.uploaded_bytes).toBe(0);
  });

  it('marks a reused entry used again only when its mark is a day old (a rebuild rewrites no other row)', async () => {
    // Every entry of one path (the current one and those of earlier navigations) is made two days old.
    const stale = await sql<{ input_hash: string }[]>`
      update build_render_cache set used_at = now() - interval '2 days'
      where site_id = ${siteId} and path = '/page-3/index.html'
      returning input_hash`;
    const rowsBefore = await sql<{ input_hash: string; version: string }[]>`
      select input_hash, xmin::text as version from build_render_cache where site_id = ${siteId}`;
    const again = await publish(document);
    expect(again.logs.some((line) => line.startsWith('50개 페이지 중 0개를 새로 만들었습니다'))).toBe(true);
    const rowsAfter = new Map(
      (await sql<{ input_hash: string; version: string; fresh: boolean }[]>`
        select input_hash, xmin::text as version, used_at > now() - interval '1 hour' as fresh
        from build_render_cache where site_id = ${siteId}`).map((row) => [row.input_hash, row]),
    );
    expect(rowsAfter.size).toBe(rowsBefore.length);
    // The entry this build reused is marked used again; nothing else was rewritten.
    const refreshed = stale.filter((row) => rowsAfter.get(row.input_hash)?.fresh).map((row) => row.input_hash);
    expect(refreshed).toHaveLength(1);
    const rewritten = rowsBefore.filter((row) => rowsAfter.get(row.input_hash)?.version !== row.version).map((row) => row.input_hash);
    expect(rewritten).toEqual(refreshed);
  });

  it('renders everything again when a cached file is no longer in the store', async () => {
    await rm(path.join(dataDir, 'cdn', 'objects'), { recursive: true, force: true });
    document.pages[0]!.title = '홈 화면';
    const rebuilt = await publish(document);
    expect(rebuilt.logs.some((line) => line.startsWith('이전 빌드의 파일 일부가 저장소에 없어 모든 파일을 다시 만듭니다'))).toBe(true);
    await expect.poll(async () => (await fetchFromEdge(edge.port, 'fifty-pages.localhost', '/page-7/')).status).toBe(200);
  });
});
