// AWS CloudFront in front of one S3 bucket, with @aws-sdk/client-s3 and @aws-sdk/client-cloudfront.
//
//   deploy   = HeadObject objects/<sha256> for each distinct body, PutObject only the missing
//              ones (shared, content-addressed); then the deployment's own prefix
//              sites/<siteId>/<deploymentId>/<path> is filled by server-side CopyObject from
//              objects/ (no bytes leave us again) with each path's Content-Type and
//              Cache-Control; the manifest goes to manifests/<siteId>/<deploymentId>.json.
//   activate = one CloudFront Function (viewer-request) on the distribution maps Host →
//              deployment prefix. Its code carries the map; we rewrite it (UpdateFunction with
//              If-Match, so two writers cannot lose each other's change) and PublishFunction
//              makes the new map LIVE on every edge at once. A rollback is the same switch.
//              Prefixes never change once written, so nothing needs invalidating.
//   redirects = the same function carries a Host → primary map: a site's other custom domains
//              answer 301 to https://<primary> with the path and query (setRedirects). One
//              viewer-request function per cache behaviour is all CloudFront allows, and every
//              custom domain's distribution is a clone of the main one with this function
//              associated, so the map is live on all of them with the same publish.
//   deleteSite = (the owner deleted the site) the site's hosts out of both maps (one publish;
//              the function and the main distribution are shared and stay), then every object
//              under sites/<siteId>/ and manifests/<siteId>/ deleted (ListObjectsV2 +
//              DeleteObjects). The content-addressed
//              objects/<sha256> are shared by every site and stay (decision 148). A custom domain's
//              own distribution is disabled when the domain is detached (cloudfront-domains.ts).
//              A site that only moved away keeps its routes: usage reads its hosts from them.
// See docs/decisions/010-cdn-providers.md for why a function map and not an origin-path switch.
import {
  CloudFrontClient, CreateFunctionCommand, DescribeFunctionCommand, GetFunctionCommand, NoSuchFunctionExists,
  PreconditionFailed, PublishFunctionCommand, UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  CopyObjectCommand, DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { ACMClient } from '@aws-sdk/client-acm';
import type { Sql } from '../../db/index.ts';
import { CdnError } from '../errors.ts';
import { createCloudFrontDomains } from './cloudfront-domains.ts';
import { createCloudFrontUsage } from './cloudfront-usage.ts';
import type { RemoteBackend, RemoteSite, UploadObject } from './remote.ts';
import { REDIRECT_STATUS } from './types.ts';

export interface CloudFrontConfig {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  bucket: string;
  distributionId: string;
  /** Sites answer at <slug>.<siteBaseDomain> (a wildcard alternate domain of the distribution). */
  siteBaseDomain: string;
  /** AWS_ENDPOINT_URL: tests point both clients at the contract server (path-style S3). */
  endpoint?: string;
  maxAttempts?: number;
  /** CloudWatch endpoint for usage (tests: the CloudWatch contract); AWS_ENDPOINT_URL or the AWS default unless set. */
  cloudWatchEndpoint?: string;
  /** Wait between looks for ACM's DNS validation record after a certificate request; 1 s unless set (tests shorten it). */
  certificatePollMs?: number;
  /** Keeps the access-log files usage has read and their counts (cloudfront-usage.ts); usage of a shared distribution needs it. */
  sql?: Sql;
  /** ListObjectsV2 MaxKeys when usage lists the access logs (1,000 unless set; tests page with less). */
  logPageSize?: number;
}

const CONCURRENCY = 8;
/** CloudFront Functions accept at most 10 KB of code. */
export const FUNCTION_MAX_BYTES = 10 * 1024;
/** The first line of code written before the map was read from ROUTES itself (the map twice). */
const ROUTES_START = '// windwalker-routes:';
const ROUTER_MARK = '// windwalker-router';
const ROUTES_VAR = 'var ROUTES = ';
const REDIRECTS_START = 'var REDIRECTS = ';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=0, must-revalidate';

export function cloudFrontFunctionName(distributionId: string): string {
  return `ww-sites-${distributionId}`.slice(0, 64);
}

export function deploymentPrefix(siteId: string, deploymentId: string): string {
  return `sites/${siteId}/${deploymentId}`;
}

/**
 * The viewer-request function: a redirecting host (Host → primary) answers 301 to the primary
 * with the same path and query; otherwise Host → deployment prefix, '/' and extension-less paths
 * → index.html. (CloudFront Functions run ES5.1-style JavaScript: var, no template literals.)
 */
export function routerFunctionCode(routes: Record<string, string>, redirects: Record<string, string> = {}): string {
  return `${ROUTER_MARK}
${ROUTES_VAR}${JSON.stringify(routes)};
${REDIRECTS_START}${JSON.stringify(redirects)};
function query(qs) {
  var parts = [];
  for (var name in qs) {
    var values = qs[name].multiValue || [qs[name]];
    for (var i = 0; i < values.length; i++) parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
  }
  return parts.length ? '?' + parts.join('&') : '';
}
function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : '';
  var primary = REDIRECTS[host];
  if (primary) {
    return { statusCode: ${REDIRECT_STATUS}, statusDescription: 'Moved Permanently', headers: { location: { value: 'https://' + primary + request.uri + query(request.querystring || {}) } } };
  }
  var prefix = ROUTES[host];
  if (!prefix) {
    return { statusCode: 404, statusDescription: 'Not Found' };
  }
  var uri = request.uri;
  if (uri.charAt(uri.length - 1) === '/') {
    uri = uri + 'index.html';
  } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
    uri = uri + '/index.html';
  }
  request.uri = '/' + prefix + uri;
  return request;
}
`;
}

export function routesOf(code: string): Record<string, string> {
  const lines = code.split('\n');
  // Code written before redirects carried the map in its first line as well.
  if (lines[0].startsWith(ROUTES_START)) return JSON.parse(lines[0].slice(ROUTES_START.length)) as Record<string, string>;
  const routes = lines.find((l) => l.startsWith(ROUTES_VAR));
  if (lines[0] !== ROUTER_MARK || !routes) throw new Error('the CloudFront router function was not written by WindWalker (no routes line)');
  return JSON.parse(routes.slice(ROUTES_VAR.length).replace(/;$/, '')) as Record<string, string>;
}

/** The Host → primary map of a router function's code ({} for code written before redirects existed). */
export function redirectsOf(code: string): Record<string, string> {
  const line = code.split('\n').find((l) => l.startsWith(REDIRECTS_START));
  return line ? JSON.parse(line.slice(REDIRECTS_START.length).replace(/;$/, '')) as Record<string, string> : {};
}

function notFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const next = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, next));
}

