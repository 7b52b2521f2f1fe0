// Accounts and sessions: the ONLY module that knows about lucia. Everything else calls the
// guards below at the top of each loader and action:
//
//   const user = await requireUser(request);                          // or redirect to /login
//   const { user, tenant, role } = await requireMember(request, 'editor');  // active workspace
//   const admin = await requirePlatformRole(request, 'admin');
//
// Sessions live in user_sessions (lucia 3 + the postgres.js adapter); the session's tenant_id
// is the active workspace. Passwords are hashed with Argon2id (memory-hard). Lucia is no longer
// developed upstream, so nothing outside this file imports it: swapping it touches only here.
import { PostgresJsAdapter } from '@lucia-auth/adapter-postgresql';
import { json, redirect } from '@remix-run/node';
import { generateIdFromEntropySize, Lucia, TimeSpan } from 'lucia';
import { env } from '../../config/env.ts';
import { isUuid, type Sql } from '../../db/index.ts';
import { startTrial } from '../../billing/index.ts';
import { hashPassword, verifyPassword } from './argon2.server.ts';
import { recordAudit } from './audit.server.ts';
import { sql } from './db.server.ts';
import { clearLoginAttempts, formatWait, recordLoginFailure, takeLoginAttempt } from './login-throttle.server.ts';
import { MEMBER_ROLE_LABELS, PASSWORD_MIN_LENGTH, PLATFORM_ROLE_LABELS, type MemberRole, type PlatformRole } from './roles.ts';
import { currentRequestScope } from './runtime.server.ts';

export * from './roles.ts';

const ROLE_RANK: Record<MemberRole, number> = { viewer: 1, editor: 2, owner: 3 };

export interface AuthUser {
  id: string;
  email: string;
  displayName: string;
  platformRoles: PlatformRole[];
}

export interface Tenant {
  id: string;
  name: string;
  planCode: string;
  status: 'active' | 'limited' | 'suspended';
}

export interface Membership {
  tenant: Tenant;
  role: MemberRole;
}

export interface MemberContext {
  user: AuthUser;
  tenant: Tenant;
  role: MemberRole;
}

// ---------------------------------------------------------------------------------------------
// lucia

declare module 'lucia' {
  interface Register {
    Lucia: Lucia<SessionAttributes, UserAttributes>;
    DatabaseSessionAttributes: { tenant_id: string | null };
    DatabaseUserAttributes: { email: string; display_name: string };
  }
}
type SessionAttributes = { tenantId: string | null };
type UserAttributes = { email: string; displayName: string };

const luciaByPool = new WeakMap<object, Lucia<SessionAttributes, UserAttributes>>();

function lucia(): Lucia<SessionAttributes, UserAttributes> {
  // `sql` forwards to the process pool; key the instance on the real pool behind it.
  const pool = sql.options as object;
  let instance = luciaByPool.get(pool);
  if (!instance) {
    instance = new Lucia<SessionAttributes, UserAttributes>(
      new PostgresJsAdapter(sql as never, { user: 'users', session: 'user_sessions' }),
      {
        sessionExpiresIn: new TimeSpan(30, 'd'),
        sessionCookie: {
          name: 'ww_session',
          attributes: { sameSite: 'lax', secure: env().publicUrl.startsWith('https:') },
        },
        getSessionAttributes: (attributes) => ({ tenantId: attributes.tenant_id ?? null }),
        getUserAttributes: (attributes) => ({ email: attributes.email, displayName: attributes.display_name }),
      },
    );
    luciaByPool.set(pool, instance);
  }
  return instance;
}

// Verified against when the email is unknown, so both paths take the same time.
let decoyHash: Promise<string> | undefined;

// ---------------------------------------------------------------------------------------------
// sessions

interface SessionInfo {
  sessionId: string;
  tenantId: string | null;
  user: AuthUser;
}

const sessionsByRequest = new WeakMap<Request, Promise<SessionInfo | null>>();

async function loadSession(request: Request): Promise<SessionInfo | null> {
  const auth = lucia();
  const sessionId = auth.readSessionCookie(request.headers.get('Cookie') ?? '');
  if (!sessionId) return null;
  const { session, user } = await auth.validateSession(sessionId);
  const scope = currentRequestScope();
  if (!session) {
    scope?.appendSetCookie(auth.createBlankSessionCookie().serialize());
    return null;
  }
  if (session.fresh) scope?.appendSetCookie(auth.createSessionCookie(session.id).serialize());
  const roles = await sql<{ role: PlatformRole }[]>`
    select role from platform_roles where user_id = ${user.id} order by role`;
  return {
    sessionId: session.id,
    tenantId: session.tenantId,
    user: { id: user.id, email: user.email, displayName: user.displayName, platformRoles: roles.map((r) => r.role) },
  };
}

