// Daily requests and bytes of a CloudFront site.
//
// WindWalker's CloudFront sites share one distribution (a router function maps Host → deployment
// prefix, see cloudfront.ts), and each custom domain has a distribution of its own
// (cloudfront-domains.ts). Sites are told apart by the Host the viewer asked for, so that is what
// usage is counted by: CloudFront's standard access logs (the legacy standard logging to S3),
// whose `x-host-header` field is the Host header the viewer sent — `cs(Host)` is only the
// distribution's own dXXXX.cloudfront.net name — and whose `sc-bytes` is what was sent to the
// viewer, headers included. Each file is <Prefix><DistributionId>.YYYY-MM-DD-HH.<unique>.gz in the
// bucket the distribution's Logging names, gzip'd W3C: `#Version`, `#Fields:` naming the fields,
// then one tab-separated line per request with `date` and `time` in UTC. The hour in the name is
// the one the requests happened in, even for entries delivered up to a day late.
//
//   1. GetDistributionConfig of the main distribution and of the site's custom-domain
//      distributions: where each one logs (Logging.Bucket = <bucket>.s3.amazonaws.com, Prefix).
//   2. ListObjectsV2 under <Prefix><DistributionId>.<UTC date>- for each UTC date the Seoul days
//      touch (paged with continuation tokens), keeping the files of the hours from one before the
//      first Seoul midnight to one after the last.
//   3. Each file not read yet (cdn_cloudfront_log_files, by bucket, key and ETag) is streamed
//      through gunzip and counted per host and Asia/Seoul day (each line by its own date and
//      time), and its counts replace whatever that file had (cdn_cloudfront_log_counts) — a file
//      is never counted twice, whoever reads it again.
//   4. The site's figure is the sum over its names: <slug>.<SITE_BASE_DOMAIN>, its custom domains
//      on CloudFront and whatever the router map sends to it.
//
// A distribution without standard logging cannot be measured per site. If the site is the only
// one the router serves, the distribution's CloudWatch metrics (Requests, BytesDownloaded, Sum,
// Region=Global, us-east-1, one-day periods from Seoul midnight) are its own and are read instead;
// otherwise this fails with a message that says what to switch on. See
// docs/decisions/141-cloudfront-usage-from-logs.md (and 131 for the rest of the usage sync).
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Sql } from '../../db/index.ts';
import { CdnError } from '../errors.ts';
import { daysBetween, seoulDayWindow } from './cloudflare-usage.ts';
import type { RemoteSite } from './remote.ts';
import type { DailyUsage } from './types.ts';

export interface CloudFrontUsageConfig {
  accessKeyId: string;
  secretAccessKey: string;
  distributionId: string;
  /** Sites answer at <slug>.<siteBaseDomain>. */
  siteBaseDomain?: string;
  /** Region for the log bucket's S3 client (a bucket elsewhere is followed by its redirect). */
  region?: string;
  /** AWS_ENDPOINT_URL: tests point CloudFront and S3 at the contract server (path-style S3). */
  endpoint?: string;
  /** CloudWatch endpoint (tests point it at the contract server); the AWS default unless set. */
  cloudWatchEndpoint?: string;
  maxAttempts?: number;
  /** Where the log files read and their counts are kept (cdn_cloudfront_log_files / _counts). */
  sql?: Sql;
  /** ListObjectsV2 MaxKeys (1,000, S3's most, unless set). */
  logPageSize?: number;
}

/** CloudFront's metrics live in us-east-1 whatever region the bucket is in. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

const HOUR = 3_600_000;
const SEOUL_OFFSET = 9 * HOUR;
/** Counts of files whose hour is older than this are dropped (the files stay in S3 and are read again if asked). */
const LEDGER_DAYS = 45;

/** The site ids a router map serves (a route's prefix is sites/<siteId>/<deploymentId>). */
export function sitesInRoutes(routes: Record<string, string>): Set<string> {
  return new Set(Object.values(routes).map((prefix) => prefix.split('/')[1]).filter(Boolean));
}

