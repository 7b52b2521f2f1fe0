// Publishing a site that lives on a hosted CDN: the worker deploys the build there, and when that
// provider refuses the deploy (after its own retries) the build goes live on the next one.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type CdnProvider, type ProviderName } from '../cdn/index.ts';
import { startCloudflareContract, type CloudflareContract } from '../cdn/contracts/cloudflare.ts';
import { startVercelContract, type VercelContract } from '../cdn/contracts/vercel.ts';
import { createCloudflareBackend, pagesProjectName } from '../cdn/providers/cloudflare.ts';
import { createRemoteProvider } from '../cdn/providers/remote.ts';
import { createVercelBackend, vercelSiteHost } from '../cdn/providers/vercel.ts';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { listBuildLogs, publishSite, startQueue, startWorker, type BuildWorker } from './index.ts';
import { createTenantWithSite, waitForBuild } from './testing.ts';

let db: TestDatabase;
let sql: Sql;
let boss: PgBoss;
let worker: BuildWorker;
let dataDir: string;
let cloudflare: CloudflareContract;
let vercel: VercelContract;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 8 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-buildfarm-failover-'));
  boss = await startQueue(db.url);
  cloudflare = await startCloudflareContract();
  vercel = await startVercelContract();
  const providers = new Map<ProviderName, CdnProvider>([
    ['local', createLocalProvider({ sql, dataDir })],
    ['cloudflare', createRemoteProvider(sql, createCloudflareBackend({ apiToken: cloudflare.apiToken, accountId: cloudflare.accountId, baseUrl: cloudflare.url, maxRetries: 1 }))],
    ['vercel', createRemoteProvider(sql, createVercelBackend({ token: vercel.token, teamId: vercel.teamId, baseUrl: vercel.url }))],
  ]);
  worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1, providers });
});
afterAll(async () => {
  await worker?.stop({ timeoutMs: 10_000 });
  await boss?.stop({ graceful: false, wait: true });
  await cloudflare?.close();
  await vercel?.close();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('publishing a site on a hosted CDN', () => {
  it('deploys the build to the site’s own provider and makes it live there', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'pages-cafe', siteName: '구름 위 카페' });
    await sql`update sites set cdn_provider = 'cloudflare' where id = ${siteId}`;
    const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const build = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
    expect(build.status).toBe('succeeded');
    const [site] = await sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    expect(site).toEqual({ cdn_provider: 'cloudflare', live_deployment_id: build.deployment_id });
    const served = cloudflare.serve(pagesProjectName(siteId), '/index.html');
    expect(served.status).toBe(200);
    expect(served.body.toString()).toContain('구름 위 카페');
  });

  it('goes live on Vercel when Cloudflare refuses the deploy, says so in the build log, and records the failover', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'detour-bakery', siteName: '돌아가는 빵집' });
    await sql`update sites set cdn_provider = 'cloudflare' where id = ${siteId}`;
    cloudflare.failAll({ status: 502 });
    try {
      const { buildId } = await publishSite(sql, boss, { tenantId, siteId, userId: null });
      const build = await waitForBuild(sql, buildId, ['succeeded', 'failed']);
      expect(build.status).toBe('succeeded');
      const [site] = await sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
      expect(site).toEqual({ cdn_provider: 'vercel', live_deployment_id: build.deployment_id });
      const served = vercel.serve(vercelSiteHost(siteId), '/index.html');
      expect(served.status).toBe(200);
      expect(served.body.toString()).toContain('돌아가는 빵집');
      const logs = await listBuildLogs(sql, tenantId, buildId);
      expect(logs.some((l) => l.level === 'warn' && /Cloudflare에 올리지 못해 Vercel에 올립니다/.test(l.message))).toBe(true);
      const [move] = await sql`select from_provider, to_provider, reason, status from cdn_migrations where site_id = ${siteId}`;
      expect(move).toEqual({ from_provider: 'cloudflare', to_provider: 'vercel', reason: 'failover', status: 'done' });
      const [event] = await sql`select kind from cdn_failover_events where site_id = ${siteId}`;
      expect(event.kind).toBe('deploy_fallback');
    } finally {
      cloudflare.heal();
    }
  });
});
