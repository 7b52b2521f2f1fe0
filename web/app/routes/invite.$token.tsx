import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { getOptionalUser, requireUser, switchWorkspace } from '~/auth.server.ts';
import { FormError } from '~/components/field.tsx';
import { sql } from '~/db.server.ts';
import { MEMBER_ROLE_DESCRIPTIONS, MEMBER_ROLE_LABELS } from '~/roles.ts';
import { acceptInvitation, findInvitation } from '~/workspace.server.ts';

export const meta: MetaFunction = () => [{ title: '워크스페이스 초대 — WindWalker' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = params.token ?? '';
  const [invitation, user] = await Promise.all([findInvitation(sql, token), getOptionalUser(request)]);
  if (!invitation) {
    throw json({ message: '초대 링크가 올바르지 않습니다. 링크를 끝까지 복사했는지 확인하거나, 초대한 분께 새 링크를 요청해 주세요.' }, { status: 404 });
  }
  return json({
    token,
    invitation: {
      workspaceName: invitation.workspaceName,
      email: invitation.email,
      role: invitation.role,
      roleLabel: MEMBER_ROLE_LABELS[invitation.role],
      roleDescription: MEMBER_ROLE_DESCRIPTIONS[invitation.role],
      invitedByName: invitation.invitedByName,
      state: invitation.state,
    },
    user: user ? { email: user.email, name: user.displayName || user.email } : null,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const result = await acceptInvitation(sql, params.token ?? '', user.id);
  if (!result.ok) return json({ error: result.message }, { status: 400 });
  await switchWorkspace(request, result.tenantId);
  return redirect('/sites');
}

export default function Invite() {
  const { token, invitation, user } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const navigation = useNavigation();
  const here = `/invite/${token}`;
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <p className="muted small" style={{ marginBottom: 4 }}>
          워크스페이스 초대
        </p>
        <h1>{invitation.workspaceName}</h1>
        <p className="lead">
          {invitation.invitedByName ? `${invitation.invitedByName} 님이 ` : ''}
          <strong>{invitation.email}</strong> 님을 <strong>{invitation.roleLabel}</strong>(으)로 초대했습니다.
          <br />
          <span className="small">{invitation.roleDescription}</span>
        </p>
        {invitation.state === 'accepted' ? (
          <div className="alert alert-warning">이미 사용된 초대 링크입니다. 초대한 분께 새 링크를 요청해 주세요.</div>
        ) : invitation.state === 'expired' ? (
          <div className="alert alert-warning">초대 링크가 만료되었습니다. 초대한 분께 새 링크를 요청해 주세요.</div>
        ) : user ? (
          <Form method="post" className="form">
            <FormError message={data?.error} />
            <p className="small muted" style={{ margin: 0 }}>
              {user.email}(으)로 로그인되어 있습니다.
            </p>
            <button type="submit" className="button button-block button-large" disabled={navigation.state !== 'idle'}>
              초대 수락하고 합류하기
            </button>
          </Form>
        ) : (
          <div className="form">
            <Link to={`/signup?invite=${encodeURIComponent(token)}`} className="button button-block button-large">
              가입하고 합류하기
            </Link>
            <Link to={`/login?redirectTo=${encodeURIComponent(here)}`} className="button button-secondary button-block">
              이미 계정이 있어요 — 로그인
            </Link>
          </div>
        )}
      </div>
    </div>
  );
}
