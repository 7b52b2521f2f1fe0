// The Bulk Redirects half of the Cloudflare contract server (test support; cloudflare.ts routes
// account calls under /rules/lists and /rulesets here after checking the API token and account).
//
// Lists (/accounts/{id}/rules/lists): names of a-z, 0-9 and _ (at most 50), unique per account;
// kind ip | redirect | hostname | asn. Items (…/lists/{list}/items): POST appends, PUT replaces
// all, DELETE { items: [{ id }] } removes — each answers { operation_id } at once and is applied
// when the operation is first looked at (GET …/lists/bulk_operations/{id}: pending, then
// completed or failed), and an account may have ONE operation pending: another item change in
// that time is refused. A redirect item needs source_url (no scheme needed) and an absolute
// http(s) target_url, status_code 301/302/307/308 (default 301); a source URL may be in a list
// once (the operation fails otherwise). GET items pages with a cursor (result_info.cursors.after).
// Rulesets (/accounts/{id}/rulesets/phases/http_request_redirect/entrypoint): GET is 404 until
// a PUT created it; every rule in that phase must be `redirect` with action_parameters.from_list
// naming an existing redirect list and an expression that uses its key field.
// `redirectFor(url)` applies the enabled rules to a visitor's URL with Cloudflare's matching
// (subpath matching, path suffix, query string, subdomains).
import { parseJson, randomHex, type ContractRequest, type ContractResponse } from './http.ts';
import { envelope, failure } from './cloudflare-envelope.ts';

export interface ContractRedirect {
  source_url: string;
  target_url: string;
  status_code: number;
  include_subdomains: boolean;
  subpath_matching: boolean;
  preserve_query_string: boolean;
  preserve_path_suffix: boolean;
}

export interface ContractListItem {
  id: string;
  redirect?: ContractRedirect;
  comment?: string;
  created_on: string;
  modified_on: string;
}

export interface ContractList {
  id: string;
  name: string;
  kind: 'ip' | 'redirect' | 'hostname' | 'asn';
  description: string;
  items: ContractListItem[];
  created_on: string;
  modified_on: string;
}

interface Operation {
  id: string;
  status: 'pending' | 'completed' | 'failed';
  error?: string;
  completed?: string;
  apply: () => string | null;
}

interface ContractRule {
  id: string;
  ref: string;
  version: string;
  action: string;
  expression: string;
  description: string;
  enabled: boolean;
  action_parameters?: { from_list?: { name: string; key: string } };
  last_updated: string;
}

const PHASE = 'http_request_redirect';
const STATUS_CODES = new Set([301, 302, 307, 308]);

function listJson(l: ContractList) {
  return {
    id: l.id, name: l.name, kind: l.kind, description: l.description, num_items: l.items.length,
    num_referencing_filters: 0, created_on: l.created_on, modified_on: l.modified_on,
  };
}

