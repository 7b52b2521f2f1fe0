// Cloudflare DNS API contract server (test support): /zones/{zone_id}/dns_records, the endpoints the
// stable names use (cdn/dns-stable-names.ts), checked the way api.cloudflare.com checks them and
// answered in its v4 envelope ({ success, errors: [{ code, message }], messages, result }).
//
// - `Authorization: Bearer <API token>`; a token for another zone is refused (10000);
// - a zone id is 32 hex digits (else 7003, the API's "could not route"); records live in one zone;
// - create (POST) needs type, name and content; a name outside the zone is taken as relative to it
//   (`www` → `www.<zone>`), as Cloudflare does; ttl is 1 (automatic) or 60–86400;
// - an identical record → 81057; a CNAME beside an A/AAAA/CNAME of the same name, or the reverse → 81053;
// - edit (PATCH) changes the fields given, overwrite (PUT) needs type, name, content and ttl;
// - list filters by `name` / `name.exact`, `type` and `content`, paged (`page`, `per_page` 5–5000);
// - an unknown record id → 404 81044.
// `resolve(name)` answers what a resolver would get for a CNAME of the zone right now, so a test can
// follow a visitor's lookup; `onChange` runs after every change that succeeded.
import { bearer, parseJson, randomHex, startContractServer, type ContractRequest, type ContractResponse, type ContractServer } from './http.ts';
import { envelope, failure, faultAnswer } from './cloudflare-envelope.ts';

