// Workspaces (tenants), their members and invitations. Writes inside a workspace go through
// withTenant(); looking an invitation up by its token and creating a workspace are platform-level
// (they happen before the person is a member of anything).
import { createHash, randomBytes } from 'node:crypto';
import { env } from '../../config/env.ts';
import { startTrial } from '../../billing/index.ts';
import { isUuid, withTenant, type Sql, type TransactionSql } from '../../db/index.ts';
import { recordAudit } from './audit.server.ts';
import { INVITATION_DAYS } from './roles.ts';
import { MEMBER_ROLE_LABELS, normaliseEmail, validateEmail, validateWorkspaceName, type MemberRole } from './auth.server.ts';

export { INVITATION_DAYS } from './roles.ts';

export interface MemberRow {
  userId: string;
  email: string;
  displayName: string;
  role: MemberRole;
  joinedAt: Date;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: MemberRole;
  invitedByName: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface InvitationLookup {
  id: string;
  tenantId: string;
  workspaceName: string;
  email: string;
  role: MemberRole;
  invitedByName: string;
  expiresAt: Date;
  state: 'pending' | 'accepted' | 'expired';
}

export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; field?: string; message: string };

interface Actor {
  tenantId: string;
  userId: string;
}

export function isMemberRole(value: unknown): value is MemberRole {
  return value === 'owner' || value === 'editor' || value === 'viewer';
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The link an invited person opens: PUBLIC_URL (or the address this request came to) + /invite/<token>. */
export function invitationLink(token: string, requestUrl: string): string {
  return new URL(`/invite/${encodeURIComponent(token)}`, env().PUBLIC_URL ?? new URL(requestUrl).origin).toString();
}

export async function listMembers(db: Sql, tenantId: string): Promise<MemberRow[]> {
  return withTenant(db, tenantId, async (tx) => {
    const rows = await tx<{ user_id: string; email: string; display_name: string; role: MemberRole; created_at: Date }[]>`
      select m.user_id, u.email, u.display_name, m.role, m.created_at
      from memberships m join users u on u.id = m.user_id
      order by case m.role when 'owner' then 0 when 'editor' then 1 else 2 end, m.created_at`;
    return rows.map((r) => ({ userId: r.user_id, email: r.email, displayName: r.display_name, role: r.role, joinedAt: r.created_at }));
  });
}

export async function listPendingInvitations(db: Sql, tenantId: string): Promise<PendingInvitation[]> {
  return withTenant(db, tenantId, async (tx) => {
    const rows = await tx<{ id: string; email: string; role: MemberRole; invited_by_name: string; created_at: Date; expires_at: Date }[]>`
      select i.id, i.email, i.role, coalesce(nullif(u.display_name, ''), u.email, '') as invited_by_name, i.created_at, i.expires_at
      from invitations i left join users u on u.id = i.invited_by
      where i.accepted_at is null and i.expires_at > now()
      order by i.created_at desc`;
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      role: r.role,
      invitedByName: r.invited_by_name,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  });
}

/**
 * Invites an email address with a role. Returns the one-time token (only its hash is stored);
 * the page turns it into a link. Inviting the same address again replaces the earlier invitation.
 */
export async function createInvitation(
  db: Sql,
  actor: Actor,
  input: { email: string; role: string },
): Promise<ActionResult<{ token: string; email: string; role: MemberRole }>> {
  const email = normaliseEmail(input.email);
  const emailError = validateEmail(email);
  if (emailError) return { ok: false, field: 'email', message: emailError };
  if (!isMemberRole(input.role)) return { ok: false, field: 'role', message: '권한을 소유자, 편집자, 뷰어 중에서 골라 주세요.' };
  const role = input.role;
  const token = randomBytes(32).toString('base64url');
  return withTenant(db, actor.tenantId, async (tx) => {
    const [member] = await tx`
      select 1 from memberships m join users u on u.id = m.user_id where lower(u.email) = ${email}`;
    if (member) return { ok: false as const, field: 'email', message: `${email}은(는) 이미 이 워크스페이스의 멤버입니다.` };
    await tx`delete from invitations where lower(email) = ${email} and accepted_at is null`;
    const [invitation] = await tx<{ id: string }[]>`
      insert into invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
      values (${actor.tenantId}, ${email}, ${role}, ${hashToken(token)}, ${actor.userId},
              now() + make_interval(days => ${INVITATION_DAYS}))
      returning id`;
    await recordAudit(tx, { tenantId: actor.tenantId, userId: actor.userId, action: 'member.invited', target: email, detail: { role, invitationId: invitation.id } });
    return { ok: true as const, token, email, role };
  });
}

export async function revokeInvitation(db: Sql, actor: Actor, invitationId: string): Promise<ActionResult> {
  if (!isUuid(invitationId)) return { ok: false, message: '초대를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' };
  return withTenant(db, actor.tenantId, async (tx) => {
    const deleted = await tx<{ email: string }[]>`
      delete from invitations where id = ${invitationId} and accepted_at is null returning email`;
    if (deleted.length === 0) return { ok: false as const, message: '이미 수락되었거나 취소된 초대입니다. 페이지를 새로 고쳐 주세요.' };
    await recordAudit(tx, { tenantId: actor.tenantId, userId: actor.userId, action: 'member.invitation_revoked', target: deleted[0].email });
    return { ok: true as const };
  });
}

/** The invitation behind a token, whichever workspace it belongs to; null when unknown. */
export async function findInvitation(db: Sql, token: string): Promise<InvitationLookup | null> {
  if (!token || token.length > 200) return null;
  const [row] = await db<{
    id: string; tenant_id: string; workspace_name: string; email: string; role: MemberRole;
    invited_by_name: string; expires_at: Date; accepted_at: Date | null; expired: boolean;
  }[]>`
    select i.id, i.tenant_id, t.name as workspace_name, i.email, i.role,
           coalesce(nullif(u.display_name, ''), u.email, '') as invited_by_name,
           i.expires_at, i.accepted_at, i.expires_at <= now() as expired
    from invitations i join tenants t on t.id = i.tenant_id left join users u on u.id = i.invited_by
    where i.token_hash = ${hashToken(token)}`;
  if (!row) return null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    workspaceName: row.workspace_name,
    email: row.email,
    role: row.role,
    invitedByName: row.invited_by_name,
    expiresAt: row.expires_at,
    state: row.accepted_at ? 'accepted' : row.expired ? 'expired' : 'pending',
  };
}

