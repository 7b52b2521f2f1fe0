// CloudFront usage from standard access logs (decision 141): two sites on one distribution, told
// apart by the Host header in the logs, counted per Asia/Seoul day, each file read once.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startAwsContract, type AwsContract } from './contracts/aws.ts';
import { cloudFrontLogFile, cloudFrontLogLine, type ViewerRequest } from './contracts/cloudfront-logs.ts';
import { startCloudWatchContract, type CloudWatchContract } from './contracts/cloudwatch.ts';
import { createCloudFrontBackend } from './providers/cloudfront.ts';
import { countLogLines } from './providers/cloudfront-usage.ts';
import { createLocalProvider } from './providers/local.ts';
import { createRemoteProvider } from './providers/remote.ts';
import type { CdnProvider, ProviderName } from './providers/types.ts';
import { insertSite, insertTenant, siteFiles } from './test-fixtures.ts';
import { listUsageSyncs, seoulDate, syncHostedUsage } from './usage-sync.ts';

const BASE = 'sites.windwalker.test';
let db: TestDatabase;
let dataDir: string;
let aws: AwsContract;
let cw: CloudWatchContract;
let providers: Map<ProviderName, CdnProvider>;
let alpha: { tenantId: string; siteId: string };
let beta: { tenantId: string; siteId: string };

const DAY0 = seoulDate(new Date(), -3);
const DAY1 = seoulDate(new Date(), -2);
const DAY2 = seoulDate(new Date(), -1);
/** A moment of a Seoul day: DAY1 at '23:59:30' is 14:59:30 UTC on DAY1. */
const seoul = (day: string, time: string) => new Date(`${day}T${time}+09:00`);
const ALPHA = `cfl-alpha.${BASE}`;
const BETA = `cfl-beta.${BASE}`;

/** GetObject calls on the log bucket so far (a listing is GET /<bucket>/ with no key). */
const logReads = () => aws.log.filter((r) => r.method === 'GET' && r.path.startsWith(`/${aws.logs.bucket}/`) && r.path.length > aws.logs.bucket.length + 2).length;
const ledger = () => db.sql<{ files: number }[]>`select count(*)::int as files from cdn_cloudfront_log_files`.then((r) => r[0].files);

async function siteOn(slug: string): Promise<{ tenantId: string; siteId: string }> {
  const tenantId = await insertTenant(db.sql, `로그 ${slug}`);
  const siteId = await insertSite(db.sql, tenantId, slug);
  const cloudfront = providers.get('cloudfront')!;
  const deployed = await cloudfront.deploy({ tenantId, siteId, buildId: null, files: siteFiles(slug, 1) });
  await cloudfront.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
  return { tenantId, siteId };
}