/** Host and path of a source URL as Cloudflare compares them (scheme optional, lower-case host). */
function splitUrl(url: string): { scheme: string | null; host: string; path: string } {
  const match = /^(?:(https?):\/\/)?([^/?#]+)(\/[^?#]*)?/i.exec(url);
  return { scheme: match?.[1]?.toLowerCase() ?? null, host: (match?.[2] ?? '').toLowerCase(), path: match?.[3] ?? '/' };
}

export function createCloudflareRedirects() {
  const lists = new Map<string, ContractList>();
  const operations = new Map<string, Operation>();
  let entrypoint: { id: string; version: number; rules: ContractRule[]; last_updated: string } | null = null;

  function pending(): Operation | undefined {
    return [...operations.values()].find((o) => o.status === 'pending');
  }

  /** Checks one item for a list of `kind`; the item to store or a message. */
  function itemOf(kind: ContractList['kind'], raw: unknown): ContractListItem | string {
    const now = new Date().toISOString();
    const input = raw as { redirect?: Partial<ContractRedirect>; comment?: unknown } | null;
    if (!input || typeof input !== 'object') return 'each item must be an object';
    if (input.comment !== undefined && typeof input.comment !== 'string') return 'comment must be a string';
    if (kind !== 'redirect') return `the contract server keeps only redirect lists (got kind ${kind})`;
    const r = input.redirect;
    if (!r || typeof r.source_url !== 'string' || typeof r.target_url !== 'string') return 'a redirect item needs redirect.source_url and redirect.target_url';
    if (!splitUrl(r.source_url).host || /[*]/.test(r.source_url)) return `source_url ${r.source_url} is not a valid URL (wildcards are not supported)`;
    if (!/^https?:\/\/[^/\s]+/i.test(r.target_url)) return `target_url ${r.target_url} must be an absolute http or https URL`;
    const status = r.status_code ?? 301;
    if (!STATUS_CODES.has(status)) return `status_code must be one of 301, 302, 307, 308`;
    for (const flag of ['include_subdomains', 'subpath_matching', 'preserve_query_string', 'preserve_path_suffix'] as const) {
      if (r[flag] !== undefined && typeof r[flag] !== 'boolean') return `${flag} must be a boolean`;
    }
    return {
      id: randomHex(16), comment: input.comment as string | undefined, created_on: now, modified_on: now,
      redirect: {
        source_url: r.source_url, target_url: r.target_url, status_code: status, include_subdomains: r.include_subdomains ?? false,
        subpath_matching: r.subpath_matching ?? false, preserve_query_string: r.preserve_query_string ?? false,
        // Cloudflare's default for preserve_path_suffix is true.
        preserve_path_suffix: r.preserve_path_suffix ?? true,
      },
    };
  }

  function duplicateSource(items: ContractListItem[]): string | null {
    const seen = new Set<string>();
    for (const item of items) {
      const { host, path } = splitUrl(item.redirect!.source_url);
      const key = `${host}${path}`;
      if (seen.has(key)) return `the source URL ${item.redirect!.source_url} is in the list more than once`;
      seen.add(key);
    }
    return null;
  }

  function startOperation(apply: () => string | null): ContractResponse {
    const operation: Operation = { id: randomHex(16), status: 'pending', apply };
    operations.set(operation.id, operation);
    return envelope({ operation_id: operation.id });
  }

  function items(req: ContractRequest, list: ContractList): ContractResponse {
    if (req.method === 'GET') {
      const perPage = Math.min(Math.max(Number(req.url.searchParams.get('per_page') ?? '25') || 25, 1), 500);
      const cursor = req.url.searchParams.get('cursor');
      const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
      const page = list.items.slice(start, start + perPage);
      const after = start + perPage < list.items.length ? Buffer.from(String(start + perPage)).toString('base64url') : undefined;
      return envelope(page, { result_info: { cursors: after ? { after } : {} } });
    }
    if (pending()) return failure(409, 10062, 'There is already a pending bulk operation for this account; wait for it to finish');
    const body = parseJson(req.body);
    if (req.method === 'POST' || req.method === 'PUT') {
      if (!Array.isArray(body) || (req.method === 'POST' && body.length === 0)) return failure(400, 10026, 'the body must be an array of list items');
      const parsed: ContractListItem[] = [];
      for (const raw of body) {
        const item = itemOf(list.kind, raw);
        if (typeof item === 'string') return failure(400, 10026, item);
        parsed.push(item);
      }
      const replace = req.method === 'PUT';
      return startOperation(() => {
        const next = replace ? parsed : [...list.items, ...parsed];
        const problem = duplicateSource(next);
        if (problem) return problem;
        list.items = next;
        list.modified_on = new Date().toISOString();
        return null;
      });
    }
    if (req.method === 'DELETE') {
      const ids = (body as { items?: { id?: unknown }[] } | undefined)?.items;
      if (!Array.isArray(ids) || ids.length === 0 || ids.some((i) => typeof i?.id !== 'string')) return failure(400, 10026, 'items must name the ids to remove');
      return startOperation(() => {
        const gone = new Set(ids.map((i) => i.id as string));
        list.items = list.items.filter((item) => !gone.has(item.id));
        list.modified_on = new Date().toISOString();
        return null;
      });
    }
    return failure(405, 10000, 'method not allowed');
  }

  /** rest: ['rules', 'lists', …] or ['rulesets', 'phases', phase, 'entrypoint']. */
  function handle(req: ContractRequest, rest: string[]): ContractResponse {
    if (rest[0] === 'rules' && rest[1] === 'lists') {
      const [, , id, sub] = rest;
      if (id === 'bulk_operations' && sub) {
        const operation = operations.get(sub);
        if (!operation) return failure(404, 10001, 'operation not found');
        if (operation.status === 'pending') {
          const problem = operation.apply();
          operation.status = problem ? 'failed' : 'completed';
          operation.error = problem ?? undefined;
          operation.completed = new Date().toISOString();
          // The first look reports it still running, as a real operation often is.
          return envelope({ id: operation.id, status: 'running' });
        }
        return envelope({ id: operation.id, status: operation.status, completed: operation.completed, ...(operation.error ? { error: operation.error } : {}) });
      }
      if (!id) {
        if (req.method === 'GET') return envelope([...lists.values()].map(listJson));
        if (req.method === 'POST') {
          const body = parseJson(req.body) as { name?: unknown; kind?: unknown; description?: unknown } | undefined;
          if (typeof body?.name !== 'string' || !/^[a-z0-9_]{1,50}$/.test(body.name)) return failure(400, 10020, 'name may only contain lowercase letters, numbers and underscores (at most 50)');
          if (!['ip', 'redirect', 'hostname', 'asn'].includes(body.kind as string)) return failure(400, 10020, 'kind must be one of ip, redirect, hostname, asn');
          if ([...lists.values()].some((l) => l.name === body.name)) return failure(409, 10021, `a list named ${body.name} already exists`);
          const now = new Date().toISOString();
          const list: ContractList = {
            id: randomHex(16), name: body.name, kind: body.kind as ContractList['kind'], description: typeof body.description === 'string' ? body.description : '',
            items: [], created_on: now, modified_on: now,
          };
          lists.set(list.id, list);
          return envelope(listJson(list));
        }
        return failure(405, 10000, 'method not allowed');
      }
      const list = lists.get(id);
      if (!list) return failure(404, 10000, 'list not found');
      if (!sub) return req.method === 'GET' ? envelope(listJson(list)) : failure(405, 10000, 'method not allowed');
      if (sub === 'items' && !rest[4]) return items(req, list);
      return failure(404, 7003, 'No route for that URI');
    }
    if (rest[0] === 'rulesets' && rest[1] === 'phases' && rest[3] === 'entrypoint' && !rest[4]) {
      if (rest[2] !== PHASE) return failure(404, 7003, `the contract server keeps only the ${PHASE} phase`);
      if (req.method === 'GET') {
        if (!entrypoint) return failure(404, 10003, `could not find entrypoint ruleset in the ${PHASE} phase`);
        return envelope(rulesetJson());
      }
      if (req.method === 'PUT') {
        const body = parseJson(req.body) as { rules?: unknown } | undefined;
        if (!Array.isArray(body?.rules)) return failure(400, 20021, 'rules must be an array');
        const rules: ContractRule[] = [];
        for (const raw of body.rules as Partial<ContractRule>[]) {
          if (raw.action !== 'redirect') return failure(400, 20021, `rules in the ${PHASE} phase must have action redirect`);
          const from = raw.action_parameters?.from_list;
          if (!from || typeof from.name !== 'string' || typeof from.key !== 'string') return failure(400, 20021, 'action_parameters.from_list needs name and key');
          const list = [...lists.values()].find((l) => l.name === from.name);
          if (!list || list.kind !== 'redirect') return failure(400, 20021, `from_list names ${from.name}, which is not a redirect list of this account`);
          if (typeof raw.expression !== 'string' || !raw.expression.includes(from.key)) return failure(400, 20021, 'the expression must use the from_list key field');
          const previous = raw.id ? entrypoint?.rules.find((r) => r.id === raw.id) : undefined;
          if (raw.id && !previous) return failure(400, 20021, `rule ${raw.id} is not in this ruleset`);
          rules.push({
            id: previous?.id ?? randomHex(16), ref: previous?.ref ?? randomHex(16), version: String(Number(previous?.version ?? 0) + 1),
            action: 'redirect', expression: raw.expression, description: raw.description ?? '', enabled: raw.enabled ?? true,
            action_parameters: { from_list: { name: from.name, key: from.key } }, last_updated: new Date().toISOString(),
          });
        }
        entrypoint = { id: entrypoint?.id ?? randomHex(16), version: (entrypoint?.version ?? 0) + 1, rules, last_updated: new Date().toISOString() };
        return envelope(rulesetJson());
      }
      return failure(405, 10000, 'method not allowed');
    }
    return failure(404, 7003, 'No route for that URI');
  }

  function rulesetJson() {
    return {
      id: entrypoint!.id, name: 'default', description: '', kind: 'root', phase: PHASE, version: String(entrypoint!.version),
      last_updated: entrypoint!.last_updated, rules: entrypoint!.rules,
    };
  }

  /** What the enabled Bulk Redirect rules do with a visitor's URL: the redirect, or null. */
  function redirectFor(url: string): { status: number; location: string } | null {
    const request = new URL(url);
    const host = request.hostname.toLowerCase();
    for (const rule of entrypoint?.rules ?? []) {
      if (!rule.enabled) continue;
      const list = [...lists.values()].find((l) => l.name === rule.action_parameters?.from_list?.name);
      for (const item of list?.items ?? []) {
        const r = item.redirect!;
        const source = splitUrl(r.source_url);
        if (source.scheme && source.scheme !== request.protocol.slice(0, -1)) continue;
        const hostMatches = source.host === host || (r.include_subdomains && host.endsWith(`.${source.host}`));
        if (!hostMatches) continue;
        const exact = request.pathname === source.path;
        const under = r.subpath_matching && request.pathname.startsWith(source.path.endsWith('/') ? source.path : `${source.path}/`);
        if (!exact && !under) continue;
        let location = r.target_url;
        if (under && !exact && r.preserve_path_suffix) location = location.replace(/\/?$/, '/') + request.pathname.slice(source.path.replace(/\/?$/, '/').length);
        if (r.preserve_query_string && request.search) location += request.search;
        return { status: r.status_code, location };
      }
    }
    return null;
  }

  return { lists, operations, handle, redirectFor, entrypoint: () => entrypoint };
}

export type CloudflareRedirects = ReturnType<typeof createCloudflareRedirects>;