/** The session of this request, validated once per request. */
function getSession(request: Request): Promise<SessionInfo | null> {
  let pending = sessionsByRequest.get(request);
  if (!pending) {
    pending = loadSession(request);
    sessionsByRequest.set(request, pending);
  }
  return pending;
}

/** The logged-in user, or null for a visitor. */
export async function getOptionalUser(request: Request): Promise<AuthUser | null> {
  return (await getSession(request))?.user ?? null;
}

function loginUrl(request: Request): string {
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  return back === '/' ? '/login' : `/login?redirectTo=${encodeURIComponent(back)}`;
}

/** The logged-in user; a visitor is redirected to /login?redirectTo=<this page>. */
export async function requireUser(request: Request): Promise<AuthUser> {
  const session = await getSession(request);
  if (!session) throw redirect(loginUrl(request));
  return session.user;
}

/** A Korean 403 answer; route error boundaries show `message`. */
export function forbidden(message: string): Response {
  return json({ message }, { status: 403 });
}

/** Every workspace the user belongs to, oldest first. */
export async function listMemberships(userId: string): Promise<Membership[]> {
  // Platform-level read (which workspaces does this person belong to): the pool's own role,
  // not withTenant, because it spans tenants by definition.
  const rows = await sql<{ id: string; name: string; plan_code: string; status: Tenant['status']; role: MemberRole }[]>`
    select t.id, t.name, t.plan_code,
           -- suspended for non-payment (billing/grace.ts): members still sign in, to pay; the app treats it as limited
           case when t.status = 'suspended' and t.suspended_reason = 'unpaid' then 'limited' else t.status end as status, m.role
    from memberships m join tenants t on t.id = m.tenant_id
    where m.user_id = ${userId}
    order by m.created_at, t.name`;
  return rows.map((r) => ({ tenant: { id: r.id, name: r.name, planCode: r.plan_code, status: r.status }, role: r.role }));
}

/** The active workspace of this session (falls back to the user's first one), or null. */
export async function getActiveMembership(request: Request): Promise<{ user: AuthUser; membership: Membership | null; memberships: Membership[] } | null> {
  const session = await getSession(request);
  if (!session) return null;
  const memberships = await listMemberships(session.user.id);
  let active = memberships.find((m) => m.tenant.id === session.tenantId) ?? null;
  if (!active && memberships.length > 0) {
    active = memberships[0];
    await sql`update user_sessions set tenant_id = ${active.tenant.id} where id = ${session.sessionId}`;
    session.tenantId = active.tenant.id;
  }
  return { user: session.user, membership: active, memberships };
}

/**
 * The user, the session's active workspace and the user's role in it. Redirects a visitor to
 * /login and a user without any workspace to /workspace/new; a role below `minRole` or a
 * suspended workspace is a 403 with a Korean message.
 */
export async function requireMember(request: Request, minRole: MemberRole): Promise<MemberContext> {
  const user = await requireUser(request);
  const active = await getActiveMembership(request);
  const membership = active?.membership;
  if (!membership) throw redirect('/workspace/new');
  if (membership.tenant.status === 'suspended') {
    throw forbidden(`'${membership.tenant.name}' 워크스페이스는 정지되었습니다. 고객센터에 문의해 주세요.`);
  }
  if (ROLE_RANK[membership.role] < ROLE_RANK[minRole]) {
    throw forbidden(
      `이 작업에는 ${MEMBER_ROLE_LABELS[minRole]} 이상의 권한이 필요합니다. 현재 권한은 ${MEMBER_ROLE_LABELS[membership.role]}입니다. 워크스페이스 소유자에게 권한을 요청해 주세요.`,
    );
  }
  return { user, tenant: membership.tenant, role: membership.role };
}

/** A user with the platform role (admin implies every platform role); otherwise 403. */
export async function requirePlatformRole(request: Request, role: PlatformRole): Promise<AuthUser> {
  const user = await requireUser(request);
  if (!user.platformRoles.includes(role) && !user.platformRoles.includes('admin')) {
    throw forbidden(`이 페이지는 플랫폼 ${PLATFORM_ROLE_LABELS[role]} 권한이 있는 사람만 볼 수 있습니다.`);
  }
  return user;
}