/** A viewer's Host header as a name: lower case, no port, no trailing dot. */
export function normaliseHost(value: string): string {
  return value.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

/** The names a site is served under on CloudFront. */
export function siteHosts(site: RemoteSite, routes: Record<string, string>, siteBaseDomain?: string): string[] {
  const hosts = new Set<string>(site.domains.map(normaliseHost));
  if (siteBaseDomain) hosts.add(normaliseHost(`${site.slug}.${siteBaseDomain}`));
  for (const [host, prefix] of Object.entries(routes)) if (prefix.startsWith(`sites/${site.siteId}/`)) hosts.add(normaliseHost(host));
  return [...hosts].sort();
}

/** The Asia/Seoul date of a UTC instant. */
function seoulDay(at: number): string {
  return new Date(at + SEOUL_OFFSET).toISOString().slice(0, 10);
}

/** Logging.Bucket is '<bucket>.s3.amazonaws.com' (or with a region); the bucket's name. */
export function logBucketName(bucket: string): string {
  const match = /^(.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(bucket.trim());
  return match ? match[1] : bucket.trim();
}

export interface LogSource {
  distributionId: string;
  bucket: string;
  prefix: string;
}

export interface LogFileCounts {
  lines: number;
  /** `${host}\t${seoulDay}` → counts. */
  counts: Map<string, { requests: number; bytes: number }>;
}

/**
 * Counts a standard log file's lines per viewer host and Seoul day. The fields are found by the
 * `#Fields:` line, not by position; a line that does not fit it is an error (billing reads these).
 */
export async function countLogLines(lines: AsyncIterable<string> | Iterable<string>, name: string): Promise<LogFileCounts> {
  let fields: string[] | null = null;
  let at = { date: -1, time: -1, host: -1, bytes: -1 };
  const counts = new Map<string, { requests: number; bytes: number }>();
  let total = 0;
  let number = 0;
  for await (const raw of lines) {
    number += 1;
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) {
        fields = line.slice('#Fields:'.length).trim().split(/\s+/);
        at = { date: fields.indexOf('date'), time: fields.indexOf('time'), host: fields.indexOf('x-host-header'), bytes: fields.indexOf('sc-bytes') };
        const missing = Object.entries(at).filter(([, i]) => i < 0).map(([k]) => ({ date: 'date', time: 'time', host: 'x-host-header', bytes: 'sc-bytes' })[k]);
        if (missing.length) throw new Error(`CloudFront log ${name}: #Fields has no ${missing.join(', ')}, so requests cannot be told apart by site`);
      }
      continue;
    }
    if (!fields) throw new Error(`CloudFront log ${name}: line ${number} comes before any #Fields line`);
    const values = line.split('\t');
    if (values.length !== fields.length) throw new Error(`CloudFront log ${name}: line ${number} has ${values.length} fields, #Fields names ${fields.length}`);
    const when = Date.parse(`${values[at.date]}T${values[at.time]}Z`);
    if (Number.isNaN(when)) throw new Error(`CloudFront log ${name}: line ${number} has no readable date and time (${values[at.date]} ${values[at.time]})`);
    const bytesText = values[at.bytes];
    if (!/^(\d+|-)$/.test(bytesText)) throw new Error(`CloudFront log ${name}: line ${number} has sc-bytes ${JSON.stringify(bytesText)}`);
    const key = `${normaliseHost(values[at.host])}\t${seoulDay(when)}`;
    const entry = counts.get(key) ?? { requests: 0, bytes: 0 };
    entry.requests += 1;
    entry.bytes += bytesText === '-' ? 0 : Number(bytesText);
    counts.set(key, entry);
    total += 1;
  }
  return { lines: total, counts };
}

function notFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey');
}

