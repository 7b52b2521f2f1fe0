// API keys of a workspace: created by an owner with a name and scopes, the secret shown once,
// stored as sha256 (the key is 32 random bytes, so a fast hash is as safe as a slow one and the
// lookup on every call stays a single index probe; passwords need Argon2 only because people
// choose them). Authentication, the per-key rate limit and metering are ONE SQL statement per
// call: the key lookup, an upsert of the key's counter in login_throttle (the same shared,
// PostgreSQL-backed fixed window the login throttle uses), the api_calls row keyed by the request
// id (so a call is counted exactly once, and only when it is let through), and last_used_at
// touched at most once a minute. The statement commits asynchronously (synchronous_commit off
// for its own implicit transaction): it does not wait for the WAL flush, which was most of its
// cost. A database crash (not a web crash) may lose the last fraction of a second of counts and
// rate-limit steps — in the customer's favour, never counted twice.
import { createHash, randomBytes } from 'node:crypto';
import { isUuid, withTenant, type Sql } from '../../../db/index.ts';
import { billingPeriod } from '../../../billing/index.ts';

export const API_SCOPES = ['read', 'write', 'publish'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
export const API_KEY_PREFIX = 'ww_live_';
export const RATE_WINDOW_SECONDS = 60;

export const API_SCOPE_LABELS: Record<ApiScope, string> = {
  read: '읽기 (사이트, 빌드, 배포, 사용량 조회)',
  write: '쓰기 (사이트 만들기·수정·삭제, 버전 되돌리기, 웹훅)',
  publish: '게시 (게시, 빌드 취소, 배포 되돌리기, 도메인)',
};

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  rateLimitPerMinute: number;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  callsThisMonth: number;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateApiKeySecret(): { secret: string; prefix: string; hash: string } {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, prefix: secret.slice(0, API_KEY_PREFIX.length + 8), hash: hashApiKey(secret) };
}

export type CreateApiKeyResult =
  | { ok: true; key: ApiKeySummary; secret: string }
  | { ok: false; errors: { field: string; message: string }[] };

export async function createApiKey(
  sql: Sql,
  input: { tenantId: string; userId: string | null; name: string; scopes: string[] },
): Promise<CreateApiKeyResult> {
  const name = input.name.trim();
  const errors: { field: string; message: string }[] = [];
  if (name.length === 0) errors.push({ field: 'name', message: '키 이름을 입력해 주세요. 예: 주문 시스템 연동' });
  else if (name.length > 100) errors.push({ field: 'name', message: '키 이름은 100자 이하로 입력해 주세요.' });
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0) errors.push({ field: 'scopes', message: '권한을 하나 이상 골라 주세요.' });
  else if (scopes.some((s) => !(API_SCOPES as readonly string[]).includes(s))) {
    errors.push({ field: 'scopes', message: '권한은 read, write, publish 중에서 골라 주세요.' });
  }
  if (errors.length > 0) return { ok: false, errors };
  const generated = generateApiKeySecret();
  const key = await withTenant(sql, input.tenantId, async (tx) => {
    const [row] = await tx<KeyRow[]>`
      insert into api_keys (tenant_id, name, prefix, key_hash, scopes, created_by)
      values (${input.tenantId}, ${name}, ${generated.prefix}, ${generated.hash}, ${scopes}, ${input.userId})
      returning id, name, prefix, scopes, rate_limit_per_minute, created_at, last_used_at, revoked_at, 0::bigint as calls`;
    await tx`
      insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${input.tenantId}, ${input.userId}, 'api_key.create', ${row.id}, ${tx.json({ name, scopes })})`;
    return toSummary(row);
  });
  return { ok: true, key, secret: generated.secret };
}

/** The workspace's keys, newest first, each with its calls this month (Asia/Seoul). */
export async function listApiKeys(sql: Sql, tenantId: string, now = new Date()): Promise<ApiKeySummary[]> {
  const { start, end } = billingPeriod(periodOfDate(now));
  await flushApiMeters();
  return withTenant(sql, tenantId, async (tx) => {
    const rows = await tx<KeyRow[]>`
      select k.id, k.name, k.prefix, k.scopes, k.rate_limit_per_minute, k.created_at, k.last_used_at, k.revoked_at,
        (select count(*) from api_calls c where c.key_id = k.id and c.at >= ${start} and c.at < ${end}) as calls
      from api_keys k order by k.created_at desc`;
    return rows.map(toSummary);
  });
}

/** Revokes a key at once (the next call with it is refused). False when it is not this workspace's. */
export async function revokeApiKey(sql: Sql, input: { tenantId: string; userId: string | null; keyId: string }): Promise<boolean> {
  if (!isUuid(input.keyId)) return false;
  const revoked = await withTenant(sql, input.tenantId, async (tx) => {
    const updated = await tx`update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ${input.keyId}`;
    if (updated.count === 0) return false;
    await tx`
      insert into audit_log (tenant_id, user_id, action, target)
      values (${input.tenantId}, ${input.userId}, 'api_key.revoke', ${input.keyId})`;
    return true;
  });
  // This process stops admitting it from memory now (after the commit, so no call can re-learn it
  // as active); other web processes at their next flush or within 250 ms.
  if (revoked) for (const meter of apiMeterRegistry()) meter.forget(input.keyId);
  return revoked;
}