/** Makes `tenantId` the session's active workspace; false when the user is not a member. */
export async function switchWorkspace(request: Request, tenantId: string): Promise<boolean> {
  const session = await getSession(request);
  if (!session || !isUuid(tenantId)) return false;
  const [member] = await sql`select 1 from memberships where tenant_id = ${tenantId} and user_id = ${session.user.id}`;
  if (!member) return false;
  await sql`update user_sessions set tenant_id = ${tenantId} where id = ${session.sessionId}`;
  session.tenantId = tenantId;
  return true;
}

/** A new session for the user with `tenantId` active; returns the Set-Cookie header value. */
export async function createUserSession(userId: string, tenantId: string | null): Promise<string> {
  const session = await lucia().createSession(userId, { tenant_id: tenantId });
  return lucia().createSessionCookie(session.id).serialize();
}

/** Ends this request's session; returns the Set-Cookie header value that clears the cookie. */
export async function logout(request: Request): Promise<string> {
  const session = await getSession(request);
  if (session) await lucia().invalidateSession(session.sessionId);
  return lucia().createBlankSessionCookie().serialize();
}

// ---------------------------------------------------------------------------------------------
// sign-up and log-in

export type FieldErrors<F extends string> = Partial<Record<F | 'form', string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function validateEmail(email: string): string | undefined {
  if (!email) return '이메일을 입력해 주세요.';
  if (email.length > 254 || !EMAIL.test(email)) return '이메일 형식이 올바르지 않습니다. 예: name@example.com';
  return undefined;
}

export function validatePassword(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `비밀번호는 ${PASSWORD_MIN_LENGTH}자 이상이어야 합니다.`;
  if (password.length > 200) return '비밀번호는 200자 이하로 입력해 주세요.';
  return undefined;
}

export function validateWorkspaceName(name: string): string | undefined {
  if (!name) return '워크스페이스 이름을 입력해 주세요. 보통 가게나 회사 이름을 씁니다.';
  if (name.length > 100) return '워크스페이스 이름은 100자 이하로 입력해 주세요.';
  return undefined;
}

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  /** A new workspace to create and own; null when the user joins through an invitation instead. */
  workspaceName: string | null;
}

export type SignUpResult =
  | { ok: true; userId: string; tenantId: string | null }
  | { ok: false; errors: FieldErrors<'email' | 'password' | 'displayName' | 'workspaceName'> };

const UNIQUE_VIOLATION = '23505';