const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA', 'SRV']);
const HOST = /^(?=.{1,253}$)(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ADDRESS_TYPES = new Set(['A', 'AAAA', 'CNAME']);

export interface DnsRecordRow {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  comment: string | null;
  created_on: string;
  modified_on: string;
}

export interface CloudflareDnsContract extends ContractServer {
  apiToken: string;
  zoneId: string;
  zoneName: string;
  records: Map<string, DnsRecordRow>;
  /** The content of the zone's CNAME at `name` (what a resolver gets now), or null. */
  resolve(name: string): string | null;
  /**
   * Runs after each create, edit, overwrite or delete that succeeded; the answer waits for it (a test
   * models what happens before resolvers see the change, e.g. the hosted CDN noticing it).
   */
  onChange(listener: (record: DnsRecordRow, action: 'create' | 'update' | 'delete') => void | Promise<void>): void;
}

export async function startCloudflareDnsContract(opts: { apiToken?: string; zoneId?: string; zoneName: string }): Promise<CloudflareDnsContract> {
  const apiToken = opts.apiToken ?? `cf-dns-test-${randomHex(12)}`;
  const zoneId = opts.zoneId ?? randomHex(16);
  const zoneName = opts.zoneName.toLowerCase();
  const records = new Map<string, DnsRecordRow>();
  const listeners: ((record: DnsRecordRow, action: 'create' | 'update' | 'delete') => void | Promise<void>)[] = [];

  function recordJson(r: DnsRecordRow) {
    return {
      id: r.id, zone_id: zoneId, zone_name: zoneName, name: r.name, type: r.type, content: r.content,
      proxiable: ADDRESS_TYPES.has(r.type), proxied: r.proxied, ttl: r.ttl, settings: {}, meta: {}, comment: r.comment, tags: [],
      created_on: r.created_on, modified_on: r.modified_on,
    };
  }

  function fullName(name: string): string {
    const lower = name.toLowerCase().replace(/\.$/, '');
    if (lower === '@') return zoneName;
    return lower === zoneName || lower.endsWith(`.${zoneName}`) ? lower : `${lower}.${zoneName}`;
  }

  /** Checks a record as it would be after the change; a ContractResponse when the API refuses it. */
  function check(candidate: Omit<DnsRecordRow, 'id' | 'created_on' | 'modified_on'>, selfId: string | null): ContractResponse | null {
    if (!TYPES.has(candidate.type)) return failure(400, 1004, `DNS Validation Error: unsupported record type ${JSON.stringify(candidate.type)}`);
    if (!HOST.test(candidate.name)) return failure(400, 1004, 'DNS Validation Error: the record name is invalid');
    if (!Number.isInteger(candidate.ttl) || (candidate.ttl !== 1 && (candidate.ttl < 60 || candidate.ttl > 86400))) {
      return failure(400, 1004, 'DNS Validation Error: ttl must be 1 (automatic) or between 60 and 86400 seconds');
    }
    if (candidate.type === 'CNAME') {
      const target = candidate.content.toLowerCase().replace(/\.$/, '');
      if (!HOST.test(target) || !target.includes('.')) return failure(400, 9005, 'Content for CNAME record is invalid.');
      if (target === candidate.name) return failure(400, 9039, 'CNAME content cannot reference itself.');
    }
    if (candidate.type === 'A' && !/^(\d{1,3}\.){3}\d{1,3}$/.test(candidate.content)) return failure(400, 9005, 'Content for A record is invalid. Must be a valid IPv4 address');
    for (const other of records.values()) {
      if (other.id === selfId || other.name !== candidate.name) continue;
      if (other.type === candidate.type && other.content === candidate.content) return failure(400, 81057, 'Record already exists.');
      const clash = (candidate.type === 'CNAME' && ADDRESS_TYPES.has(other.type)) || (other.type === 'CNAME' && ADDRESS_TYPES.has(candidate.type));
      if (clash) return failure(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.');
    }
    return null;
  }

  async function changed(record: DnsRecordRow, action: 'create' | 'update' | 'delete'): Promise<void> {
    for (const listener of listeners) await listener(record, action);
  }

  function list(req: ContractRequest): ContractResponse {
    const q = req.url.searchParams;
    const page = Number(q.get('page') ?? '1');
    const perPage = Number(q.get('per_page') ?? '100');
    if (!Number.isInteger(page) || page < 1) return failure(400, 1004, 'page must be a positive integer');
    if (!Number.isInteger(perPage) || perPage < 5 || perPage > 5000) return failure(400, 1004, 'per_page must be between 5 and 5000');
    const name = q.get('name.exact') ?? q.get('name[exact]') ?? q.get('name');
    const type = q.get('type');
    const content = q.get('content.exact') ?? q.get('content[exact]') ?? q.get('content');
    if (type !== null && !TYPES.has(type)) return failure(400, 1004, `DNS Validation Error: unsupported record type ${JSON.stringify(type)}`);
    const all = [...records.values()]
      .filter((r) => (name === null || r.name === name.toLowerCase()) && (type === null || r.type === type) && (content === null || r.content === content))
      .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
    const slice = all.slice((page - 1) * perPage, page * perPage);
    return envelope(slice.map(recordJson), {
      result_info: { page, per_page: perPage, count: slice.length, total_count: all.length, total_pages: Math.max(1, Math.ceil(all.length / perPage)) },
    });
  }

  function fields(body: Buffer): Record<string, unknown> | ContractResponse {
    const parsed = parseJson(body);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return failure(400, 9207, 'Request body is invalid.');
    return parsed as Record<string, unknown>;
  }

  function typed(value: Record<string, unknown>, key: 'type' | 'name' | 'content', required: boolean): string | undefined | ContractResponse {
    const v = value[key];
    if (v === undefined) return required ? failure(400, 1004, `DNS Validation Error: ${key} is required`) : undefined;
    if (typeof v !== 'string' || v === '') return failure(400, 1004, `DNS Validation Error: ${key} must be a non-empty string`);
    return v;
  }

  function isAnswer(value: unknown): value is ContractResponse {
    return typeof value === 'object' && value !== null && 'status' in value && typeof (value as { status: unknown }).status === 'number';
  }

  async function write(req: ContractRequest, existing: DnsRecordRow | null): Promise<ContractResponse> {
    const body = fields(req.body);
    if (isAnswer(body)) return body;
    const overwrite = req.method === 'PUT' || req.method === 'POST';
    const type = typed(body, 'type', overwrite);
    const name = typed(body, 'name', overwrite);
    const content = typed(body, 'content', overwrite);
    for (const v of [type, name, content]) if (isAnswer(v)) return v;
    if (req.method === 'PUT' && body.ttl === undefined) return failure(400, 1004, 'DNS Validation Error: ttl is required');
    if (body.ttl !== undefined && typeof body.ttl !== 'number') return failure(400, 1004, 'DNS Validation Error: ttl must be a number');
    if (body.proxied !== undefined && typeof body.proxied !== 'boolean') return failure(400, 1004, 'DNS Validation Error: proxied must be a boolean');
    const base = overwrite ? null : existing;
    const candidate = {
      type: (type as string | undefined) ?? base!.type,
      name: name !== undefined ? fullName(name as string) : base!.name,
      content: (content as string | undefined) ?? base!.content,
      ttl: (body.ttl as number | undefined) ?? base?.ttl ?? 1,
      proxied: (body.proxied as boolean | undefined) ?? base?.proxied ?? false,
      comment: typeof body.comment === 'string' ? body.comment : body.comment === null ? null : (base?.comment ?? null),
    };
    if (candidate.proxied && !ADDRESS_TYPES.has(candidate.type)) return failure(400, 9004, 'This record type cannot be proxied.');
    const refused = check(candidate, existing?.id ?? null);
    if (refused) return refused;
    const now = new Date().toISOString();
    const row: DnsRecordRow = existing
      ? { ...existing, ...candidate, modified_on: now }
      : { id: randomHex(16), ...candidate, created_on: now, modified_on: now };
    records.set(row.id, row);
    await changed(row, existing ? 'update' : 'create');
    return envelope(recordJson(row));
  }

  const server = await startContractServer(
    async (req) => {
      const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // ['client', 'v4', 'zones', zoneId, 'dns_records', id?]
      if (parts[0] !== 'client' || parts[1] !== 'v4' || parts[2] !== 'zones' || parts[4] !== 'dns_records' || parts.length > 6) {
        return failure(404, 7003, 'No route for that URI');
      }
      if (!/^[0-9a-f]{32}$/.test(parts[3] ?? '')) {
        return failure(400, 7003, `Could not route to ${req.url.pathname}, perhaps your object identifier is invalid?`);
      }
      if (bearer(req.headers) !== apiToken) return failure(403, 10000, 'Authentication error');
      if (parts[3] !== zoneId) return failure(403, 10000, 'Authentication error');
      const id = parts[5];
      if (!id) {
        if (req.method === 'GET') return list(req);
        if (req.method === 'POST') return write(req, null);
        return failure(405, 10405, 'Method not allowed for this endpoint');
      }
      const existing = records.get(id);
      if (!existing) return failure(404, 81044, 'Record does not exist.');
      if (req.method === 'GET') return envelope(recordJson(existing));
      if (req.method === 'PATCH' || req.method === 'PUT') return write(req, existing);
      if (req.method === 'DELETE') {
        records.delete(id);
        await changed(existing, 'delete');
        return envelope({ id });
      }
      return failure(405, 10405, 'Method not allowed for this endpoint');
    },
    faultAnswer,
  );

  return {
    ...server,
    url: `${server.url}/client/v4`,
    apiToken,
    zoneId,
    zoneName,
    records,
    resolve(name) {
      const wanted = name.toLowerCase().replace(/\.$/, '');
      for (const r of records.values()) if (r.type === 'CNAME' && r.name === wanted) return r.content.toLowerCase().replace(/\.$/, '');
      return null;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
