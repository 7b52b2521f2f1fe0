// Traffic moves and admin moves (cdn/traffic-moves.ts), and where a site's first publish goes
// (placeDeployment): local edge + the Cloudflare Pages contract server, usage seeded into
// cdn_usage_daily the way the edge and the usage sync record it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { CdnError } from './errors.ts';
import { placeDeployment } from './failover.ts';
import { migrateSite } from './migration.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { clearOfSeoulMidnight, insertSite, insertTenant, siteFiles } from './test-fixtures.ts';
import {
  getTrafficMoveSettings, listRecentMigrations, listSiteRoutes, moveSiteForAdmin, runTrafficMoves, setTrafficMoveSettings,
} from './traffic-moves.ts';

let db: TestDatabase;
let dataDir: string;
let contract: CloudflareContract;
let providers: Map<ProviderName, CdnProvider>;
let local: CdnProvider;
let cloudflare: CdnProvider;
const OPS_USER = 'ops-traffic-moves';

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-traffic-'));
  contract = await startCloudflareContract();
  local = createLocalProvider({ sql: db.sql, dataDir });
  cloudflare = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: contract.apiToken, accountId: contract.accountId, baseUrl: contract.url, maxRetries: 1 }));
  providers = new Map([['local', local], ['cloudflare', cloudflare]]);
  await db.sql`insert into users (id, email, password_hash, display_name) values (${OPS_USER}, 'ops@traffic.example', 'x', '운영 담당 김')`;
});
afterAll(async () => {
  await contract?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A site published on the local edge. */
async function publishedOnEdge(name: string, slug: string): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, name);
  const siteId = await insertSite(db.sql, tenantId, slug);
  const deployed = await local.deploy({ tenantId, siteId, buildId: null, files: siteFiles(slug, 2) });
  await local.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
  return { tenantId, siteId };
}

/** `requestsPerDay` for the last ten days (today included), replacing what was there. */
async function seedTraffic(site: { tenantId: string; siteId: string }, provider: ProviderName, requestsPerDay: number, bytesPerDay = 100_000_000) {
  await clearOfSeoulMidnight(15_000);
  await db.sql`delete from cdn_usage_daily where site_id = ${site.siteId}`;
  await db.sql`
    insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
    select ${site.tenantId}, ${site.siteId}, ${provider}, (now() at time zone 'Asia/Seoul')::date - d, ${requestsPerDay}, ${bytesPerDay}
    from generate_series(0, 9) d`;
}

async function providerOf(siteId: string): Promise<string> {
  const [site] = await db.sql<{ cdn_provider: string }[]>`select cdn_provider from sites where id = ${siteId}`;
  return site.cdn_provider;
}

describe('the traffic moves setting', () => {
  it('is off until ops switch it on, and remembers who changed it and when', async () => {
    const initial = await getTrafficMoveSettings(db.sql);
    expect(initial).toMatchObject({ enabled: false, maxMovesPerRound: 3, updatedBy: null });
    const on = await setTrafficMoveSettings(db.sql, { enabled: true, maxMovesPerRound: 5, userId: OPS_USER });
    expect(on).toMatchObject({ enabled: true, maxMovesPerRound: 5, updatedBy: { id: OPS_USER, name: '운영 담당 김' } });
    expect(on.updatedAt.getTime()).toBeGreaterThanOrEqual(initial.updatedAt.getTime());
    await expect(setTrafficMoveSettings(db.sql, { enabled: true, maxMovesPerRound: 0, userId: OPS_USER })).rejects.toThrow(/1에서 50 사이/);
    const off = await setTrafficMoveSettings(db.sql, { enabled: false, userId: OPS_USER });
    expect(off).toMatchObject({ enabled: false, maxMovesPerRound: 5 });
  });
});

