import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { loadAdminOverview, setTenantStatus } from '~/admin.server.ts';
import { requirePlatformRole, setPlatformRole } from '~/auth.server.ts';
import { formatSeoulNumericDate, formatSeoulNumericDateTime } from '~/components/seoul-time.ts';
import { sql } from '~/db.server.ts';
import { MEMBER_ROLE_LABELS, PLATFORM_ROLE_LABELS, PLATFORM_ROLES, type PlatformRole } from '~/roles.ts';

export const meta: MetaFunction = () => [{ title: '관리자 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requirePlatformRole(request, 'admin');
  const overview = await loadAdminOverview(sql);
  return json({ myUserId: admin.id, ...overview });
}

function isPlatformRole(value: unknown): value is PlatformRole {
  return PLATFORM_ROLES.includes(value as PlatformRole);
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePlatformRole(request, 'admin');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'suspend' || intent === 'reactivate') {
    const result = await setTenantStatus(sql, {
      tenantId: String(form.get('tenantId') ?? ''),
      status: intent === 'suspend' ? 'suspended' : 'active',
      by: admin.id,
    });
    if (!result.ok) return json({ ok: false, message: result.message }, { status: 400 });
    return json({
      ok: true,
      message: intent === 'suspend' ? `'${result.name}' 워크스페이스를 정지했습니다. 멤버는 들어올 수 없고 사이트는 공개되지 않습니다.` : `'${result.name}' 워크스페이스를 다시 열었습니다.`,
    });
  }
  const role = form.get('role');
  const userId = String(form.get('userId') ?? '');
  if ((intent !== 'grant' && intent !== 'revoke') || !isPlatformRole(role) || !userId) {
    return json({ ok: false, message: '요청을 이해하지 못했습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
  }
  const [target] = await sql<{ email: string }[]>`select email from users where id = ${userId}`;
  if (!target) return json({ ok: false, message: '사용자를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' }, { status: 404 });
  const result = await setPlatformRole(sql, { userId, role, granted: intent === 'grant', by: admin.id });
  if (!result.ok) return json({ ok: false, message: result.message }, { status: 400 });
  const label = PLATFORM_ROLE_LABELS[role];
  return json({ ok: true, message: intent === 'grant' ? `${target.email}에게 ${label} 권한을 주었습니다.` : `${target.email}의 ${label} 권한을 회수했습니다.` });
}

const PROCESS_LABELS: Record<string, string> = { web: '웹', worker: '빌드 워커', monitor: '모니터', edge: '엣지' };
const PLAN_LABELS: Record<string, string> = { trial: '체험', basic: '기본', premium: '프리미엄', enterprise: '엔터프라이즈' };
const STATUS_LABELS: Record<string, { label: string; tone: string }> = {
  active: { label: '정상', tone: 'badge-success' },
  limited: { label: '제한', tone: 'badge-warning' },
  suspended: { label: '정지', tone: 'badge-danger' },
};
const AUDIT_LABELS: Record<string, string> = {
  'user.signed_up': '회원가입',
  'user.logged_in': '로그인',
  'user.login_failed': '로그인 실패',
  'user.login_throttled': '로그인 제한',
  'workspace.created': '워크스페이스 생성',
  'workspace.suspended': '워크스페이스 정지',
  'workspace.reactivated': '워크스페이스 재개',
  'member.invited': '멤버 초대',
  'member.invitation_revoked': '초대 취소',
  'member.joined': '멤버 합류',
  'member.role_changed': '권한 변경',
  'member.removed': '멤버 내보내기',
  'platform_role.granted': '플랫폼 권한 부여',
  'platform_role.revoked': '플랫폼 권한 회수',
};

function auditDetail(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof detail.role === 'string') {
    parts.push(PLATFORM_ROLE_LABELS[detail.role as PlatformRole] ?? MEMBER_ROLE_LABELS[detail.role as keyof typeof MEMBER_ROLE_LABELS] ?? detail.role);
  }
  if (typeof detail.fromLabel === 'string' && typeof detail.toLabel === 'string') parts.push(`${detail.fromLabel} → ${detail.toLabel}`);
  if (typeof detail.ip === 'string') parts.push(`IP ${detail.ip}`);
  if (detail.reason === 'unknown_email') parts.push('가입하지 않은 이메일');
  if (detail.reason === 'wrong_password') parts.push('비밀번호 틀림');
  return parts.join(' · ');
}

function ago(value: string | Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(value).getTime()) / 1000));
  if (seconds < 60) return `${seconds}초 전`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}분 전`;
  return `${Math.floor(seconds / 3600)}시간 전`;
}

export default function Admin() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  const aliveCount = data.processes.filter((p) => p.alive).length;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>플랫폼 관리</h1>
          <p>모든 워크스페이스, 사용자, 프로세스 상태와 최근 활동입니다.</p>
        </div>
        <Link to="/admin/builds" className="button button-secondary">
          빌드 팜 보기
        </Link>
      </div>

      {result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 20 }}>
          {result.message}
        </div>
      ) : null}

      <div className="stats">
        <div className="stat">
          <div className="stat-label">워크스페이스</div>
          <div className="stat-value">{data.totals.tenants.toLocaleString('ko-KR')}</div>
        </div>
        <div className="stat">
          <div className="stat-label">사용자</div>
          <div className="stat-value">{data.totals.users.toLocaleString('ko-KR')}</div>
        </div>
        <div className="stat">
          <div className="stat-label">사이트 (공개 중)</div>
          <div className="stat-value">
            {data.totals.sites.toLocaleString('ko-KR')} <span className="muted small">({data.totals.liveSites.toLocaleString('ko-KR')})</span>
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">살아 있는 프로세스</div>
          <div className="stat-value">
            {aliveCount} <span className="muted small">/ {data.processes.length}</span>
          </div>
        </div>
      </div>

      <section className="card card-flush">
        <div className="card-header">
          <h2>프로세스</h2>
          <span className="muted small">30초 안에 신호가 있으면 살아 있음</span>
        </div>
        <div className="table-wrap">
          {data.processes.length === 0 ? (
            <p className="empty-state">최근 1시간 동안 신호를 보낸 프로세스가 없습니다.</p>
          ) : (
            <table className="table" style={{ marginTop: 12 }}>
              <thead>
                <tr>
                  <th>상태</th>
                  <th>종류</th>
                  <th>호스트</th>
                  <th className="num">PID</th>
                  <th>실행 방식</th>
                  <th>시작</th>
                  <th>마지막 신호</th>
                </tr>
              </thead>
              <tbody>
                {data.processes.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <span className={`dot ${p.alive ? 'dot-alive' : 'dot-dead'}`} aria-hidden="true" />
                      {p.alive ? '살아 있음' : p.stopped_at ? '종료됨' : '응답 없음'}
                    </td>
                    <td>{PROCESS_LABELS[p.kind] ?? p.kind}</td>
                    <td className="mono">{p.host}</td>
                    <td className="num">{p.pid}</td>
                    <td>{p.executor ?? '—'}</td>
                    <td className="muted small">{formatSeoulNumericDateTime(p.started_at)}</td>
                    <td className="muted small" suppressHydrationWarning>
                      {ago(p.last_seen_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>워크스페이스</h2>
          <span className="muted small">최근 {data.tenants.length}곳</span>
        </div>
        <div className="table-wrap">
          <table className="table" style={{ marginTop: 12 }}>
            <thead>
              <tr>
                <th>이름</th>
                <th>요금제</th>
                <th>상태</th>
                <th className="num">멤버</th>
                <th className="num">사이트</th>
                <th>만든 날</th>
                <th>
                  <span className="sr-only">관리</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.tenants.map((t) => {
                const status = STATUS_LABELS[t.status] ?? { label: t.status, tone: '' };
                return (
                  <tr key={t.id}>
                    <td className="person-name">{t.name}</td>
                    <td>{PLAN_LABELS[t.planCode] ?? t.planCode}</td>
                    <td>
                      <span className={`badge ${status.tone}`}>{status.label}</span>
                    </td>
                    <td className="num">{t.memberCount}</td>
                    <td className="num">{t.siteCount}</td>
                    <td className="muted small">{formatSeoulNumericDate(t.createdAt)}</td>
                    <td>
                      <Form
                        method="post"
                        className="actions"
                        onSubmit={(event) => {
                          if (t.status !== 'suspended' && !confirm(`'${t.name}' 워크스페이스를 정지할까요? 멤버가 들어올 수 없고 사이트가 공개되지 않습니다.`)) {
                            event.preventDefault();
                          }
                        }}
                      >
                        <input type="hidden" name="tenantId" value={t.id} />
                        {t.status === 'suspended' ? (
                          <button type="submit" name="intent" value="reactivate" className="button button-secondary button-small" disabled={busy}>
                            다시 열기
                          </button>
                        ) : (
                          <button type="submit" name="intent" value="suspend" className="button button-danger button-small" disabled={busy}>
                            정지
                          </button>
                        )}
                      </Form>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>사용자와 플랫폼 권한</h2>
          <span className="muted small">관리자는 모든 플랫폼 권한을 포함합니다</span>
        </div>
        <div className="table-wrap">
          <table className="table" style={{ marginTop: 12 }}>
            <thead>
              <tr>
                <th>사용자</th>
                <th className="num">워크스페이스</th>
                <th>가입일</th>
                <th>플랫폼 권한</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <div className="person-name">
                      {u.displayName || u.email}
                      {u.id === data.myUserId ? <span className="muted small"> (나)</span> : null}
                    </div>
                    <div className="person-email">{u.email}</div>
                  </td>
                  <td className="num">{u.workspaceCount}</td>
                  <td className="muted small">{formatSeoulNumericDate(u.createdAt)}</td>
                  <td>
                    <div className="role-toggles">
                      {PLATFORM_ROLES.map((role) => {
                        const has = u.platformRoles.includes(role);
                        return (
                          <Form method="post" key={role}>
                            <input type="hidden" name="userId" value={u.id} />
                            <input type="hidden" name="role" value={role} />
                            <input type="hidden" name="intent" value={has ? 'revoke' : 'grant'} />
                            <button
                              type="submit"
                              className={`role-toggle${has ? ' is-on' : ''}`}
                              aria-pressed={has}
                              disabled={busy}
                              title={has ? `${PLATFORM_ROLE_LABELS[role]} 권한 회수` : `${PLATFORM_ROLE_LABELS[role]} 권한 주기`}
                            >
                              {PLATFORM_ROLE_LABELS[role]}
                            </button>
                          </Form>
                        );
                      })}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>최근 활동</h2>
          <span className="muted small">감사 로그 최근 50건</span>
        </div>
        {data.audit.length === 0 ? (
          <p className="empty-state">아직 기록된 활동이 없습니다.</p>
        ) : (
          <ul className="log-list" style={{ marginTop: 12 }}>
            {data.audit.map((a) => (
              <li key={a.id}>
                <time dateTime={String(a.at)}>{formatSeoulNumericDateTime(a.at)}</time>
                <div>
                  <span className={`badge${a.action.includes('failed') || a.action.includes('throttled') ? ' badge-danger' : ''}`}>
                    {AUDIT_LABELS[a.action] ?? a.action}
                  </span>{' '}
                  {a.target ? <span>{a.target}</span> : null}
                  {a.workspaceName ? <span className="muted"> · {a.workspaceName}</span> : null}
                  {a.actorEmail && a.actorEmail !== a.target ? <span className="muted"> · 처리: {a.actorEmail}</span> : null}
                  {auditDetail(a.detail) ? <span className="muted small"> · {auditDetail(a.detail)}</span> : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
