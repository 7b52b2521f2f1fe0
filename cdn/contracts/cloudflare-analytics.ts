// Cloudflare GraphQL Analytics API contract (test support), mounted on the Cloudflare contract
// server at /client/v4/graphql. It answers the one query WindWalker sends — a zone's
// httpRequestsAdaptiveGroups filtered by host name — and checks it the way the API does:
//
// - `Authorization: Bearer <API token>` (the account API token; an upload JWT is refused);
// - a JSON body { query, variables } whose query reads viewer.zones(filter: { zoneTag }) and, per
//   alias, httpRequestsAdaptiveGroups(limit, filter: $var) selecting only `count` and
//   `sum { edgeResponseBytes }` (any other field is an unknown-field error, as the schema says);
// - each filter needs datetime_geq / datetime_lt (RFC 3339) no more than one day apart (the
//   dataset's maximum query window on the Free plan), clientRequestHTTPHost_in as a non-empty list
//   of names, and requestSource;
// - a zone tag the token cannot read is an authorisation error.
// Query errors come back as HTTP 200 with `errors` and `data: null`, as GraphQL does.
import { bearer, json, parseJson, randomHex, type ContractRequest, type ContractResponse } from './http.ts';

interface Hit {
  host: string;
  at: number;
  requests: number;
  bytes: number;
  source: string;
}

export interface CloudflareAnalytics {
  zoneId: string;
  /** Traffic the zone saw: `requests` requests of `bytes` bytes in total for `host` at `at`. */
  record(host: string, at: Date, requests: number, bytes: number, source?: 'eyeball' | 'edgeWorkerFetch'): void;
  /** Bodies of the queries received, for tests that look at what was asked. */
  queries: { query: string; variables: Record<string, unknown> }[];
  handle(req: ContractRequest): ContractResponse;
}

const NODE = /(\w+):\s*httpRequestsAdaptiveGroups\(\s*limit:\s*(\d+),\s*filter:\s*\$(\w+)\s*\)\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g;
const ALLOWED_SELECTION = /^\s*count\s+sum\s*\{\s*edgeResponseBytes\s*\}\s*$/;

function graphqlError(message: string, status = 200): ContractResponse {
  return json(status, { data: null, errors: [{ message, path: null, extensions: { code: 'bad_request', timestamp: new Date().toISOString() } }] });
}

export function createCloudflareAnalytics(opts: { apiToken: string; zoneId?: string }): CloudflareAnalytics {
  const zoneId = opts.zoneId ?? randomHex(16);
  const hits: Hit[] = [];
  const queries: { query: string; variables: Record<string, unknown> }[] = [];

  function handle(req: ContractRequest): ContractResponse {
    if (req.method !== 'POST') return graphqlError('method not allowed: POST a JSON body', 405);
    if (bearer(req.headers) !== opts.apiToken) return graphqlError('Authentication error: a valid API token is required', 403);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return graphqlError('content-type must be application/json', 400);
    const body = parseJson(req.body) as { query?: unknown; variables?: unknown } | undefined;
    if (typeof body?.query !== 'string') return graphqlError('the body needs a query string');
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    queries.push({ query: body.query, variables });
    const query = body.query;
    if (!/viewer\s*\{\s*zones\(\s*filter:\s*\{\s*zoneTag:\s*\$zoneTag\s*\}\s*\)/.test(query)) {
      return graphqlError('the query must read viewer.zones(filter: { zoneTag: $zoneTag })');
    }
    if (variables.zoneTag !== zoneId) return graphqlError(`not authorized for that zone (${String(variables.zoneTag)})`);
    const nodes = [...query.matchAll(NODE)];
    if (nodes.length === 0) return graphqlError('no httpRequestsAdaptiveGroups node in the query');
    // Anything else selected under the zone is a field the schema does not have here.
    const rest = query.replace(NODE, '').replace(/query\s+\w+\([^)]*\)/, '');
    const unknown = /zones\([^)]*\)\s*\{\s*([^\s}]+)/.exec(rest)?.[1];
    if (unknown) return graphqlError(`unknown field "${unknown}" on type "zone"`);

    const zone: Record<string, unknown> = {};
    for (const [, alias, limit, variable, selection] of nodes) {
      if (!ALLOWED_SELECTION.test(selection)) return graphqlError(`${alias}: this query may select only count and sum { edgeResponseBytes } (got "${selection.trim()}")`);
      if (Number(limit) < 1 || Number(limit) > 10_000) return graphqlError(`${alias}: limit must be between 1 and 10000`);
      const filter = variables[variable] as Record<string, unknown> | undefined;
      if (!filter || typeof filter !== 'object') return graphqlError(`variable $${variable} is missing`);
      const start = Date.parse(String(filter.datetime_geq));
      const end = Date.parse(String(filter.datetime_lt));
      if (typeof filter.datetime_geq !== 'string' || typeof filter.datetime_lt !== 'string' || Number.isNaN(start) || Number.isNaN(end)) {
        return graphqlError(`${alias}: datetime_geq and datetime_lt must be RFC 3339 times`);
      }
      if (end <= start) return graphqlError(`${alias}: datetime_lt must be after datetime_geq`);
      if (end - start > 86_400_000) return graphqlError(`${alias}: the query time range is too large; the maximum is 86400s`);
      const hosts = filter.clientRequestHTTPHost_in;
      if (!Array.isArray(hosts) || hosts.length === 0 || hosts.some((h) => typeof h !== 'string')) {
        return graphqlError(`${alias}: clientRequestHTTPHost_in must be a non-empty list of host names`);
      }
      if (typeof filter.requestSource !== 'string') return graphqlError(`${alias}: requestSource is required for this query`);
      const matching = hits.filter((h) => hosts.includes(h.host) && h.source === filter.requestSource && h.at >= start && h.at < end);
      // Without dimensions the groups are one total (none when nothing matched), as the API answers.
      zone[alias] = matching.length === 0 ? [] : [{
        count: matching.reduce((sum, h) => sum + h.requests, 0),
        sum: { edgeResponseBytes: matching.reduce((sum, h) => sum + h.bytes, 0) },
      }];
    }
    return json(200, { data: { viewer: { zones: [zone] } }, errors: null });
  }

  return {
    zoneId,
    queries,
    record(host, at, requests, bytes, source = 'eyeball') {
      hits.push({ host, at: at.getTime(), requests, bytes, source });
    },
    handle,
  };
}
