import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingError } from '../billing/index.ts';
import type { Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { stableNameFor } from './dns-stable-names.ts';
import { verificationRecordName } from './domains-local.ts';
import {
  activateDeployment, addSiteDomain, CdnError, createLocalProvider, deploySite, DOMAIN_VERIFIED_CHANNEL, listSiteDomains, normaliseDomain,
  recheckPendingDomains, recheckSiteDomain, removeSiteDomain, setPrimaryDomain, startEdge, type DomainProviders, type DomainVerifiedNotification, type Edge,
} from './index.ts';
import { insertSite, insertTenant, pollUntil, request, siteFiles } from './test-fixtures.ts';

const OWN = ['sites.windwalker.kr', 'app.windwalker.kr'];

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
/** The DNS the owner controls: TXT name → values. */
const dns = new Map<string, string[]>();
let providers: DomainProviders;

async function onPlan(sql: Sql, tenantId: string, plan: string): Promise<void> {
  await sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end)
    values (${tenantId}, ${plan}, 'active', ${`ck_${tenantId}`}, now(), now() + interval '1 month')`;
}

/** The owner creates the TXT record the domain's row asks for. */
async function publishTxt(hostname: string): Promise<void> {
  const [row] = await db.sql<{ dns_records: { type: string; name: string; value: string }[] }[]>`select dns_records from cdn_domains where hostname = ${hostname}`;
  const txt = row.dns_records.find((r) => r.type === 'TXT')!;
  dns.set(txt.name, [txt.value]);
}

async function publish(tenantId: string, siteId: string, marker: string): Promise<void> {
  const { deploymentId } = await deploySite(db.sql, { tenantId, siteId, buildId: null, files: siteFiles(marker, 2), dataDir });
  await activateDeployment(db.sql, { tenantId, siteId, deploymentId });
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-domains-'));
  const local = createLocalProvider({
    sql: db.sql, dataDir, baseDomain: 'sites.windwalker.kr',
    resolveTxt: async (name) => {
      const values = dns.get(name);
      if (!values) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return values.map((v) => [v]);
    },
  });
  providers = new Map([['local', local]]);
  edge = await startEdge({ sql: db.sql, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'sites.windwalker.kr', resyncIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await edge?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the domain an owner types', () => {
  it('is trimmed, lower-cased, stripped of scheme, path and final dot, and an IDN becomes punycode', () => {
    expect(normaliseDomain('  WWW.Momo-Cafe.co.kr. ', OWN)).toBe('www.momo-cafe.co.kr');
    expect(normaliseDomain('https://shop.momo.kr/menu?x=1', OWN)).toBe('shop.momo.kr');
    const idn = normaliseDomain('모모카페.한국', OWN);
    expect(idn).toMatch(/^xn--[a-z0-9]+\.xn--3e0b707e$/);
    expect(idn).toBe(new URL('http://모모카페.한국/').hostname);
  });

  it('stores a Korean domain (punycode, also in its top-level domain)', async () => {
    const tenant = await insertTenant(db.sql, '한글 도메인 가게');
    const site = await insertSite(db.sql, tenant, 'hangul');
    await onPlan(db.sql, tenant, 'premium');
    const added = await addSiteDomain(db.sql, providers, tenant, site, '모모카페.한국', { ownDomains: OWN });
    expect(added.hostname).toBe(new URL('http://모모카페.한국/').hostname);
  });

  it('is refused in Korean, naming it, when it is not a domain, a reserved name or our own address', () => {
    expect(() => normaliseDomain('not a domain', OWN)).toThrow(/도메인 'not a domain'의 형식이 올바르지 않습니다/);
    expect(() => normaliseDomain('localhost', OWN)).toThrow(/형식이 올바르지 않습니다/);
    expect(() => normaliseDomain('192.168.0.1', OWN)).toThrow(/형식/);
    expect(() => normaliseDomain('shop.example.com', OWN)).toThrow(/예약된 이름/);
    expect(() => normaliseDomain('cafe.test', OWN)).toThrow(/예약된 이름/);
    expect(() => normaliseDomain('cafe.sites.windwalker.kr', OWN)).toThrow(/WindWalker가 쓰는 주소/);
    expect(() => normaliseDomain('APP.windwalker.kr', OWN)).toThrow(/WindWalker가 쓰는 주소/);
  });
});

describe('adding, verifying and serving custom domains', () => {
  let tenant: string;
  let site: string;

  beforeAll(async () => {
    tenant = await insertTenant(db.sql, '모모 카페');
    site = await insertSite(db.sql, tenant, 'momo');
    await onPlan(db.sql, tenant, 'premium');
    await publish(tenant, site, 'momo-v1');
  });

  it('adds a domain with the CNAME and TXT records to create, pending until DNS shows them', async () => {
    const added = await addSiteDomain(db.sql, providers, tenant, site, 'WWW.MOMO-CAFE.CO.KR', { ownDomains: OWN });
    expect(added).toMatchObject({ hostname: 'www.momo-cafe.co.kr', provider: 'local', status: 'pending', isPrimary: false, verifiedAt: null });
    const [row] = await db.sql`select dns_records from cdn_domains where hostname = 'www.momo-cafe.co.kr'`;
    expect(row.dns_records).toEqual([
      // The site's stable name (decision 143; SITE_BASE_DOMAIN's zone here, as no DNS_ZONE_NAME is set).
      { type: 'CNAME', name: 'www.momo-cafe.co.kr', value: stableNameFor(site, 'localhost'), purpose: '사이트 연결' },
      { type: 'TXT', name: verificationRecordName('www.momo-cafe.co.kr'), value: expect.stringMatching(/^windwalker-verify=[0-9a-f]{32}$/), purpose: '도메인 소유 확인' },
    ]);
    // Not served while pending.
    expect((await request(edge.port, 'www.momo-cafe.co.kr', '/')).status).toBe(404);
    await expect(addSiteDomain(db.sql, providers, tenant, site, 'www.momo-cafe.co.kr', { ownDomains: OWN })).rejects.toThrow(/이미 이 사이트에 연결되어 있습니다/);
  });

  it('turns active on re-check once the TXT record is there, becomes the primary, and is announced once', async () => {
    const heard: DomainVerifiedNotification[] = [];
    const listener = await db.sql.listen(DOMAIN_VERIFIED_CHANNEL, (payload) => heard.push(JSON.parse(payload)));
    try {
      const still = await recheckSiteDomain(db.sql, providers, tenant, site, 'www.momo-cafe.co.kr');
      expect(still.status).toBe('pending');
      expect(still.detail).toMatch(/not found/);

      await publishTxt('www.momo-cafe.co.kr');
      const verified = await recheckSiteDomain(db.sql, providers, tenant, site, 'www.momo-cafe.co.kr');
      expect(verified).toMatchObject({ status: 'active', certificateStatus: 'active', isPrimary: true });
      expect(verified.verifiedAt).toBeInstanceOf(Date);
      await recheckSiteDomain(db.sql, providers, tenant, site, 'www.momo-cafe.co.kr');
      await pollUntil(async () => (heard.length ? true : undefined), 'the domain_verified notification');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toEqual([{ tenantId: tenant, siteId: site, domainId: expect.any(String), hostname: 'www.momo-cafe.co.kr', verifiedAt: verified.verifiedAt!.toISOString() }]);
    } finally {
      await listener.unlisten();
    }
  });

  it('is served by the edge on the custom host once active', async () => {
    const res = await pollUntil(async () => {
      const r = await request(edge.port, 'www.momo-cafe.co.kr', '/');
      return r.status === 200 ? r : undefined;
    }, 'the edge to serve www.momo-cafe.co.kr');
    expect(res.body.toString()).toContain('data-deployment="momo-v1"');
  });

  it('redirects a second active domain to the primary with a 301 keeping the path', async () => {
    await addSiteDomain(db.sql, providers, tenant, site, 'momo-cafe.co.kr', { ownDomains: OWN });
    await publishTxt('momo-cafe.co.kr');
    const second = await recheckSiteDomain(db.sql, providers, tenant, site, 'momo-cafe.co.kr');
    expect(second).toMatchObject({ status: 'active', isPrimary: false });
    const res = await pollUntil(async () => {
      const r = await request(edge.port, 'momo-cafe.co.kr', '/page-1/?from=naver');
      return r.status === 301 ? r : undefined;
    }, 'the 301 from momo-cafe.co.kr');
    expect(res.headers.location).toBe('http://www.momo-cafe.co.kr/page-1/?from=naver');
    const https = await request(edge.port, 'momo-cafe.co.kr', '/', { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.location).toBe('https://www.momo-cafe.co.kr/');

    // The owner makes the short name the primary: now www redirects to it.
    await setPrimaryDomain(db.sql, providers, tenant, site, 'momo-cafe.co.kr');
    const flipped = await pollUntil(async () => {
      const r = await request(edge.port, 'www.momo-cafe.co.kr', '/');
      return r.status === 301 ? r : undefined;
    }, 'www to redirect to the new primary');
    expect(flipped.headers.location).toBe('http://momo-cafe.co.kr/');
    expect((await request(edge.port, 'momo-cafe.co.kr', '/')).status).toBe(200);
  });

  it('removes a domain: the edge stops answering it and another active domain becomes primary', async () => {
    await removeSiteDomain(db.sql, providers, tenant, site, 'momo-cafe.co.kr');
    const domains = await listSiteDomains(db.sql, tenant, site);
    expect(domains.map((d) => [d.hostname, d.isPrimary])).toEqual([['www.momo-cafe.co.kr', true]]);
    await pollUntil(async () => ((await request(edge.port, 'momo-cafe.co.kr', '/')).status === 404 ? true : undefined), 'the removed domain to 404');
    expect((await request(edge.port, 'www.momo-cafe.co.kr', '/')).status).toBe(200);
  });

  it('refuses a domain another workspace has, without saying whose it is', async () => {
    const rival = await insertTenant(db.sql, '경쟁 카페');
    const rivalSite = await insertSite(db.sql, rival, 'rival');
    await onPlan(db.sql, rival, 'premium');
    const attempt = addSiteDomain(db.sql, providers, rival, rivalSite, 'www.momo-cafe.co.kr', { ownDomains: OWN });
    await expect(attempt).rejects.toMatchObject({ code: 'domain_taken' });
    const message = await attempt.catch((e: Error) => e.message);
    expect(message).toMatch(/이미 다른 사이트에 연결되어 있습니다/);
    // Neither the holder's workspace name nor its site's address.
    expect(message).not.toMatch(/모모|momo\.sites|windwalker/);
    expect(await listSiteDomains(db.sql, rival, rivalSite)).toEqual([]);
  });

  it('answers another workspace’s site id as not found, for every domain action', async () => {
    const stranger = await insertTenant(db.sql, '낯선 가게');
    await onPlan(db.sql, stranger, 'premium');
    await expect(listSiteDomains(db.sql, stranger, site)).rejects.toMatchObject({ code: 'not_found' });
    await expect(addSiteDomain(db.sql, providers, stranger, site, 'shop.stranger.kr', { ownDomains: OWN })).rejects.toMatchObject({ code: 'not_found' });
    await expect(recheckSiteDomain(db.sql, providers, stranger, site, 'www.momo-cafe.co.kr')).rejects.toMatchObject({ code: 'not_found' });
    await expect(setPrimaryDomain(db.sql, providers, stranger, site, 'www.momo-cafe.co.kr')).rejects.toMatchObject({ code: 'not_found' });
    await expect(removeSiteDomain(db.sql, providers, stranger, site, 'www.momo-cafe.co.kr')).rejects.toMatchObject({ code: 'not_found' });
    const [row] = await db.sql`select count(*)::int as n from cdn_domains where hostname = 'www.momo-cafe.co.kr'`;
    expect(row.n).toBe(1);
  });
});

describe('the plan limit on custom domains', () => {
  it('refuses any domain on the free trial, saying how to upgrade (/billing)', async () => {
    const tenant = await insertTenant(db.sql, '체험 가게');
    const site = await insertSite(db.sql, tenant, 'trial-shop');
    const attempt = addSiteDomain(db.sql, providers, tenant, site, 'www.trial-shop.kr', { ownDomains: OWN });
    await expect(attempt).rejects.toBeInstanceOf(BillingError);
    await expect(attempt).rejects.toMatchObject({ code: 'PLAN_LIMIT', message: expect.stringMatching(/무료 체험 요금제에서는 도메인을 연결할 수 없습니다.*\/billing/) });
    const [row] = await db.sql`select count(*)::int as n from cdn_domains where tenant_id = ${tenant}`;
    expect(row.n).toBe(0);
  });

  it('allows the basic plan one domain across its sites and refuses the second, even when both are asked at once', async () => {
    const tenant = await insertTenant(db.sql, '기본 가게');
    const a = await insertSite(db.sql, tenant, 'basic-a');
    const b = await insertSite(db.sql, tenant, 'basic-b');
    await onPlan(db.sql, tenant, 'basic');
    const results = await Promise.allSettled([
      addSiteDomain(db.sql, providers, tenant, a, 'www.basic-a.kr', { ownDomains: OWN }),
      addSiteDomain(db.sql, providers, tenant, b, 'www.basic-b.kr', { ownDomains: OWN }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'PLAN_LIMIT', message: expect.stringMatching(/기본 요금제는 도메인을 1개까지 연결할 수 있고, 이미 1개를 연결했습니다.*\/billing/) });
    const [row] = await db.sql`select count(*)::int as n from cdn_domains where tenant_id = ${tenant}`;
    expect(row.n).toBe(1);
  });

  it('applies the free trial limit once a subscription has ended, even though its row still names the paid plan', async () => {
    const tenant = await insertTenant(db.sql, '해지된 가게');
    const site = await insertSite(db.sql, tenant, 'ended-shop');
    await db.sql`
      insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end, cancelled_at)
      values (${tenant}, 'premium', 'cancelled', ${`ck_${tenant}`}, now() - interval '2 months', now() - interval '1 month', now() - interval '1 month')`;
    const attempt = addSiteDomain(db.sql, providers, tenant, site, 'www.ended-shop.kr', { ownDomains: OWN });
    await expect(attempt).rejects.toMatchObject({ code: 'PLAN_LIMIT', message: expect.stringMatching(/무료 체험 요금제에서는 도메인을 연결할 수 없습니다/) });
    const [row] = await db.sql`select count(*)::int as n from cdn_domains where tenant_id = ${tenant}`;
    expect(row.n).toBe(0);
  });
});

describe('the periodic re-check', () => {
  it('checks pending domains that are due and reports the ones that turned active', async () => {
    const tenant = await insertTenant(db.sql, '재확인 가게');
    const site = await insertSite(db.sql, tenant, 'recheck');
    await onPlan(db.sql, tenant, 'premium');
    await addSiteDomain(db.sql, providers, tenant, site, 'www.recheck.kr', { ownDomains: OWN });
    // Just checked at attach time: not due yet.
    expect((await recheckPendingDomains(db.sql, providers)).checked).toBe(0);
    await db.sql`update cdn_domains set checked_at = now() - interval '2 minutes' where hostname = 'www.recheck.kr'`;
    await publishTxt('www.recheck.kr');
    const round = await recheckPendingDomains(db.sql, providers);
    expect(round).toEqual({ checked: 1, verified: ['www.recheck.kr'], failed: [] });
    const [row] = await db.sql`select status, is_primary, verified_at is not null as verified from cdn_domains where hostname = 'www.recheck.kr'`;
    expect(row).toEqual({ status: 'active', is_primary: true, verified: true });
  });

  it('leaves a domain on a provider this process cannot reach to one that can', async () => {
    const tenant = await insertTenant(db.sql, '버셀 가게');
    const site = await insertSite(db.sql, tenant, 'on-vercel');
    await db.sql`insert into cdn_domains (tenant_id, site_id, hostname, provider) values (${tenant}, ${site}, 'www.on-vercel.kr', 'vercel')`;
    const round = await recheckPendingDomains(db.sql, providers);
    expect(round.checked).toBe(0);
    expect(round.failed).toEqual([]);
    await expect(recheckSiteDomain(db.sql, providers, tenant, site, 'www.on-vercel.kr')).rejects.toThrow(CdnError);
  });
});
