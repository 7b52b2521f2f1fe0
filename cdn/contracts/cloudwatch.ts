// CloudWatch contract server (test support): GetMetricStatistics as @aws-sdk/client-cloudwatch
// sends it today (AWS JSON 1.0: POST /, X-Amz-Target GraniteServiceVersion20100801.<Operation>,
// query-compatible errors), checked the way monitoring.us-east-1.amazonaws.com checks it:
//
// - SigV4 with the test access key, service `monitoring`, and the us-east-1 scope (CloudFront's
//   metrics exist only there);
// - Namespace, MetricName, Period (a multiple of 60), Statistics, StartTime < EndTime;
// - at most 1,440 data points per call (InvalidParameterCombination);
// - metrics are found by their exact dimension set: CloudFront's are DistributionId + Region=Global,
//   and a call without Region=Global finds nothing (empty Datapoints, as CloudWatch answers).
// Separate from the S3/CloudFront contract because CloudWatch is its own endpoint.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { json, startContractServer, type ContractRequest, type ContractResponse, type ContractServer } from './http.ts';

class NodeSha256 {
  private hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
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

interface Point {
  namespace: string;
  metric: string;
  dimensions: string;
  at: number;
  value: number;
}

export interface CloudWatchContract extends ContractServer {
  /** A value CloudFront published for a distribution at `at` (Requests, BytesDownloaded …). */
  publishCloudFront(distributionId: string, metric: 'Requests' | 'BytesDownloaded', at: Date, value: number): void;
  calls: { target: string; body: Record<string, unknown> }[];
}

function awsError(status: number, type: string, message: string): ContractResponse {
  return json(status, { __type: `com.amazonaws.cloudwatch#${type}`, message }, {
    'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${type.replace(/Exception$/, '')};Sender`, 'x-amzn-requestid': randomUUID(),
  });
}

function dimensionKey(dimensions: { Name?: unknown; Value?: unknown }[]): string {
  return dimensions.map((d) => `${String(d.Name)}=${String(d.Value)}`).sort().join(',');
}

/** Epoch seconds (what the JSON protocol sends) or an ISO string, as a time in ms. */
function timeOf(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

export async function startCloudWatchContract(opts: { accessKeyId: string; secretAccessKey: string }): Promise<CloudWatchContract> {
  const points: Point[] = [];
  const calls: { target: string; body: Record<string, unknown> }[] = [];

  async function checkSignature(req: ContractRequest): Promise<ContractResponse | null> {
    const auth = req.headers.authorization;
    const match = typeof auth === 'string'
      ? /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth)
      : null;
    if (!match) return awsError(400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    const [, keyId, , scopeRegion, service, signedHeaders, signature] = match;
    if (keyId !== opts.accessKeyId) return awsError(403, 'InvalidClientTokenIdException', 'The security token included in the request is invalid.');
    if (service !== 'monitoring') return awsError(403, 'IncompleteSignatureException', `Credential should be scoped to correct service: 'monitoring'.`);
    if (scopeRegion !== 'us-east-1') return awsError(403, 'IncompleteSignatureException', `Credential should be scoped to a valid region, not '${scopeRegion}'.`);
    const amzDate = req.headers['x-amz-date'];
    if (typeof amzDate !== 'string') return awsError(403, 'IncompleteSignatureException', 'x-amz-date is missing');
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60 * 1000) return awsError(403, 'SignatureDoesNotMatchException', 'Signature expired');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) {
      const value = req.headers[name];
      if (value === undefined) return awsError(403, 'SignatureDoesNotMatchException', `signed header ${name} is missing`);
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const signer = new SignatureV4({ credentials: opts, region: 'us-east-1', service: 'monitoring', sha256: NodeSha256 as never });
    const signed = await signer.sign(
      { method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: req.url.pathname, query: {}, headers, body: req.body } as never,
      { signingDate, signingRegion: 'us-east-1', signingService: 'monitoring' },
    ) as unknown as { headers: Record<string, string> };
    if (/Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)?.[1] !== signature) {
      return awsError(403, 'SignatureDoesNotMatchException', 'The request signature we calculated does not match the signature you provided.');
    }
    return null;
  }