/** "2026-11" for a moment, in Asia/Seoul. */
export function periodOfDate(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 7);
}

// The metering journals of this process (metering.server.ts): calls admitted from memory reach
// api_calls within ~100 ms; readers in this process flush them first so a count is exact here.
// On globalThis because the Remix server bundle carries its own copy of these modules.
interface ApiMeterHandle {
  flush(): Promise<void>;
  forget(keyId: string): void;
}
const METERS = Symbol.for('windwalker.apiMeters');
export function apiMeterRegistry(): Set<ApiMeterHandle> {
  const holder = globalThis as unknown as Record<symbol, Set<ApiMeterHandle> | undefined>;
  return (holder[METERS] ??= new Set());
}

/** Writes the calls this process has journaled but not yet stored (before counting calls). */
export async function flushApiMeters(): Promise<void> {
  await Promise.all([...apiMeterRegistry()].map((meter) => meter.flush()));
}

/** API calls of a workspace in a billing period ("YYYY-MM", Asia/Seoul); billing's invoice line. */
export async function countApiCalls(sql: Sql, tenantId: string, period: string): Promise<number> {
  const { start, end } = billingPeriod(period);
  await flushApiMeters();
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<{ n: string }[]>`
      select count(*)::bigint as n from api_calls where at >= ${start} and at < ${end}`;
    return Number(row.n);
  });
}

export interface AuthenticatedKey {
  keyId: string;
  tenantId: string;
  tenantStatus: 'active' | 'limited' | 'suspended';
  scopes: ApiScope[];
  createdBy: string | null;
  rate: { limit: number; remaining: number; resetSeconds: number; allowed: boolean };
}

/**
 * Authenticates a call, counts it against the key's rate limit and meters it, in one statement.
 * Runs outside withTenant on purpose: the key is what tells us the tenant (like a session cookie
 * does for the web app); everything after this goes through withTenant with that tenant.
 * Null when the key is unknown or revoked.
 */
export async function authenticateApiCall(
  sql: Sql,
  input: { secret: string; requestId: string; method: string; route: string },
): Promise<AuthenticatedKey | null> {
  if (!input.secret.startsWith(API_KEY_PREFIX) || input.secret.length > 200) return null;
  const hash = hashApiKey(input.secret);
  const [row] = await sql<{
    id: string; tenant_id: string; tenant_status: AuthenticatedKey['tenantStatus']; scopes: ApiScope[]; created_by: string | null;
    lim: number; attempts: number; reset: number;
  }[]>`
    with k as (
      select k.id, k.tenant_id, t.status as tenant_status, k.scopes, k.created_by, k.rate_limit_per_minute as lim
      from api_keys k join tenants t on t.id = k.tenant_id
      where k.key_hash = ${hash} and k.revoked_at is null
    ), rl as (
      insert into login_throttle (key, attempts, window_started_at)
      select 'api:' || k.id, 1, to_timestamp(floor(extract(epoch from now()) / ${RATE_WINDOW_SECONDS}) * ${RATE_WINDOW_SECONDS}) from k
      on conflict (key) do update set
        attempts = case when login_throttle.window_started_at = excluded.window_started_at then login_throttle.attempts + 1 else 1 end,
        window_started_at = excluded.window_started_at
      returning attempts, window_started_at
    ), counted as (
      insert into api_calls (request_id, tenant_id, key_id, method, route)
      select ${input.requestId}, k.tenant_id, k.id, ${input.method}, ${input.route} from k, rl
      where rl.attempts <= k.lim and k.tenant_status <> 'suspended'
      on conflict (request_id) do nothing
      returning 1
    ), touched as (
      update api_keys set last_used_at = now()
      where id = (select id from k) and (last_used_at is null or last_used_at < now() - interval '1 minute')
      returning 1
    )
    select k.id, k.tenant_id, k.tenant_status, k.scopes, k.created_by, k.lim, rl.attempts,
      greatest(1, ceil(extract(epoch from rl.window_started_at + make_interval(secs => ${RATE_WINDOW_SECONDS}) - now())))::int as reset,
      set_config('synchronous_commit', 'off', true) as async_commit
    from k, rl`;
  if (!row) return null;
  return {
    keyId: row.id,
    tenantId: row.tenant_id,
    tenantStatus: row.tenant_status,
    scopes: row.scopes,
    createdBy: row.created_by,
    rate: { limit: row.lim, remaining: Math.max(0, row.lim - row.attempts), resetSeconds: row.reset, allowed: row.attempts <= row.lim },
  };
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  rate_limit_per_minute: number;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  calls: string | number;
}

function toSummary(row: KeyRow): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    callsThisMonth: Number(row.calls),
  };
}
