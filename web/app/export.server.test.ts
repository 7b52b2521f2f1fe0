import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateDeployment, deploySite } from '../../cdn/index.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { createSiteDocument, renderSite } from '../../site/index.ts';
import { exportPublishedSiteZip, exportSiteDocument, importSiteDocument } from './export.server.ts';

let db: TestDatabase;
let dataDir: string;
let tenantA: string;
let tenantB: string;
let siteId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-export-'));
  [{ id: tenantA }, { id: tenantB }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('학원'), ('남의 가게') returning id`;
  const document = createSiteDocument('academy', { siteName: '별빛 수학학원' });
  [{ id: siteId }] = await db.sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document) values (${tenantA}, '별빛 수학학원', 'byeolbit-math', 'academy', ${db.sql.json(document as never)}) returning id`;
  await db.sql`insert into site_versions (tenant_id, site_id, number, document, reason) values (${tenantA}, ${siteId}, 1, ${db.sql.json(document as never)}, 'create')`;
});
afterAll(async () => {
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('no lock-in: export and import', () => {
  it('says there is nothing to download before the first publish', async () => {
    expect(await exportPublishedSiteZip(db.sql, tenantA, siteId, dataDir)).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('게시') });
  });

  it('zips exactly the files the live deployment serves', async () => {
    const [{ document }] = await db.sql<{ document: never }[]>`select document from sites where id = ${siteId}`;
    const files = renderSite(document, { siteUrl: 'http://byeolbit-math.localhost', assets: new Map(), hostingProvider: 'local' });
    const { deploymentId } = await deploySite(db.sql, { tenantId: tenantA, siteId, buildId: null, files, dataDir });
    await activateDeployment(db.sql, { tenantId: tenantA, siteId, deploymentId });
    const result = await exportPublishedSiteZip(db.sql, tenantA, siteId, dataDir);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.fileName).toBe('byeolbit-math-site.zip');
    const unzipped = unzipSync(result.zip);
    expect(Object.keys(unzipped).sort()).toEqual(files.map((f) => f.path.slice(1)).sort());
    for (const file of files) expect(Buffer.from(unzipped[file.path.slice(1)]).equals(file.body)).toBe(true);
    expect(await exportPublishedSiteZip(db.sql, tenantB, siteId, dataDir)).toMatchObject({ ok: false, status: 404 });
  });

  it('exports the document and imports it back as a new version; another workspace gets nothing', async () => {
    const exported = await exportSiteDocument(db.sql, tenantA, siteId);
    expect(exported).toMatchObject({ format: 'windwalker-site', site: { slug: 'byeolbit-math' } });
    expect(await exportSiteDocument(db.sql, tenantB, siteId)).toBeNull();
    exported!.document.name = '별빛 수학 교실';
    const result = await importSiteDocument(db.sql, { tenantId: tenantA, siteId, userId: null, text: JSON.stringify(exported) });
    expect(result).toEqual({ ok: true, revision: 2, versionNumber: 2 });
    const [site] = await db.sql<{ document: { name: string } }[]>`select document from sites where id = ${siteId}`;
    expect(site.document.name).toBe('별빛 수학 교실');
    const versions = await db.sql`select number, reason from site_versions where site_id = ${siteId} order by number`;
    expect(versions.map((v) => v.reason)).toEqual(['create', 'import']);
    expect(await importSiteDocument(db.sql, { tenantId: tenantB, siteId, userId: null, text: JSON.stringify(exported) })).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses a broken or non-JSON document in Korean and leaves the site as it was', async () => {
    const notJson = await importSiteDocument(db.sql, { tenantId: tenantA, siteId, userId: null, text: '<html>' });
    expect(notJson).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('JSON 형식이 아닙니다') });
    const broken = await importSiteDocument(db.sql, { tenantId: tenantA, siteId, userId: null, text: JSON.stringify({ version: 1, name: '', pages: [] }) });
    expect(broken).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('사이트는 그대로입니다') });
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from site_versions where site_id = ${siteId}`;
    expect(n).toBe(2);
  });
});
