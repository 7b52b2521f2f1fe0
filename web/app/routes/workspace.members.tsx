import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { forbidden, requireMember } from '~/auth.server.ts';
import { Field, FormError } from '~/components/field.tsx';
import { formatSeoulDate } from '~/components/seoul-time.ts';
import { sql } from '~/db.server.ts';
import { INVITATION_DAYS, MEMBER_ROLE_DESCRIPTIONS, MEMBER_ROLE_LABELS, MEMBER_ROLES, type MemberRole } from '~/roles.ts';
import {
  changeMemberRole,
  createInvitation,
  invitationLink,
  listMembers,
  listPendingInvitations,
  removeMember,
  revokeInvitation,
} from '~/workspace.server.ts';

export const meta: MetaFunction = () => [{ title: '멤버 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, tenant, role } = await requireMember(request, 'viewer');
  const [members, invitations] = await Promise.all([
    listMembers(sql, tenant.id),
    role === 'owner' ? listPendingInvitations(sql, tenant.id) : Promise.resolve([]),
  ]);
  return json({
    workspaceName: tenant.name,
    myUserId: user.id,
    isOwner: role === 'owner',
    myRoleLabel: MEMBER_ROLE_LABELS[role],
    members,
    invitations,
  });
}

type ActionData =
  | { intent: 'invite'; ok: true; link: string; email: string; roleLabel: string }
  | { intent: 'invite'; ok: false; errors: { email?: string; role?: string; form?: string }; values: { email: string; role: string } }
  | { intent: 'role' | 'remove' | 'revoke'; ok: boolean; message: string };

export async function action({ request }: ActionFunctionArgs) {
  const { user, tenant } = await requireMember(request, 'owner').catch((error: unknown) => {
    if (error instanceof Response && error.status === 403) {
      throw forbidden('멤버 초대와 권한 변경은 워크스페이스 소유자만 할 수 있습니다. 소유자에게 요청해 주세요.');
    }
    throw error;
  });
  const actor = { tenantId: tenant.id, userId: user.id };
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');

  if (intent === 'invite') {
    const values = { email: String(form.get('email') ?? ''), role: String(form.get('role') ?? '') };
    const result = await createInvitation(sql, actor, values);
    if (!result.ok) {
      const field = result.field === 'email' || result.field === 'role' ? result.field : 'form';
      return json<ActionData>({ intent, ok: false, errors: { [field]: result.message }, values }, { status: 400 });
    }
    const link = invitationLink(result.token, request.url);
    return json<ActionData>({ intent, ok: true, link, email: result.email, roleLabel: MEMBER_ROLE_LABELS[result.role] });
  }
  if (intent === 'role') {
    const result = await changeMemberRole(sql, actor, { userId: String(form.get('userId') ?? ''), role: String(form.get('role') ?? '') });
    return json<ActionData>({ intent, ok: result.ok, message: result.ok ? '권한을 바꿨습니다.' : result.message }, { status: result.ok ? 200 : 400 });
  }
  if (intent === 'remove') {
    const result = await removeMember(sql, actor, String(form.get('userId') ?? ''));
    return json<ActionData>({ intent, ok: result.ok, message: result.ok ? '멤버를 내보냈습니다.' : result.message }, { status: result.ok ? 200 : 400 });
  }
  if (intent === 'revoke') {
    const result = await revokeInvitation(sql, actor, String(form.get('invitationId') ?? ''));
    return json<ActionData>({ intent, ok: result.ok, message: result.ok ? '초대를 취소했습니다.' : result.message }, { status: result.ok ? 200 : 400 });
  }
  return json<ActionData>({ intent: 'role', ok: false, message: '알 수 없는 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
}

function initials(name: string) {
  return name.trim().slice(0, 1).toUpperCase() || '?';
}

export default function Members() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const navigation = useNavigation();
  const inviteResult = result?.intent === 'invite' ? result : null;
  const notice = result && result.intent !== 'invite' ? result : null;
  const inviteErrors = inviteResult && !inviteResult.ok ? inviteResult.errors : {};
  const inviteValues = inviteResult && !inviteResult.ok ? inviteResult.values : null;
  const busy = navigation.state !== 'idle';
  const ownerCount = data.members.filter((m) => m.role === 'owner').length;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>멤버</h1>
          <p>
            {data.workspaceName} 워크스페이스에 함께하는 사람들입니다. 내 권한: <strong>{data.myRoleLabel}</strong>
            {data.isOwner ? <> · <a href="/settings/api-keys">API 키와 웹훅</a></> : null}
          </p>
        </div>
      </div>

      {notice ? (
        <div className={`alert ${notice.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 20 }}>
          {notice.message}
        </div>
      ) : null}

      <div className={data.isOwner ? 'grid-main-side' : undefined}>
        <section className="card card-flush">
          <div className="card-header">
            <h2>멤버 {data.members.length}명</h2>
          </div>
          <div className="table-wrap">
            <table className="table" style={{ marginTop: 12 }}>
              <thead>
                <tr>
                  <th>이름</th>
                  <th>권한</th>
                  <th>합류일</th>
                  {data.isOwner ? (
                    <th>
                      <span className="sr-only">관리</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {data.members.map((m) => (
                  <tr key={m.userId}>
                    <td>
                      <div className="person">
                        <span className="avatar" aria-hidden="true">
                          {initials(m.displayName || m.email)}
                        </span>
                        <div>
                          <div className="person-name">
                            {m.displayName || m.email}
                            {m.userId === data.myUserId ? <span className="muted small"> (나)</span> : null}
                          </div>
                          <div className="person-email">{m.email}</div>
                        </div>
                      </div>
                    </td>
                    <td>
                      {data.isOwner ? (
                        <Form method="post" className="inline-role-form" aria-label={`${m.email} 권한 바꾸기`}>
                          <input type="hidden" name="intent" value="role" />
                          <input type="hidden" name="userId" value={m.userId} />
                          <div className="actions" style={{ justifyContent: 'flex-start' }}>
                            <select name="role" defaultValue={m.role} className="input" aria-label="권한">
                              {MEMBER_ROLES.map((r) => (
                                <option key={r} value={r}>
                                  {MEMBER_ROLE_LABELS[r]}
                                </option>
                              ))}
                            </select>
                            <button type="submit" className="button button-secondary button-small" disabled={busy}>
                              변경
                            </button>
                          </div>
                        </Form>
                      ) : (
                        <span className={`badge${m.role === 'owner' ? ' badge-brand' : ''}`}>{MEMBER_ROLE_LABELS[m.role as MemberRole]}</span>
                      )}
                    </td>
                    <td className="muted small">{formatSeoulDate(m.joinedAt)}</td>
                    {data.isOwner ? (
                      <td>
                        <div className="actions">
                          {m.role === 'owner' && ownerCount === 1 ? (
                            <span className="muted small" title="소유자가 한 명뿐이라 내보내거나 나갈 수 없습니다.">
                              유일한 소유자
                            </span>
                          ) : (
                          <Form
                            method="post"
                            onSubmit={(event) => {
                              const who = m.userId === data.myUserId ? '이 워크스페이스에서 나가시겠습니까?' : `${m.displayName || m.email} 님을 내보내시겠습니까?`;
                              if (!confirm(who)) event.preventDefault();
                            }}
                          >
                            <input type="hidden" name="intent" value="remove" />
                            <input type="hidden" name="userId" value={m.userId} />
                            <button type="submit" className="button button-danger button-small" disabled={busy}>
                              {m.userId === data.myUserId ? '나가기' : '내보내기'}
                            </button>
                          </Form>
                          )}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>

        {data.isOwner ? (
          <aside>
            <section className="card">
              <h2>멤버 초대</h2>
              <p className="muted small">초대 링크를 만들어 동료에게 전달하세요. 링크는 {INVITATION_DAYS}일 동안 한 번 쓸 수 있습니다.</p>
              <Form method="post" className="form" noValidate>
                <input type="hidden" name="intent" value="invite" />
                <FormError message={inviteErrors.form} />
                <Field name="email" label="이메일" type="email" required placeholder="colleague@example.com" defaultValue={inviteValues?.email ?? ''} error={inviteErrors.email} />
                <div className="field">
                  <label htmlFor="field-role">권한</label>
                  <select id="field-role" name="role" defaultValue={inviteValues?.role || 'editor'} aria-invalid={inviteErrors.role ? true : undefined}>
                    {MEMBER_ROLES.map((r) => (
                      <option key={r} value={r}>
                        {MEMBER_ROLE_LABELS[r]}
                      </option>
                    ))}
                  </select>
                  {inviteErrors.role ? <p className="field-error">{inviteErrors.role}</p> : null}
                  <dl className="role-help">
                    {MEMBER_ROLES.map((r) => (
                      <div key={r}>
                        <dt>{MEMBER_ROLE_LABELS[r]}</dt>
                        <dd>{MEMBER_ROLE_DESCRIPTIONS[r]}</dd>
                      </div>
                    ))}
                  </dl>
                </div>
                <button type="submit" className="button button-block" disabled={busy}>
                  초대 링크 만들기
                </button>
              </Form>
              {inviteResult?.ok ? (
                <div className="alert alert-success" style={{ marginTop: 16 }} role="status">
                  <p>
                    <strong>{inviteResult.email}</strong> 님을 {inviteResult.roleLabel}(으)로 초대했습니다. 아래 링크를 직접 전달해 주세요. 이 링크는 지금 한 번만
                    보입니다.
                  </p>
                  <div className="copy-field">
                    <input className="input" readOnly value={inviteResult.link} aria-label="초대 링크" onFocus={(e) => e.currentTarget.select()} />
                    <button type="button" className="button button-secondary button-small" onClick={() => void navigator.clipboard?.writeText(inviteResult.link)}>
                      복사
                    </button>
                  </div>
                </div>
              ) : null}
              <p className="field-hint" style={{ marginTop: 12 }}>
                아직 초대 이메일은 자동으로 보내지 않습니다. 링크를 메신저나 이메일로 전달해 주세요.
              </p>
            </section>

            <section className="card">
              <h2>대기 중인 초대</h2>
              {data.invitations.length === 0 ? (
                <p className="muted small">대기 중인 초대가 없습니다.</p>
              ) : (
                <ul className="invite-list">
                  {data.invitations.map((inv) => (
                    <li key={inv.id}>
                      <div>
                        <div className="person-name">{inv.email}</div>
                        <div className="person-email">
                          {MEMBER_ROLE_LABELS[inv.role as MemberRole]} · {formatSeoulDate(inv.expiresAt)}까지
                        </div>
                      </div>
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="invitationId" value={inv.id} />
                        <button type="submit" className="button button-secondary button-small" disabled={busy}>
                          취소
                        </button>
                      </Form>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </aside>
        ) : null}
      </div>
    </div>
  );
}
