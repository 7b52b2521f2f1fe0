// Primary and redirect domains on the hosted CDNs, end to end through cdn/domains.ts: the owner's
// actions (a domain verified first becomes primary, 기본 도메인으로, 연결 해제) reach Cloudflare's
// Bulk Redirects and Vercel's project domains, checked at their contract servers; a provider that
// refuses leaves the primary where it was; a move off Cloudflare deletes the Pages project.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startCloudflareDnsContract, type CloudflareDnsContract } from './contracts/cloudflare-dns.ts';
import { startVercelContract, type VercelContract } from './contracts/vercel.ts';
import { createCloudflareDnsApi, stableNameFor, type StableNameConfig } from './dns-stable-names.ts';
import { applyRedirectPlans, redirectPlans } from './domains-redirects.ts';
import { addSiteDomain, listSiteDomains, recheckSiteDomain, removeSiteDomain, setPrimaryDomain, type DomainProviders } from './domains.ts';
import { migrateSite } from './migration.ts';
import { createCloudflareBackend, pagesProjectName, REDIRECT_LIST, redirectItemComment } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider } from './providers/types.ts';
import { createVercelBackend } from './providers/vercel.ts';
import { insertSite, insertTenant, ownerDns, siteFiles } from './test-fixtures.ts';

const OWN = ['sites.windwalker.kr', 'app.windwalker.kr'];
const STABLE: StableNameConfig = { zoneName: 'sites.windwalker.kr', siteBaseDomain: 'sites.windwalker.kr', api: null };
const noCname = { resolveCname: async () => [], stableNames: STABLE };

let db: TestDatabase;
let dataDir: string;
let cf: CloudflareContract;
let vc: VercelContract;
let cloudflare: CdnProvider;
let vercel: CdnProvider;
let providers: DomainProviders;

async function onPlan(sql: Sql, tenantId: string, plan: string): Promise<void> {
  await sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end)
    values (${tenantId}, ${plan}, 'active', ${`ck_${tenantId}`}, now(), now() + interval '1 month')`;
}

/** A premium workspace with a site published on `provider`. */
async function publishedSite(provider: CdnProvider, slug: string): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, `${slug} 가게`);
  await onPlan(db.sql, tenantId, 'premium');
  const siteId = await insertSite(db.sql, tenantId, slug);
  const { deploymentId } = await provider.deploy({ tenantId, siteId, buildId: null, files: siteFiles(slug, 3) });
  await provider.activate({ tenantId, siteId, deploymentId });
  return { tenantId, siteId };
}

function siteItems(siteId: string) {
  const list = [...cf.redirects.lists.values()].find((l) => l.name === REDIRECT_LIST);
  return (list?.items ?? []).filter((i) => i.comment === redirectItemComment(siteId)).map((i) => i.redirect!)
    .sort((a, b) => a.source_url.localeCompare(b.source_url));
}

/** The item that sends the project's own <project>.pages.dev to the primary. */
const pagesDevItem = (siteId: string, primary: string) => expect.objectContaining({ source_url: `${pagesProjectName(siteId)}.pages.dev/`, target_url: `https://${primary}/` });

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-redirects-'));
  cf = await startCloudflareContract();
  vc = await startVercelContract();
  cloudflare = createRemoteProvider(db.sql, createCloudflareBackend({
    apiToken: cf.apiToken, accountId: cf.accountId, baseUrl: cf.url, maxRetries: 0, operationPollMs: 5,
  }));
  vercel = createRemoteProvider(db.sql, createVercelBackend({ token: vc.token, teamId: vc.teamId, baseUrl: vc.url, retry: { retries: 0 } }));
  const local = createLocalProvider({ sql: db.sql, dataDir, baseDomain: 'sites.windwalker.kr', resolveTxt: async () => [] });
  providers = new Map([['local', local], ['cloudflare', cloudflare], ['vercel', vercel]]);
});
afterAll(async () => {
  await cf?.close();
  await vc?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the redirect plan', () => {
  it('sends every other name of the site on a provider to the primary, and none when there is no primary', () => {
    const rows = [
      { hostname: 'a.kr', provider: 'cloudflare', isPrimary: false },
      { hostname: 'www.a.kr', provider: 'cloudflare', isPrimary: true },
      { hostname: 'shop.a.kr', provider: 'cloudflare', isPrimary: false },
    ];
    expect(redirectPlans('t', 's', rows).get('cloudflare')).toEqual({ tenantId: 't', siteId: 's', primary: 'www.a.kr', from: ['a.kr', 'shop.a.kr'] });
    // Removing the primary: the next one takes over and the leaving name is in no plan.
    expect(redirectPlans('t', 's', rows, { without: 'www.a.kr', primary: 'a.kr' }).get('cloudflare')).toMatchObject({ primary: 'a.kr', from: ['shop.a.kr'] });
    expect(redirectPlans('t', 's', rows.map((r) => ({ ...r, isPrimary: false }))).get('cloudflare')).toMatchObject({ primary: null, from: [] });
    // A provider the site left is planned empty: its redirects are cleared.
    expect(redirectPlans('t', 's', rows, { also: ['vercel'] }).get('vercel')).toMatchObject({ primary: null, from: [] });
  });

  it('is refused in Korean for a hosted provider this process has no credentials for, except on removal; the edge needs none', async () => {
    const plans = redirectPlans('t', 's', [
      { hostname: 'www.b.kr', provider: 'local', isPrimary: true },
      { hostname: 'b.kr', provider: 'cloudfront', isPrimary: false },
    ]);
    const onlyLocal: DomainProviders = new Map([['local', providers.get('local')!]]);
    await expect(applyRedirectPlans(onlyLocal, plans)).rejects.toMatchObject({ code: 'not_configured', message: expect.stringMatching(/CDN\(cloudfront\) 자격 증명/) });
    await expect(applyRedirectPlans(onlyLocal, plans, { skipUnconfigured: true })).resolves.toBeUndefined();
  });
});