async function dailyRows(): Promise<{ slug: string; day: string; requests: number; bytes: number }[]> {
  return db.sql<{ slug: string; day: string; requests: number; bytes: number }[]>`
    select s.slug, to_char(u.day, 'YYYY-MM-DD') as day, u.requests::int as requests, u.bytes::int as bytes
    from cdn_usage_daily u join sites s on s.id = u.site_id
    where u.provider = 'cloudfront' order by s.slug, u.day`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-cdn-logs-'));
  aws = await startAwsContract({ siteBaseDomain: BASE });
  cw = await startCloudWatchContract({ accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey });
  providers = new Map<ProviderName, CdnProvider>([
    ['local', createLocalProvider({ sql: db.sql, dataDir })],
    ['cloudfront', createRemoteProvider(db.sql, createCloudFrontBackend({
      accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, region: aws.region, bucket: aws.bucket,
      distributionId: aws.distributionId, siteBaseDomain: BASE, endpoint: aws.url, cloudWatchEndpoint: cw.url, maxAttempts: 2,
      certificatePollMs: 20, sql: db.sql, logPageSize: 2,
    }))],
  ]);
  alpha = await siteOn('cfl-alpha');
  beta = await siteOn('cfl-beta');
});
afterAll(async () => {
  await Promise.all([aws?.close(), cw?.close()]);
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the log bucket contract (ListObjectsV2 / GetObject)', () => {
  const client = () => new S3Client({
    region: aws.region, endpoint: aws.url, forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  });

  it('pages with continuation tokens in key order, refuses a token it did not give, answers NoSuchKey and checks the signature', async () => {
    const at = seoul(DAY0, '03:00:00');
    const keys = [
      ...aws.logs.deliver(aws.distributionId, [{ at, host: 'x.example.kr', bytes: 1 }]),
      ...aws.logs.deliver(aws.distributionId, [{ at: new Date(at.getTime() + 3_600_000), host: 'x.example.kr', bytes: 1 }]),
      ...aws.logs.deliver(aws.distributionId, [{ at: new Date(at.getTime() + 7_200_000), host: 'x.example.kr', bytes: 1 }]),
    ];
    const s3 = client();
    const prefix = `cloudfront/${aws.distributionId}.${at.toISOString().slice(0, 10)}-`;
    const first = await s3.send(new ListObjectsV2Command({ Bucket: aws.logs.bucket, Prefix: prefix, MaxKeys: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, KeyCount: 2, MaxKeys: 2 });
    const second = await s3.send(new ListObjectsV2Command({ Bucket: aws.logs.bucket, Prefix: prefix, MaxKeys: 2, ContinuationToken: first.NextContinuationToken }));
    expect(second).toMatchObject({ IsTruncated: false, KeyCount: 1 });
    expect([...first.Contents!, ...second.Contents!].map((c) => c.Key)).toEqual([...keys].sort());
    expect(first.Contents![0]).toMatchObject({ Size: expect.any(Number), ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/), StorageClass: 'STANDARD' });

    const forged = await s3.send(new ListObjectsV2Command({ Bucket: aws.logs.bucket, Prefix: prefix, ContinuationToken: Buffer.from('0123456789abcdef:zzz').toString('base64') })).catch((e: unknown) => e);
    expect(forged).toBeInstanceOf(S3ServiceException);
    expect(forged).toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });

    const missing = await s3.send(new GetObjectCommand({ Bucket: aws.logs.bucket, Key: `${prefix}00.nothing.gz` })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NoSuchKey);
    expect(missing).toMatchObject({ $metadata: { httpStatusCode: 404 } });

    const object = await s3.send(new GetObjectCommand({ Bucket: aws.logs.bucket, Key: keys[0] }));
    expect(object.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Buffer.from(await object.Body!.transformToByteArray()).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip

    const stranger = new S3Client({
      region: aws.region, endpoint: aws.url, forcePathStyle: true, maxAttempts: 1,
      credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    await expect(stranger.send(new ListObjectsV2Command({ Bucket: aws.logs.bucket }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    for (const key of keys) aws.logs.objects.delete(key);
  });
});

describe('reading a standard log file', () => {
  it('finds the fields by the #Fields line and counts each line under its host and Seoul day', async () => {
    const lines = [
      cloudFrontLogLine('d1.cloudfront.net', { at: new Date('2026-03-01T14:59:59Z'), host: 'A.example.kr:443', bytes: 100 }),
      cloudFrontLogLine('d1.cloudfront.net', { at: new Date('2026-03-01T15:00:00Z'), host: 'a.example.kr', bytes: 50 }),
    ];
    const text = `#Version: 1.0\n#Fields: ${'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end'}\n${lines.join('\n')}\n`;
    const counted = await countLogLines(text.split('\n'), 'test');
    expect(counted.lines).toBe(2);
    expect(Object.fromEntries(counted.counts)).toEqual({
      'a.example.kr\t2026-03-01': { requests: 1, bytes: 100 },
      'a.example.kr\t2026-03-02': { requests: 1, bytes: 50 },
    });
    // The file as CloudFront gzips it carries the same header.
    expect(cloudFrontLogFile(lines).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('refuses a file it cannot attribute rather than counting it somewhere', async () => {
    await expect(countLogLines(['#Version: 1.0', '#Fields: date time sc-bytes cs(Host)', '2026-03-01\t10:00:00\t10\td1.cloudfront.net'], 'old.gz'))
      .rejects.toThrow(/#Fields has no x-host-header/);
    await expect(countLogLines(['2026-03-01\t10:00:00\t10'], 'headless.gz')).rejects.toThrow(/before any #Fields/);
    const fields = '#Fields: date time x-host-header sc-bytes';
    await expect(countLogLines([fields, '2026-03-01\t10:00:00\ta.example.kr'], 'short.gz')).rejects.toThrow(/line 2 has 3 fields, #Fields names 4/);
    await expect(countLogLines([fields, '2026-03-01\t10:00:00\ta.example.kr\tmany'], 'bytes.gz')).rejects.toThrow(/sc-bytes "many"/);
  });
});

describe('syncHostedUsage over a shared CloudFront distribution with standard logs', () => {
  const traffic: ViewerRequest[] = [];

  it('files each request under its site by Host header and under its Seoul day, across the Seoul midnight', async () => {
    traffic.push(
      // DAY0 in Seoul (14:30 UTC on DAY0): outside the days asked about, in a file that is read.
      { at: seoul(DAY0, '23:30:00'), host: ALPHA, bytes: 7 },
      { at: seoul(DAY1, '00:00:00'), host: ALPHA, bytes: 1_000 },
      { at: seoul(DAY1, '12:00:00'), host: BETA, bytes: 2_000 },
      // Either side of the Seoul midnight DAY1 → DAY2 (14:59:30 and 15:00:10 UTC, the same UTC date).
      { at: seoul(DAY1, '23:59:30'), host: ALPHA, bytes: 300 },
      { at: seoul(DAY1, '23:59:59'), host: 'CFL-BETA.sites.windwalker.test', bytes: 40 },
      { at: seoul(DAY2, '00:00:10'), host: BETA, bytes: 500 },
      { at: seoul(DAY2, '00:00:20'), host: `${ALPHA}:443`, bytes: 60 },
      // 08:59 and 09:00 in Seoul: 23:59 UTC on DAY1 and 00:00 UTC on DAY2, still one Seoul day.
      { at: seoul(DAY2, '08:59:00'), host: ALPHA, bytes: 11 },
      { at: seoul(DAY2, '09:00:00'), host: ALPHA, bytes: 13 },
      // Nobody's: the distribution's own name and a host no site has.
      { at: seoul(DAY2, '10:00:00'), host: 'd1234.cloudfront.net', bytes: 999 },
      { at: seoul(DAY2, '10:00:00'), host: `gone.${BASE}`, bytes: 999 },
      // DAY3 in Seoul (next day 00:30): in a file that is read, outside the days.
      { at: new Date(seoul(DAY2, '00:30:00').getTime() + 86_400_000), host: BETA, bytes: 5 },
    );
    const keys = aws.logs.deliver(aws.distributionId, traffic);
    expect(keys.length).toBeGreaterThanOrEqual(8); // one file per UTC hour
    expect(keys.every((k) => k.startsWith(`cloudfront/${aws.distributionId}.`) && k.endsWith('.gz'))).toBe(true);

    // The provider lists with MaxKeys 2, so a UTC date with more files pages through continuation tokens: per site,
    // DAY0 (2 files) 1 page, DAY1 (4 files) 2 pages, DAY2 (3 files) 2 pages — 5 listings, not 3.
    const listings = () => aws.log.filter((r) => r.method === 'GET' && r.path.replace(/\/$/, '') === `/${aws.logs.bucket}`).length;
    const listed = listings();
    const result = await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
    expect(listings() - listed).toBe(10);
    expect(result.outcomes).toEqual([alpha, beta].sort((a, b) => a.siteId.localeCompare(b.siteId))
      .map((site) => expect.objectContaining({ provider: 'cloudfront', siteId: site.siteId, status: 'ok' })));
    expect(await dailyRows()).toEqual([
      { slug: 'cfl-alpha', day: DAY1, requests: 2, bytes: 1_300 },
      { slug: 'cfl-alpha', day: DAY2, requests: 3, bytes: 84 },
      { slug: 'cfl-beta', day: DAY1, requests: 2, bytes: 2_040 },
      { slug: 'cfl-beta', day: DAY2, requests: 1, bytes: 500 },
    ]);
    expect(await ledger()).toBe(keys.length);
    const syncs = await listUsageSyncs(db.sql, 20);
    expect(syncs.find((s) => s.siteId === beta.siteId && s.day === DAY1)).toMatchObject({ status: 'ok', requests: 2, bytes: 2_040 });
  });

  it('does not double on a re-sync, reads no file twice, and adds a late file’s requests once', async () => {
    const before = await dailyRows();
    const reads = logReads();
    await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
    await syncHostedUsage(db.sql, { providers, days: [DAY2] });
    expect(await dailyRows()).toEqual(before);
    expect(logReads()).toBe(reads);

    // CloudFront delivers entries up to a day late, in a new file named for the hour they happened in.
    const late = aws.logs.deliver(aws.distributionId, [{ at: seoul(DAY1, '23:59:50'), host: ALPHA, bytes: 1 }]);
    expect(late).toHaveLength(1);
    await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
    expect(logReads()).toBe(reads + 1);
    await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
    expect(logReads()).toBe(reads + 1);
    expect((await dailyRows()).find((r) => r.slug === 'cfl-alpha' && r.day === DAY1)).toEqual({ slug: 'cfl-alpha', day: DAY1, requests: 3, bytes: 1_301 });
  });

  it('replaces, never adds, what a file counted when the file is read again', async () => {
    const [file] = await db.sql<{ key: string }[]>`
      select distinct f.key from cdn_cloudfront_log_files f join cdn_cloudfront_log_counts c using (bucket, key)
      where c.host = ${BETA} and c.day = ${DAY2}::date`;
    // The same file, rewritten with one more line (a new ETag): read again, its counts replaced.
    const object = aws.logs.objects.get(file.key)!;
    const lines = [...traffic.filter((r) => r.at.toISOString().slice(0, 13) === seoul(DAY2, '00:00:10').toISOString().slice(0, 13)),
      { at: seoul(DAY2, '00:05:00'), host: BETA, bytes: 8 }];
    aws.logs.objects.set(file.key, { ...object, body: cloudFrontLogFile(lines.map((r) => cloudFrontLogLine('d1234.cloudfront.net', r))) });
    await syncHostedUsage(db.sql, { providers, days: [DAY2] });
    expect((await dailyRows()).filter((r) => r.day === DAY2)).toEqual([
      { slug: 'cfl-alpha', day: DAY2, requests: 3, bytes: 84 },
      { slug: 'cfl-beta', day: DAY2, requests: 2, bytes: 508 },
    ]);
    // Two monitors reading the same files at once count them once.
    await db.sql`delete from cdn_cloudfront_log_files`;
    await Promise.all([
      syncHostedUsage(db.sql, { providers, days: [DAY2] }),
      syncHostedUsage(db.sql, { providers, days: [DAY2] }),
    ]);
    expect((await dailyRows()).filter((r) => r.day === DAY2)).toEqual([
      { slug: 'cfl-alpha', day: DAY2, requests: 3, bytes: 84 },
      { slug: 'cfl-beta', day: DAY2, requests: 2, bytes: 508 },
    ]);
  });

  it('counts a custom domain’s requests, logged by the domain’s own distribution, for its site', async () => {
    const hostname = 'www.alpha-cafe.kr';
    await providers.get('cloudfront')!.attachDomain({ ...alpha, hostname });
    aws.publishValidation(hostname);
    expect(await providers.get('cloudfront')!.domainStatus({ ...alpha, hostname })).toMatchObject({ certificate: 'active' });
    const [domain] = await db.sql<{ id: string }[]>`select provider_data->>'distributionId' as id from cdn_domains where hostname = ${hostname}`;
    expect(domain.id).not.toBe(aws.distributionId);
    const keys = aws.logs.deliver(domain.id, [{ at: seoul(DAY2, '13:00:00'), host: hostname, bytes: 4_000 }]);
    expect(keys[0]).toMatch(new RegExp(`^cloudfront/${domain.id}\\.`));
    await syncHostedUsage(db.sql, { providers, days: [DAY2] });
    expect((await dailyRows()).find((r) => r.slug === 'cfl-alpha' && r.day === DAY2)).toEqual({ slug: 'cfl-alpha', day: DAY2, requests: 4, bytes: 4_084 });

    // That distribution without logging: the site fails, naming the domain, instead of leaving its requests out.
    aws.logs.setLogging(domain.id, null);
    const result = await syncHostedUsage(db.sql, { providers, days: [DAY2] });
    expect(result.outcomes.find((o) => o.siteId === alpha.siteId)).toMatchObject({
      status: 'failed', detail: expect.stringMatching(new RegExp(`사용자 도메인 ${hostname.replace(/\./g, '\\.')}의 CloudFront 배포\\(${domain.id}\\)에 표준 로그가 꺼져`)),
    });
    expect(result.outcomes.find((o) => o.siteId === beta.siteId)).toMatchObject({ status: 'ok' });
    aws.logs.setLogging(domain.id, { prefix: 'cloudfront/' });
  });

  it('fails loudly, writing nothing, when the shared distribution has no standard logging configured', async () => {
    const before = await dailyRows();
    aws.logs.setLogging(aws.distributionId, null);
    try {
      aws.logs.deliver(aws.distributionId, [{ at: seoul(DAY2, '14:00:00'), host: BETA, bytes: 1 }]); // CloudFront writes nothing now
      const result = await syncHostedUsage(db.sql, { providers, days: [DAY1, DAY2] });
      expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
      expect(result.written).toBe(0);
      const syncs = await listUsageSyncs(db.sql, 50);
      for (const site of [alpha, beta]) {
        for (const day of [DAY1, DAY2]) {
          expect(syncs.find((s) => s.siteId === site.siteId && s.day === day)).toMatchObject({
            status: 'failed', requests: null,
            detail: expect.stringMatching(new RegExp(`^CloudFront 배포\\(${aws.distributionId}\\)에 표준 로그\\(S3 접근 로그\\)가 설정되어 있지 않아, 이 배포를 다른 사이트 1곳과 함께 쓰는 이 사이트의 사용량을 잴 수 없습니다`)),
          });
        }
      }
      expect(await dailyRows()).toEqual(before);
    } finally {
      aws.logs.setLogging(aws.distributionId, { prefix: 'cloudfront/' });
    }
  });
});
