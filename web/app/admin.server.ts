// What the platform admin sees on /admin: every workspace with its size, every user with their
// platform roles, the processes' heartbeats and the recent audit log. Platform-level reads
// across tenants, so they use the pool's own role (never exposed to a tenant route).
import { isUuid, listProcesses, type ProcessStatus, type Sql } from '../../db/index.ts';
import { recordAudit } from './audit.server.ts';
import type { PlatformRole } from './roles.ts';

export interface AdminTenantRow {
  id: string;
  name: string;
  planCode: string;
  status: string;
  memberCount: number;
  siteCount: number;
  createdAt: Date;
}

export interface AdminUserRow {
  id: string;
  email: string;
  displayName: string;
  platformRoles: PlatformRole[];
  workspaceCount: number;
  createdAt: Date;
}

export interface AdminAuditRow {
  id: number;
  at: Date;
  action: string;
  target: string | null;
  actorEmail: string | null;
  workspaceName: string | null;
  detail: Record<string, unknown>;
}

export interface AdminOverview {
  totals: { tenants: number; users: number; sites: number; liveSites: number };
  tenants: AdminTenantRow[];
  users: AdminUserRow[];
  processes: ProcessStatus[];
  audit: AdminAuditRow[];
}

const LIST_LIMIT = 200;

export async function loadAdminOverview(sql: Sql): Promise<AdminOverview> {
  const [totals] = await sql<AdminOverview['totals'][]>`
    select (select count(*)::int from tenants) as tenants,
           (select count(*)::int from users) as users,
           (select count(*)::int from sites) as sites,
           (select count(*)::int from sites where live_deployment_id is not null) as "liveSites"`;
  const tenants = await sql<AdminTenantRow[]>`
    select t.id, t.name, t.plan_code as "planCode", t.status, t.created_at as "createdAt",
           (select count(*)::int from memberships m where m.tenant_id = t.id) as "memberCount",
           (select count(*)::int from sites s where s.tenant_id = t.id) as "siteCount"
    from tenants t
    order by t.created_at desc
    limit ${LIST_LIMIT}`;
  const users = await sql<AdminUserRow[]>`
    select u.id, u.email, u.display_name as "displayName", u.created_at as "createdAt",
           coalesce((select array_agg(p.role order by p.role) from platform_roles p where p.user_id = u.id), '{}') as "platformRoles",
           (select count(*)::int from memberships m where m.user_id = u.id) as "workspaceCount"
    from users u
    order by u.created_at desc
    limit ${LIST_LIMIT}`;
  const audit = await sql<AdminAuditRow[]>`
    select a.id, a.at, a.action, coalesce(tu.email, a.target) as target, a.detail,
           u.email as "actorEmail", t.name as "workspaceName"
    from audit_log a
      left join users u on u.id = a.user_id
      left join tenants t on t.id = a.tenant_id
      left join users tu on a.action like 'platform_role.%' and tu.id = a.target
    order by a.at desc, a.id desc
    limit 50`;
  const processes = await listProcesses(sql);
  return { totals, tenants: [...tenants], users: [...users], processes, audit: [...audit] };
}

/**
 * Suspends a workspace (its pages answer 403 to members and the edge stops serving its sites)
 * or makes it active again. Recorded in the audit log under that workspace.
 */
export async function setTenantStatus(
  sql: Sql,
  options: { tenantId: string; status: 'active' | 'suspended'; by: string },
): Promise<{ ok: true; name: string } | { ok: false; message: string }> {
  if (!isUuid(options.tenantId)) return { ok: false, message: '워크스페이스를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' };
  return sql.begin(async (tx) => {
    const [tenant] = await tx<{ name: string; status: string }[]>`
      select name, status from tenants where id = ${options.tenantId} for update`;
    if (!tenant) return { ok: false as const, message: '워크스페이스를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' };
    if (tenant.status !== options.status) {
      await tx`update tenants set status = ${options.status} where id = ${options.tenantId}`;
      await recordAudit(tx, {
        tenantId: options.tenantId,
        userId: options.by,
        action: options.status === 'suspended' ? 'workspace.suspended' : 'workspace.reactivated',
        target: tenant.name,
        detail: { from: tenant.status },
      });
    }
    return { ok: true as const, name: tenant.name };
  }) as Promise<{ ok: true; name: string } | { ok: false; message: string }>;
}