/** Creates the user, and (when asked) a workspace owned by them, in one transaction. */
export async function signUp(input: SignUpInput): Promise<SignUpResult> {
  const email = normaliseEmail(input.email);
  const displayName = input.displayName.trim();
  const workspaceName = input.workspaceName?.trim() ?? null;
  const errors: FieldErrors<'email' | 'password' | 'displayName' | 'workspaceName'> = {};
  const emailError = validateEmail(email);
  if (emailError) errors.email = emailError;
  const passwordError = validatePassword(input.password);
  if (passwordError) errors.password = passwordError;
  if (!displayName) errors.displayName = '이름을 입력해 주세요.';
  else if (displayName.length > 60) errors.displayName = '이름은 60자 이하로 입력해 주세요.';
  if (workspaceName !== null) {
    const workspaceError = validateWorkspaceName(workspaceName);
    if (workspaceError) errors.workspaceName = workspaceError;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const duplicate = { ok: false as const, errors: { email: '이미 가입된 이메일입니다. 로그인하거나 다른 이메일을 입력해 주세요.' } };
  const [existing] = await sql`select 1 from users where lower(email) = ${email}`;
  if (existing) return duplicate;

  const passwordHash = await hashPassword(input.password);
  const userId = generateIdFromEntropySize(10);
  try {
    const tenantId = await sql.begin(async (tx) => {
      await tx`insert into users (id, email, password_hash, display_name)
               values (${userId}, ${email}, ${passwordHash}, ${displayName})`;
      if (workspaceName === null) {
        await recordAudit(tx, { tenantId: null, userId, action: 'user.signed_up', target: email });
        return null;
      }
      const [tenant] = await tx<{ id: string }[]>`insert into tenants (name) values (${workspaceName}) returning id`;
      await tx`insert into memberships (tenant_id, user_id, role) values (${tenant.id}, ${userId}, 'owner')`;
      await recordAudit(tx, { tenantId: tenant.id, userId, action: 'user.signed_up', target: email, detail: { workspace: workspaceName } });
      return tenant.id;
    });
    if (tenantId) await startTrial(sql, tenantId);
    return { ok: true, userId, tenantId };
  } catch (error) {
    // Two sign-ups with the same email at the same moment: the unique index decides.
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return duplicate;
    throw error;
  }
}

export type LogInResult =
  | { ok: true; userId: string }
  | { ok: false; errors: FieldErrors<'email' | 'password'> };

/** Checks email and password under the shared rate limit; records failures in the audit log. */
export async function logIn(input: { email: string; password: string }): Promise<LogInResult> {
  const email = normaliseEmail(input.email);
  if (!email) return { ok: false, errors: { email: '이메일을 입력해 주세요.' } };
  if (!input.password) return { ok: false, errors: { password: '비밀번호를 입력해 주세요.' } };
  const ip = currentRequestScope()?.clientIp ?? 'unknown';

  const decision = await takeLoginAttempt(sql, email, ip);
  if (!decision.allowed) {
    await recordAudit(sql, { tenantId: null, userId: null, action: 'user.login_throttled', target: email, detail: { ip } });
    return {
      ok: false,
      errors: {
        form: `로그인 시도가 너무 많습니다. ${formatWait(decision.retryAfterSeconds)} 후에 다시 시도해 주세요. 비밀번호가 기억나지 않으면 워크스페이스 관리자에게 문의해 주세요.`,
      },
    };
  }

  const [user] = await sql<{ id: string; password_hash: string }[]>`
    select id, password_hash from users where lower(email) = ${email}`;
  decoyHash ??= hashPassword('windwalker-decoy-password');
  const valid = user
    ? await verifyPassword(user.password_hash, input.password).catch(() => false)
    : (await verifyPassword(await decoyHash, input.password).catch(() => false)) && false;
  if (!user || !valid) {
    await recordLoginFailure(sql, ip);
    await recordAudit(sql, {
      tenantId: null,
      userId: user?.id ?? null,
      action: 'user.login_failed',
      target: email,
      detail: { ip, reason: user ? 'wrong_password' : 'unknown_email' },
    });
    return { ok: false, errors: { form: '이메일 또는 비밀번호가 올바르지 않습니다. 다시 확인해 주세요.' } };
  }
  await clearLoginAttempts(sql, email, ip);
  await recordAudit(sql, { tenantId: null, userId: user.id, action: 'user.logged_in', target: email, detail: { ip } });
  return { ok: true, userId: user.id };
}

/** A redirect target that stays on this site (`/sites`, never `//evil.example`). */
export function safeRedirectTarget(value: FormDataEntryValue | string | null | undefined, fallback = '/sites'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

/**
 * Grants or revokes a platform role (the /admin page and `npm run admin:create`). The last
 * admin cannot be revoked, so the platform never locks itself out.
 */
export async function setPlatformRole(
  db: Sql,
  options: { userId: string; role: PlatformRole; granted: boolean; by: string | null },
): Promise<{ ok: true; changed: boolean } | { ok: false; message: string }> {
  return db.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(7243120)`;
    if (options.granted) {
      const inserted = await tx`
        insert into platform_roles (user_id, role, granted_by) values (${options.userId}, ${options.role}, ${options.by})
        on conflict do nothing`;
      if (inserted.count > 0) {
        await recordAudit(tx, { tenantId: null, userId: options.by, action: 'platform_role.granted', target: options.userId, detail: { role: options.role } });
      }
      return { ok: true as const, changed: inserted.count > 0 };
    }
    if (options.role === 'admin') {
      const [{ admins }] = await tx<{ admins: number }[]>`
        select count(*)::int as admins from platform_roles where role = 'admin' and user_id <> ${options.userId}`;
      if (admins === 0) {
        return { ok: false as const, message: '플랫폼 관리자는 최소 한 명 있어야 합니다. 다른 사람에게 관리자 권한을 먼저 주세요.' };
      }
    }
    const deleted = await tx`delete from platform_roles where user_id = ${options.userId} and role = ${options.role}`;
    if (deleted.count > 0) {
      await recordAudit(tx, { tenantId: null, userId: options.by, action: 'platform_role.revoked', target: options.userId, detail: { role: options.role } });
    }
    return { ok: true as const, changed: deleted.count > 0 };
  }) as Promise<{ ok: true; changed: boolean } | { ok: false; message: string }>;
}
