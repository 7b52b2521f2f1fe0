// CloudFront standard logging (legacy) for the AWS contract server (test support; aws.ts routes
// the log bucket's S3 calls here after checking the SigV4 signature).
//
// - The log bucket: ListObjectsV2 (GET /<bucket>?list-type=2 with prefix, delimiter, max-keys
//   capped at 1,000, start-after, continuation-token — opaque, refused with InvalidArgument when
//   it was not one we gave — encoding-type=url) answering ListBucketResult in UTF-8 key order,
//   GetObject (ETag, Last-Modified, Content-Length; NoSuchKey 404) and HeadObject.
// - Delivery, as CloudFront does it: a distribution whose DistributionConfig has
//   <Logging><Enabled>true</Enabled> writes gzip'd W3C files, one per UTC hour here, named
//   <Prefix><DistributionId>.YYYY-MM-DD-HH.<unique>.gz into the bucket its <Bucket>
//   (<name>.s3.amazonaws.com) names; the hour is the one the requests happened in. Each file
//   starts with `#Version: 1.0` and `#Fields:` naming the 33 tab-separated fields. A distribution
//   without logging writes nothing. See docs/decisions/141-cloudfront-usage-from-logs.md.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ContractDistribution } from './aws-domains.ts';
import type { ContractRequest, ContractResponse } from './http.ts';

/** The fields of a legacy standard log file, in order (CloudFront developer guide, "Log file fields"). */
export const CLOUDFRONT_LOG_FIELDS = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status', 'cs(Referer)',
  'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id', 'x-host-header', 'cs-protocol',
  'cs-bytes', 'time-taken', 'x-forwarded-for', 'ssl-protocol', 'ssl-cipher', 'x-edge-response-result-type', 'cs-protocol-version',
  'fle-status', 'fle-encrypted-fields', 'c-port', 'time-to-first-byte', 'x-edge-detailed-result-type', 'sc-content-type',
  'sc-content-len', 'sc-range-start', 'sc-range-end',
] as const;

export interface LogObject {
  body: Buffer;
  contentType: string;
  lastModified: Date;
}

/** A viewer request as CloudFront logs it. */
export interface ViewerRequest {
  at: Date;
  /** The Host header the viewer sent (x-host-header). */
  host: string;
  /** Bytes sent to the viewer, headers included (sc-bytes). */
  bytes: number;
  path?: string;
  status?: number;
}

export interface CloudFrontLogsContract {
  bucket: string;
  objects: Map<string, LogObject>;
  /** S3 calls on the log bucket (`key` '' for bucket-level calls). */
  s3(req: ContractRequest, key: string): ContractResponse;
  /** CloudFront delivers the requests' log files for the distribution; the keys written (none without logging). */
  deliver(distributionId: string, requests: ViewerRequest[]): string[];
  /** The distribution's standard logging to this bucket under `prefix`, or off (null), as the console would set it. */
  setLogging(distributionId: string, logging: { prefix: string } | null): void;
}

