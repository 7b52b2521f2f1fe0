// A deleted site leaves nothing of it on the CDNs nor in our DNS zone (cdn/site-deletion.ts,
// decision 143's amendment, decision 148): local edge, the Cloudflare Pages, Vercel and AWS
// (S3 + CloudFront + ACM) contracts and the Cloudflare DNS contract.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startCloudflareDnsContract, type CloudflareDnsContract } from './contracts/cloudflare-dns.ts';
import { startAwsContract, type AwsContract } from './contracts/aws.ts';
import { startVercelContract, type VercelContract } from './contracts/vercel.ts';
import { createCloudflareDnsApi, stableNameFor, type StableNameConfig } from './dns-stable-names.ts';
import { addSiteDomain, recheckPendingDomains, recheckSiteDomain, removeSiteDomain, setPrimaryDomain } from './domains.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { cloudFrontFunctionName, createCloudFrontBackend, redirectsOf, routesOf } from './providers/cloudfront.ts';
import { createVercelBackend, vercelProjectName, vercelSiteHost } from './providers/vercel.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { migrateSite } from './migration.ts';
import { takeDownSite } from './site-deletion.ts';
import { insertSite, insertTenant, siteFiles } from './test-fixtures.ts';

const ZONE = 'windwalker.test';
const CF_BASE = 'sites.windwalker.test';

