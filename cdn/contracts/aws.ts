// AWS contract server (test support): the S3 and CloudFront calls WindWalker makes, on one port
// (the SDKs' `endpoint` points both clients here; S3 path-style).
//
// Every request must carry a valid Signature Version 4: the server recomputes the signature with
// @smithy/signature-v4 from the known test secret over exactly the headers the client signed,
// checks the access key, the credential scope (region, service), the clock skew and — for S3 —
// that x-amz-content-sha256 is the body's SHA-256. Then:
// - S3: PutObject, HeadObject, CopyObject (x-amz-copy-source, MetadataDirective), DeleteObjects
//   (needs Content-MD5 or an x-amz-checksum header, which must match the body — BadDigest; 1 to 1000
//   keys, XML-escaped; a missing key counts as deleted; Quiet leaves out the Deleted list), in one bucket; XML errors (NoSuchKey,
//   NoSuchBucket, SignatureDoesNotMatch, SlowDown); ListObjectsV2 on it and on the CloudFront log
//   bucket, whose files the distributions with standard logging on deliver (cloudfront-logs.ts);
// - CloudFront Functions: Create, Get (DEVELOPMENT/LIVE), Describe, Update and Publish with
//   If-Match ETags (PreconditionFailed on a stale one), 10 KB code limit, code that must parse.
// `serve(host, path)` runs the LIVE stage of the function associated (viewer-request) with the
// distribution that carries the host, on a viewer request with the path's query string, and
// answers what it returns (a redirect with its Location) or reads the object it points at, as an
// edge would.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import { SignatureV4 } from '@smithy/signature-v4';
import { createAwsDomainsContract, type ContractCertificate, type ContractDistribution } from './aws-domains.ts';
import { createCloudFrontLogsContract, listObjectsV2, type CloudFrontLogsContract } from './cloudfront-logs.ts';
import { json, randomHex, startContractServer, type ContractRequest, type ContractResponse, type ContractServer } from './http.ts';

const FUNCTION_MAX_BYTES = 10 * 1024;