  function getMetricStatistics(body: Record<string, unknown>): ContractResponse {
    const { Namespace, MetricName, Period, Statistics } = body as { Namespace?: unknown; MetricName?: unknown; Period?: unknown; Statistics?: unknown };
    const dimensions = (Array.isArray(body.Dimensions) ? body.Dimensions : []) as { Name?: unknown; Value?: unknown }[];
    if (typeof Namespace !== 'string' || typeof MetricName !== 'string') return awsError(400, 'MissingRequiredParameterException', 'Namespace and MetricName are required');
    if (typeof Period !== 'number' || Period < 60 || Period % 60 !== 0) return awsError(400, 'InvalidParameterValueException', 'The parameter Period must be a multiple of 60.');
    if (!Array.isArray(Statistics) || Statistics.length === 0 || Statistics.some((s) => !['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'].includes(s))) {
      return awsError(400, 'InvalidParameterValueException', 'Statistics must be a non-empty list of Sum, Average, Minimum, Maximum, SampleCount.');
    }
    const start = timeOf(body.StartTime);
    const end = timeOf(body.EndTime);
    if (Number.isNaN(start) || Number.isNaN(end)) return awsError(400, 'MissingRequiredParameterException', 'StartTime and EndTime are required');
    if (end <= start) return awsError(400, 'InvalidParameterValueException', 'The parameter StartTime must be less than the parameter EndTime.');
    if ((end - start) / 1000 / Period > 1440) {
      return awsError(400, 'InvalidParameterCombinationException', 'You have requested up to 1,440 datapoints, which exceeds the limit of 1,440.');
    }
    const key = dimensionKey(dimensions);
    const buckets = new Map<number, number[]>();
    for (const p of points) {
      if (p.namespace !== Namespace || p.metric !== MetricName || p.dimensions !== key || p.at < start || p.at >= end) continue;
      const bucket = start + Math.floor((p.at - start) / (Period * 1000)) * Period * 1000;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), p.value]);
    }
    const datapoints = [...buckets.entries()].map(([at, values]) => {
      const point: Record<string, unknown> = { Timestamp: at / 1000, Unit: MetricName === 'BytesDownloaded' ? 'None' : 'None' };
      for (const s of Statistics as string[]) {
        if (s === 'Sum') point.Sum = values.reduce((a, b) => a + b, 0);
        if (s === 'Average') point.Average = values.reduce((a, b) => a + b, 0) / values.length;
        if (s === 'Minimum') point.Minimum = Math.min(...values);
        if (s === 'Maximum') point.Maximum = Math.max(...values);
        if (s === 'SampleCount') point.SampleCount = values.length;
      }
      return point;
    });
    return json(200, { Label: MetricName, Datapoints: datapoints }, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
  }

  const server = await startContractServer(
    async (req) => {
      if (req.method !== 'POST' || req.url.pathname !== '/') return awsError(404, 'UnknownOperationException', 'POST / only');
      const refused = await checkSignature(req);
      if (refused) return refused;
      if (req.headers['content-type'] !== 'application/x-amz-json-1.0') return awsError(400, 'InvalidParameterValueException', 'content-type must be application/x-amz-json-1.0');
      const target = req.headers['x-amz-target'];
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return awsError(400, 'SerializationException', 'the body is not JSON');
      }
      calls.push({ target: String(target), body });
      if (target === 'GraniteServiceVersion20100801.GetMetricStatistics') return getMetricStatistics(body);
      return awsError(400, 'UnknownOperationException', `unknown operation ${String(target)}`);
    },
    (fault) => fault.status === 429
      ? awsError(400, 'ThrottlingException', 'Rate exceeded')
      : awsError(fault.status, 'InternalServiceFault', 'Internal service error'),
  );

  return {
    ...server,
    calls,
    publishCloudFront(distributionId, metric, at, value) {
      points.push({
        namespace: 'AWS/CloudFront', metric, dimensions: dimensionKey([{ Name: 'DistributionId', Value: distributionId }, { Name: 'Region', Value: 'Global' }]),
        at: at.getTime(), value,
      });
    },
  };
}
