import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startVercelContract, type VercelContract } from './contracts/vercel.ts';
import { startEdge, type Edge } from './edge.ts';
import { activatePlaced, listProviderHealth, placeDeployment, recordDeployFallback, runFailoverRound } from './failover.ts';
import { migrateSite } from './migration.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { createVercelBackend, vercelSiteHost } from './providers/vercel.ts';
import { insertSite, insertTenant, pollUntil, request, siteFiles } from './test-fixtures.ts';

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
let cloudflare: CloudflareContract;
let vercel: VercelContract;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-failover-'));
  edge = await startEdge({ sql: db.sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
  cloudflare = await startCloudflareContract();
  vercel = await startVercelContract();
});
afterAll(async () => {
  await edge?.close();
  await cloudflare?.close();
  await vercel?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

// Fast thresholds for the test; the monitor runs with 3 / 5 / 300 s.
const POLICY = { downAfterFailures: 2, upAfterSuccesses: 2, minDownSeconds: 0, checkTimeoutMs: 5_000 };

function providerSet(entries: CdnProvider[]): Map<ProviderName, CdnProvider> {
  return new Map(entries.map((p) => [p.name, p]));
}

describe('runFailoverRound', () => {
  it('moves a site off Cloudflare when its API fails with 5xx, keeps it answering, and moves it back after recovery', async () => {
    const tenantId = await insertTenant(db.sql, '장애 대비 카페');
    const siteId = await insertSite(db.sql, tenantId, 'failover-cafe');
    const local = createLocalProvider({ sql: db.sql, dataDir });
    // One retry: a down API is noticed in a second, not after the SDK's four backed-off retries.
    const cf = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: cloudflare.apiToken, accountId: cloudflare.accountId, baseUrl: cloudflare.url, maxRetries: 1 }));
    const providers = providerSet([local, cf]);
    const files = siteFiles('steady', 5);
    const first = await local.deploy({ tenantId, siteId, buildId: null, files });
    await local.activate({ tenantId, siteId, deploymentId: first.deploymentId });
    await migrateSite(db.sql, { tenantId, siteId, from: local, to: cf, files, reason: 'traffic' });
    await edge.resync();

    // A visitor whose DNS follows the site's provider. While Cloudflare is failing, what it
    // serves fails too.
    let cloudflareDown = false;
    const answers: { provider: string; status: number; at: number }[] = [];
    let running = true;
    const visitor = (async () => {
      while (running) {
        const [site] = await db.sql<{ cdn_provider: string }[]>`select cdn_provider from sites where id = ${siteId}`;
        if (site.cdn_provider === 'local') {
          const answer = await request(edge.port, 'failover-cafe.localhost', '/');
          const ok = answer.status === 200 && answer.body.toString().includes('data-deployment="steady"');
          answers.push({ provider: 'local', status: ok ? 200 : answer.status || 599, at: Date.now() });
        } else {
          const answer = cloudflareDown ? { status: 503, body: Buffer.alloc(0) } : cloudflare.serve(pagesProjectName(siteId), '/index.html');
          const ok = answer.status === 200 && answer.body.toString().includes('data-deployment="steady"');
          answers.push({ provider: site.cdn_provider, status: ok ? 200 : answer.status, at: Date.now() });
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    try {
      const healthy = await runFailoverRound(db.sql, { providers, dataDir, policy: POLICY });
      expect(healthy.checks.every((c) => c.ok)).toBe(true);
      expect(healthy.moved).toEqual([]);

      cloudflare.failAll({ status: 503 });
      cloudflareDown = true;
      // One failed check is not an outage: nothing moves.
      const once = await runFailoverRound(db.sql, { providers, dataDir, policy: POLICY });
      expect(once.checks.find((c) => c.provider === 'cloudflare')?.ok).toBe(false);
      expect(once.wentDown).toEqual([]);
      expect(once.moved).toEqual([]);
      const [stillThere] = await db.sql`select cdn_provider from sites where id = ${siteId}`;
      expect(stillThere.cdn_provider).toBe('cloudflare');

      // The second in a row is: the site goes to the next cheapest provider that is up.
      const twice = await runFailoverRound(db.sql, { providers, dataDir, policy: POLICY });
      expect(twice.wentDown).toEqual(['cloudflare']);
      expect(twice.moved).toEqual([expect.objectContaining({ siteId, from: 'cloudflare', to: 'local', kind: 'site_failover' })]);
      expect(twice.failed).toEqual([]);
      await edge.resync();
      const movedAt = Date.now();
      await pollUntil(async () => (answers.filter((a) => a.at > movedAt).length > 20 ? true : undefined), 'visits after the failover');
      expect(answers.filter((a) => a.at > movedAt && a.status !== 200)).toEqual([]);
      expect(answers.filter((a) => a.at > movedAt).every((a) => a.provider === 'local')).toBe(true);

      // Still failing: the site stays where it is, nothing is tried again.
      const still = await runFailoverRound(db.sql, { providers, dataDir, policy: POLICY });
      expect(still.moved).toEqual([]);

      // Recovery: one good check is not enough, the second brings the site back.
      cloudflare.heal();
      cloudflareDown = false;
      const firstGood = await runFailoverRound(db.sql, { providers, dataDir, policy: POLICY });
      expect(firstGood.cameUp).toEqual([]);
      expect(firstGood.moved).toEqual([]);
      const backFrom = Date.now();
      const secondGood = await runFailoverRound(db.sql, { providers, dataDir, policy: POLICY });
      expect(secondGood.cameUp).toEqual(['cloudflare']);
      expect(secondGood.moved).toEqual([expect.objectContaining({ siteId, from: 'local', to: 'cloudflare', kind: 'site_recovery' })]);
      await pollUntil(async () => (answers.filter((a) => a.at > backFrom && a.provider === 'cloudflare').length > 10 ? true : undefined), 'visits after the move back');
      // Throughout the move back, every request was answered.
      expect(answers.filter((a) => a.at > backFrom && a.status !== 200)).toEqual([]);
    } finally {
      running = false;
      await visitor;
      cloudflare.heal();
    }

    const moves = await db.sql`select from_provider, to_provider, reason, status from cdn_migrations where site_id = ${siteId} order by started_at`;
    expect(moves).toEqual([
      { from_provider: 'local', to_provider: 'cloudflare', reason: 'traffic', status: 'done' },
      { from_provider: 'cloudflare', to_provider: 'local', reason: 'failover', status: 'done' },
      { from_provider: 'local', to_provider: 'cloudflare', reason: 'recovery', status: 'done' },
    ]);
    // Failover does not wait out the down provider's retries to clean up there.
    const [failoverMove] = await db.sql`select detail from cdn_migrations where site_id = ${siteId} and reason = 'failover'`;
    expect(failoverMove.detail).toBe('old deployments left on cloudflare (it is down)');
    const events = await db.sql<{ kind: string; provider: string; to_provider: string | null; reason: string }[]>`
      select kind, provider, to_provider, reason from cdn_failover_events order by at`;
    expect(events.map((e) => [e.kind, e.provider, e.to_provider])).toEqual([
      ['provider_down', 'cloudflare', null],
      ['site_failover', 'cloudflare', 'local'],
      ['provider_up', 'cloudflare', null],
      ['site_recovery', 'cloudflare', 'cloudflare'],
    ]);
    expect(events[0].reason).toMatch(/2번 연속 실패/);
    const health = await listProviderHealth(db.sql);
    expect(health.find((h) => h.provider === 'cloudflare')).toMatchObject({ state: 'up', consecutiveFailures: 0 });
    const [{ checks }] = await db.sql<{ checks: number }[]>`select count(*)::int as checks from cdn_health_checks where provider = 'cloudflare'`;
    expect(checks).toBe(6);
  });
});

describe('placeDeployment', () => {
  it('publishes on Vercel when the site’s Cloudflare refuses the deploy after its retries, and records why', async () => {
    const tenantId = await insertTenant(db.sql, '배포 우회 꽃집');
    const siteId = await insertSite(db.sql, tenantId, 'fallback-flowers');
    await db.sql`update sites set cdn_provider = 'cloudflare' where id = ${siteId}`;
    const local = createLocalProvider({ sql: db.sql, dataDir });
    const cf = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: cloudflare.apiToken, accountId: cloudflare.accountId, baseUrl: cloudflare.url, maxRetries: 1 }));
    const vc = createRemoteProvider(db.sql, createVercelBackend({ token: vercel.token, teamId: vercel.teamId, baseUrl: vercel.url }));
    const providers = providerSet([local, cf, vc]);
    const files = siteFiles('fallback', 3);
    // The build worker writes every build to the store first.
    const stored = await local.deploy({ tenantId, siteId, buildId: null, files });

    cloudflare.failAll({ status: 500 });
    const fallbacks: string[] = [];
    let placed;
    try {
      placed = await placeDeployment(db.sql, {
        tenantId, siteId, buildId: null, preferred: 'cloudflare', localDeployment: stored, providers, dataDir,
        onFallback: async (from, _error, next) => void fallbacks.push(`${from}→${next}`),
      });
    } finally {
      cloudflare.heal();
    }
    expect(placed.provider).toBe('vercel');
    expect(placed.failedOn).toEqual([expect.objectContaining({ provider: 'cloudflare', error: expect.stringMatching(/cloudflare/i) })]);
    expect(fallbacks).toEqual(['cloudflare→vercel']);
    await activatePlaced(providers, placed, { tenantId, siteId });
    await recordDeployFallback(db.sql, { tenantId, siteId, from: 'cloudflare', placed, fromDeploymentId: null });

    const [site] = await db.sql`select cdn_provider, live_deployment_id from sites where id = ${siteId}`;
    expect(site).toEqual({ cdn_provider: 'vercel', live_deployment_id: placed.deploymentId });
    const served = vercel.serve(vercelSiteHost(siteId), '/index.html');
    expect(served.status).toBe(200);
    expect(served.body.toString()).toContain('data-deployment="fallback"');
    // Recorded as a failover move, so the site goes back to Cloudflare once it has recovered.
    const [move] = await db.sql`select from_provider, to_provider, reason, status from cdn_migrations where site_id = ${siteId}`;
    expect(move).toEqual({ from_provider: 'cloudflare', to_provider: 'vercel', reason: 'failover', status: 'done' });
    const [event] = await db.sql`select kind, provider, to_provider, reason from cdn_failover_events where site_id = ${siteId}`;
    expect(event).toMatchObject({ kind: 'deploy_fallback', provider: 'cloudflare', to_provider: 'vercel' });
    expect(event.reason).toMatch(/Cloudflare에 배포하지 못해 Vercel에 게시했습니다/);
  });

  it('uses the deployment already in the store when every hosted provider refuses', async () => {
    const tenantId = await insertTenant(db.sql, '끝까지 버티는 빵집');
    const siteId = await insertSite(db.sql, tenantId, 'last-resort-bakery');
    const local = createLocalProvider({ sql: db.sql, dataDir });
    const cf = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: 'revoked-token', accountId: cloudflare.accountId, baseUrl: cloudflare.url, maxRetries: 0 }));
    const providers = providerSet([local, cf]);
    const stored = await local.deploy({ tenantId, siteId, buildId: null, files: siteFiles('resort', 2) });
    const placed = await placeDeployment(db.sql, { tenantId, siteId, buildId: null, preferred: 'cloudflare', localDeployment: stored, providers, dataDir });
    expect(placed).toMatchObject({ provider: 'local', deploymentId: stored.deploymentId });
    expect(placed.failedOn.map((f) => f.provider)).toEqual(['cloudflare']);
  });
});