class NodeSha256 {
  private hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmacSha256(secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not used');
  }
}
function createHmacSha256(secret: string | Uint8Array) {
  return createHmac('sha256', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
}

interface StoredObject {
  body: Buffer;
  contentType: string;
  cacheControl: string | null;
}

interface CfFunction {
  name: string;
  runtime: string;
  comment: string;
  development: Buffer;
  developmentEtag: string;
  live: Buffer | null;
  liveEtag: string | null;
  created: string;
  modified: string;
}

export interface AwsContract extends ContractServer {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  bucket: string;
  distributionId: string;
  objects: Map<string, StoredObject>;
  functions: Map<string, CfFunction>;
  /** Custom domains (aws-domains.ts): ACM certificates in us-east-1 and CloudFront distributions. */
  certificates: Map<string, ContractCertificate>;
  distributions: Map<string, ContractDistribution>;
  /** The owner created the ACM validation CNAME for `hostname`: its certificate is issued at the next describe. */
  publishValidation(hostname: string): void;
  /** Bytes of file bodies received by PutObject (under objects/). */
  uploadedBytes(): number;
  /** The CloudFront standard-log bucket; the main distribution logs there under `cloudfront/` (cloudfront-logs.ts). */
  logs: CloudFrontLogsContract;
  serve(host: string, path: string): { status: number; body: Buffer; contentType?: string; location?: string };
}

function xml(status: number, body: string, headers: Record<string, string> = {}): ContractResponse {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

function s3Error(status: number, code: string, message: string): ContractResponse {
  return xml(status, `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomHex(8)}</RequestId></Error>`);
}

function cfError(status: number, code: string, message: string): ContractResponse {
  return xml(status, `<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-fA-F]+|#\d+);/g, (_m, e: string) => e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'"
    : e === 'amp' ? '&' : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1))));
}

/** The body's checksum against the one the client declared (Content-MD5, x-amz-checksum-crc32/sha1/sha256), as S3 checks it. */
function checksumMismatch(req: ContractRequest): ContractResponse | null {
  const declared: [string, () => string][] = [
    ['content-md5', () => createHash('md5').update(req.body).digest('base64')],
    ['x-amz-checksum-crc32', () => { const b = Buffer.alloc(4); b.writeUInt32BE(crc32(req.body)); return b.toString('base64'); }],
    ['x-amz-checksum-sha1', () => createHash('sha1').update(req.body).digest('base64')],
    ['x-amz-checksum-sha256', () => createHash('sha256').update(req.body).digest('base64')],
  ];
  for (const [header, compute] of declared) {
    const value = req.headers[header];
    if (typeof value === 'string' && value !== compute()) {
      return s3Error(400, 'BadDigest', `The ${header} you specified did not match the calculated checksum.`);
    }
  }
  return null;
}

function tag(body: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1];
}

export async function startAwsContract(opts: { region?: string; bucket?: string; siteBaseDomain?: string; deploySeconds?: number } = {}): Promise<AwsContract> {
  const accessKeyId = `AKIA${randomHex(8).toUpperCase()}`;
  const secretAccessKey = randomHex(20);
  const region = opts.region ?? 'ap-northeast-2';
  const bucket = opts.bucket ?? `ww-sites-${randomHex(4)}`;
  const distributionId = `E${randomHex(6).toUpperCase()}`;
  const domains = createAwsDomainsContract({
    distributionId, bucket, region, siteBaseDomain: opts.siteBaseDomain ?? 'sites.windwalker.test', deploySeconds: opts.deploySeconds,
  });
  const objects = new Map<string, StoredObject>();
  const functions = new Map<string, CfFunction>();
  let uploadedBytes = 0;
  const logs = createCloudFrontLogsContract({ bucket: `ww-logs-${randomHex(4)}`, distributions: domains.distributions });
  logs.setLogging(distributionId, { prefix: 'cloudfront/' });
  const listSecret = randomHex(16);

  /** Null when the request is signed correctly, else the error to answer. */
  async function checkSignature(req: ContractRequest, errorOf: (status: number, code: string, message: string) => ContractResponse): Promise<{ service: string } | ContractResponse> {
    const auth = req.headers.authorization;
    const match = typeof auth === 'string'
      ? /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth)
      : null;
    if (!match) return errorOf(403, 'MissingAuthenticationToken', 'Request is missing a SigV4 Authorization header');
    const [, keyId, day, scopeRegion, service, signedHeaders, signature] = match;
    if (keyId !== accessKeyId) return errorOf(403, 'InvalidAccessKeyId', 'The AWS access key Id you provided does not exist in our records.');
    const amzDate = req.headers['x-amz-date'];
    if (typeof amzDate !== 'string' || !amzDate.startsWith(day)) return errorOf(403, 'SignatureDoesNotMatch', 'x-amz-date is missing or does not match the credential scope');
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60 * 1000) return errorOf(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    const expectedRegion = service === 's3' ? region : 'us-east-1';
    if (scopeRegion !== expectedRegion) return errorOf(400, 'AuthorizationHeaderMalformed', `the region '${scopeRegion}' is wrong; expecting '${expectedRegion}'`);
    if (service === 's3') {
      const declared = req.headers['x-amz-content-sha256'];
      if (typeof declared !== 'string') return errorOf(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
      if (declared !== 'UNSIGNED-PAYLOAD' && declared !== createHash('sha256').update(req.body).digest('hex')) {
        return errorOf(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
    }
    const names = signedHeaders.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) return errorOf(403, 'SignatureDoesNotMatch', 'host and x-amz-date must be signed');
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = req.headers[name];
      if (value === undefined) return errorOf(403, 'SignatureDoesNotMatch', `signed header ${name} is missing`);
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of req.url.searchParams) {
      const existing = query[k];
      query[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
    }
    const rawPath = (req.raw.url ?? '/').split('?')[0];
    const signer = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey },
      region: scopeRegion,
      service,
      sha256: NodeSha256 as never,
      uriEscapePath: service !== 's3',
      applyChecksum: names.includes('x-amz-content-sha256'),
    });
    const signed = await signer.sign(
      {
        method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: service === 's3' ? rawPath : decodeURIComponent(rawPath),
        query, headers, body: req.body.length ? req.body : undefined,
      } as never,
      { signingDate, signingRegion: scopeRegion, signingService: service },
    ) as unknown as { headers: Record<string, string> };
    const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)?.[1];
    if (expected !== signature) return errorOf(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    return { service };
  }

  function s3(req: ContractRequest): ContractResponse {
    const parts = (req.raw.url ?? '/').split('?')[0].split('/').filter(Boolean);
    const [bucketName, ...keyParts] = parts;
    if (bucketName === logs.bucket) return logs.s3(req, keyParts.map(decodeURIComponent).join('/'));
    if (bucketName !== bucket) return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const key = keyParts.map(decodeURIComponent).join('/');
    if (!key) {
      if (req.method === 'GET' && req.url.searchParams.get('list-type') === '2') return listObjectsV2(bucket, objects, req.url.searchParams, listSecret);
      if (req.method === 'POST' && req.url.searchParams.has('delete')) {
        const hasChecksum = Object.keys(req.headers).some((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-'));
        if (!hasChecksum) return s3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5 or x-amz-checksum-*');
        const wrongChecksum = checksumMismatch(req);
        if (wrongChecksum) return wrongChecksum;
        const text = req.body.toString('utf8');
        if (!/^(<\?xml[^>]*\?>)?\s*<Delete[\s>]/.test(text)) return s3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
        const keys = [...text.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unescapeXml(m[1]));
        if (keys.length === 0 || keys.length > 1000) return s3Error(400, 'MalformedXML', 'Delete must name 1 to 1000 objects');
        // A key that does not exist is deleted too (S3 answers it as Deleted); Quiet leaves out the Deleted list.
        for (const k of keys) objects.delete(k);
        const quiet = tag(text, 'Quiet') === 'true';
        const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${escapeXml(k)}</Key></Deleted>`).join('');
        return xml(200, `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${deleted}</DeleteResult>`);
      }
      return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    if (req.method === 'PUT') {
      const copySource = req.headers['x-amz-copy-source'];
      if (typeof copySource === 'string') {
        const source = decodeURIComponent(copySource.replace(/^\//, ''));
        const [sourceBucket, ...sourceKey] = source.split('/');
        const from = sourceBucket === bucket ? objects.get(sourceKey.join('/')) : undefined;
        if (!from) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
        const replace = req.headers['x-amz-metadata-directive'] === 'REPLACE';
        objects.set(key, {
          body: from.body,
          contentType: replace ? String(req.headers['content-type'] ?? 'binary/octet-stream') : from.contentType,
          cacheControl: replace ? (req.headers['cache-control'] as string | undefined) ?? null : from.cacheControl,
        });
        const etag = `"${createHash('md5').update(from.body).digest('hex')}"`;
        return xml(200, `<CopyObjectResult><ETag>${etag}</ETag><LastModified>${new Date().toISOString()}</LastModified></CopyObjectResult>`);
      }
      const length = Number(req.headers['content-length']);
      if (!Number.isInteger(length) || length !== req.body.length) return s3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      objects.set(key, { body: req.body, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), cacheControl: (req.headers['cache-control'] as string | undefined) ?? null });
      // File bodies are the content-addressed objects; manifests are bookkeeping.
      if (key.startsWith('objects/')) uploadedBytes += req.body.length;
      return { status: 200, headers: { etag: `"${createHash('md5').update(req.body).digest('hex')}"` } };
    }
    const object = objects.get(key);
    if (req.method === 'HEAD') {
      if (!object) return { status: 404 };
      return { status: 200, headers: { 'content-type': object.contentType, etag: `"${createHash('md5').update(object.body).digest('hex')}"`, 'x-object-length': String(object.body.length) } };
    }
    if (req.method === 'GET') {
      if (!object) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      return { status: 200, headers: { 'content-type': object.contentType }, body: object.body };
    }
    return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  function summary(fn: CfFunction, stage: 'DEVELOPMENT' | 'LIVE'): string {
    return `<FunctionSummary xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Name>${fn.name}</Name><Status>${fn.live ? 'DEPLOYED' : 'UNPUBLISHED'}</Status>` +
      `<FunctionConfig><Comment>${fn.comment}</Comment><Runtime>${fn.runtime}</Runtime></FunctionConfig>` +
      `<FunctionMetadata><FunctionARN>arn:aws:cloudfront::123456789012:function/${fn.name}</FunctionARN><Stage>${stage}</Stage>` +
      `<CreatedTime>${fn.created}</CreatedTime><LastModifiedTime>${fn.modified}</LastModifiedTime></FunctionMetadata></FunctionSummary>`;
  }

  /** The function code from a Create/Update body, or an error. */
  function codeOf(body: string): { code: Buffer; runtime: string; comment: string } | ContractResponse {
    const code64 = tag(body, 'FunctionCode');
    const runtime = tag(body, 'Runtime');
    if (!code64 || !runtime) return cfError(400, 'InvalidArgument', 'FunctionCode and FunctionConfig.Runtime are required');
    if (runtime !== 'cloudfront-js-1.0' && runtime !== 'cloudfront-js-2.0') return cfError(400, 'InvalidArgument', `unknown runtime ${runtime}`);
    const code = Buffer.from(code64, 'base64');
    if (code.length > FUNCTION_MAX_BYTES) return cfError(413, 'FunctionSizeLimitExceeded', 'The function is too large (10 KB at most).');
    try {
      new vm.Script(code.toString('utf8'));
    } catch (error) {
      return cfError(400, 'InvalidArgument', `The function code does not compile: ${(error as Error).message}`);
    }
    return { code, runtime, comment: tag(body, 'Comment') ?? '' };
  }

  function cloudfront(req: ContractRequest): ContractResponse {
    const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === '2020-05-31' && parts[1] === 'distribution') return domains.distribution(req, parts);
    if (parts[0] !== '2020-05-31' || parts[1] !== 'function') return cfError(404, 'NotFound', `no route ${req.method} ${req.url.pathname}`);
    const name = parts[2];
    const body = req.body.toString('utf8');
    if (!name && req.method === 'POST') {
      const fnName = tag(body, 'Name');
      if (!fnName || !/^[a-zA-Z0-9-_]{1,64}$/.test(fnName)) return cfError(400, 'InvalidArgument', 'Name is required (1–64 letters, digits, - and _)');
      if (functions.has(fnName)) return cfError(409, 'FunctionAlreadyExists', `A function named ${fnName} already exists.`);
      const parsed = codeOf(body);
      if ('status' in parsed) return parsed;
      const now = new Date().toISOString();
      const fn: CfFunction = { name: fnName, runtime: parsed.runtime, comment: parsed.comment, development: parsed.code, developmentEtag: randomHex(7).toUpperCase(), live: null, liveEtag: null, created: now, modified: now };
      functions.set(fnName, fn);
      return xml(201, summary(fn, 'DEVELOPMENT'), { etag: fn.developmentEtag, location: `${req.url.origin}/2020-05-31/function/${fnName}` });
    }
    const fn = name ? functions.get(name) : undefined;
    if (!fn) return cfError(404, 'NoSuchFunctionExists', 'The function does not exist.');
    const stage = req.url.searchParams.get('Stage') === 'LIVE' ? 'LIVE' : 'DEVELOPMENT';
    if (req.method === 'GET' && !parts[3]) {
      const code = stage === 'LIVE' ? fn.live : fn.development;
      if (!code) return cfError(404, 'NoSuchFunctionExists', 'The function has no LIVE stage yet.');
      return { status: 200, headers: { 'content-type': 'application/octet-stream', etag: (stage === 'LIVE' ? fn.liveEtag : fn.developmentEtag)! }, body: code };
    }
    if (req.method === 'GET' && parts[3] === 'describe') {
      if (stage === 'LIVE' && !fn.live) return cfError(404, 'NoSuchFunctionExists', 'The function has no LIVE stage yet.');
      return xml(200, summary(fn, stage), { etag: (stage === 'LIVE' ? fn.liveEtag : fn.developmentEtag)! });
    }
    const ifMatch = req.headers['if-match'];
    if (typeof ifMatch !== 'string') return cfError(400, 'InvalidIfMatchVersion', 'The If-Match version is missing or not valid.');
    if (ifMatch !== fn.developmentEtag) return cfError(412, 'PreconditionFailed', 'The precondition in one or more of the request fields evaluated to false.');
    if (req.method === 'PUT' && !parts[3]) {
      const parsed = codeOf(body);
      if ('status' in parsed) return parsed;
      fn.development = parsed.code;
      fn.runtime = parsed.runtime;
      fn.comment = parsed.comment;
      fn.developmentEtag = randomHex(7).toUpperCase();
      fn.modified = new Date().toISOString();
      return xml(200, summary(fn, 'DEVELOPMENT'), { etag: fn.developmentEtag, ettag: fn.developmentEtag });
    }
    if (req.method === 'POST' && parts[3] === 'publish') {
      fn.live = fn.development;
      fn.liveEtag = randomHex(7).toUpperCase();
      return xml(200, summary(fn, 'LIVE'));
    }
    return cfError(404, 'NotFound', `no route ${req.method} ${req.url.pathname}`);
  }

  const server = await startContractServer(
    async (req) => {
      const cloudFrontPath = req.url.pathname.startsWith('/2020-05-31/');
      const acmCall = String(req.headers['x-amz-target'] ?? '').startsWith('CertificateManager.');
      const acmError = (status: number, code: string, message: string) => json(status, { __type: code, message }, { 'content-type': 'application/x-amz-json-1.1' });
      const errorOf = acmCall ? acmError : cloudFrontPath ? cfError : s3Error;
      const checked = await checkSignature(req, errorOf);
      if ('status' in checked) return checked;
      if (acmCall) {
        if (checked.service !== 'acm') return acmError(403, 'InvalidSignatureException', `credential scope service ${checked.service} is not acm`);
        return domains.acm(req);
      }
      if (checked.service === 's3' && !cloudFrontPath) return s3(req);
      if (checked.service === 'cloudfront' && cloudFrontPath) return cloudfront(req);
      return errorOf(403, 'SignatureDoesNotMatch', `credential scope service ${checked.service} does not match this endpoint`);
    },
    (fault) => fault.status === 429
      ? s3Error(429, 'SlowDown', 'Please reduce your request rate.')
      : s3Error(fault.status, fault.status === 503 ? 'ServiceUnavailable' : 'InternalError', 'We encountered an internal error. Please try again.'),
  );

  return {
    ...server,
    accessKeyId,
    secretAccessKey,
    region,
    bucket,
    distributionId,
    objects,
    functions,
    certificates: domains.certificates,
    distributions: domains.distributions,
    publishValidation: domains.publishValidation,
    uploadedBytes: () => uploadedBytes,
    logs,
    serve(host, pathAndQuery) {
      // CloudFront answers only names that an enabled distribution carries as an alias.
      const associated = domains.viewerRequestFunction(host);
      if (associated === undefined) return { status: 403, body: Buffer.from('The request could not be satisfied: no distribution for this host') };
      const [path, search = ''] = pathAndQuery.split('?', 2);
      const querystring: Record<string, { value: string; multiValue?: { value: string }[] }> = {};
      for (const pair of search.split('&').filter(Boolean)) {
        const [name, value = ''] = pair.split('=', 2);
        const existing = querystring[name];
        if (!existing) querystring[name] = { value };
        else existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value }];
      }
      let uri = path;
      if (associated !== null) {
        const fn = functions.get(associated);
        if (!fn?.live) return { status: 404, body: Buffer.from(`no function published (${associated} has no LIVE stage)`) };
        const event = { version: '1.0', context: { eventType: 'viewer-request' }, request: { method: 'GET', uri: path, headers: { host: { value: host } }, querystring, cookies: {} } };
        const result = vm.runInNewContext(`${fn.live.toString('utf8')}\nhandler(event);`, { event }) as {
          uri?: string; statusCode?: number; headers?: Record<string, { value: string }>;
        };
        if (result.statusCode) return { status: result.statusCode, body: Buffer.alloc(0), location: result.headers?.location?.value };
        uri = result.uri!;
      }
      const object = objects.get(uri.slice(1));
      return object ? { status: 200, body: object.body, contentType: object.contentType } : { status: 403, body: Buffer.from('AccessDenied') };
    },
  };
}
