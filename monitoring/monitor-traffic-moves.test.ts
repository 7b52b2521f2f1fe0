// The monitor's hourly round and traffic moves: a site whose traffic crossed the router's threshold
// is only an alert while traffic moves are off, and is moved (the alert marked applied) once ops
// switch them on — while a visitor requests the site continuously and never sees a failure.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, runTrafficMoves, setTrafficMoveSettings, startEdge, type CdnProvider, type Edge, type ProviderName } from '../cdn/index.ts';
import { startCloudflareContract, type CloudflareContract } from '../cdn/contracts/cloudflare.ts';
import { createCloudflareBackend, pagesProjectName } from '../cdn/providers/cloudflare.ts';
import { createRemoteProvider } from '../cdn/providers/remote.ts';
import { clearOfSeoulMidnight, insertSite, insertTenant, pollUntil, request, siteFiles } from '../cdn/test-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { cdnSwitchAdvice } from './cdn-advice.ts';
import { startMonitor } from './monitor.ts';

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
let contract: CloudflareContract;
let providers: Map<ProviderName, CdnProvider>;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-monitor-moves-'));
  edge = await startEdge({ sql: db.sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost' });
  contract = await startCloudflareContract();
  providers = new Map<ProviderName, CdnProvider>([
    ['local', createLocalProvider({ sql: db.sql, dataDir })],
    ['cloudflare', createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: contract.apiToken, accountId: contract.accountId, baseUrl: contract.url, maxRetries: 1 }))],
  ]);
  await db.sql`insert into users (id, email, password_hash, display_name) values ('ops-monitor-moves', 'ops@moves.example', 'x', '운영')`;
});
afterAll(async () => {
  await edge?.close();
  await contract?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** `requestsPerDay` on the edge for the last ten days, replacing what was there. */
async function seedTraffic(site: { tenantId: string; siteId: string }, requestsPerDay: number) {
  await clearOfSeoulMidnight(15_000);
  await db.sql`delete from cdn_usage_daily where site_id = ${site.siteId}`;
  await db.sql`
    insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
    select ${site.tenantId}, ${site.siteId}, 'local', (now() at time zone 'Asia/Seoul')::date - d, ${requestsPerDay}, 100000000
    from generate_series(0, 9) d`;
}

/** One hourly round of a monitor started for it (startMonitor runs one at start; stop waits for it). */
async function hourlyRound(errors: string[], infos: string[]) {
  const monitor = await startMonitor(db.sql, {
    dataDir, intervalSeconds: 3600, log: { info: (m) => infos.push(m), error: (m) => errors.push(m) },
    cdnAdvice: () => cdnSwitchAdvice(db.sql, [...providers.keys()]),
    cdnTrafficMoves: () => runTrafficMoves(db.sql, { providers, dataDir }),
  });
  await monitor.stop();
}

describe('the monitor applying the CDN router’s advice', () => {
  it('alerts only while traffic moves are off, and moves the site (alert applied) once they are on, the site answering throughout', async () => {
    const tenantId = await insertTenant(db.sql, '문턱 넘는 카페');
    const siteId = await insertSite(db.sql, tenantId, 'threshold-cafe');
    const site = { tenantId, siteId };
    const files = siteFiles('threshold', 3);
    const deployed = await providers.get('local')!.deploy({ tenantId, siteId, buildId: null, files });
    await providers.get('local')!.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
    await pollUntil(async () => ((await request(edge.port, 'threshold-cafe.localhost', '/')).status === 200 ? true : undefined), 'the edge to serve the site');
    const errors: string[] = [];
    const infos: string[] = [];
    const openAlerts = () => db.sql`select message, detail, cleared_at from alerts where kind = 'cdn_switch' and site_id = ${siteId} order by id`;

    // 3M requests a month: over Cloudflare's free plan, the edge is the only fit. Switched on, nothing moves.
    await setTrafficMoveSettings(db.sql, { enabled: true, userId: 'ops-monitor-moves' });
    await seedTraffic(site, 100_000);
    await hourlyRound(errors, infos);
    expect(await openAlerts()).toEqual([]);
    expect(await db.sql`select id from cdn_migrations where site_id = ${siteId}`).toEqual([]);

    // Traffic falls to 60k a month, under the free plan's threshold (with the router's headroom).
    // Switched off: an alert, no move.
    await setTrafficMoveSettings(db.sql, { enabled: false, userId: 'ops-monitor-moves' });
    await seedTraffic(site, 2_000);
    await hourlyRound(errors, infos);
    const [alert] = await openAlerts();
    expect(alert).toMatchObject({ cleared_at: null, detail: { currentProvider: 'local', recommendedProvider: 'cloudflare' } });
    expect(alert.message).toMatch(/월 50,900원을 아낍니다/);
    const [stillHere] = await db.sql`select cdn_provider from sites where id = ${siteId}`;
    expect(stillHere.cdn_provider).toBe('local');
    expect(await db.sql`select id from cdn_migrations where site_id = ${siteId}`).toEqual([]);

    // Switched on: the next round moves it, while a visitor whose DNS follows the site asks again and again.
    await setTrafficMoveSettings(db.sql, { enabled: true, userId: 'ops-monitor-moves' });
    const answers: { provider: string; ok: boolean }[] = [];
    let running = true;
    const visitor = (async () => {
      while (running) {
        const [now] = await db.sql<{ cdn_provider: string }[]>`select cdn_provider from sites where id = ${siteId}`;
        const answer = now.cdn_provider === 'local'
          ? await request(edge.port, 'threshold-cafe.localhost', '/')
          : contract.serve(pagesProjectName(siteId), '/index.html');
        answers.push({ provider: now.cdn_provider, ok: answer.status === 200 && answer.body.toString().includes('data-deployment="threshold"') });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await pollUntil(async () => (answers.length > 10 ? true : undefined), 'visits before the move');
      await hourlyRound(errors, infos);
      const movedAt = answers.length;
      await pollUntil(async () => (answers.length > movedAt + 10 ? true : undefined), 'visits after the move');
    } finally {
      running = false;
      await visitor;
    }
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(new Set(answers.map((a) => a.provider))).toEqual(new Set(['local', 'cloudflare']));

    const [moved] = await db.sql`select cdn_provider from sites where id = ${siteId}`;
    expect(moved.cdn_provider).toBe('cloudflare');
    const [move] = await db.sql`
      select id, from_provider, to_provider, reason, status, monthly_cost_before_krw, monthly_cost_after_krw from cdn_migrations where site_id = ${siteId}`;
    expect(move).toMatchObject({ from_provider: 'local', to_provider: 'cloudflare', reason: 'traffic', status: 'done', monthly_cost_after_krw: 0 });
    // 50,900원 on the edge (plus the few bytes the visitor's requests added to today's row).
    expect(move.monthly_cost_before_krw).toBeGreaterThanOrEqual(50_900);
    expect(move.monthly_cost_before_krw).toBeLessThan(50_910);
    // The alert is cleared and says what was done; the round after the move raises none.
    const after = await openAlerts();
    expect(after).toHaveLength(1);
    expect(after[0].cleared_at).not.toBeNull();
    expect(after[0].detail).toMatchObject({ applied: { migrationId: move.id, from: 'local', to: 'cloudflare' } });
    expect(after[0].message).toMatch(/자체 에지에서 Cloudflare\(으\)로 자동으로 옮겼습니다 \(월 50,9\d\d원 절약\)/);
    expect(infos.some((m) => m.startsWith(`cdn-traffic-moves: site ${siteId} local → cloudflare`))).toBe(true);

    await hourlyRound(errors, infos);
    expect(await db.sql`select id from alerts where kind = 'cdn_switch' and site_id = ${siteId} and cleared_at is null`).toEqual([]);
    expect(await db.sql`select id from cdn_migrations where site_id = ${siteId}`).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