/**
 * The user joins the invitation's workspace with its role. The invitation is for one email
 * address: a user logged in with another address is told so. A user who is already a member
 * keeps their current role.
 */
export async function acceptInvitation(db: Sql, token: string, userId: string): Promise<ActionResult<{ tenantId: string; workspaceName: string }>> {
  const invitation = await findInvitation(db, token);
  if (!invitation) return { ok: false, message: '초대 링크가 올바르지 않습니다. 초대한 분께 새 링크를 요청해 주세요.' };
  if (invitation.state === 'accepted') return { ok: false, message: '이미 사용된 초대 링크입니다. 초대한 분께 새 링크를 요청해 주세요.' };
  if (invitation.state === 'expired') return { ok: false, message: '초대 링크가 만료되었습니다. 초대한 분께 새 링크를 요청해 주세요.' };
  const [user] = await db<{ email: string }[]>`select email from users where id = ${userId}`;
  if (!user) return { ok: false, message: '계정을 찾을 수 없습니다. 다시 로그인해 주세요.' };
  if (normaliseEmail(user.email) !== normaliseEmail(invitation.email)) {
    return {
      ok: false,
      message: `이 초대는 ${invitation.email} 주소로 보낸 것입니다. 지금은 ${user.email}(으)로 로그인되어 있습니다. 초대받은 이메일로 로그인하거나 가입해 주세요.`,
    };
  }
  return withTenant(db, invitation.tenantId, async (tx) => {
    const used = await tx`update invitations set accepted_at = now() where id = ${invitation.id} and accepted_at is null`;
    if (used.count === 0) return { ok: false as const, message: '이미 사용된 초대 링크입니다. 초대한 분께 새 링크를 요청해 주세요.' };
    await tx`
      insert into memberships (tenant_id, user_id, role) values (${invitation.tenantId}, ${userId}, ${invitation.role})
      on conflict (tenant_id, user_id) do nothing`;
    await recordAudit(tx, { tenantId: invitation.tenantId, userId, action: 'member.joined', target: user.email, detail: { role: invitation.role, invitationId: invitation.id } });
    return { ok: true as const, tenantId: invitation.tenantId, workspaceName: invitation.workspaceName };
  });
}