export function createCloudFrontBackend(config: CloudFrontConfig): RemoteBackend {
  const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  const s3 = new S3Client({
    region: config.region,
    credentials,
    endpoint: config.endpoint,
    forcePathStyle: Boolean(config.endpoint),
    maxAttempts: config.maxAttempts ?? 5,
    // The SigV4 signature already covers the payload's SHA-256 (x-amz-content-sha256).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const cloudfront = new CloudFrontClient({ region: 'us-east-1', credentials, endpoint: config.endpoint, maxAttempts: config.maxAttempts ?? 5 });
  const functionName = cloudFrontFunctionName(config.distributionId);
  const cloudFrontUsage = createCloudFrontUsage({ ...config, cloudWatchEndpoint: config.cloudWatchEndpoint ?? config.endpoint });
  const bucket = config.bucket;
  // ACM certificates for CloudFront must be in us-east-1, whatever region the bucket is in.
  const acm = new ACMClient({ region: 'us-east-1', credentials, endpoint: config.endpoint, maxAttempts: config.maxAttempts ?? 5 });

  async function missing(object: UploadObject): Promise<boolean> {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `objects/${object.sha256}` }));
      return false;
    } catch (error) {
      if (notFound(error)) return true;
      throw error;
    }
  }

  /** Reads the DEVELOPMENT code and its ETag; creates the function (empty map) when it does not exist. */
  async function readRouter(): Promise<{ routes: Record<string, string>; redirects: Record<string, string>; etag: string }> {
    try {
      const code = await cloudfront.send(new GetFunctionCommand({ Name: functionName, Stage: 'DEVELOPMENT' }));
      const text = Buffer.from(code.FunctionCode ?? new Uint8Array()).toString('utf8');
      return { routes: routesOf(text), redirects: redirectsOf(text), etag: code.ETag! };
    } catch (error) {
      if (!(error instanceof NoSuchFunctionExists)) throw error;
      const created = await cloudfront.send(new CreateFunctionCommand({
        Name: functionName,
        FunctionConfig: { Comment: 'WindWalker: Host → deployment prefix', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: Buffer.from(routerFunctionCode({})),
      }));
      return { routes: {}, redirects: {}, etag: created.ETag! };
    }
  }

  async function writeRoutes(change: (routes: Record<string, string>, redirects: Record<string, string>) => void | false): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { routes, redirects, etag } = await readRouter();
      if (change(routes, redirects) === false) return;
      const code = Buffer.from(routerFunctionCode(routes, redirects));
      if (code.length > FUNCTION_MAX_BYTES) {
        throw new CdnError('provider_failed', 'CloudFront 라우팅 함수가 10KB 한도에 닿아 더 많은 사이트를 실을 수 없습니다. 관리자에게 배포(distribution)를 하나 더 만들어 달라고 요청해 주세요.');
      }
      try {
        const updated = await cloudfront.send(new UpdateFunctionCommand({
          Name: functionName, IfMatch: etag, FunctionCode: code,
          FunctionConfig: { Comment: 'WindWalker: Host → deployment prefix', Runtime: 'cloudfront-js-2.0' },
        }));
        await cloudfront.send(new PublishFunctionCommand({ Name: functionName, IfMatch: updated.ETag! }));
        return;
      } catch (error) {
        // Another activation changed the map between our read and write: read it again.
        if (error instanceof PreconditionFailed && attempt < 4) continue;
        throw error;
      }
    }
  }

  async function deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const result = await s3.send(new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }));
      if (result.Errors?.length) throw new Error(`S3 could not delete ${result.Errors.length} object(s): ${result.Errors[0].Code} ${result.Errors[0].Message}`);
    }
  }

  async function listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  const domains = createCloudFrontDomains({
    cloudfront, acm, distributionId: config.distributionId, siteBaseDomain: config.siteBaseDomain, writeRoutes, pollMs: config.certificatePollMs,
  });

  return {
    name: 'cloudfront',

    async upload(site, deployment, objects, onProgress) {
      const prefix = deploymentPrefix(site.siteId, deployment.id);
      let uploadedFiles = 0;
      let uploadedBytes = 0;
      let done = 0;
      const total = objects.length;
      await inParallel(objects, async (object) => {
        if (await missing(object)) {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `objects/${object.sha256}`, Body: object.body, ContentType: object.contentType }));
          uploadedFiles += 1;
          uploadedBytes += object.body.length;
        }
        done += 1;
        onProgress?.(done, total);
      });
      await inParallel(Object.entries(deployment.manifest), async ([filePath, entry]) => {
        await s3.send(new CopyObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${filePath}`,
          CopySource: `${bucket}/objects/${entry.sha256}`,
          MetadataDirective: 'REPLACE',
          ContentType: entry.contentType,
          CacheControl: filePath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
        }));
      });
      await s3.send(new PutObjectCommand({
        Bucket: bucket,
        Key: `manifests/${site.siteId}/${deployment.id}.json`,
        Body: JSON.stringify(deployment.manifest),
        ContentType: 'application/json',
      }));
      return { providerRef: prefix, providerData: { prefix }, uploadedFiles, uploadedBytes };
    },

    async switchTo(site, deployment) {
      const prefix = deploymentPrefix(site.siteId, deployment.id);
      const hosts = [`${site.slug}.${config.siteBaseDomain}`, ...site.domains];
      await writeRoutes((routes) => {
        for (const [host, target] of Object.entries(routes)) {
          if (target.startsWith(`sites/${site.siteId}/`)) delete routes[host];
        }
        for (const host of hosts) routes[host] = prefix;
      });
      return null;
    },

    async remove(site, deployment) {
      const prefix = deploymentPrefix(site.siteId, deployment.id);
      await deleteKeys([...Object.keys(deployment.manifest).map((p) => `${prefix}${p}`), `manifests/${site.siteId}/${deployment.id}.json`]);
    },

    async deleteSite(site) {
      const own = `sites/${site.siteId}/`;
      const left = (what: string) => (error: unknown) => {
        throw new Error(`${what} (${(error as Error).message})`, { cause: error });
      };
      await writeRoutes((routes, redirects) => {
        // Every host routed to the site (a host another site routes to now — a reused slug — stays).
        const hosts = new Set([`${site.slug}.${config.siteBaseDomain}`, ...site.domains]);
        let changed = false;
        for (const [host, target] of Object.entries(routes)) {
          if (!target.startsWith(own)) continue;
          hosts.add(host);
          delete routes[host];
          changed = true;
        }
        // Every redirect from or to one of its names.
        for (const [host, target] of Object.entries(redirects)) {
          if (hosts.has(host) || hosts.has(target)) {
            delete redirects[host];
            changed = true;
          }
        }
        if (!changed) return false;
      }).catch(left(`the site's hosts were not removed from CloudFront function ${functionName}; its objects under ${own} in ${bucket} are left too`));
      // Every deployment's prefix and manifest, whatever our rows still say (a deployment whose
      // row was marked deleted after a failed removal leaves nothing behind either).
      for (const prefix of [own, `manifests/${site.siteId}/`]) {
        await listKeys(prefix).then(deleteKeys).catch(left(`objects under ${prefix} in S3 bucket ${bucket} were not all deleted`));
      }
    },

    async setRedirects(site, primary, from) {
      const hosts = new Set([...site.domains, ...from]);
      await writeRoutes((_routes, redirects) => {
        const before = JSON.stringify(redirects);
        // The site's names, and any name still sent to one of them, start from nothing.
        for (const [host, target] of Object.entries(redirects)) {
          if (hosts.has(host) || hosts.has(target)) delete redirects[host];
        }
        if (primary !== null) for (const host of from) redirects[host] = primary;
        if (JSON.stringify(redirects) === before) return false;
      });
    },

    // Custom domains: an ACM certificate and a distribution of their own (cloudfront-domains.ts).
    attachDomain: (site, hostname, stored) => domains.attachDomain(site, hostname, stored),
    domainStatus: (site, hostname, stored) => domains.domainStatus(site, hostname, stored),
    detachDomain: (site, hostname, stored) => domains.detachDomain(site, hostname, stored),

    usage: async (site, from, to) => cloudFrontUsage((await readRouter()).routes, site, from, to),

    async probe() {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'objects/health' })).catch((error: unknown) => {
        if (!notFound(error)) throw error;
      });
      try {
        const described = await cloudfront.send(new DescribeFunctionCommand({ Name: functionName, Stage: 'LIVE' }));
        return `bucket ${bucket} answers; router function ${described.FunctionSummary?.Status ?? 'unknown'}`;
      } catch (error) {
        if (error instanceof NoSuchFunctionExists) return `bucket ${bucket} answers; router function not created yet`;
        throw error;
      }
    },
  };
}