function xml(status: number, body: string, headers: Record<string, string> = {}): ContractResponse {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

function s3Error(status: number, code: string, message: string, extra = ''): ContractResponse {
  return xml(status, `<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${randomBytes(8).toString('hex')}</RequestId></Error>`);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function tag(body: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1];
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** S3 orders keys by their UTF-8 bytes. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * ListObjectsV2 over `objects`, as S3 answers it. `secret` signs the continuation tokens, so a
 * token we did not give (or one for another listing) is refused like S3 refuses it.
 */
export function listObjectsV2(
  bucket: string, objects: Map<string, { body: Buffer; lastModified?: Date }>, query: URLSearchParams, secret: string,
): ContractResponse {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const encoding = query.get('encoding-type');
  if (encoding !== null && encoding !== 'url') return s3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request');
  const maxKeysText = query.get('max-keys');
  const maxKeysAsked = maxKeysText === null ? 1000 : Number(maxKeysText);
  if (!Number.isInteger(maxKeysAsked) || maxKeysAsked < 0) {
    return s3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', '<ArgumentName>max-keys</ArgumentName>');
  }
  const maxKeys = Math.min(maxKeysAsked, 1000);
  const sign = (after: string) => createHmac('sha256', secret).update(`${bucket}\n${prefix}\n${delimiter}\n${after}`).digest('hex').slice(0, 16);
  const token = query.get('continuation-token');
  let after = query.get('start-after') ?? '';
  if (token !== null) {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const cut = decoded.indexOf(':');
    const candidate = cut > 0 ? decoded.slice(cut + 1) : '';
    if (cut !== 16 || decoded.slice(0, 16) !== sign(candidate)) {
      return s3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', '<ArgumentName>continuation-token</ArgumentName>');
    }
    after = candidate;
  }
  const enc = (value: string) => escapeXml(encoding === 'url' ? encodeURIComponent(value).replace(/%2F/g, '/') : value);

  // Keys and common prefixes in order, each counted once against max-keys.
  const entries: { key: string; common: boolean }[] = [];
  const seenCommon = new Set<string>();
  for (const key of [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(byUtf8)) {
    const rest = key.slice(prefix.length);
    const at = delimiter ? rest.indexOf(delimiter) : -1;
    if (at >= 0) {
      const common = prefix + rest.slice(0, at + delimiter.length);
      if (seenCommon.has(common)) continue;
      seenCommon.add(common);
      entries.push({ key: common, common: true });
    } else {
      entries.push({ key, common: false });
    }
  }
  const remaining = entries.filter((e) => byUtf8(e.key, after) > 0);
  const page = remaining.slice(0, maxKeys);
  const truncated = remaining.length > page.length;
  const last = page.at(-1)?.key ?? after;
  const next = truncated ? Buffer.from(`${sign(last)}:${last}`, 'utf8').toString('base64') : null;

  const contents = page.filter((e) => !e.common).map((e) => {
    const object = objects.get(e.key)!;
    return `<Contents><Key>${enc(e.key)}</Key><LastModified>${(object.lastModified ?? new Date(0)).toISOString()}</LastModified>` +
      `<ETag>${escapeXml(etagOf(object.body))}</ETag><Size>${object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  }).join('');
  const commons = page.filter((e) => e.common).map((e) => `<CommonPrefixes><Prefix>${enc(e.key)}</Prefix></CommonPrefixes>`).join('');
  return xml(200,
    `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucket)}</Name><Prefix>${enc(prefix)}</Prefix>` +
    `${delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : ''}<MaxKeys>${maxKeys}</MaxKeys>` +
    `${encoding ? '<EncodingType>url</EncodingType>' : ''}<KeyCount>${page.length}</KeyCount><IsTruncated>${truncated}</IsTruncated>` +
    `${token !== null ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : ''}` +
    `${next ? `<NextContinuationToken>${escapeXml(next)}</NextContinuationToken>` : ''}` +
    `${query.has('start-after') ? `<StartAfter>${enc(query.get('start-after')!)}</StartAfter>` : ''}` +
    `${contents}${commons}</ListBucketResult>`);
}

/** One log line: the 33 fields, tab-separated, '-' where CloudFront has nothing to say. */
export function cloudFrontLogLine(distributionDomain: string, r: ViewerRequest): string {
  const iso = r.at.toISOString();
  const values: Record<(typeof CLOUDFRONT_LOG_FIELDS)[number], string> = {
    date: iso.slice(0, 10), time: iso.slice(11, 19), 'x-edge-location': 'ICN57-P1', 'sc-bytes': String(r.bytes), 'c-ip': '198.51.100.7',
    'cs-method': 'GET', 'cs(Host)': distributionDomain, 'cs-uri-stem': r.path ?? '/index.html', 'sc-status': String(r.status ?? 200),
    'cs(Referer)': '-', 'cs(User-Agent)': 'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)', 'cs-uri-query': '-', 'cs(Cookie)': '-',
    'x-edge-result-type': 'Hit', 'x-edge-request-id': randomBytes(42).toString('base64url').slice(0, 56), 'x-host-header': r.host,
    'cs-protocol': 'https', 'cs-bytes': '412', 'time-taken': '0.002', 'x-forwarded-for': '-', 'ssl-protocol': 'TLSv1.3',
    'ssl-cipher': 'TLS_AES_128_GCM_SHA256', 'x-edge-response-result-type': 'Hit', 'cs-protocol-version': 'HTTP/2.0', 'fle-status': '-',
    'fle-encrypted-fields': '-', 'c-port': '52144', 'time-to-first-byte': '0.002', 'x-edge-detailed-result-type': 'Hit',
    'sc-content-type': 'text/html', 'sc-content-len': String(Math.max(0, r.bytes - 300)), 'sc-range-start': '-', 'sc-range-end': '-',
  };
  return CLOUDFRONT_LOG_FIELDS.map((f) => values[f]).join('\t');
}

/** A whole log file as CloudFront writes it: the two header lines, the lines, gzip'd. */
export function cloudFrontLogFile(lines: string[]): Buffer {
  return gzipSync(`#Version: 1.0\n#Fields: ${CLOUDFRONT_LOG_FIELDS.join(' ')}\n${lines.map((l) => `${l}\n`).join('')}`);
}

export function createCloudFrontLogsContract(opts: { bucket: string; distributions: Map<string, ContractDistribution> }): CloudFrontLogsContract {
  const { bucket, distributions } = opts;
  const objects = new Map<string, LogObject>();
  const secret = randomBytes(16).toString('hex');

  function loggingOf(d: ContractDistribution): { bucket: string; prefix: string } | null {
    const block = tag(d.configXml, 'Logging');
    if (!block || tag(block, 'Enabled') !== 'true') return null;
    return { bucket: (tag(block, 'Bucket') ?? '').replace(/\.s3\.amazonaws\.com$/, ''), prefix: tag(block, 'Prefix') ?? '' };
  }

  return {
    bucket,
    objects,
    s3(req, key) {
      if (!key) {
        if (req.method === 'GET' && req.url.searchParams.get('list-type') === '2') return listObjectsV2(bucket, objects, req.url.searchParams, secret);
        return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      }
      const object = objects.get(key);
      if (req.method === 'HEAD') {
        if (!object) return { status: 404 };
        return { status: 200, headers: { 'content-type': object.contentType, etag: etagOf(object.body), 'last-modified': object.lastModified.toUTCString() } };
      }
      if (req.method === 'GET') {
        if (!object) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.', `<Key>${escapeXml(key)}</Key>`);
        return {
          status: 200,
          headers: { 'content-type': object.contentType, etag: etagOf(object.body), 'last-modified': object.lastModified.toUTCString(), 'accept-ranges': 'bytes' },
          body: object.body,
        };
      }
      return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    },
    deliver(distributionId, requests) {
      const distribution = distributions.get(distributionId);
      if (!distribution) throw new Error(`no distribution ${distributionId}`);
      const logging = loggingOf(distribution);
      if (!logging) return [];
      if (logging.bucket !== bucket) throw new Error(`distribution ${distributionId} logs to ${logging.bucket}, which this contract does not hold`);
      const byHour = new Map<string, ViewerRequest[]>();
      for (const r of requests) {
        const hour = r.at.toISOString().slice(0, 13).replace('T', '-');
        byHour.set(hour, [...(byHour.get(hour) ?? []), r]);
      }
      const keys: string[] = [];
      for (const [hour, batch] of byHour) {
        const key = `${logging.prefix}${distributionId}.${hour}.${randomBytes(4).toString('hex')}.gz`;
        const lines = batch.sort((a, b) => a.at.getTime() - b.at.getTime()).map((r) => cloudFrontLogLine(distribution.domainName, r));
        objects.set(key, { body: cloudFrontLogFile(lines), contentType: 'application/x-gzip', lastModified: new Date() });
        keys.push(key);
      }
      return keys;
    },
    setLogging(distributionId, logging) {
      const distribution = distributions.get(distributionId);
      if (!distribution) throw new Error(`no distribution ${distributionId}`);
      const block = logging
        ? `<Logging><Enabled>true</Enabled><IncludeCookies>false</IncludeCookies><Bucket>${bucket}.s3.amazonaws.com</Bucket><Prefix>${escapeXml(logging.prefix)}</Prefix></Logging>`
        : '<Logging><Enabled>false</Enabled><IncludeCookies>false</IncludeCookies><Bucket></Bucket><Prefix></Prefix></Logging>';
      distribution.configXml = /<Logging>[\s\S]*?<\/Logging>/.test(distribution.configXml)
        ? distribution.configXml.replace(/<Logging>[\s\S]*?<\/Logging>/, block)
        : distribution.configXml.replace(/(<\/Comment>)/, `$1${block}`);
      distribution.etag = randomBytes(4).toString('hex').toUpperCase();
    },
  };
}
