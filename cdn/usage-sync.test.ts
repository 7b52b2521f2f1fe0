import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startAwsContract, type AwsContract } from './contracts/aws.ts';
import { startCloudflareContract, type CloudflareContract } from './contracts/cloudflare.ts';
import { startCloudWatchContract, type CloudWatchContract } from './contracts/cloudwatch.ts';
import { startVercelContract, type VercelContract } from './contracts/vercel.ts';
import { CdnError } from './errors.ts';
import { migrateSite } from './migration.ts';
import { createCloudflareBackend } from './providers/cloudflare.ts';
import { cloudflareUsageQuery } from './providers/cloudflare-usage.ts';
import { createCloudFrontBackend } from './providers/cloudfront.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { createVercelBackend, vercelProjectName } from './providers/vercel.ts';
import { measuredMonthlyTraffic } from './router.ts';
import { insertSite, insertTenant, siteFiles } from './test-fixtures.ts';
import { listUsageSyncs, seoulDate, syncHostedUsage } from './usage-sync.ts';

const BASE = 'sites.windwalker.test';
let db: TestDatabase;
let dataDir: string;
let cf: CloudflareContract;
let vc: VercelContract;
let aws: AwsContract;
let cw: CloudWatchContract;
let providers: Map<ProviderName, CdnProvider>;

// Two Seoul days just behind us: yesterday and the day before.
const DAY1 = seoulDate(new Date(), -2);
const DAY2 = seoulDate(new Date(), -1);
/** A moment of a Seoul day: '2026-03-02' at 23:30 is 14:30 UTC on the 2nd. */
const seoul = (day: string, time: string) => new Date(`${day}T${time}:00+09:00`);

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-usage-'));
  cf = await startCloudflareContract();
  vc = await startVercelContract();
  aws = await startAwsContract();
  cw = await startCloudWatchContract({ accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey });
  providers = new Map<ProviderName, CdnProvider>([
    ['local', createLocalProvider({ sql: db.sql, dataDir })],
    ['cloudflare', createRemoteProvider(db.sql, createCloudflareBackend({
      apiToken: cf.apiToken, accountId: cf.accountId, baseUrl: cf.url, zoneId: cf.analytics.zoneId, siteBaseDomain: BASE, maxRetries: 1,
    }))],
    ['vercel', createRemoteProvider(db.sql, createVercelBackend({ token: vc.token, teamId: vc.teamId, baseUrl: vc.url }))],
    ['cloudfront', createRemoteProvider(db.sql, createCloudFrontBackend({
      accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, region: aws.region, bucket: aws.bucket,
      distributionId: aws.distributionId, siteBaseDomain: BASE, endpoint: aws.url, cloudWatchEndpoint: cw.url, maxAttempts: 2,
    }))],
  ]);
});
afterAll(async () => {
  await Promise.all([cf?.close(), vc?.close(), aws?.close(), cw?.close()]);
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A site live on `provider` (deployed through the local store, as the build worker does). */
async function siteOn(provider: ProviderName, slug: string): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, `사용량 ${slug}`);
  const siteId = await insertSite(db.sql, tenantId, slug);
  const files = siteFiles(slug, 2);
  const deployed = await providers.get(provider)!.deploy({ tenantId, siteId, buildId: null, files });
  await providers.get(provider)!.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
  return { tenantId, siteId };
}