describe('primary and redirect domains on Cloudflare Pages (Bulk Redirects)', () => {
  let tenantId: string;
  let siteId: string;

  beforeAll(async () => {
    ({ tenantId, siteId } = await publishedSite(cloudflare, 'dalbit-bakery'));
    for (const name of ['www.dalbit-bakery.kr', 'dalbit-bakery.kr']) {
      await addSiteDomain(db.sql, providers, tenantId, siteId, name, { ownDomains: OWN, stableNames: STABLE });
    }
  });

  it('the first verified domain becomes primary and the other one redirects to it through the account list and the redirect phase rule', async () => {
    expect(siteItems(siteId)).toEqual([]);
    cf.verifyDomain(pagesProjectName(siteId), 'www.dalbit-bakery.kr');
    const www = await recheckSiteDomain(db.sql, providers, tenantId, siteId, 'www.dalbit-bakery.kr', noCname);
    expect(www).toMatchObject({ status: 'active', isPrimary: true });

    // The rule sent: one item for the other name, 301, path and query kept, labelled with the site.
    // …and one for the project's pages.dev name (the default host), to the same primary.
    expect(siteItems(siteId)).toEqual([{
      source_url: 'dalbit-bakery.kr/', target_url: 'https://www.dalbit-bakery.kr/', status_code: 301,
      subpath_matching: true, preserve_path_suffix: true, preserve_query_string: true, include_subdomains: false,
    }, pagesDevItem(siteId, 'www.dalbit-bakery.kr')]);
    expect(cf.request(`https://${pagesProjectName(siteId)}.pages.dev/page-1/`)).toMatchObject({ status: 301, location: 'https://www.dalbit-bakery.kr/page-1/' });
    const [rule] = cf.redirects.entrypoint()!.rules;
    expect(rule).toMatchObject({
      action: 'redirect', enabled: true, expression: `http.request.full_uri in $${REDIRECT_LIST}`,
      action_parameters: { from_list: { name: REDIRECT_LIST, key: 'http.request.full_uri' } },
    });

    cf.verifyDomain(pagesProjectName(siteId), 'dalbit-bakery.kr');
    await recheckSiteDomain(db.sql, providers, tenantId, siteId, 'dalbit-bakery.kr', noCname);
    expect(cf.request('https://dalbit-bakery.kr/page-2/?from=naver')).toMatchObject({ status: 301, location: 'https://www.dalbit-bakery.kr/page-2/?from=naver' });
    const primary = cf.request('https://www.dalbit-bakery.kr/page-2/');
    expect(primary.status).toBe(200);
    expect(primary.body.toString('utf8')).toContain('페이지 2');
  });

  it('기본 도메인으로: the item is replaced so the old primary redirects to the new one', async () => {
    await setPrimaryDomain(db.sql, providers, tenantId, siteId, 'dalbit-bakery.kr');
    expect(siteItems(siteId)).toEqual([pagesDevItem(siteId, 'dalbit-bakery.kr'), expect.objectContaining({ source_url: 'www.dalbit-bakery.kr/', target_url: 'https://dalbit-bakery.kr/' })]);
    expect(cf.request('https://www.dalbit-bakery.kr/')).toMatchObject({ status: 301, location: 'https://dalbit-bakery.kr/' });
    expect(cf.request('https://dalbit-bakery.kr/').status).toBe(200);
    // One rule still, however often the list changes.
    expect(cf.redirects.entrypoint()!.rules).toHaveLength(1);
  });

  it('keeps the primary where it was, and says so in Korean, when Cloudflare refuses the change', async () => {
    cf.failAll({ status: 500 });
    try {
      await expect(setPrimaryDomain(db.sql, providers, tenantId, siteId, 'www.dalbit-bakery.kr')).rejects.toMatchObject({
        code: 'provider_failed', message: expect.stringMatching(/기본 도메인으로 보내는 설정을 하지 못했습니다/),
      });
    } finally {
      cf.heal();
    }
    const domains = await listSiteDomains(db.sql, tenantId, siteId);
    expect(domains.find((d) => d.isPrimary)?.hostname).toBe('dalbit-bakery.kr');
    expect(cf.request('https://www.dalbit-bakery.kr/').status).toBe(301);
  });

  it('makes the list again when it was deleted behind our back (by hand, in the dashboard)', async () => {
    cf.redirects.lists.clear();
    await setPrimaryDomain(db.sql, providers, tenantId, siteId, 'dalbit-bakery.kr');
    expect(siteItems(siteId)).toEqual([pagesDevItem(siteId, 'dalbit-bakery.kr'), expect.objectContaining({ source_url: 'www.dalbit-bakery.kr/', target_url: 'https://dalbit-bakery.kr/' })]);
    expect(cf.request('https://www.dalbit-bakery.kr/menu')).toMatchObject({ status: 301, location: 'https://dalbit-bakery.kr/menu' });
  });

  it('removing the primary: the remaining name is primary and serves the site, only pages.dev still redirects (to it)', async () => {
    await removeSiteDomain(db.sql, providers, tenantId, siteId, 'dalbit-bakery.kr', { stableNames: STABLE });
    expect((await listSiteDomains(db.sql, tenantId, siteId)).map((d) => [d.hostname, d.isPrimary])).toEqual([['www.dalbit-bakery.kr', true]]);
    expect(siteItems(siteId)).toEqual([pagesDevItem(siteId, 'www.dalbit-bakery.kr')]);
    expect(cf.request('https://www.dalbit-bakery.kr/').status).toBe(200);
    expect(cf.projects.get(pagesProjectName(siteId))?.domains.has('dalbit-bakery.kr')).toBe(false);
  });
});