export function createCloudFrontUsage(config: CloudFrontUsageConfig) {
  const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  const maxAttempts = config.maxAttempts ?? 5;
  const cloudWatch = new CloudWatchClient({
    region: CLOUDFRONT_METRICS_REGION, credentials, maxAttempts,
    ...(config.cloudWatchEndpoint ? { endpoint: config.cloudWatchEndpoint } : {}),
  });
  const cloudfront = new CloudFrontClient({ region: 'us-east-1', credentials, endpoint: config.endpoint, maxAttempts });
  const s3 = new S3Client({
    region: config.region ?? 'us-east-1',
    credentials,
    endpoint: config.endpoint,
    forcePathStyle: Boolean(config.endpoint),
    followRegionRedirects: true,
    maxAttempts,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  /** Where the distribution writes its standard logs, or null when it writes none. */
  async function loggingOf(distributionId: string): Promise<LogSource | null> {
    const answer = await cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
    const logging = answer.DistributionConfig?.Logging;
    if (!logging?.Enabled || !logging.Bucket) return null;
    return { distributionId, bucket: logBucketName(logging.Bucket), prefix: logging.Prefix ?? '' };
  }

  /** The distributions of the site's custom domains (cdn_domains.provider_data), hostname → id. */
  async function domainDistributions(site: RemoteSite): Promise<{ hostname: string; distributionId: string }[]> {
    if (!config.sql) return [];
    return config.sql<{ hostname: string; distributionId: string }[]>`
      select hostname, provider_data->>'distributionId' as "distributionId" from cdn_domains
      where site_id = ${site.siteId} and provider = 'cloudfront' and provider_data->>'distributionId' is not null
      order by hostname`;
  }

  /** The log files of `source` for the hours [from, to), paged through ListObjectsV2. */
  async function listFiles(source: LogSource, from: number, to: number): Promise<{ key: string; etag: string; hour: Date }[]> {
    const dates = new Set<string>();
    for (let t = from; t < to; t += HOUR) dates.add(new Date(t).toISOString().slice(0, 10));
    const name = new RegExp(`^${source.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${source.distributionId}\\.(\\d{4}-\\d{2}-\\d{2})-(\\d{2})\\.[^/]+\\.gz$`);
    const files: { key: string; etag: string; hour: Date }[] = [];
    for (const date of dates) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({
          Bucket: source.bucket, Prefix: `${source.prefix}${source.distributionId}.${date}-`, ContinuationToken: token, MaxKeys: config.logPageSize,
        }));
        for (const object of page.Contents ?? []) {
          const match = object.Key ? name.exec(object.Key) : null;
          if (!match) continue;
          const hour = Date.parse(`${match[1]}T${match[2]}:00:00Z`);
          if (hour >= from && hour < to) files.push({ key: object.Key!, etag: object.ETag ?? '', hour: new Date(hour) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return files;
  }

  async function readFile(source: LogSource, file: { key: string; etag: string; hour: Date }, sql: Sql): Promise<void> {
    let body: Readable;
    let etag = file.etag;
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: file.key }));
      body = object.Body as Readable;
      etag = object.ETag ?? etag;
    } catch (error) {
      if (notFound(error)) return; // removed since it was listed (a lifecycle rule): nothing left to count
      throw error;
    }
    const lines = createInterface({ input: body.pipe(createGunzip()), crlfDelay: Infinity });
    const { lines: count, counts } = await countLogLines(lines, `s3://${source.bucket}/${file.key}`);
    const rows = [...counts.entries()].map(([k, v]) => {
      const [host, day] = k.split('\t');
      return { host, day, requests: v.requests, bytes: v.bytes };
    });
    await sql.begin(async (tx) => {
      // Two readers of one file (two monitors) wait for each other; the second replaces the first's rows with the same counts.
      await tx`select pg_advisory_xact_lock(hashtextextended(${`cloudfront-log:${source.bucket}/${file.key}`}, 0))`;
      await tx`delete from cdn_cloudfront_log_files where bucket = ${source.bucket} and key = ${file.key}`;
      await tx`insert into cdn_cloudfront_log_files (bucket, key, etag, distribution_id, hour, lines)
               values (${source.bucket}, ${file.key}, ${etag}, ${source.distributionId}, ${file.hour}, ${count})`;
      if (rows.length) {
        await tx`insert into cdn_cloudfront_log_counts (bucket, key, host, day, requests, bytes)
                 select ${source.bucket}, ${file.key}, r.host, r.day::date, r.requests, r.bytes
                 from unnest(${rows.map((r) => r.host)}::text[], ${rows.map((r) => r.day)}::text[],
                             ${rows.map((r) => r.requests)}::bigint[], ${rows.map((r) => r.bytes)}::bigint[]) as r(host, day, requests, bytes)`;
      }
    });
  }

  /** Reads every file of the sources for the Seoul days not read yet (or changed since). */
  async function readLogs(sql: Sql, sources: LogSource[], from: string, to: string): Promise<void> {
    const start = Date.parse(seoulDayWindow(from).start) - HOUR;
    const end = Date.parse(seoulDayWindow(to).end) + HOUR;
    for (const source of sources) {
      let files: { key: string; etag: string; hour: Date }[];
      try {
        files = await listFiles(source, start, end);
      } catch (error) {
        throw new Error(`CloudFront 로그 버킷 ${source.bucket}(${source.prefix || '접두어 없음'})의 목록을 읽지 못했습니다: ${(error as Error).message}`, { cause: error });
      }
      if (files.length === 0) continue;
      const known = await sql<{ key: string; etag: string }[]>`
        select key, etag from cdn_cloudfront_log_files where bucket = ${source.bucket} and key = any(${files.map((f) => f.key)}::text[])`;
      const read = new Map(known.map((k) => [k.key, k.etag]));
      for (const file of files) {
        if (read.get(file.key) === file.etag) continue;
        await readFile(source, file, sql);
      }
    }
    await sql`delete from cdn_cloudfront_log_files where hour < now() - make_interval(days => ${LEDGER_DAYS})`;
  }

  async function fromLogs(sql: Sql, sources: LogSource[], hosts: string[], from: string, to: string): Promise<DailyUsage[]> {
    await readLogs(sql, sources, from, to);
    const rows = await sql<{ day: string; requests: string; bytes: string }[]>`
      select to_char(day, 'YYYY-MM-DD') as day, sum(requests) as requests, sum(bytes) as bytes
      from cdn_cloudfront_log_counts
      where host = any(${hosts}::text[]) and day between ${from}::date and ${to}::date
      group by day`;
    const byDay = new Map(rows.map((r) => [r.day, r]));
    return daysBetween(from, to).map((day) => {
      const r = byDay.get(day);
      return { day, requests: r ? Number(r.requests) : 0, bytes: r ? Number(r.bytes) : 0 };
    });
  }

  async function metric(distributionId: string, name: 'Requests' | 'BytesDownloaded', from: string, to: string): Promise<Map<string, number>> {
    const answer = await cloudWatch.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/CloudFront',
      MetricName: name,
      Dimensions: [{ Name: 'DistributionId', Value: distributionId }, { Name: 'Region', Value: 'Global' }],
      StartTime: new Date(seoulDayWindow(from).start),
      EndTime: new Date(seoulDayWindow(to).end),
      Period: 86_400,
      Statistics: ['Sum'],
    }));
    const byDay = new Map<string, number>();
    for (const point of answer.Datapoints ?? []) {
      if (!point.Timestamp || point.Sum === undefined) continue;
      // A bucket starting at 15:00 UTC is the Seoul day that starts then.
      const day = seoulDay(point.Timestamp.getTime());
      byDay.set(day, (byDay.get(day) ?? 0) + Math.round(point.Sum));
    }
    return byDay;
  }

  /** The distributions' CloudWatch figures added up: right only when they serve this site alone. */
  async function fromCloudWatch(distributionIds: string[], from: string, to: string): Promise<DailyUsage[]> {
    const usage = daysBetween(from, to).map((day) => ({ day, requests: 0, bytes: 0 }));
    for (const id of distributionIds) {
      const [requests, bytes] = await Promise.all([metric(id, 'Requests', from, to), metric(id, 'BytesDownloaded', from, to)]);
      for (const d of usage) {
        d.requests += requests.get(d.day) ?? 0;
        d.bytes += bytes.get(d.day) ?? 0;
      }
    }
    return usage;
  }

  return async function cloudFrontUsage(routes: Record<string, string>, site: RemoteSite, from: string, to: string): Promise<DailyUsage[]> {
    const domains = await domainDistributions(site);
    const main = await loggingOf(config.distributionId);
    if (main) {
      if (!config.sql) throw new Error('CloudFront usage from standard logs needs the database (CloudFrontConfig.sql) to keep the files it has read');
      const sources: LogSource[] = [main];
      for (const domain of domains) {
        const source = await loggingOf(domain.distributionId);
        if (!source) {
          throw new CdnError(
            'provider_failed',
            `사용자 도메인 ${domain.hostname}의 CloudFront 배포(${domain.distributionId})에 표준 로그가 꺼져 있어 이 도메인으로 온 요청을 셀 수 없습니다. ` +
            `관리자가 CloudFront 콘솔에서 이 배포의 표준 로깅(레거시, S3 버킷)을 주 배포(${config.distributionId})와 같은 버킷으로 켜야 합니다.`,
          );
        }
        sources.push(source);
      }
      return fromLogs(config.sql, sources, siteHosts(site, routes, config.siteBaseDomain), from, to);
    }
    const others = [...sitesInRoutes(routes)].filter((id) => id !== site.siteId);
    if (others.length > 0) {
      throw new CdnError(
        'provider_failed',
        `CloudFront 배포(${config.distributionId})에 표준 로그(S3 접근 로그)가 설정되어 있지 않아, 이 배포를 다른 사이트 ${others.length}곳과 함께 쓰는 이 사이트의 사용량을 잴 수 없습니다. ` +
        '관리자가 CloudFront 콘솔에서 이 배포의 표준 로깅(레거시, S3 버킷)을 켜야 합니다. 켠 뒤에 들어온 요청부터 셀 수 있습니다.',
      );
    }
    return fromCloudWatch([config.distributionId, ...domains.map((d) => d.distributionId)], from, to);
  };
}