describe('runTrafficMoves', () => {
  it('moves nothing while switched off, even when the router says move', async () => {
    const site = await publishedOnEdge('꺼진 설정 카페', 'moves-off-cafe');
    await seedTraffic(site, 'local', 2_000);
    await setTrafficMoveSettings(db.sql, { enabled: false, userId: OPS_USER });
    const round = await runTrafficMoves(db.sql, { providers, dataDir });
    expect(round).toMatchObject({ ran: true, enabled: false, moved: [] });
    expect(await providerOf(site.siteId)).toBe('local');
    await db.sql`delete from sites where id = ${site.siteId}`;
  });

  it('moves at most the per-round limit, largest saving first, and the rest in the next round', async () => {
    // Three sites on the edge (50,000원 a month and up) that Cloudflare's free plan would carry.
    const a = await publishedOnEdge('한도 카페 가', 'limit-cafe-a');
    const b = await publishedOnEdge('한도 카페 나', 'limit-cafe-b');
    const c = await publishedOnEdge('한도 카페 다', 'limit-cafe-c');
    await seedTraffic(a, 'local', 2_000, 100_000_000); // 3GB a month: 50,900원 on the edge
    await seedTraffic(b, 'local', 2_000, 1_000_000_000); // 30GB: 59,000원
    await seedTraffic(c, 'local', 2_000, 500_000_000); // 15GB: 54,500원
    await setTrafficMoveSettings(db.sql, { enabled: true, maxMovesPerRound: 2, userId: OPS_USER });

    const first = await runTrafficMoves(db.sql, { providers, dataDir });
    expect(first.moved.map((m) => m.siteId)).toEqual([b.siteId, c.siteId]);
    expect(first.moved[0]).toMatchObject({ from: 'local', to: 'cloudflare', costBeforeKrw: 59_000, costAfterKrw: 0 });
    expect(first.moved[0].reason).toMatch(/Cloudflare가 가장 저렴/);
    expect(first.skipped).toEqual([{ siteId: a.siteId, from: 'local', to: 'cloudflare', why: 'round_limit' }]);
    expect(await providerOf(a.siteId)).toBe('local');
    expect(await providerOf(b.siteId)).toBe('cloudflare');
    expect(contract.serve(pagesProjectName(b.siteId), '/index.html').status).toBe(200);

    const second = await runTrafficMoves(db.sql, { providers, dataDir });
    expect(second.moved.map((m) => m.siteId)).toEqual([a.siteId]);
    expect(await providerOf(a.siteId)).toBe('cloudflare');
    // Hysteresis: nothing left to move, the next round is quiet.
    const third = await runTrafficMoves(db.sql, { providers, dataDir });
    expect(third.moved).toEqual([]);

    const [move] = await db.sql`
      select reason, status, monthly_cost_before_krw, monthly_cost_after_krw, detail, requested_by from cdn_migrations where site_id = ${b.siteId}`;
    expect(move).toMatchObject({ reason: 'traffic', status: 'done', monthly_cost_before_krw: 59_000, monthly_cost_after_krw: 0, requested_by: null });
    expect(move.detail).toMatch(/^월 6만 요청·30GB: Cloudflare가 가장 저렴/);
    for (const s of [a, b, c]) await db.sql`delete from sites where id = ${s.siteId}`;
  });

  it('leaves a failed-over site where failover put it, and moves nobody onto a provider that is down', async () => {
    await setTrafficMoveSettings(db.sql, { enabled: true, maxMovesPerRound: 10, userId: OPS_USER });
    // Failed over: was on Cloudflare, failover moved it to the edge, Cloudflare has not recovered yet.
    const held = await publishedOnEdge('장애 후 머무는 카페', 'held-cafe');
    await migrateSite(db.sql, { ...held, from: local, to: cloudflare, files: siteFiles('held-cafe', 2), reason: 'traffic' });
    await migrateSite(db.sql, { ...held, from: cloudflare, to: local, files: siteFiles('held-cafe', 2), reason: 'failover', keepOld: true });
    await seedTraffic(held, 'local', 2_000);
    const round = await runTrafficMoves(db.sql, { providers, dataDir });
    expect(round.moved).toEqual([]);
    expect(round.skipped).toEqual([{ siteId: held.siteId, from: 'local', to: 'cloudflare', why: 'failed_over' }]);
    expect(await providerOf(held.siteId)).toBe('local');

    // Cloudflare down (as failover judged it): a site that should go there waits.
    const waiting = await publishedOnEdge('기다리는 카페', 'waiting-cafe');
    await seedTraffic(waiting, 'local', 2_000);
    await db.sql`insert into cdn_provider_health (provider, state) values ('cloudflare', 'down')`;
    try {
      const whileDown = await runTrafficMoves(db.sql, { providers, dataDir });
      expect(whileDown.moved).toEqual([]);
      expect(whileDown.skipped).toContainEqual({ siteId: waiting.siteId, from: 'local', to: 'cloudflare', why: 'target_down' });
    } finally {
      await db.sql`delete from cdn_provider_health where provider = 'cloudflare'`;
    }
    for (const s of [held, waiting]) await db.sql`delete from sites where id = ${s.siteId}`;
  });

  it('leaves a site with a custom domain where its DNS points, for the move and for an admin', async () => {
    await setTrafficMoveSettings(db.sql, { enabled: true, maxMovesPerRound: 10, userId: OPS_USER });
    const site = await publishedOnEdge('도메인 있는 카페', 'domain-cafe');
    await seedTraffic(site, 'local', 2_000);
    await db.sql`insert into cdn_domains (tenant_id, site_id, hostname, provider, status) values (${site.tenantId}, ${site.siteId}, 'www.domain-cafe.co.kr', 'local', 'active')`;
    const round = await runTrafficMoves(db.sql, { providers, dataDir });
    expect(round.moved).toEqual([]);
    expect(round.skipped).toEqual([{ siteId: site.siteId, from: 'local', to: 'cloudflare', why: 'custom_domains' }]);
    await expect(moveSiteForAdmin(db.sql, { providers, dataDir, siteId: site.siteId, to: 'cloudflare', userId: OPS_USER }))
      .rejects.toThrow(/연결된 도메인\(www\.domain-cafe\.co\.kr\)이 있어 옮길 수 없습니다/);
    expect(await providerOf(site.siteId)).toBe('local');
    const [route] = await listSiteRoutes(db.sql, { providers, query: '도메인 있는' });
    expect(route.domains).toEqual(['www.domain-cafe.co.kr']);
    await db.sql`delete from sites where id = ${site.siteId}`;
  });

  it('does not run while a failover round holds the movers’ lock', async () => {
    await setTrafficMoveSettings(db.sql, { enabled: true, userId: OPS_USER });
    const site = await publishedOnEdge('잠긴 카페', 'locked-cafe');
    await seedTraffic(site, 'local', 2_000);
    const reserved = await db.sql.reserve();
    try {
      await reserved`select pg_advisory_lock(hashtext('ww-cdn-failover'))`;
      const round = await runTrafficMoves(db.sql, { providers, dataDir });
      expect(round).toMatchObject({ ran: false, moved: [] });
      expect(await providerOf(site.siteId)).toBe('local');
    } finally {
      await reserved`select pg_advisory_unlock(hashtext('ww-cdn-failover'))`;
      reserved.release();
    }
    await db.sql`delete from sites where id = ${site.siteId}`;
  });
});