describe('primary and redirect domains on Vercel (project domain redirects)', () => {
  it('sets redirect and redirectStatusCode on the other domains, in an order Vercel accepts, when the primary changes', async () => {
    const { tenantId, siteId } = await publishedSite(vercel, 'haneul-flower');
    const names = ['haneul-flower.kr', 'www.haneul-flower.kr', 'shop.haneul-flower.kr'];
    const before = vc.log.length;
    for (const name of names) {
      await addSiteDomain(db.sql, providers, tenantId, siteId, name, { ownDomains: OWN, stableNames: STABLE });
      vc.publishDns(name);
      await recheckSiteDomain(db.sql, providers, tenantId, siteId, name, noCname);
    }
    const redirectOf = (name: string) => ({ redirect: vc.domains.get(name)!.redirect, redirectStatusCode: vc.domains.get(name)!.redirectStatusCode });
    // The first one verified is primary; the two added after it were sent there as they came, in
    // the POST that added them (nothing left to PATCH).
    expect(vc.log.slice(before).filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(redirectOf('haneul-flower.kr')).toEqual({ redirect: null, redirectStatusCode: null });
    expect(redirectOf('www.haneul-flower.kr')).toEqual({ redirect: 'haneul-flower.kr', redirectStatusCode: 301 });
    expect(redirectOf('shop.haneul-flower.kr')).toEqual({ redirect: 'haneul-flower.kr', redirectStatusCode: 301 });

    const seen = vc.log.length;
    await setPrimaryDomain(db.sql, providers, tenantId, siteId, 'www.haneul-flower.kr');
    // www stops redirecting first (no chain), then shop, then the old primary.
    expect(vc.log.slice(seen).filter((r) => r.method === 'PATCH').map((r) => [r.path.split('/').pop(), r.status])).toEqual([
      ['www.haneul-flower.kr', 200], ['shop.haneul-flower.kr', 200], ['haneul-flower.kr', 200],
    ]);
    expect(redirectOf('www.haneul-flower.kr')).toEqual({ redirect: null, redirectStatusCode: null });
    expect(redirectOf('haneul-flower.kr')).toEqual({ redirect: 'www.haneul-flower.kr', redirectStatusCode: 301 });
    expect(vc.request('haneul-flower.kr', '/page-1/?a=1')).toMatchObject({ status: 301, location: 'https://www.haneul-flower.kr/page-1/?a=1' });

    // Setting the same primary again sends nothing.
    const again = vc.log.length;
    await setPrimaryDomain(db.sql, providers, tenantId, siteId, 'www.haneul-flower.kr');
    expect(vc.log.slice(again).filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});

describe('a site that leaves Cloudflare', () => {
  it('has its Pages project deleted after the move switched (Pages keeps the live deployment otherwise)', async () => {
    const { tenantId, siteId } = await publishedSite(cloudflare, 'moving-cafe');
    expect(cf.projects.has(pagesProjectName(siteId))).toBe(true);
    const local = providers.get('local')!;
    const result = await migrateSite(db.sql, {
      tenantId, siteId, from: cloudflare, to: local, files: siteFiles('moving-cafe', 3), reason: 'admin', stableNames: STABLE,
    });
    expect(cf.projects.has(pagesProjectName(siteId))).toBe(false);
    const [move] = await db.sql<{ status: string; detail: string }[]>`select status, detail from cdn_migrations where id = ${result.migrationId}`;
    expect(move.status).toBe('done');
    expect(move.detail).toContain('site removed from cloudflare');
    const left = await db.sql`select count(*)::int as n from deployments where site_id = ${siteId} and provider = 'cloudflare' and status <> 'deleted'`;
    expect(left[0].n).toBe(0);
  });

  it('keeps the project during a failover (the provider is down; its deployments stay)', async () => {
    const { tenantId, siteId } = await publishedSite(cloudflare, 'failing-cafe');
    await migrateSite(db.sql, {
      tenantId, siteId, from: cloudflare, to: providers.get('local')!, files: siteFiles('failing-cafe', 3), reason: 'failover', keepOld: true, stableNames: STABLE,
    });
    expect(cf.projects.has(pagesProjectName(siteId))).toBe(true);
  });
});

describe('a site whose domains move with it (stable names, decision 143)', () => {
  const ZONE = 'windwalker.test';
  let zone: CloudflareDnsContract;
  let stableNames: StableNameConfig;
  const { cnames: ownerCnames, resolveCname } = ownerDns();

  beforeAll(async () => {
    zone = await startCloudflareDnsContract({ zoneName: ZONE });
    stableNames = {
      zoneName: ZONE, siteBaseDomain: 'sites.windwalker.kr', ttl: 60,
      api: createCloudflareDnsApi({ apiToken: zone.apiToken, zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 }),
    };
    // Pages sees an owner's name once our record leads to the project it is attached to.
    zone.onChange((record) => {
      if (!record.content.endsWith('.pages.dev')) return;
      const project = cf.projects.get(record.content.slice(0, -'.pages.dev'.length));
      for (const [hostname, ours] of ownerCnames) if (ours === record.name && project?.domains.has(hostname)) cf.verifyDomain(project.name, hostname);
    });
  });
  afterAll(async () => {
    await zone?.close();
  });

  it('redirects on the provider it moved to, and leaves nothing on the one it left (its Pages project deleted)', async () => {
    const local = providers.get('local')!;
    const { tenantId, siteId } = await publishedSite(local, 'byeol-tea');
    const stableName = stableNameFor(siteId, ZONE);
    for (const name of ['www.byeol-tea.kr', 'byeol-tea.kr']) {
      await addSiteDomain(db.sql, providers, tenantId, siteId, name, { ownDomains: OWN, stableNames });
      ownerCnames.set(name, stableName);
      await recheckSiteDomain(db.sql, providers, tenantId, siteId, name, { resolveCname, stableNames });
    }
    expect((await listSiteDomains(db.sql, tenantId, siteId)).map((d) => [d.hostname, d.status, d.isPrimary, d.dnsTarget])).toEqual([
      ['www.byeol-tea.kr', 'active', true, 'stable'], ['byeol-tea.kr', 'active', false, 'stable'],
    ]);

    const timing = { activeWaitMs: 2_000, drainMs: 50 };
    const there = await migrateSite(db.sql, { tenantId, siteId, from: local, to: cloudflare, files: siteFiles('byeol-tea', 3), reason: 'admin', stableNames, domainTiming: timing });
    expect(siteItems(siteId)).toEqual([
      expect.objectContaining({ source_url: 'byeol-tea.kr/', target_url: 'https://www.byeol-tea.kr/', status_code: 301 }), pagesDevItem(siteId, 'www.byeol-tea.kr'),
    ]);
    expect(cf.request('https://byeol-tea.kr/page-1/')).toMatchObject({ status: 301, location: 'https://www.byeol-tea.kr/page-1/' });
    expect(cf.request('https://www.byeol-tea.kr/page-1/').status).toBe(200);
    const [first] = await db.sql<{ detail: string }[]>`select detail from cdn_migrations where id = ${there.migrationId}`;
    expect(first.detail).toContain('byeol-tea.kr redirect to www.byeol-tea.kr on cloudflare');

    const back = await migrateSite(db.sql, { tenantId, siteId, from: cloudflare, to: local, files: siteFiles('byeol-tea', 3), reason: 'admin', stableNames, domainTiming: timing });
    expect(siteItems(siteId)).toEqual([]);
    expect(cf.projects.has(pagesProjectName(siteId))).toBe(false);
    const [second] = await db.sql<{ status: string; detail: string }[]>`select status, detail from cdn_migrations where id = ${back.migrationId}`;
    expect(second).toMatchObject({ status: 'done', detail: expect.stringContaining('site removed from cloudflare') });
    expect((await listSiteDomains(db.sql, tenantId, siteId)).map((d) => [d.hostname, d.provider, d.isPrimary])).toEqual([
      ['www.byeol-tea.kr', 'local', true], ['byeol-tea.kr', 'local', false],
    ]);
  });
});