/** Serialises membership changes of one workspace and counts its owners. */
async function lockWorkspaceOwners(tx: TransactionSql, tenantId: string): Promise<number> {
  await tx`select id from tenants where id = ${tenantId} for update`;
  const [{ owners }] = await tx<{ owners: number }[]>`select count(*)::int as owners from memberships where role = 'owner'`;
  return owners;
}

const LAST_OWNER = '워크스페이스에는 소유자가 최소 한 명 있어야 합니다. 다른 멤버를 먼저 소유자로 지정해 주세요.';

export async function changeMemberRole(db: Sql, actor: Actor, input: { userId: string; role: string }): Promise<ActionResult> {
  if (!isMemberRole(input.role)) return { ok: false, field: 'role', message: '권한을 소유자, 편집자, 뷰어 중에서 골라 주세요.' };
  const role = input.role;
  return withTenant(db, actor.tenantId, async (tx) => {
    const owners = await lockWorkspaceOwners(tx, actor.tenantId);
    const [current] = await tx<{ role: MemberRole; email: string }[]>`
      select m.role, u.email from memberships m join users u on u.id = m.user_id where m.user_id = ${input.userId}`;
    if (!current) return { ok: false as const, message: '멤버를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' };
    if (current.role === role) return { ok: true as const };
    if (current.role === 'owner' && owners <= 1) return { ok: false as const, message: LAST_OWNER };
    await tx`update memberships set role = ${role} where user_id = ${input.userId}`;
    await recordAudit(tx, {
      tenantId: actor.tenantId,
      userId: actor.userId,
      action: 'member.role_changed',
      target: current.email,
      detail: { from: current.role, to: role, fromLabel: MEMBER_ROLE_LABELS[current.role], toLabel: MEMBER_ROLE_LABELS[role] },
    });
    return { ok: true as const };
  });
}

export async function removeMember(db: Sql, actor: Actor, userId: string): Promise<ActionResult> {
  return withTenant(db, actor.tenantId, async (tx) => {
    const owners = await lockWorkspaceOwners(tx, actor.tenantId);
    const [current] = await tx<{ role: MemberRole; email: string }[]>`
      select m.role, u.email from memberships m join users u on u.id = m.user_id where m.user_id = ${userId}`;
    if (!current) return { ok: false as const, message: '멤버를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' };
    if (current.role === 'owner' && owners <= 1) return { ok: false as const, message: LAST_OWNER };
    await tx`delete from memberships where user_id = ${userId}`;
    await recordAudit(tx, { tenantId: actor.tenantId, userId: actor.userId, action: 'member.removed', target: current.email, detail: { role: current.role } });
    return { ok: true as const };
  });
}

/** A new workspace owned by the user (the user's second shop, or after leaving every workspace). */
export async function createWorkspace(db: Sql, userId: string, name: string): Promise<ActionResult<{ tenantId: string }>> {
  const workspaceName = name.trim();
  const error = validateWorkspaceName(workspaceName);
  if (error) return { ok: false, field: 'name', message: error };
  const tenantId = await db.begin(async (tx) => {
    const [tenant] = await tx<{ id: string }[]>`insert into tenants (name) values (${workspaceName}) returning id`;
    await tx`insert into memberships (tenant_id, user_id, role) values (${tenant.id}, ${userId}, 'owner')`;
    await recordAudit(tx, { tenantId: tenant.id, userId, action: 'workspace.created', target: workspaceName });
    return tenant.id;
  });
  await startTrial(db, tenantId as string);
  return { ok: true, tenantId: tenantId as string };
}
