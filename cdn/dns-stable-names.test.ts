// The stable name in front of the providers (decision 143): our record kept through the Cloudflare
// DNS API contract server, and sites whose custom domain points at it moved by traffic and by an
// admin between the local edge and the Cloudflare Pages contract server while a visitor follows
// the DNS and asks again and again.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../config/env.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startCloudflareDnsContract, type CloudflareDnsContract } from './contracts/cloudflare-dns.ts';
import { createCloudflareDnsApi, stableNameFor, type StableNameConfig } from './dns-stable-names.ts';
import { addSiteDomain, recheckSiteDomain } from './domains.ts';
import { startEdge, type Edge } from './edge.ts';
import { runFailoverRound } from './failover.ts';
import { migrateSite } from './migration.ts';
import { createCloudflareBackend, pagesProjectName } from './providers/cloudflare.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { clearOfSeoulMidnight, insertSite, insertTenant, ownerDns, pollUntil, request, siteFiles } from './test-fixtures.ts';
import { moveSiteForAdmin, runTrafficMoves, setTrafficMoveSettings } from './traffic-moves.ts';

const ZONE = 'windwalker.test';
const OPS_USER = 'ops-stable-names';

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
let pages: CloudflareContract;
let zone: CloudflareDnsContract;
let local: CdnProvider;
let cloudflare: CdnProvider;
let providers: Map<ProviderName, CdnProvider>;
let stableNames: StableNameConfig;
/** The owners' DNS: CNAME name → target, and TXT name → values. */
const { cnames: ownerCnames, resolveCname } = ownerDns();
const ownerTxt = new Map<string, string[]>();

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-stable-names-'));
  edge = await startEdge({ sql: db.sql, dataDir, port: 0, host: '127.0.0.1', baseDomain: 'localhost', resyncIntervalMs: 3_600_000 });
  pages = await startCloudflareContract();
  zone = await startCloudflareDnsContract({ zoneName: ZONE });
  local = createLocalProvider({
    sql: db.sql, dataDir, baseDomain: 'localhost',
    resolveTxt: async (name) => {
      const values = ownerTxt.get(name);
      if (!values) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return values.map((v) => [v]);
    },
  });
  cloudflare = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: pages.apiToken, accountId: pages.accountId, baseUrl: pages.url, maxRetries: 1 }));
  providers = new Map([['local', local], ['cloudflare', cloudflare]]);
  stableNames = {
    zoneName: ZONE, siteBaseDomain: 'localhost', ttl: 60,
    api: createCloudflareDnsApi({ apiToken: zone.apiToken, zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 1 }),
  };
  await db.sql`insert into users (id, email, password_hash, display_name) values (${OPS_USER}, 'ops@stable.example', 'x', '운영 담당 박')`;
  // Cloudflare Pages sees an owner's name as soon as our record leads to the project it is attached
  // to (in production: seconds to minutes after the flip — the gap decision 143 describes).
  zone.onChange((record) => {
    if (!record.content.endsWith('.pages.dev')) return;
    const project = pages.projects.get(record.content.slice(0, -'.pages.dev'.length));
    for (const [hostname, ours] of ownerCnames) if (ours === record.name && project?.domains.has(hostname)) pages.verifyDomain(project.name, hostname);
  });
  // Resolvers see a flip to the edge once the edge serves the site (its load takes milliseconds, DNS far longer).
  zone.onChange(async (record, action) => {
    if (action !== 'update' || !record.content.endsWith('.localhost')) return;
    for (const [hostname, ours] of ownerCnames) {
      if (ours !== record.name) continue;
      await pollUntil(async () => ((await request(edge.port, hostname, '/')).status === 200 ? true : undefined), `the edge to serve ${hostname}`);
    }
  });
});
afterAll(async () => {
  await edge?.close();
  await pages?.close();
  await zone?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A workspace on a plan with custom domains and a site published on the edge. */
async function siteOnEdge(name: string, slug: string): Promise<{ tenantId: string; siteId: string; files: ReturnType<typeof siteFiles> }> {
  const tenantId = await insertTenant(db.sql, name);
  await db.sql`
    insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, current_period_start, current_period_end)
    values (${tenantId}, 'premium', 'active', ${`ck_${tenantId}`}, now(), now() + interval '1 month')`;
  const siteId = await insertSite(db.sql, tenantId, slug);
  const files = siteFiles(slug, 2);
  const deployed = await local.deploy({ tenantId, siteId, buildId: null, files });
  await local.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
  return { tenantId, siteId, files };
}

/** Enough traffic that Cloudflare's free plan is cheaper than the edge (see traffic-moves.test.ts). */
async function seedTraffic(site: { tenantId: string; siteId: string }): Promise<void> {
  await clearOfSeoulMidnight(15_000);
  await db.sql`
    insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
    select ${site.tenantId}, ${site.siteId}, 'local', (now() at time zone 'Asia/Seoul')::date - d, 2000, 1000000000
    from generate_series(0, 9) d`;
}

/**
 * A visitor of `hostname`: resolves it the way a resolver would (the owner's CNAME → our record →
 * a provider) on every request, and asks whichever provider that is. Returns stop().
 */
function visit(hostname: string, marker: string) {
  const answers: { via: string; status: number; ok: boolean }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const ours = ownerCnames.get(hostname)!;
      const target = zone.resolve(ours);
      if (target === null) {
        answers.push({ via: 'nothing', status: 0, ok: false });
      } else if (target.endsWith('.pages.dev')) {
        const project = target.slice(0, -'.pages.dev'.length);
        // Pages answers a custom name only while it is attached to the project (and verified).
        const attached = pages.projects.get(project)?.domains.get(hostname);
        const answer = attached?.status === 'active' ? pages.serve(project, '/index.html') : { status: 404, body: Buffer.from('unknown host') };
        answers.push({ via: 'cloudflare', status: answer.status, ok: answer.body.toString().includes(`data-deployment="${marker}"`) });
      } else {
        const answer = await request(edge.port, hostname, '/');
        answers.push({ via: 'edge', status: answer.status, ok: answer.body.toString().includes(`data-deployment="${marker}"`) });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    answers,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('the stable name record (Cloudflare DNS API)', () => {
  it('is created, left alone when right, PATCHed to a new target, PUT back when someone altered it, and deleted', async () => {
    const api = stableNames.api!;
    const name = `0123456789abcdef.cname.${ZONE}`;
    const id = await api.point(name, 'one-cafe.localhost', 60);
    expect(zone.records.get(id)).toMatchObject({ type: 'CNAME', name, content: 'one-cafe.localhost', ttl: 60, proxied: false });

    const before = zone.log.length;
    expect(await api.point(name, 'one-cafe.localhost', 60)).toBe(id);
    expect(zone.log.slice(before).map((r) => r.method)).toEqual(['GET']);

    expect(await api.point(name, 'ww-site.pages.dev', 60)).toBe(id);
    expect(zone.log.slice(-1)[0]).toMatchObject({ method: 'PATCH', status: 200 });
    expect(zone.resolve(name)).toBe('ww-site.pages.dev');

    zone.records.set(id, { ...zone.records.get(id)!, proxied: true, ttl: 1 });
    await api.point(name, 'ww-site.pages.dev', 60);
    expect(zone.log.slice(-1)[0]).toMatchObject({ method: 'PUT', status: 200 });
    expect(zone.records.get(id)).toMatchObject({ proxied: false, ttl: 60, content: 'ww-site.pages.dev' });

    await api.remove(name);
    expect(zone.resolve(name)).toBeNull();
    await api.remove(name); // nothing there: not an error
  });

  it('refuses what the real API refuses: another token, a malformed zone, a CNAME beside an address, a bad TTL', async () => {
    const wrongToken = createCloudflareDnsApi({ apiToken: 'not-the-token', zoneId: zone.zoneId, baseUrl: zone.url, maxRetries: 0 });
    await expect(wrongToken.point(`a.cname.${ZONE}`, 'x.localhost', 60)).rejects.toThrow(/Authentication error/);
    const malformed = await fetch(`${zone.url}/zones/not-a-zone/dns_records`, { headers: { authorization: `Bearer ${zone.apiToken}` } });
    expect(malformed.status).toBe(400);
    const post = (body: unknown) => fetch(`${zone.url}/zones/${zone.zoneId}/dns_records`, {
      method: 'POST', headers: { authorization: `Bearer ${zone.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect((await post({ type: 'A', name: `b.cname.${ZONE}`, content: '192.0.2.1', ttl: 60 })).status).toBe(200);
    const clash = await post({ type: 'CNAME', name: `b.cname.${ZONE}`, content: 'b.localhost', ttl: 60 });
    expect(clash.status).toBe(400);
    expect((await clash.json()).errors[0].code).toBe(81053);
    const ttl = await post({ type: 'CNAME', name: `c.cname.${ZONE}`, content: 'c.localhost', ttl: 5 });
    expect(ttl.status).toBe(400);
    // Our client will not take over a name someone gave an address.
    await expect(stableNames.api!.point(`b.cname.${ZONE}`, 'b.localhost', 60)).rejects.toThrow(/not a CNAME/);
  });
});

describe('moving a site whose custom domain points at its stable name', () => {
  const hostname = 'www.stable-cafe.co.kr';
  let site: { tenantId: string; siteId: string; files: ReturnType<typeof siteFiles> };
  let stableName: string;

  beforeAll(async () => {
    site = await siteOnEdge('안정된 이름 카페', 'stable-cafe');
    stableName = stableNameFor(site.siteId, ZONE);
  });

  it('tells the owner to CNAME to the stable name, which points at the edge, and the edge answers once the owner did', async () => {
    const added = await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    expect(added.dnsRecords[0]).toEqual({ type: 'CNAME', name: hostname, value: stableName, purpose: '사이트 연결' });
    expect(added).toMatchObject({ dnsTarget: 'stable', stableName, status: 'pending' });
    expect(stableName).toMatch(/^[0-9a-f]{16}\.cname\.windwalker\.test$/);
    expect(zone.resolve(stableName)).toBe('stable-cafe.localhost');

    ownerCnames.set(hostname, stableName);
    const checked = await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames });
    expect(checked).toMatchObject({ status: 'active', dnsTarget: 'stable', isPrimary: true });
    await pollUntil(async () => ((await request(edge.port, hostname, '/')).status === 200 ? true : undefined), 'the edge to answer the domain');
  });

  it('a traffic move to Cloudflare attaches the domain there and flips our record to the project — no failed request', async () => {
    await seedTraffic(site);
    await setTrafficMoveSettings(db.sql, { enabled: true, maxMovesPerRound: 3, userId: OPS_USER });
    const visitor = visit(hostname, 'stable-cafe');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const round = await runTrafficMoves(db.sql, { providers, dataDir, stableNames, domainTiming: { activeWaitMs: 2_000, drainMs: 200 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await visitor.stop();
    await setTrafficMoveSettings(db.sql, { enabled: false, userId: OPS_USER });

    expect(round.failed).toEqual([]);
    expect(round.moved.map((m) => [m.siteId, m.from, m.to])).toEqual([[site.siteId, 'local', 'cloudflare']]);
    const project = pagesProjectName(site.siteId);
    expect(zone.resolve(stableName)).toBe(`${project}.pages.dev`);
    expect(pages.projects.get(project)?.domains.get(hostname)?.status).toBe('active');
    expect(visitor.answers.filter((a) => a.status !== 200 || !a.ok)).toEqual([]);
    expect(new Set(visitor.answers.map((a) => a.via))).toEqual(new Set(['edge', 'cloudflare']));

    const [row] = await db.sql`select provider, status, dns_target, dns_records from cdn_domains where hostname = ${hostname}`;
    expect(row).toMatchObject({ provider: 'cloudflare', status: 'active', dns_target: 'stable' });
    expect(row.dns_records[0]).toEqual({ type: 'CNAME', name: hostname, value: stableName, purpose: '사이트 연결' });
    const [named] = await db.sql`select provider, target, record_id, synced_at from cdn_stable_names where site_id = ${site.siteId}`;
    expect(named).toMatchObject({ provider: 'cloudflare', target: `${project}.pages.dev`, record_id: expect.any(String), synced_at: expect.any(Date) });
    const [move] = await db.sql`select status, detail from cdn_migrations where site_id = ${site.siteId}`;
    expect(move.status).toBe('done');
    expect(move.detail).toContain(`${hostname} on cloudflare: domain active`);
  });

  it('an admin move back to the edge flips the record to the edge and detaches the domain from Cloudflare — no failed request', async () => {
    const visitor = visit(hostname, 'stable-cafe');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await moveSiteForAdmin(db.sql, {
      providers, dataDir, siteId: site.siteId, to: 'local', userId: OPS_USER, stableNames, domainTiming: { activeWaitMs: 2_000, drainMs: 200 },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await visitor.stop();

    expect(result).toMatchObject({ from: 'cloudflare', to: 'local' });
    expect(zone.resolve(stableName)).toBe('stable-cafe.localhost');
    // Detached at Cloudflare (or the whole Pages project removed once nothing of the site is there).
    expect(pages.projects.get(pagesProjectName(site.siteId))?.domains.has(hostname) ?? false).toBe(false);
    expect(visitor.answers.filter((a) => a.status !== 200 || !a.ok)).toEqual([]);
    expect(new Set(visitor.answers.map((a) => a.via))).toEqual(new Set(['cloudflare', 'edge']));
    const [row] = await db.sql`select provider, status, dns_target from cdn_domains where hostname = ${hostname}`;
    expect(row).toEqual({ provider: 'local', status: 'active', dns_target: 'stable' });
    expect((await request(edge.port, hostname, '/')).status).toBe(200);
  });
});

describe('a domain whose owner points straight at the provider', () => {
  it('keeps its site where it is: skipped by traffic moves and refused to an admin, with the reason in Korean', async () => {
    const site = await siteOnEdge('직접 가리키는 카페', 'direct-cafe');
    const hostname = 'www.direct-cafe.co.kr';
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    // The owner followed an older page: CNAME to the edge's host, not to our name.
    ownerCnames.set(hostname, 'direct-cafe.localhost');
    const checked = await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames });
    expect(checked.dnsTarget).toBe('provider');

    // Only this site asks to move this round.
    await db.sql`delete from cdn_usage_daily`;
    await seedTraffic(site);
    await setTrafficMoveSettings(db.sql, { enabled: true, userId: OPS_USER });
    const round = await runTrafficMoves(db.sql, { providers, dataDir, stableNames, domainTiming: { activeWaitMs: 2_000, drainMs: 200 } });
    await setTrafficMoveSettings(db.sql, { enabled: false, userId: OPS_USER });
    expect(round.skipped).toContainEqual({ siteId: site.siteId, from: 'local', to: 'cloudflare', why: 'custom_domains' });
    await expect(moveSiteForAdmin(db.sql, { providers, dataDir, siteId: site.siteId, to: 'cloudflare', userId: OPS_USER, stableNames }))
      .rejects.toThrow(/연결된 도메인\(www\.direct-cafe\.co\.kr\)이 있어 옮길 수 없습니다.*WindWalker 이름으로 CNAME을 바꾸고/);
    const [row] = await db.sql`select cdn_provider from sites where id = ${site.siteId}`;
    expect(row.cdn_provider).toBe('local');

    // Once the owner points at our name, the re-check notices and the site may move.
    ownerCnames.set(hostname, stableNameFor(site.siteId, ZONE));
    expect((await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames })).dnsTarget).toBe('stable');
  });

  it('gets its site a stable name at the first re-check when it was connected before there were any, so the owner has one to switch to', async () => {
    const site = await siteOnEdge('오래된 도메인 카페', 'older-cafe');
    const hostname = 'www.older-cafe.co.kr';
    await db.sql`
      insert into cdn_domains (tenant_id, site_id, hostname, provider, status, certificate_status, dns_records, verified_at)
      values (${site.tenantId}, ${site.siteId}, ${hostname}, 'local', 'active', 'active',
              ${db.sql.json([
                { type: 'CNAME', name: hostname, value: 'older-cafe.localhost', purpose: '사이트 연결' },
                { type: 'TXT', name: `_windwalker.${hostname}`, value: 'windwalker-verify=0123456789abcdef0123456789abcdef', purpose: '도메인 소유 확인' },
              ])}, now())`;
    ownerCnames.set(hostname, 'older-cafe.localhost');
    ownerTxt.set(`_windwalker.${hostname}`, ['windwalker-verify=0123456789abcdef0123456789abcdef']);
    const checked = await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames });
    expect(checked).toMatchObject({ status: 'active', dnsTarget: 'provider', stableName: stableNameFor(site.siteId, ZONE) });
    expect(zone.resolve(stableNameFor(site.siteId, ZONE))).toBe('older-cafe.localhost');
  });
});

describe('embedded mode (no DNS API)', () => {
  it('keeps the stable name in the database, the edge answers it, and a move to a hosted CDN fails loudly before deploying', async () => {
    const embedded: StableNameConfig = { zoneName: 'localhost', siteBaseDomain: 'localhost', api: null };
    const site = await siteOnEdge('내장 모드 카페', 'embedded-cafe');
    const hostname = 'www.embedded-cafe.co.kr';
    const added = await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: [], stableNames: embedded });
    const name = stableNameFor(site.siteId, 'localhost');
    expect(added).toMatchObject({ dnsTarget: 'stable', stableName: name });
    const [named] = await db.sql`select target, record_id from cdn_stable_names where site_id = ${site.siteId}`;
    expect(named).toEqual({ target: 'embedded-cafe.localhost', record_id: null });

    ownerCnames.set(hostname, name);
    expect((await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames: embedded })).status).toBe('active');
    await pollUntil(async () => ((await request(edge.port, hostname, '/')).status === 200 ? true : undefined), 'the edge to answer the domain');

    const deploymentsBefore = await db.sql`select id from deployments where site_id = ${site.siteId}`;
    await expect(moveSiteForAdmin(db.sql, { providers, dataDir, siteId: site.siteId, to: 'cloudflare', userId: OPS_USER, stableNames: embedded }))
      .rejects.toThrow(/DNS API가 설정되지 않아.*DNS_ZONE_ID/);
    expect(await db.sql`select id from deployments where site_id = ${site.siteId}`).toHaveLength(deploymentsBefore.length);
    expect(pages.projects.has(pagesProjectName(site.siteId))).toBe(false);
    const [row] = await db.sql`select cdn_provider from sites where id = ${site.siteId}`;
    expect(row.cdn_provider).toBe('local');
    expect((await request(edge.port, hostname, '/')).status).toBe(200);
  });
});

describe('failover', () => {
  const DNS_ENV = ['DNS_ZONE_ID', 'DNS_API_TOKEN', 'DNS_ZONE_NAME', 'CLOUDFLARE_API_BASE'] as const;
  afterAll(() => {
    for (const name of DNS_ENV) delete process.env[name];
    resetEnvForTests();
    pages.heal();
  });

  it('moves the domain with the site when Cloudflare goes down: our record leads to the edge, the name stays attached on the down provider', async () => {
    const site = await siteOnEdge('장애에도 도메인 카페', 'failover-domain-cafe');
    const hostname = 'www.failover-domain-cafe.co.kr';
    await addSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { ownDomains: ['localhost'], stableNames });
    const name = stableNameFor(site.siteId, ZONE);
    ownerCnames.set(hostname, name);
    await recheckSiteDomain(db.sql, providers, site.tenantId, site.siteId, hostname, { resolveCname, stableNames });
    await migrateSite(db.sql, {
      tenantId: site.tenantId, siteId: site.siteId, from: local, to: cloudflare, files: site.files, reason: 'admin', stableNames,
      domainTiming: { activeWaitMs: 2_000, drainMs: 0 },
    });
    const project = pagesProjectName(site.siteId);
    expect(zone.resolve(name)).toBe(`${project}.pages.dev`);

    // The monitor's failover round reads the DNS API from the environment (config/env.ts).
    Object.assign(process.env, { DNS_ZONE_ID: zone.zoneId, DNS_API_TOKEN: zone.apiToken, DNS_ZONE_NAME: ZONE, CLOUDFLARE_API_BASE: zone.url });
    resetEnvForTests();
    const policy = { downAfterFailures: 2, upAfterSuccesses: 2, minDownSeconds: 0, checkTimeoutMs: 5_000 };
    pages.failAll({ status: 503 });
    await runFailoverRound(db.sql, { providers, dataDir, policy });
    const round = await runFailoverRound(db.sql, { providers, dataDir, policy });
    expect(round.failed).toEqual([]);
    expect(round.moved).toContainEqual(expect.objectContaining({ siteId: site.siteId, from: 'cloudflare', to: 'local', kind: 'site_failover' }));

    expect(zone.resolve(name)).toBe('failover-domain-cafe.localhost');
    expect((await request(edge.port, hostname, '/')).status).toBe(200);
    const [row] = await db.sql`select provider, status, dns_target from cdn_domains where hostname = ${hostname}`;
    expect(row).toEqual({ provider: 'local', status: 'active', dns_target: 'stable' });
    // Detaching it from a provider that is down would only wait out its retries: it stays there.
    expect(pages.projects.get(project)?.domains.has(hostname)).toBe(true);
    const [move] = await db.sql`select detail from cdn_migrations where id = ${round.moved.find((m) => m.siteId === site.siteId)!.migrationId}`;
    expect(move.detail).toContain('domains left attached on cloudflare (it is down)');
  });
});
