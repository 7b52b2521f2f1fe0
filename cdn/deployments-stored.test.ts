// deploySite with files already in the object store (the build cache reuses an earlier build's
// output by its sha256 instead of rendering and uploading it again).
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { touchStoredObjectsSoon } from './deployments.ts';
import { activateDeployment, CdnError, deploySite } from './index.ts';
import { objectPath, sha256Hex } from './object-store.ts';
import { insertSite, insertTenant, siteFiles } from './test-fixtures.ts';

let db: TestDatabase;
let dataDir: string;
let tenantId: string;
let siteId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-stored-'));
  tenantId = await insertTenant(db.sql, '카페 캐시');
  siteId = await insertSite(db.sql, tenantId, 'cafe-cache');
});
afterAll(async () => {
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('deploySite with stored files', () => {
  it('deploys one new file and 49 files named only by their stored sha256, uploading just the new one', async () => {
    const first = siteFiles('v1');
    await deploySite(db.sql, { tenantId, siteId, buildId: null, files: first, dataDir });
    // An hour-old object: reusing it must refresh it so garbage collection spares it.
    const old = new Date(Date.now() - 3600_000);
    await utimes(objectPath(dataDir, sha256Hex(first[1].body)), old, old);

    const changed = { ...first[0], body: Buffer.from('<!doctype html><p>바뀐 홈</p>') };
    const stored = first.slice(1).map((file) => ({ path: file.path, contentType: file.contentType, sha256: sha256Hex(file.body), size: file.body.length }));
    const result = await deploySite(db.sql, { tenantId, siteId, buildId: null, files: [changed], stored, dataDir });
    expect(result).toMatchObject({ fileCount: 50, uploadedFiles: 1, uploadedBytes: changed.body.length });
    expect(result.totalBytes).toBe(changed.body.length + stored.reduce((sum, file) => sum + file.size, 0));

    const [row] = await db.sql`select status, file_count, manifest from deployments where id = ${result.deploymentId}`;
    expect(row).toMatchObject({ status: 'ready', file_count: 50 });
    expect(Object.keys(row.manifest)).toHaveLength(50);
    expect(row.manifest['/index.html'].sha256).toBe(sha256Hex(changed.body));
    expect(row.manifest[first[1].path]).toEqual({ sha256: stored[0].sha256, size: stored[0].size, contentType: first[1].contentType });
    expect((await stat(objectPath(dataDir, stored[0].sha256))).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    await activateDeployment(db.sql, { tenantId, siteId, deploymentId: result.deploymentId });
  });

  it('refuses a stored file whose object is not in the store, before recording any deployment', async () => {
    const [{ count: before }] = await db.sql<{ count: number }[]>`select count(*)::int as count from deployments where site_id = ${siteId}`;
    const missing = { path: '/gone/index.html', contentType: 'text/html; charset=utf-8', sha256: 'a'.repeat(64), size: 10 };
    const attempt = deploySite(db.sql, { tenantId, siteId, buildId: null, files: siteFiles('v2').slice(0, 1), stored: [missing], dataDir });
    await expect(attempt).rejects.toBeInstanceOf(CdnError);
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_files', message: expect.stringContaining('/gone/index.html') });
    const [{ count: after }] = await db.sql<{ count: number }[]>`select count(*)::int as count from deployments where site_id = ${siteId}`;
    expect(after).toBe(before);
  });

  // The build worker starts the check while its container renders and hands it to deploySite.
  it('takes a check of the stored files started before, with the same outcome', async () => {
    const files = siteFiles('v4');
    await deploySite(db.sql, { tenantId, siteId, buildId: null, files, dataDir });
    const old = new Date(Date.now() - 3600_000);
    await utimes(objectPath(dataDir, sha256Hex(files[1].body)), old, old);
    const stored = files.slice(1).map((file) => ({ path: file.path, contentType: file.contentType, sha256: sha256Hex(file.body), size: file.body.length }));
    const result = await deploySite(db.sql, {
      tenantId, siteId, buildId: null, files: files.slice(0, 1), stored, storedTouched: touchStoredObjectsSoon(dataDir, stored), dataDir,
    });
    expect(result).toMatchObject({ fileCount: files.length, uploadedFiles: 0 });
    expect((await stat(objectPath(dataDir, stored[0].sha256))).mtimeMs).toBeGreaterThan(Date.now() - 60_000);

    const [{ count: before }] = await db.sql<{ count: number }[]>`select count(*)::int as count from deployments where site_id = ${siteId}`;
    const missing = [...stored, { path: '/gone/index.html', contentType: 'text/html; charset=utf-8', sha256: 'b'.repeat(64), size: 10 }];
    const attempt = deploySite(db.sql, {
      tenantId, siteId, buildId: null, files: files.slice(0, 1), stored: missing, storedTouched: touchStoredObjectsSoon(dataDir, missing), dataDir,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_files', message: expect.stringContaining('/gone/index.html') });
    const [{ count: after }] = await db.sql<{ count: number }[]>`select count(*)::int as count from deployments where site_id = ${siteId}`;
    expect(after).toBe(before);
  });

  it('refuses a path given both as a file and as a stored file', async () => {
    const files = siteFiles('v3').slice(0, 1);
    const stored = [{ path: files[0].path, contentType: files[0].contentType, sha256: sha256Hex(files[0].body), size: files[0].body.length }];
    await expect(deploySite(db.sql, { tenantId, siteId, buildId: null, files, stored, dataDir })).rejects.toMatchObject({
      code: 'invalid_files', message: expect.stringContaining('같은 경로가 두 번'),
    });
  });
});
