import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { activateDeployment, CdnError, createLocalProvider, deleteDeployment, deploySite, listDeployments } from './index.ts';
import { objectPath, sha256Hex } from './object-store.ts';
import { insertSite, insertTenant, siteFiles } from './test-fixtures.ts';

let db: TestDatabase;
let dataDir: string;
let tenantA: string;
let tenantB: string;
let siteA: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-'));
  tenantA = await insertTenant(db.sql, '카페 A');
  tenantB = await insertTenant(db.sql, '미용실 B');
  siteA = await insertSite(db.sql, tenantA, 'cafe-deploy');
});
afterAll(async () => {
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('deploySite', () => {
  it('stores a 50-file site by content hash and records a ready deployment with its manifest', async () => {
    const files = siteFiles('v1');
    expect(files).toHaveLength(50);
    const progress: number[] = [];
    const result = await deploySite(db.sql, {
      tenantId: tenantA, siteId: siteA, buildId: null, files, dataDir,
      onProgress: (done) => progress.push(done),
    });
    const totalBytes = files.reduce((sum, f) => sum + f.body.length, 0);
    expect(result).toMatchObject({ fileCount: 50, totalBytes, uploadedFiles: 50, uploadedBytes: totalBytes });
    expect(progress.at(-1)).toBe(50);

    for (const file of files) {
      const stored = await readFile(objectPath(dataDir, sha256Hex(file.body)));
      expect(stored.equals(file.body)).toBe(true);
    }
    const [row] = await db.sql`select * from deployments where id = ${result.deploymentId}`;
    expect(row).toMatchObject({ provider: 'local', status: 'ready', file_count: 50, total_bytes: totalBytes, uploaded_bytes: totalBytes });
    expect(row.manifest['/index.html']).toEqual({
      sha256: sha256Hex(files[0].body), size: files[0].body.length, contentType: 'text/html; charset=utf-8',
    });
  });

  it('uploads exactly the one changed file when the site is redeployed', async () => {
    const files = siteFiles('v1');
    files[3] = { ...files[3], body: Buffer.from('<!doctype html><p>바뀐 페이지</p>') };
    const result = await deploySite(db.sql, { tenantId: tenantA, siteId: siteA, buildId: null, files, dataDir });
    expect(result.fileCount).toBe(50);
    expect(result.uploadedFiles).toBe(1);
    expect(result.uploadedBytes).toBe(files[3].body.length);
  });

  it('rejects unsafe or malformed paths loudly and stores nothing', async () => {
    const before = await db.sql`select count(*)::int as n from deployments`;
    const bad = ['index.html', '/../etc/passwd', '/a/../b.html', '/a\u0000.html', '/a//b.html', '/dir/', ''];
    for (const badPath of bad) {
      const files = [{ path: badPath, contentType: 'text/html', body: Buffer.from('x') }];
      await expect(deploySite(db.sql, { tenantId: tenantA, siteId: siteA, buildId: null, files, dataDir })).rejects.toMatchObject({
        code: 'invalid_files',
      });
    }
    const duplicate = [
      { path: '/index.html', contentType: 'text/html', body: Buffer.from('a') },
      { path: '/index.html', contentType: 'text/html', body: Buffer.from('b') },
    ];
    await expect(deploySite(db.sql, { tenantId: tenantA, siteId: siteA, buildId: null, files: duplicate, dataDir })).rejects.toThrow(
      /같은 경로/,
    );
    await expect(deploySite(db.sql, { tenantId: tenantA, siteId: siteA, buildId: null, files: [], dataDir })).rejects.toThrow(
      /파일이 하나도 없습니다/,
    );
    const after = await db.sql`select count(*)::int as n from deployments`;
    expect(after[0].n).toBe(before[0].n);
  });

  it('marks the deployment failed when the object store cannot be written', async () => {
    const blocked = path.join(dataDir, 'not-a-folder');
    await writeFile(blocked, 'a file where the store would be');
    const files = [{ path: '/index.html', contentType: 'text/html', body: Buffer.from('<p>실패할 배포</p>') }];
    await expect(deploySite(db.sql, { tenantId: tenantA, siteId: siteA, buildId: null, files, dataDir: blocked })).rejects.toThrow(
      /Deploying site/,
    );
    const [latest] = await db.sql`select status from deployments where site_id = ${siteA} order by created_at desc limit 1`;
    expect(latest.status).toBe('failed');
  });

  it('does not deploy to another workspace’s site', async () => {
    const files = siteFiles('intruder', 1);
    await expect(deploySite(db.sql, { tenantId: tenantB, siteId: siteA, buildId: null, files, dataDir })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('activateDeployment and listDeployments', () => {
  it('makes a ready deployment live, lists newest first with the live one flagged, and rolls back', async () => {
    const site = await insertSite(db.sql, tenantA, 'cafe-activate');
    const first = await deploySite(db.sql, { tenantId: tenantA, siteId: site, buildId: null, files: siteFiles('one', 2), dataDir });
    const second = await deploySite(db.sql, { tenantId: tenantA, siteId: site, buildId: null, files: siteFiles('two', 2), dataDir });

    await activateDeployment(db.sql, { tenantId: tenantA, siteId: site, deploymentId: second.deploymentId });
    let list = await listDeployments(db.sql, tenantA, site);
    expect(list.map((d) => [d.id, d.live])).toEqual([
      [second.deploymentId, true],
      [first.deploymentId, false],
    ]);
    expect(list[0].activatedAt).toBeInstanceOf(Date);

    await activateDeployment(db.sql, { tenantId: tenantA, siteId: site, deploymentId: first.deploymentId });
    list = await listDeployments(db.sql, tenantA, site);
    expect(list.find((d) => d.live)?.id).toBe(first.deploymentId);
    const [row] = await db.sql`select live_deployment_id from sites where id = ${site}`;
    expect(row.live_deployment_id).toBe(first.deploymentId);
  });

  it('refuses to activate a deployment that is not ready or belongs to another site', async () => {
    const site = await insertSite(db.sql, tenantA, 'cafe-refuse');
    const other = await insertSite(db.sql, tenantA, 'cafe-other');
    const ready = await deploySite(db.sql, { tenantId: tenantA, siteId: site, buildId: null, files: siteFiles('r', 1), dataDir });
    await db.sql`update deployments set status = 'failed' where id = ${ready.deploymentId}`;
    await expect(activateDeployment(db.sql, { tenantId: tenantA, siteId: site, deploymentId: ready.deploymentId })).rejects.toMatchObject({
      code: 'not_ready',
    });
    const foreign = await deploySite(db.sql, { tenantId: tenantA, siteId: other, buildId: null, files: siteFiles('o', 1), dataDir });
    await expect(activateDeployment(db.sql, { tenantId: tenantA, siteId: site, deploymentId: foreign.deploymentId })).rejects.toMatchObject({
      code: 'not_found',
    });
    const [row] = await db.sql`select live_deployment_id from sites where id = ${site}`;
    expect(row.live_deployment_id).toBeNull();
  });

  it('gives another workspace not_found for this site’s deployments, and changes nothing', async () => {
    const site = await insertSite(db.sql, tenantA, 'cafe-private');
    const deployed = await deploySite(db.sql, { tenantId: tenantA, siteId: site, buildId: null, files: siteFiles('p', 1), dataDir });
    const attempt = activateDeployment(db.sql, { tenantId: tenantB, siteId: site, deploymentId: deployed.deploymentId });
    await expect(attempt).rejects.toBeInstanceOf(CdnError);
    await expect(attempt).rejects.toMatchObject({ code: 'not_found' });
    await expect(listDeployments(db.sql, tenantB, site)).rejects.toMatchObject({ code: 'not_found' });
    await expect(deleteDeployment(db.sql, { tenantId: tenantB, siteId: site, deploymentId: deployed.deploymentId })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(activateDeployment(db.sql, { tenantId: tenantA, siteId: site, deploymentId: 'not-a-uuid' })).rejects.toMatchObject({
      code: 'not_found',
    });
    const [row] = await db.sql`select live_deployment_id from sites where id = ${site}`;
    expect(row.live_deployment_id).toBeNull();
    expect((await listDeployments(db.sql, tenantA, site)).map((d) => d.status)).toEqual(['ready']);
  });
});

describe('the local provider', () => {
  it('deletes a deployment that is not live and removes the objects nothing uses any more', async () => {
    const provider = createLocalProvider({ sql: db.sql, dataDir });
    const site = await insertSite(db.sql, tenantA, 'cafe-delete');
    const unique = [{ path: '/index.html', contentType: 'text/html', body: Buffer.from('<p>이 배포에만 있는 내용</p>') }];
    const kept = await provider.deploy({ tenantId: tenantA, siteId: site, buildId: null, files: siteFiles('keep', 1) });
    const doomed = await provider.deploy({ tenantId: tenantA, siteId: site, buildId: null, files: unique });
    await provider.activate({ tenantId: tenantA, siteId: site, deploymentId: kept.deploymentId });

    await expect(provider.deleteDeployment({ tenantId: tenantA, siteId: site, deploymentId: kept.deploymentId })).rejects.toMatchObject({
      code: 'live_deployment',
    });
    await provider.deleteDeployment({ tenantId: tenantA, siteId: site, deploymentId: doomed.deploymentId });
    const statuses = (await listDeployments(db.sql, tenantA, site)).map((d) => d.status);
    expect(statuses).toEqual(['deleted', 'ready']);
    // Freshly written objects are spared for an hour (a deploy in progress may rely on them).
    const doomedObject = objectPath(dataDir, sha256Hex(unique[0].body));
    await expect(stat(doomedObject)).resolves.toBeTruthy();
    const { removeUnusedObjects } = await import('./index.ts');
    const collected = await removeUnusedObjects(db.sql, dataDir, 0);
    expect(collected.removedObjects).toBeGreaterThanOrEqual(1);
    await expect(stat(doomedObject)).rejects.toThrow(/ENOENT/);
    await expect(stat(objectPath(dataDir, sha256Hex(siteFiles('keep', 1)[0].body)))).resolves.toBeTruthy();
  });

  it('reports itself healthy when the database answers and the store is writable', async () => {
    const health = await createLocalProvider({ sql: db.sql, dataDir }).health();
    expect(health).toMatchObject({ provider: 'local', ok: true });
    expect(health.detail).toMatch(/writable/);
  });
});