describe('moveSiteForAdmin', () => {
  it('moves a site where an admin asks, with the router’s costs, and refuses the impossible in Korean', async () => {
    const site = await publishedOnEdge('관리자 이동 카페', 'admin-move-cafe');
    await seedTraffic(site, 'local', 2_000);

    const refused = async (to: string, pattern: RegExp, code: string) => {
      const error = await moveSiteForAdmin(db.sql, { providers, dataDir, siteId: site.siteId, to, userId: OPS_USER }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CdnError);
      expect((error as CdnError).code).toBe(code);
      expect((error as Error).message).toMatch(pattern);
    };
    await refused('local', /이미 자체 에지에서 서비스되고 있습니다/, 'already_there');
    await refused('vercel', /Vercel 자격 증명이 이 설치에 설정되지 않아/, 'not_configured');
    await refused('ftp', /옮겨 갈 CDN을 목록에서 골라 주세요/, 'not_configured');
    await db.sql`insert into cdn_provider_health (provider, state) values ('cloudflare', 'down')`;
    await refused('cloudflare', /Cloudflare이\(가\) 지금 장애 중이라 옮길 수 없습니다/, 'provider_failed');
    await db.sql`delete from cdn_provider_health where provider = 'cloudflare'`;
    await expect(moveSiteForAdmin(db.sql, { providers, dataDir, siteId: '00000000-0000-0000-0000-000000000000', to: 'cloudflare', userId: OPS_USER }))
      .rejects.toMatchObject({ code: 'not_found' });
    const unpublished = await insertSite(db.sql, site.tenantId, 'admin-unpublished');
    await expect(moveSiteForAdmin(db.sql, { providers, dataDir, siteId: unpublished, to: 'cloudflare', userId: OPS_USER }))
      .rejects.toThrow(/아직 게시되지 않아 옮길 배포가 없습니다/);
    expect(await providerOf(site.siteId)).toBe('local');

    const moved = await moveSiteForAdmin(db.sql, { providers, dataDir, siteId: site.siteId, to: 'cloudflare', userId: OPS_USER });
    expect(moved).toMatchObject({ from: 'local', to: 'cloudflare', costBeforeKrw: 50_900, costAfterKrw: 0 });
    expect(await providerOf(site.siteId)).toBe('cloudflare');
    const [row] = (await listRecentMigrations(db.sql, 5)).filter((m) => m.id === moved.migrationId);
    expect(row).toMatchObject({ reason: 'admin', status: 'done', from: 'local', to: 'cloudflare', costBeforeKrw: 50_900, costAfterKrw: 0, requestedBy: '운영 담당 김' });
    expect(row.durationMs).toBeGreaterThanOrEqual(0);
    expect(row.detail).toMatch(/^관리자 요청 \(라우터: 월 6만 요청·3GB: Cloudflare가 가장 저렴/);

    // The ops list shows the site on Cloudflare with the router's reason, and the edge as a target.
    const routes = await listSiteRoutes(db.sql, { providers, query: '관리자 이동' });
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({ siteId: site.siteId, current: 'cloudflare', currentCostKrw: 0, heldFor: null });
    expect(routes[0].targets).toEqual([{ provider: 'local', monthlyCostKrw: 50_900 }]);
    expect(routes[0].decision.reason).toMatch(/Cloudflare가 가장 저렴/);
    await db.sql`delete from sites where id = ${site.siteId}`;
  });
});

describe('placeDeployment for a site’s first publish', () => {
  it('sends a never-published site to the router’s choice (the cheapest configured provider without traffic), not the edge', async () => {
    const tenantId = await insertTenant(db.sql, '첫 게시 카페');
    const siteId = await insertSite(db.sql, tenantId, 'first-publish-cafe');
    const stored = await local.deploy({ tenantId, siteId, buildId: null, files: siteFiles('first', 2) });
    // The site row still says 'local' (the default); the router sends it to Cloudflare's free plan.
    const placed = await placeDeployment(db.sql, { tenantId, siteId, buildId: null, preferred: 'local', localDeployment: stored, providers, dataDir });
    expect(placed).toMatchObject({ provider: 'cloudflare', preferred: 'cloudflare', failedOn: [] });
    expect(placed.routedReason).toMatch(/^월 0 요청·0GB: Cloudflare가 가장 저렴 \(월 0원\)/);

    // Once it serves from the edge, a publish stays where the site is (moves are the router's and failover's).
    const onEdge = await publishedOnEdge('게시된 카페', 'published-cafe');
    const again = await local.deploy({ ...onEdge, buildId: null, files: siteFiles('again', 2) });
    const stays = await placeDeployment(db.sql, { ...onEdge, buildId: null, preferred: 'local', localDeployment: again, providers, dataDir });
    expect(stays).toMatchObject({ provider: 'local', preferred: 'local', routedReason: null });

    // With only the edge configured, the first publish goes to the edge.
    const alone = await insertSite(db.sql, tenantId, 'edge-only-cafe');
    const edgeOnly = await local.deploy({ tenantId, siteId: alone, buildId: null, files: siteFiles('alone', 2) });
    const onlyLocal = await placeDeployment(db.sql, {
      tenantId, siteId: alone, buildId: null, preferred: 'local', localDeployment: edgeOnly, providers: new Map([['local', local]]), dataDir,
    });
    expect(onlyLocal).toMatchObject({ provider: 'local', preferred: 'local' });
  });
});
