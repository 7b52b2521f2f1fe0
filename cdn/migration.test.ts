import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startEdge, type Edge } from './edge.ts';
import { migrateSite } from './migration.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import { insertSite, insertTenant, pollUntil, request, siteFiles } from './test-fixtures.ts';

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
let contract: CloudflareContract;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-move-'));
  edge = await startEdge({ sql: db.sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
  contract = await startCloudflareContract();
});
afterAll(async () => {
  await edge?.close();
  await contract?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('migrateSite', () => {
  it('moves a site from the local edge to Cloudflare while it is requested continuously, with no failed request', async () => {
    const tenantId = await insertTenant(db.sql, '이사 가는 카페');
    const siteId = await insertSite(db.sql, tenantId, 'moving-cafe');
    const local = createLocalProvider({ sql: db.sql, dataDir });
    const cloudflare = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: contract.apiToken, accountId: contract.accountId, baseUrl: contract.url }));
    const files = siteFiles('moving');
    const first = await local.deploy({ tenantId, siteId, buildId: null, files });
    await local.activate({ tenantId, siteId, deploymentId: first.deploymentId });
    await pollUntil(async () => ((await request(edge.port, 'moving-cafe.localhost', '/')).status === 200 ? true : undefined), 'the edge to serve the site');

    // A visitor whose DNS follows the site's provider, asking again and again.
    const answers: { provider: string; status: number; ok: boolean }[] = [];
    let running = true;
    const visitor = (async () => {
      while (running) {
        const [site] = await db.sql<{ cdn_provider: string }[]>`select cdn_provider from sites where id = ${siteId}`;
        if (site.cdn_provider === 'local') {
          const answer = await request(edge.port, 'moving-cafe.localhost', '/');
          answers.push({ provider: 'local', status: answer.status, ok: answer.body.toString().includes('data-deployment="moving"') });
        } else {
          const answer = contract.serve(pagesProjectName(siteId), '/index.html');
          answers.push({ provider: 'cloudflare', status: answer.status, ok: answer.body.toString().includes('data-deployment="moving"') });
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await migrateSite(db.sql, {
      tenantId, siteId, from: local, to: cloudflare, files, reason: 'traffic', costBeforeKrw: 56_000, costAfterKrw: 0,
      // DNS caches still send some visitors to the edge for a while after the switch.
      afterSwitch: async () => {
        const before = answers.length;
        await pollUntil(async () => (answers.length > before + 10 ? true : undefined), 'visits after the switch');
        expect((await request(edge.port, 'moving-cafe.localhost', '/')).status).toBe(200);
      },
    });
    await edge.resync();
    await new Promise((resolve) => setTimeout(resolve, 100));
    running = false;
    await visitor;

    expect(answers.filter((a) => a.status !== 200 || !a.ok)).toEqual([]);
    expect(new Set(answers.map((a) => a.provider))).toEqual(new Set(['local', 'cloudflare']));
    expect(result.removed).toBe(1);
    const [move] = await db.sql`
      select from_provider, to_provider, reason, status, monthly_cost_before_krw, monthly_cost_after_krw, to_deployment_id
      from cdn_migrations where id = ${result.migrationId}`;
    expect(move).toEqual({
      from_provider: 'local', to_provider: 'cloudflare', reason: 'traffic', status: 'done',
      monthly_cost_before_krw: 56_000, monthly_cost_after_krw: 0, to_deployment_id: result.deploymentId,
    });
    const [old] = await db.sql`select status from deployments where id = ${first.deploymentId}`;
    expect(old.status).toBe('deleted');
    // Cleaned up: the edge no longer serves the site.
    expect((await request(edge.port, 'moving-cafe.localhost', '/')).status).toBe(404);
  });

  it('leaves the site on its provider and records the failure when the new provider refuses the deploy', async () => {
    const tenantId = await insertTenant(db.sql, '못 가는 카페');
    const siteId = await insertSite(db.sql, tenantId, 'staying-cafe');
    const local = createLocalProvider({ sql: db.sql, dataDir });
    const broken = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: 'wrong-token', accountId: contract.accountId, baseUrl: contract.url, maxRetries: 0 }));
    const files = siteFiles('staying', 2);
    const first = await local.deploy({ tenantId, siteId, buildId: null, files });
    await local.activate({ tenantId, siteId, deploymentId: first.deploymentId });
    await expect(migrateSite(db.sql, { tenantId, siteId, from: local, to: broken, files, reason: 'admin' })).rejects.toThrow(/stays on local/);
    const [site] = await db.sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    expect(site).toEqual({ cdn_provider: 'local', live_deployment_id: first.deploymentId });
    const [move] = await db.sql`select status from cdn_migrations where site_id = ${siteId}`;
    expect(move.status).toBe('failed');
  });
});