describe('Cloudflare usage (GraphQL Analytics API)', () => {
  it('counts the requests and bytes of the site’s names per Seoul day, from the zone’s httpRequestsAdaptiveGroups', async () => {
    const site = await siteOn('cloudflare', 'cf-usage');
    const host = `cf-usage.${BASE}`;
    cf.analytics.record(host, seoul(DAY1, '00:10'), 100, 1_000_000);
    cf.analytics.record(host, seoul(DAY1, '23:50'), 20, 200_000); // still DAY1 in Seoul, already the next day in UTC
    cf.analytics.record(host, seoul(DAY2, '00:00'), 7, 70_000);
    cf.analytics.record(host, seoul(DAY2, '12:00'), 3, 30_000, 'edgeWorkerFetch'); // not a visitor
    cf.analytics.record(`other.${BASE}`, seoul(DAY2, '12:00'), 999, 9_999_999); // another site
    const usage = await providers.get('cloudflare')!.usage({ ...site, from: DAY1, to: DAY2 });
    expect(usage).toEqual([
      { day: DAY1, requests: 120, bytes: 1_200_000 },
      { day: DAY2, requests: 7, bytes: 70_000 },
    ]);
    const asked = cf.analytics.queries.at(-1)!;
    expect(asked.variables).toMatchObject({
      zoneTag: cf.analytics.zoneId,
      d0: { clientRequestHTTPHost_in: [host], requestSource: 'eyeball', datetime_geq: seoul(DAY1, '00:00').toISOString() },
    });
  });

  it('is refused like the API refuses: a wrong token, a window over one day, a field the query may not select', async () => {
    const ask = (token: string, body: unknown) => fetch(`${cf.url}/graphql`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const filter = { datetime_geq: '2026-03-01T15:00:00Z', datetime_lt: '2026-03-02T15:00:00Z', clientRequestHTTPHost_in: ['a.example.kr'], requestSource: 'eyeball' };
    expect((await ask('wrong', { query: cloudflareUsageQuery(['d0']), variables: { zoneTag: cf.analytics.zoneId, d0: filter } })).status).toBe(403);
    const tooLong = await ask(cf.apiToken, { query: cloudflareUsageQuery(['d0']), variables: { zoneTag: cf.analytics.zoneId, d0: { ...filter, datetime_lt: '2026-03-03T15:00:00Z' } } });
    expect(await tooLong.json()).toMatchObject({ data: null, errors: [{ message: expect.stringMatching(/time range is too large/) }] });
    const extraField = cloudflareUsageQuery(['d0']).replace('count sum', 'count avg { sampleInterval } sum');
    const refused = await ask(cf.apiToken, { query: extraField, variables: { zoneTag: cf.analytics.zoneId, d0: filter } });
    expect(await refused.json()).toMatchObject({ data: null, errors: [{ message: expect.stringMatching(/only count and sum/) }] });
  });

  it('says which setting is missing when there is no zone to read', async () => {
    const site = await siteOn('cloudflare', 'cf-no-zone');
    const noZone = createRemoteProvider(db.sql, createCloudflareBackend({ apiToken: cf.apiToken, accountId: cf.accountId, baseUrl: cf.url }));
    const error = await noZone.usage({ ...site, from: DAY1, to: DAY2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdnError);
    expect((error as CdnError).message).toMatch(/CLOUDFLARE_ZONE_ID/);
  });
});

describe('Vercel usage (/v2/usage)', () => {
  it('reads hits plus misses and outgoing bytes of the site’s own project, day by day', async () => {
    const site = await siteOn('vercel', 'vc-usage');
    vc.usage.record(vercelProjectName(site.siteId), seoul(DAY1, '12:00'), { hits: 400, misses: 100 }, 5_000_000);
    vc.usage.record(vercelProjectName(site.siteId), seoul(DAY2, '12:00'), { hits: 30, misses: 10 }, 400_000);
    vc.usage.record('ww-some-other-project', seoul(DAY2, '12:00'), { hits: 9_999, misses: 1 }, 1);
    expect(await providers.get('vercel')!.usage({ ...site, from: DAY1, to: DAY2 })).toEqual([
      { day: DAY1, requests: 500, bytes: 5_000_000 },
      { day: DAY2, requests: 40, bytes: 400_000 },
    ]);
  });

  it('files a request by its Seoul day: one asked-for window per Seoul day, the two UTC dates it touches added up', async () => {
    const site = await siteOn('vercel', 'vc-midnight');
    const project = vercelProjectName(site.siteId);
    // All three are UTC date DAY1 (14:50, 15:10 and 23:30 UTC) — but the first is DAY1 in Seoul, the others DAY2.
    vc.usage.record(project, seoul(DAY1, '23:50'), { hits: 3, misses: 0 }, 300);
    vc.usage.record(project, seoul(DAY2, '00:10'), { hits: 5, misses: 2 }, 700);
    vc.usage.record(project, seoul(DAY2, '08:30'), { hits: 1, misses: 0 }, 100);
    // DAY1 00:00 in Seoul is the previous UTC date: still DAY1.
    vc.usage.record(project, seoul(DAY1, '00:00'), { hits: 10, misses: 0 }, 1_000);
    const before = vc.log.filter((r) => r.path === '/v2/usage').length;
    expect(await providers.get('vercel')!.usage({ ...site, from: DAY1, to: DAY2 })).toEqual([
      { day: DAY1, requests: 13, bytes: 1_300 },
      { day: DAY2, requests: 8, bytes: 800 },
    ]);
    expect(vc.log.filter((r) => r.path === '/v2/usage').length - before).toBe(2);
  });

  it('refuses a day rather than misfiling it when Vercel answers whole UTC days instead of the hours asked for', async () => {
    const site = await siteOn('vercel', 'vc-utc-days');
    vc.usage.record(vercelProjectName(site.siteId), seoul(DAY1, '23:50'), { hits: 3, misses: 0 }, 300);
    vc.usage.record(vercelProjectName(site.siteId), seoul(DAY2, '00:10'), { hits: 5, misses: 0 }, 500);
    vc.usage.wholeUtcDays = true;
    try {
      await expect(providers.get('vercel')!.usage({ ...site, from: DAY2, to: DAY2 })).rejects.toThrow(/answered whole UTC days/);
      const result = await syncHostedUsage(db.sql, { providers: new Map([['vercel', providers.get('vercel')!]]), days: [DAY2] });
      expect(result.outcomes.find((o) => o.siteId === site.siteId)).toMatchObject({ status: 'failed', detail: expect.stringMatching(/Seoul day/) });
      expect(await db.sql`select 1 from cdn_usage_daily where site_id = ${site.siteId}`).toHaveLength(0);
    } finally {
      vc.usage.wholeUtcDays = false;
    }
    // Kept to the hours, the same day reads right.
    expect(await providers.get('vercel')!.usage({ ...site, from: DAY2, to: DAY2 })).toEqual([{ day: DAY2, requests: 5, bytes: 500 }]);
  });

  it('answers no traffic for a site that has no Vercel project', async () => {
    const tenantId = await insertTenant(db.sql, '버셀 없는 곳');
    const siteId = await insertSite(db.sql, tenantId, 'vc-none');
    expect(await providers.get('vercel')!.usage({ tenantId, siteId, from: DAY1, to: DAY1 })).toEqual([{ day: DAY1, requests: 0, bytes: 0 }]);
  });
});

describe('CloudFront usage without standard logs (CloudWatch GetMetricStatistics)', () => {
  // The distribution writes no access logs here (cloudfront-logs.test.ts has them); it stays so for the rest of the file.
  beforeAll(() => aws.logs.setLogging(aws.distributionId, null));

  it('reads Requests and BytesDownloaded of the distribution (Region=Global, us-east-1) for a site alone on it', async () => {
    const site = await siteOn('cloudfront', 'cfr-usage');
    cw.publishCloudFront(aws.distributionId, 'Requests', seoul(DAY1, '08:00'), 1_500);
    cw.publishCloudFront(aws.distributionId, 'Requests', seoul(DAY1, '23:59'), 500);
    cw.publishCloudFront(aws.distributionId, 'BytesDownloaded', seoul(DAY1, '08:00'), 80_000_000);
    cw.publishCloudFront(aws.distributionId, 'Requests', seoul(DAY2, '00:01'), 42);
    cw.publishCloudFront('EOTHERDISTRIBUTION', 'Requests', seoul(DAY2, '00:01'), 9_999);
    expect(await providers.get('cloudfront')!.usage({ ...site, from: DAY1, to: DAY2 })).toEqual([
      { day: DAY1, requests: 2_000, bytes: 80_000_000 },
      { day: DAY2, requests: 42, bytes: 0 },
    ]);
    const call = cw.calls.at(-1)!;
    expect(call.target).toBe('GraniteServiceVersion20100801.GetMetricStatistics');
    expect(call.body).toMatchObject({ Namespace: 'AWS/CloudFront', Period: 86_400, Statistics: ['Sum'] });
  });

  it('fails, saying what to switch on, once another site shares the distribution', async () => {
    await siteOn('cloudfront', 'cfr-neighbour');
    const [first] = await db.sql<{ id: string; tenant_id: string }[]>`select id, tenant_id from sites where slug = 'cfr-usage'`;
    const error = await providers.get('cloudfront')!.usage({ tenantId: first.tenant_id, siteId: first.id, from: DAY1, to: DAY2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdnError);
    expect((error as CdnError).code).toBe('provider_failed');
    expect((error as CdnError).message).toMatch(new RegExp(`CloudFront 배포\\(${aws.distributionId}\\)에 표준 로그\\(S3 접근 로그\\)가 설정되어 있지 않아, 이 배포를 다른 사이트 1곳과 함께`));
    expect((error as CdnError).message).toMatch(/표준 로깅\(레거시, S3 버킷\)을 켜야 합니다/);
  });
});

describe('syncHostedUsage', () => {
  it('writes each hosted site’s daily requests and bytes where the router and billing read them, and a re-run replaces instead of adding', async () => {
    const onCloudflare = await siteOn('cloudflare', 'sync-cf');
    const onVercel = await siteOn('vercel', 'sync-vc');
    // A site that left Cloudflare for the edge during DAY2 still has its Cloudflare day synced.
    const mover = await siteOn('cloudflare', 'sync-mover');
    cf.analytics.record(`sync-cf.${BASE}`, seoul(DAY1, '10:00'), 1_000, 10_000_000);
    cf.analytics.record(`sync-cf.${BASE}`, seoul(DAY2, '10:00'), 2_000, 20_000_000);
    cf.analytics.record(`sync-mover.${BASE}`, seoul(DAY2, '09:00'), 300, 3_000_000);
    vc.usage.record(vercelProjectName(onVercel.siteId), seoul(DAY2, '10:00'), { hits: 50, misses: 50 }, 1_000_000);
    await migrateSite(db.sql, { ...mover, from: providers.get('cloudflare')!, to: providers.get('local')!, files: siteFiles('sync-mover', 2), reason: 'admin' });
    // The edge's own count for the same day stays as it is.
    await db.sql`insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
                 values (${mover.tenantId}, ${mover.siteId}, 'local', ${DAY2}, 77, 7700)`;

    const first = await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
    const rows = () => db.sql<{ slug: string; provider: string; day: string; requests: number; bytes: number }[]>`
      select s.slug, u.provider, to_char(u.day, 'YYYY-MM-DD') as day, u.requests, u.bytes
      from cdn_usage_daily u join sites s on s.id = u.site_id
      where s.slug like 'sync-%' order by s.slug, u.provider, u.day`;
    const expected = [
      { slug: 'sync-cf', provider: 'cloudflare', day: DAY1, requests: 1000, bytes: 10000000 },
      { slug: 'sync-cf', provider: 'cloudflare', day: DAY2, requests: 2000, bytes: 20000000 },
      { slug: 'sync-mover', provider: 'cloudflare', day: DAY2, requests: 300, bytes: 3000000 },
      { slug: 'sync-mover', provider: 'local', day: DAY2, requests: 77, bytes: 7700 },
      { slug: 'sync-vc', provider: 'vercel', day: DAY2, requests: 100, bytes: 1000000 },
    ];
    expect(await rows()).toEqual(expected);
    // Only the CloudFront sites fail (their shared distribution writes no access logs here; checked below).
    expect(first.outcomes.filter((o) => o.status === 'failed' && o.provider !== 'cloudfront')).toEqual([]);

    // Again: the same rows, nothing doubled.
    await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
    expect(await rows()).toEqual(expected);

    // The provider counted more of DAY2 since: the row becomes its new total.
    cf.analytics.record(`sync-cf.${BASE}`, seoul(DAY2, '22:00'), 500, 5_000_000);
    await syncHostedUsage(db.sql, { providers, days: [DAY2] });
    expect((await rows()).find((r) => r.slug === 'sync-cf' && r.day === DAY2)).toMatchObject({ requests: 2500, bytes: 25000000 });

    // The router reads the hosted days like the edge's.
    const traffic = await measuredMonthlyTraffic(db.sql, onCloudflare.tenantId, onCloudflare.siteId);
    expect(traffic.days).toBeGreaterThanOrEqual(2);
    expect(traffic.requests).toBeGreaterThan(0);

    // Ops sees each outcome; a shared CloudFront distribution without access logs fails with the reason, never a silent zero.
    const syncs = await listUsageSyncs(db.sql, 200);
    expect(syncs.find((s) => s.siteName === '사이트 sync-cf' && s.day === DAY2)).toMatchObject({ status: 'ok', requests: 2500 });
    const cloudFront = syncs.filter((s) => s.provider === 'cloudfront');
    expect(cloudFront.length).toBe(4); // cfr-usage and cfr-neighbour, two days each
    for (const s of cloudFront) expect(s).toMatchObject({ status: 'failed', requests: null, detail: expect.stringMatching(/표준 로그\(S3 접근 로그\)가 설정되어 있지 않아/) });
    expect(await db.sql`select 1 from cdn_usage_daily u join sites s on s.id = u.site_id where s.slug like 'cfr-%' and u.provider = 'cloudfront'`).toHaveLength(0);
  });

  it('keeps another tenant’s rows out of a site’s sync', async () => {
    const mine = await siteOn('vercel', 'iso-mine');
    const theirs = await siteOn('vercel', 'iso-theirs');
    vc.usage.record(vercelProjectName(mine.siteId), seoul(DAY1, '10:00'), { hits: 5, misses: 0 }, 500);
    vc.usage.record(vercelProjectName(theirs.siteId), seoul(DAY1, '10:00'), { hits: 7, misses: 0 }, 700);
    await syncHostedUsage(db.sql, { providers: new Map([['vercel', providers.get('vercel')!]]), days: [DAY1] });
    // Asking for my site with the other tenant's id finds nothing, and the rows stay each tenant's own.
    await expect(providers.get('vercel')!.usage({ tenantId: theirs.tenantId, siteId: mine.siteId, from: DAY1, to: DAY1 })).rejects.toMatchObject({ code: 'not_found' });
    const rows = await db.sql`select tenant_id, requests from cdn_usage_daily where site_id in (${mine.siteId}, ${theirs.siteId}) order by requests`;
    expect(rows).toEqual([
      { tenant_id: mine.tenantId, requests: 5 },
      { tenant_id: theirs.tenantId, requests: 7 },
    ]);
  });
});
