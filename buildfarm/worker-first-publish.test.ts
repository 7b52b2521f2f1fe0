// A site's first publish goes where the CDN router sends it (with no traffic yet, the cheapest
// configured provider in the price table), not to the local edge by default; later publishes stay
// on the site's provider.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type CdnProvider, type ProviderName } from '../cdn/index.ts';
import { startCloudflareContract, type CloudflareContract } from '../cdn/contracts/cloudflare.ts';
import { createCloudflareBackend, pagesProjectName } from '../cdn/providers/cloudflare.ts';
import { createRemoteProvider } from '../cdn/providers/remote.ts';
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

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 8 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-buildfarm-first-'));
  boss = await startQueue(db.url);
  cloudflare = await startCloudflareContract();
  const providers = new Map<ProviderName, CdnProvider>([
    ['local', createLocalProvider({ sql, dataDir })],
    ['cloudflare', createRemoteProvider(sql, createCloudflareBackend({ apiToken: cloudflare.apiToken, accountId: cloudflare.accountId, baseUrl: cloudflare.url, maxRetries: 1 }))],
  ]);
  worker = await startWorker({ sql, boss, databaseUrl: db.url, dataDir, executor: 'process', concurrency: 1, providers });
});
afterAll(async () => {
  await worker?.stop({ timeoutMs: 10_000 });
  await boss?.stop({ graceful: false, wait: true });
  await cloudflare?.close();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a site’s first publish', () => {
  it('goes live on the router’s choice (Cloudflare’s free plan) and the next publish stays there', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'first-light-cafe', siteName: '첫 불빛 카페' });
    const [before] = await sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    expect(before).toEqual({ cdn_provider: 'local', live_deployment_id: null });

    const first = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const build = await waitForBuild(sql, first.buildId, ['succeeded', 'failed']);
    expect(build.status).toBe('succeeded');
    const [site] = await sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    expect(site).toEqual({ cdn_provider: 'cloudflare', live_deployment_id: build.deployment_id });
    const served = cloudflare.serve(pagesProjectName(siteId), '/index.html');
    expect(served.status).toBe(200);
    expect(served.body.toString()).toContain('첫 불빛 카페');
    const logs = await listBuildLogs(sql, tenantId, first.buildId);
    expect(logs.some((l) => /Cloudflare에 새로 올렸습니다/.test(l.message))).toBe(true);
    // Not a fallback: no failover move to undo later.
    expect(await sql`select id from cdn_migrations where site_id = ${siteId}`).toEqual([]);

    const second = await publishSite(sql, boss, { tenantId, siteId, userId: null });
    const again = await waitForBuild(sql, second.buildId, ['succeeded', 'failed']);
    expect(again.status).toBe('succeeded');
    const [after] = await sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    expect(after).toEqual({ cdn_provider: 'cloudflare', live_deployment_id: again.deployment_id });
  });
});
