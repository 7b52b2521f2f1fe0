// A publish that lands on another provider than the site's custom domains (decision 143's
// amendment): the domains that point at the site's stable name come along the way a move brings
// them (attach, switch, flip our record), or — when they cannot — the build log says so in Korean
// and the build is served where the domains work. Local edge, Cloudflare Pages contract, Cloudflare
// DNS contract.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startCloudflareDnsContract, type CloudflareDnsContract } from './contracts/cloudflare-dns.ts';
import { createCloudflareDnsApi, stableNameFor, type StableNameConfig } from './dns-stable-names.ts';
import { addSiteDomain, recheckSiteDomain } from './domains.ts';
import { startEdge, type Edge } from './edge.ts';
import { activatePlacedWithDomains, placeDeployment, type PlacedDeployment } from './failover.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { insertSite, insertTenant, ownerDns, pollUntil, request, siteFiles } from './test-fixtures.ts';

const ZONE = 'windwalker.test';

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
let pages: CloudflareContract;
let zone: CloudflareDnsContract;
let local: CdnProvider;
let cloudflare: CdnProvider;
let providers: Map<ProviderName, CdnProvider>;
let stableNames: StableNameConfig;
const { cnames: ownerCnames, resolveCname } = ownerDns();

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-publish-domains-'));
  edge = await startEdge({ sql: db.sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost', resyncIntervalMs: 3_600_000 });
  pages = await startCloudflareContract();
  zone = await startCloudflareDnsContract({ zoneName: ZONE });
  local = createLocalProvider({ sql: db.sql, dataDir, baseDomain: 'localhost', resolveTxt: async () => [] });
  cloudflare = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: pages.apiToken, accountId: pages.accountId, baseUrl: pages.url, maxRetries: 1 }));
  providers = new Map([['local', local], ['cloudflare', cloudflare]]);
  stableNames = {
    zoneName: ZONE, siteBaseDomain: 'localhost', ttl: 60,
    api: createCloudflareDnsApi({ apiToken: zone.apiToken, zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 }),
  };
});
afterAll(async () => {
  await edge?.close();
  await pages?.close();
  await zone?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function workspaceSite(name: string, slug: string): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, name);
  await db.sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end)
    values (${tenantId}, 'premium', 'active', ${`ck_${tenantId}`}, now(), now() + interval '1 month')`;
  return { tenantId, siteId: await insertSite(db.sql, tenantId, slug) };
}

describe('a publish placed on another provider than its custom domains', () => {
  it('a deploy that fails on Cloudflare lands on the edge with the domain: our record follows, the name stays attached on Cloudflare', async () => {
    const site = await workspaceSite('우회 게시 꽃집', 'detour-flowers');
    const first = await cloudflare.deploy({ ...site, buildId: null, files: siteFiles('detour-v1', 2) });
    await cloudflare.activate({ ...site, deploymentId: first.deploymentId });
    const hostname = 'www.detour-flowers.co.kr';
    const name = stableNameFor(site.siteId, ZONE);
    const project = pagesProjectName(site.siteId);
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    ownerCnames.set(hostname, name);
    pages.verifyDomain(project, hostname);
    expect(await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames }))
      .toMatchObject({ status: 'active', dnsTarget: 'stable' });
    expect(zone.resolve(name)).toBe(`${project}.pages.dev`);

    // The next publish: in the store first (the build worker), then Cloudflare refuses it.
    const stored = await local.deploy({ ...site, buildId: null, files: siteFiles('detour-v2', 2) });
    pages.failAll({ status: 500 });
    let placed: PlacedDeployment;
    try {
      placed = await placeDeployment(db.sql, { ...site, buildId: null, preferred: 'cloudflare', localDeployment: stored, providers, dataDir });
    } finally {
      pages.heal();
    }
    expect(placed).toMatchObject({ provider: 'local', preferred: 'cloudflare' });

    const live = await activatePlacedWithDomains(db.sql, { ...site, placed, localDeployment: stored, providers, stableNames, domainTiming: { activeWaitMs: 500 } });
    expect(live.placed).toBe(placed);
    expect(live.log).toEqual([{ level: 'info', message: expect.stringContaining(`도메인(${hostname})을 Cloudflare에서 자체 에지(으)로 옮기고, WindWalker 이름 ${name}`) }]);
    expect(zone.resolve(name)).toBe('detour-flowers.localhost');
    const [row] = await db.sql`select provider, status, dns_target from cdn_domains where hostname = ${hostname}`;
    expect(row).toEqual({ provider: 'local', status: 'active', dns_target: 'stable' });
    const [now] = await db.sql`select cdn_provider, live_deployment_id from sites where id = ${site.siteId}`;
    expect(now).toEqual({ cdn_provider: 'local', live_deployment_id: stored.deploymentId });
    // A fallback is undone by the recovery move: Cloudflare keeps the name meanwhile.
    expect(pages.projects.get(project)?.domains.has(hostname)).toBe(true);
    expect(live.notes.join(' ')).toContain('domains left attached on cloudflare');
    // The owner's name leads through our record to the edge, which serves the new version.
    const answer = await pollUntil(async () => {
      const r = await request(edge.port, hostname, '/');
      return r.status === 200 ? r : undefined;
    }, `the edge to answer ${hostname}`);
    expect(answer.body.toString()).toContain('data-deployment="detour-v2"');
  });

  it('a first publish on the router’s choice takes the domains connected on the edge along', async () => {
    const site = await workspaceSite('첫 게시 빵집', 'first-bakery');
    const hostname = 'www.first-bakery.co.kr';
    const name = stableNameFor(site.siteId, ZONE);
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    expect(zone.resolve(name)).toBe('first-bakery.localhost');
    const stored = await local.deploy({ ...site, buildId: null, files: siteFiles('first-v1', 2) });
    const onPages = await cloudflare.deploy({ ...site, buildId: null, files: siteFiles('first-v1', 2) });
    // What placeDeployment answers when the router sent a site that serves nothing yet to Cloudflare.
    const placed: PlacedDeployment = {
      provider: 'cloudflare', preferred: 'cloudflare', deploymentId: onPages.deploymentId, result: onPages, failedOn: [], routedReason: '월 8만 요청: Cloudflare가 가장 저렴',
    };
    const live = await activatePlacedWithDomains(db.sql, { ...site, placed, localDeployment: stored, providers, stableNames, domainTiming: { activeWaitMs: 300 } });
    expect(live.placed).toBe(placed);
    expect(live.log[0]).toMatchObject({ level: 'info' });
    const project = pagesProjectName(site.siteId);
    expect(zone.resolve(name)).toBe(`${project}.pages.dev`);
    expect(pages.projects.get(project)?.domains.has(hostname)).toBe(true);
    const [row] = await db.sql`select provider, dns_target from cdn_domains where hostname = ${hostname}`;
    expect(row).toEqual({ provider: 'cloudflare', dns_target: 'stable' });
    const [now] = await db.sql`select cdn_provider, live_deployment_id from sites where id = ${site.siteId}`;
    expect(now).toEqual({ cdn_provider: 'cloudflare', live_deployment_id: onPages.deploymentId });
  });

  it('without the DNS API, a first publish routed to Cloudflare is served from the edge where the domain works, and the build log says why in Korean', async () => {
    // Embedded mode: the zone lies under SITE_BASE_DOMAIN, the names are kept in our database only.
    const embedded: StableNameConfig = { zoneName: 'localhost', siteBaseDomain: 'localhost', ttl: 60, api: null };
    const site = await workspaceSite('DNS 없는 찻집', 'no-dns-tea');
    const hostname = 'www.no-dns-tea.co.kr';
    const added = await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames: embedded });
    expect(added).toMatchObject({ dnsTarget: 'stable', stableName: stableNameFor(site.siteId, 'localhost') });
    const stored = await local.deploy({ ...site, buildId: null, files: siteFiles('tea-v1', 2) });
    const onPages = await cloudflare.deploy({ ...site, buildId: null, files: siteFiles('tea-v1', 2) });
    const placed: PlacedDeployment = {
      provider: 'cloudflare', preferred: 'cloudflare', deploymentId: onPages.deploymentId, result: onPages, failedOn: [], routedReason: null,
    };
    const live = await activatePlacedWithDomains(db.sql, { ...site, placed, localDeployment: stored, providers, stableNames: embedded });
    expect(live.placed).toMatchObject({ provider: 'local', preferred: 'cloudflare', deploymentId: stored.deploymentId });
    expect(live.placed.failedOn).toEqual([{ provider: 'cloudflare', error: expect.stringContaining('custom domains could not follow') }]);
    expect(live.log).toHaveLength(1);
    expect(live.log[0].level).toBe('warn');
    expect(live.log[0].message).toContain(`도메인(${hostname})을 Cloudflare(으)로 옮기지 못해`);
    expect(live.log[0].message).toContain('자체 에지에서 서비스합니다');
    expect(live.log[0].message).toContain('DNS_ZONE_ID');
    const [now] = await db.sql`select cdn_provider, live_deployment_id from sites where id = ${site.siteId}`;
    expect(now).toEqual({ cdn_provider: 'local', live_deployment_id: stored.deploymentId });
    const [row] = await db.sql`select provider from cdn_domains where hostname = ${hostname}`;
    expect(row.provider).toBe('local');
    expect(pages.projects.get(pagesProjectName(site.siteId))?.domains.has(hostname) ?? false).toBe(false);
  });

  it('a site without domains elsewhere is activated where it was placed, nothing said', async () => {
    const site = await workspaceSite('도메인 없는 꽃집', 'plain-flowers');
    const stored = await local.deploy({ ...site, buildId: null, files: siteFiles('plain-v1', 2) });
    const placed: PlacedDeployment = { provider: 'local', preferred: 'local', deploymentId: stored.deploymentId, result: stored, failedOn: [], routedReason: null };
    const live = await activatePlacedWithDomains(db.sql, { ...site, placed, localDeployment: stored, providers, stableNames });
    expect(live).toEqual({ placed, log: [], notes: [] });
    const [now] = await db.sql`select cdn_provider, live_deployment_id from sites where id = ${site.siteId}`;
    expect(now).toEqual({ cdn_provider: 'local', live_deployment_id: stored.deploymentId });
  });
});
