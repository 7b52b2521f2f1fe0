// The audit log: who did what, when. Platform-level events (a failed login, a platform role
// granted) carry no tenant; workspace events carry the tenant they happened in.
import type { Sql, TransactionSql } from '../../db/index.ts';

export type AuditAction =
  | 'user.signed_up'
  | 'user.logged_in'
  | 'user.login_failed'
  | 'user.login_throttled'
  | 'workspace.created'
  | 'workspace.suspended'
  | 'workspace.reactivated'
  | 'member.invited'
  | 'member.invitation_revoked'
  | 'member.joined'
  | 'member.role_changed'
  | 'member.removed'
  | 'platform_role.granted'
  | 'platform_role.revoked';

export interface AuditEntry {
  tenantId: string | null;
  userId: string | null;
  action: AuditAction;
  target?: string | null;
  detail?: Record<string, unknown>;
}

export async function recordAudit(sql: Sql | TransactionSql, entry: AuditEntry): Promise<void> {
  await sql`
    insert into audit_log (tenant_id, user_id, action, target, detail)
    values (${entry.tenantId}, ${entry.userId}, ${entry.action}, ${entry.target ?? null},
            ${sql.json((entry.detail ?? {}) as never)})`;
}
