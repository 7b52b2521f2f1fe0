// A deleted site leaves nothing of it on the CDNs nor in our DNS zone (cdn/site-deletion.ts,
// decision 143's amendment): local edge, Cloudflare Pages contract and Cloudflare DNS contract.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startCloudflareDnsContract, type CloudflareDnsContract } from './contracts/cloudflare-dns.ts';
import { createCloudflareDnsApi, stableNameFor, type StableNameConfig } from './dns-stable-names.ts';
import { addSiteDomain, recheckPendingDomains, removeSiteDomain } from './domains.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { takeDownSite } from './site-deletion.ts';
import { insertSite, insertTenant, siteFiles } from './test-fixtures.ts';

const ZONE = 'windwalker.test';

let db: TestDatabase;
let dataDir: string;
let pages: CloudflareContract;
let zone: CloudflareDnsContract;
let local: CdnProvider;
let cloudflare: CdnProvider;
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
  providers = new Map([['local', local], ['cloudflare', cloudflare]]);
  stableNames = {
    zoneName: ZONE, siteBaseDomain: 'localhost', ttl: 60,
    api: createCloudflareDnsApi({ apiToken: zone.apiToken, zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 }),
  };
  refused = { ...stableNames, api: createCloudflareDnsApi({ apiToken: 'not-the-token', zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 }) };
});
afterAll(async () => {
  await pages?.close();
  await zone?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function publishedSite(name: string, slug: string, on: CdnProvider): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, name);
  await db.sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end)
    values (${tenantId}, 'premium', 'active', ${`ck_${tenantId}`}, now(), now() + interval '1 month')`;
  const siteId = await insertSite(db.sql, tenantId, slug);
  const deployed = await on.deploy({ tenantId, siteId, buildId: null, files: siteFiles(slug, 2) });
  await on.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
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