let db: TestDatabase;
let dataDir: string;
let pages: CloudflareContract;
let zone: CloudflareDnsContract;
let local: CdnProvider;
let cloudflare: CdnProvider;
let vercelApi: VercelContract;
let aws: AwsContract;
let vercel: CdnProvider;
let cloudfront: CdnProvider;
let providers: Map<ProviderName, CdnProvider>;
let stableNames: StableNameConfig;
/** The same zone through a token the DNS API refuses: every call fails, as during an outage. */
let refused: StableNameConfig;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-site-deletion-'));
  pages = await startCloudflareContract();
  zone = await startCloudflareDnsContract({ zoneName: ZONE });
  local = createLocalProvider({ sql: db.sql, dataDir, baseDomain: 'localhost', resolveTxt: async () => [] });
  cloudflare = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: pages.apiToken, accountId: pages.accountId, baseUrl: pages.url, maxRetries: 1 }));
  vercelApi = await startVercelContract();
  aws = await startAwsContract({ siteBaseDomain: CF_BASE });
  vercel = createRemoteProvider(db.sql, createVercelBackend({ token: vercelApi.token, teamId: vercelApi.teamId, baseUrl: vercelApi.url, retry: { retries: 0 } }));
  cloudfront = createRemoteProvider(db.sql, createCloudFrontBackend({
    accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, region: aws.region, bucket: aws.bucket,
    distributionId: aws.distributionId, siteBaseDomain: CF_BASE, endpoint: aws.url, certificatePollMs: 5, maxAttempts: 1,
  }));
  providers = new Map([['local', local], ['cloudflare', cloudflare], ['vercel', vercel], ['cloudfront', cloudfront]]);
  stableNames = {
    zoneName: ZONE, siteBaseDomain: 'localhost', ttl: 60,
    api: createCloudflareDnsApi({ apiToken: zone.apiToken, zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 }),
  };
  refused = { ...stableNames, api: createCloudflareDnsApi({ apiToken: 'not-the-token', zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 }) };
});
afterAll(async () => {
  await pages?.close();
  await zone?.close();
  await vercelApi?.close();
  await aws?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function publishedSite(name: string, slug: string, on: CdnProvider, versions = 1): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, name);
  await db.sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end)
    values (${tenantId}, 'premium', 'active', ${`ck_${tenantId}`}, now(), now() + interval '1 month')`;
  const siteId = await insertSite(db.sql, tenantId, slug);
  for (let version = 1; version <= versions; version++) {
    const deployed = await on.deploy({ tenantId, siteId, buildId: null, files: siteFiles(version === 1 ? slug : `${slug}-v${version}`, 2) });
    await on.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
  }
  return { tenantId, siteId };
}

describe('deleting a site', () => {
  it('on Cloudflare: detaches its domain, deletes the Pages project, then our record', async () => {
    const site = await publishedSite('삭제될 카페', 'gone-cafe', cloudflare);
    const hostname = 'www.gone-cafe.co.kr';
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    const name = stableNameFor(site.siteId, ZONE);
    const project = pagesProjectName(site.siteId);
    expect(zone.resolve(name)).toBe(`${project}.pages.dev`);
    expect(pages.projects.get(project)?.domains.has(hostname)).toBe(true);

    const takedown = await takeDownSite(db.sql, providers, { ...site, stableNames });
    expect(takedown).toEqual({ notes: [], stableName: 'removed' });
    expect(pages.projects.has(project)).toBe(false);
    expect(zone.resolve(name)).toBeNull();
    expect(await db.sql`select 1 from cdn_stable_names where site_id = ${site.siteId}`).toHaveLength(0);
    await db.sql`delete from sites where id = ${site.siteId}`;
    expect(await db.sql`select 1 from cdn_stable_name_removals`).toHaveLength(0);
  });

  it('on Vercel: detaches its domain and deletes the project with its deployments (DELETE /v9/projects/{name} with the team, 204)', async () => {
    const site = await publishedSite('버셀에서 삭제될 카페', 'vercel-gone-cafe', vercel, 2);
    const hostname = 'www.vercel-gone-cafe.co.kr';
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    const project = vercelProjectName(site.siteId);
    expect(vercelApi.projects.has(project)).toBe(true);
    expect(vercelApi.deploymentsOf(project)).toHaveLength(2);
    expect(vercelApi.domains.get(hostname)?.project).toBe(project);
    expect(vercelApi.serve(vercelSiteHost(site.siteId), '/').status).toBe(200);
    const name = stableNameFor(site.siteId, ZONE);
    expect(zone.resolve(name)).toBe('cname.vercel-dns.com');

    const takedown = await takeDownSite(db.sql, providers, { ...site, stableNames });
    expect(takedown).toEqual({ notes: [], stableName: 'removed' });
    expect(vercelApi.projects.has(project)).toBe(false);
    expect(vercelApi.deploymentsOf(project)).toEqual([]);
    expect(vercelApi.domains.has(hostname)).toBe(false);
    expect(vercelApi.aliases.has(vercelSiteHost(site.siteId))).toBe(false);
    expect(vercelApi.serve(vercelSiteHost(site.siteId), '/').status).toBe(404);
    expect(vercelApi.log.filter((r) => r.method === 'DELETE' && r.path === `/v9/projects/${project}`).map((r) => r.status)).toEqual([204]);
    expect(zone.resolve(name)).toBeNull();
    await db.sql`delete from sites where id = ${site.siteId}`;
  });

  it('on CloudFront: its hosts leave the shared router function and its objects the bucket; the other sites, the function and the main distribution stay', async () => {
    const other = await publishedSite('남는 카페', 'cf-stays-cafe', cloudfront);
    const site = await publishedSite('클라우드프론트에서 삭제될 카페', 'cf-gone-cafe', cloudfront, 2);
    const www = 'www.cf-gone-cafe.co.kr';
    const apex = 'cf-gone-cafe.co.kr';
    for (const hostname of [www, apex]) {
      await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
      aws.publishValidation(hostname);
      await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { stableNames });
    }
    await setPrimaryDomain(db.sql, providers, site.tenantId, site.siteId, www);
    const fn = () => aws.functions.get(cloudFrontFunctionName(aws.distributionId))!;
    const live = () => fn().live!.toString('utf8');
    const own = (target: string) => target.startsWith(`sites/${site.siteId}/`);
    expect(Object.entries(routesOf(live())).filter(([, t]) => own(t)).map(([h]) => h).sort()).toEqual([apex, `cf-gone-cafe.${CF_BASE}`, www]);
    expect(redirectsOf(live())).toEqual({ [apex]: www });
    expect(aws.serve(`cf-gone-cafe.${CF_BASE}`, '/').status).toBe(200);
    expect(aws.serve(apex, '/menu?x=1')).toMatchObject({ status: 301, location: `https://${www}/menu?x=1` });
    const keysOf = (siteId: string) => [...aws.objects.keys()].filter((k) => k.startsWith(`sites/${siteId}/`) || k.startsWith(`manifests/${siteId}/`));
    expect(keysOf(site.siteId).length).toBeGreaterThan(2 * 6);
    const domainRows = await db.sql<{ hostname: string; provider_data: { distributionId: string; certificateArn: string } }[]>`
      select hostname, provider_data from cdn_domains where site_id = ${site.siteId} order by hostname`;
    expect(domainRows).toHaveLength(2);
    const shared = new Set(aws.objects.keys());

    const takedown = await takeDownSite(db.sql, providers, { ...site, stableNames });
    expect(takedown).toEqual({ notes: [], stableName: 'removed' });
    const routes = routesOf(live());
    expect(Object.values(routes).filter(own)).toEqual([]);
    expect(Object.keys(routes)).not.toContain(www);
    expect(Object.keys(routes)).not.toContain(apex);
    expect(redirectsOf(live())).toEqual({});
    expect(routes[`cf-stays-cafe.${CF_BASE}`]).toMatch(`sites/${other.siteId}/`);
    expect(aws.serve(`cf-gone-cafe.${CF_BASE}`, '/').status).toBe(404);
    expect(aws.serve(`cf-stays-cafe.${CF_BASE}`, '/').status).toBe(200);
    expect(keysOf(site.siteId)).toEqual([]);
    expect(keysOf(other.siteId).length).toBeGreaterThan(0);
    // Only the site's own keys went: the content-addressed objects/ are shared.
    expect([...shared].filter((k) => !aws.objects.has(k)).every((k) => k.includes(site.siteId))).toBe(true);
    expect(aws.distributions.has(aws.distributionId)).toBe(true);
    for (const row of domainRows) {
      // A domain's own distribution: disabled, without its alias; its certificate deleted.
      const config = aws.distributions.get(row.provider_data.distributionId)!.configXml;
      expect(config).toContain('<Enabled>false</Enabled>');
      expect(config).toContain('<Aliases><Quantity>0</Quantity>');
      expect(aws.certificates.has(row.provider_data.certificateArn)).toBe(false);
    }
    await db.sql`delete from sites where id = ${site.siteId}`;
  });

  it('a site that moved off Vercel and CloudFront earlier: the project and the routes a move keeps go when it is deleted', async () => {
    const site = await publishedSite('옮겨 다닌 카페', 'moved-cafe', vercel);
    const files = siteFiles('moved-cafe-again', 2);
    const toCloudFront = await migrateSite(db.sql, { ...site, from: vercel, to: cloudfront, files, reason: 'admin', stableNames });
    expect(toCloudFront.removed).toBe(1);
    const toEdge = await migrateSite(db.sql, { ...site, from: cloudfront, to: local, files, reason: 'admin', stableNames });
    expect(toEdge.removed).toBe(1);
    // The moves deleted every deployment there but kept the project and the routes (the usage sync reads them).
    const project = vercelProjectName(site.siteId);
    expect(vercelApi.projects.has(project)).toBe(true);
    const fn = aws.functions.get(cloudFrontFunctionName(aws.distributionId))!;
    expect(routesOf(fn.live!.toString('utf8'))[`moved-cafe.${CF_BASE}`]).toMatch(`sites/${site.siteId}/`);
    expect(await db.sql`select distinct status from deployments where site_id = ${site.siteId} and provider <> 'local'`).toEqual([{ status: 'deleted' }]);

    const takedown = await takeDownSite(db.sql, providers, { ...site, stableNames });
    expect(takedown.notes).toEqual([]);
    expect(vercelApi.projects.has(project)).toBe(false);
    expect(Object.values(routesOf(fn.live!.toString('utf8'))).filter((t) => t.startsWith(`sites/${site.siteId}/`))).toEqual([]);
    expect([...aws.objects.keys()].filter((k) => k.includes(site.siteId))).toEqual([]);
    await db.sql`delete from sites where id = ${site.siteId}`;
  });

  it('when a hosted provider fails: the deletion goes on, each note names what is left there, the owner’s site is deleted, and the monitor’s re-check removes what was left', async () => {
    const onVercel = await publishedSite('버셀 장애 중 삭제', 'vercel-down-cafe', vercel, 2);
    const onCloudFront = await publishedSite('AWS 장애 중 삭제', 'cf-down-cafe', cloudfront, 2);
    const project = vercelProjectName(onVercel.siteId);
    vercelApi.failAll({ status: 500 });
    aws.failAll({ status: 503 });
    try {
      const vercelDown = await takeDownSite(db.sql, providers, { ...onVercel, stableNames });
      expect(vercelDown.stableName).toBe('none');
      expect(vercelDown.notes[0]).toMatch(new RegExp(`^could not remove the site from vercel: Vercel project ${project} was not deleted .*Vercel API 500`));
      // Then, as without removeSite, the deployments that are not live: they fail too, and say so.
      expect(vercelDown.notes.slice(1)).toEqual([expect.stringMatching(/^could not delete deployment [0-9a-f-]{36} on vercel: /)]);

      const cloudFrontDown = await takeDownSite(db.sql, providers, { ...onCloudFront, stableNames });
      expect(cloudFrontDown.notes[0]).toMatch(new RegExp(`^could not remove the site from cloudfront: the site's hosts were not removed from CloudFront function ${cloudFrontFunctionName(aws.distributionId)}; its objects under sites/${onCloudFront.siteId}/ in ${aws.bucket} are left too`));
      expect(cloudFrontDown.notes).toHaveLength(2);
    } finally {
      vercelApi.heal();
      aws.heal();
    }
    // What each provider kept is queued with what it needs once the site's rows are gone (decision 154),
    // tenant-scoped like every tenant's row.
    const queued = () => db.sql`
      select site_id, provider, tenant_id, slug, domains, attempts from cdn_site_removals
      where site_id in ${db.sql([onVercel.siteId, onCloudFront.siteId])} order by provider`;
    expect(await queued()).toEqual([
      { site_id: onCloudFront.siteId, provider: 'cloudfront', tenant_id: onCloudFront.tenantId, slug: 'cf-down-cafe', domains: [], attempts: 1 },
      { site_id: onVercel.siteId, provider: 'vercel', tenant_id: onVercel.tenantId, slug: 'vercel-down-cafe', domains: [], attempts: 1 },
    ]);
    expect(await withTenant(db.sql, onVercel.tenantId, (tx) => tx`select provider from cdn_site_removals`)).toEqual([{ provider: 'vercel' }]);
    const fn = () => aws.functions.get(cloudFrontFunctionName(aws.distributionId))!;
    const routedToDeleted = () => Object.values(routesOf(fn().live!.toString('utf8'))).filter((t) => t.startsWith(`sites/${onCloudFront.siteId}/`));
    expect(routedToDeleted().length).toBeGreaterThan(0);
    // Not retried while the sites' rows are there (a deletion that has not committed).
    expect((await recheckPendingDomains(db.sql, providers, { stableNames })).failed).toEqual([]);
    expect(vercelApi.projects.has(project)).toBe(true);
    expect(routedToDeleted().length).toBeGreaterThan(0);

    for (const site of [onVercel, onCloudFront]) {
      expect((await db.sql`delete from sites where id = ${site.siteId}`).count).toBe(1);
    }
    expect(vercelApi.projects.has(project)).toBe(true);
    // The monitor's re-check while the providers still fail: an error line and another attempt each.
    vercelApi.failAll({ status: 500 });
    aws.failAll({ status: 503 });
    try {
      const failing = await recheckPendingDomains(db.sql, providers, { stableNames });
      expect(failing.failed).toEqual(expect.arrayContaining([
        { hostname: `site ${onVercel.siteId} on vercel`, error: expect.stringMatching(new RegExp(`^deleted site not removed from the provider: Vercel project ${project} was not deleted`)) },
        { hostname: `site ${onCloudFront.siteId} on cloudfront`, error: expect.stringContaining("deleted site not removed from the provider: the site's hosts were not removed") },
      ]));
    } finally {
      vercelApi.heal();
      aws.heal();
    }
    expect((await queued()).map((row) => row.attempts)).toEqual([2, 2]);
    // Once they answer: the project, the routes and the objects go, and so do the rows.
    const round = await recheckPendingDomains(db.sql, providers, { stableNames });
    expect(round.failed).toEqual([]);
    expect(vercelApi.projects.has(project)).toBe(false);
    expect(routedToDeleted()).toEqual([]);
    expect(aws.serve(`cf-down-cafe.${CF_BASE}`, '/').status).toBe(404);
    expect([...aws.objects.keys()].filter((k) => k.includes(onCloudFront.siteId))).toEqual([]);
    expect(await queued()).toEqual([]);
  });

  it('when the DNS API fails: the deletion goes on, the record is queued, and the monitor’s re-check removes it later', async () => {
    const site = await publishedSite('DNS 장애 중 삭제', 'dns-down-cafe', local);
    const hostname = 'www.dns-down-cafe.co.kr';
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    const name = stableNameFor(site.siteId, ZONE);
    expect(zone.resolve(name)).toBe('dns-down-cafe.localhost');

    const takedown = await takeDownSite(db.sql, providers, { ...site, stableNames: refused });
    expect(takedown.stableName).toBe('queued');
    expect(takedown.notes.join(' ')).toContain(`stable name ${name} queued for removal`);
    expect(zone.resolve(name)).toBe('dns-down-cafe.localhost');
    // Not retried while the site still has a domain pointing at the name (its deletion has not committed).
    const early = await recheckPendingDomains(db.sql, providers, { stableNames });
    expect(early.failed).toEqual([]);
    expect(zone.resolve(name)).toBe('dns-down-cafe.localhost');

    await db.sql`delete from sites where id = ${site.siteId}`;
    const [queued] = await db.sql`select site_id, tenant_id, attempts, last_error from cdn_stable_name_removals where name = ${name}`;
    expect(queued).toMatchObject({ site_id: site.siteId, tenant_id: site.tenantId, attempts: 1, last_error: expect.any(String) });

    // The monitor's round while the API still refuses: an error line, another attempt counted.
    const failing = await recheckPendingDomains(db.sql, providers, { stableNames: refused });
    expect(failing.failed).toEqual([{ hostname: name, error: expect.stringContaining('stable name not removed from the zone') }]);
    expect((await db.sql`select attempts from cdn_stable_name_removals where name = ${name}`)[0].attempts).toBe(2);
    // Embedded mode cannot remove it either, and says what to do.
    const embedded = await recheckPendingDomains(db.sql, providers, { stableNames: { ...stableNames, api: null } });
    expect(embedded.failed[0].error).toContain('DNS API is not configured');

    const round = await recheckPendingDomains(db.sql, providers, { stableNames });
    expect(round.failed).toEqual([]);
    expect(zone.resolve(name)).toBeNull();
    expect(await db.sql`select 1 from cdn_stable_name_removals`).toHaveLength(0);
  });

  it('a site’s last domain disconnected while the DNS API fails: queued the same way, and left alone once the name is used again', async () => {
    const site = await publishedSite('마지막 도메인', 'last-domain-cafe', local);
    const hostname = 'www.last-domain-cafe.co.kr';
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    const name = stableNameFor(site.siteId, ZONE);
    await removeSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { stableNames: refused });
    expect(await db.sql`select 1 from cdn_stable_names where site_id = ${site.siteId}`).toHaveLength(0);
    expect(await db.sql`select 1 from cdn_stable_name_removals where name = ${name}`).toHaveLength(1);

    // The owner connects a domain again before the retry: the name is the site's again, its record stays.
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, 'shop.last-domain-cafe.co.kr', { ownDomains: ['localhost'], stableNames });
    const round = await recheckPendingDomains(db.sql, providers, { stableNames });
    expect(round.failed).toEqual([]);
    expect(zone.resolve(name)).toBe('last-domain-cafe.localhost');
  });
});
