import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { createUserSession, getOptionalUser, normaliseEmail, signUp } from '~/auth.server.ts';
import { PASSWORD_MIN_LENGTH } from '~/roles.ts';
import { Field, FormError } from '~/components/field.tsx';
import { sql } from '~/db.server.ts';
import { acceptInvitation, findInvitation } from '~/workspace.server.ts';

export const meta: MetaFunction = () => [{ title: '회원가입 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const inviteToken = url.searchParams.get('invite');
  const invitation = inviteToken ? await findInvitation(sql, inviteToken) : null;
  if (await getOptionalUser(request)) {
    throw redirect(invitation ? `/invite/${inviteToken}` : '/sites');
  }
  return json({
    invitation: invitation && invitation.state === 'pending'
      ? { token: inviteToken!, email: invitation.email, workspaceName: invitation.workspaceName }
      : null,
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = {
    email: String(form.get('email') ?? ''),
    displayName: String(form.get('displayName') ?? ''),
    workspaceName: String(form.get('workspaceName') ?? ''),
  };
  const inviteToken = String(form.get('invite') ?? '');
  const invitation = inviteToken ? await findInvitation(sql, inviteToken) : null;
  const joining = invitation?.state === 'pending';

  if (joining && normaliseEmail(values.email) !== normaliseEmail(invitation.email)) {
    return json(
      { errors: { email: `이 초대는 ${invitation.email} 주소로 보낸 것입니다. 초대받은 이메일로 가입해 주세요.` } as Record<string, string>, values },
      { status: 400 },
    );
  }
  const result = await signUp({
    email: values.email,
    password: String(form.get('password') ?? ''),
    displayName: values.displayName,
    workspaceName: joining ? null : values.workspaceName,
  });
  if (!result.ok) return json({ errors: result.errors, values }, { status: 400 });

  let tenantId = result.tenantId;
  if (joining) {
    const accepted = await acceptInvitation(sql, inviteToken, result.userId);
    if (accepted.ok) tenantId = accepted.tenantId;
  }
  const cookie = await createUserSession(result.userId, tenantId);
  return redirect(tenantId ? '/sites' : '/workspace/new', { headers: { 'Set-Cookie': cookie } });
}

export default function SignUp() {
  const { invitation } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Record<string, string | undefined> = data?.errors ?? {};
  const values = data?.values;
  const busy = navigation.state !== 'idle';
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <h1>{invitation ? `${invitation.workspaceName}에 합류하기` : 'WindWalker 시작하기'}</h1>
        <p className="lead">
          {invitation
            ? '계정을 만들면 초대받은 워크스페이스에 바로 들어갑니다.'
            : '계정과 워크스페이스를 만들고, 템플릿을 골라 오늘 홈페이지를 여세요.'}
        </p>
        <Form method="post" className="form" noValidate>
          <FormError message={errors.form} />
          {invitation ? <input type="hidden" name="invite" value={invitation.token} /> : null}
          <Field
            name="email"
            label="이메일"
            type="email"
            autoComplete="email"
            required
            defaultValue={values?.email ?? invitation?.email ?? ''}
            error={errors.email}
            placeholder="name@example.com"
          />
          <Field
            name="password"
            label="비밀번호"
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN_LENGTH}
            error={errors.password}
            hint={`${PASSWORD_MIN_LENGTH}자 이상. 다른 사이트와 다른 비밀번호를 써 주세요.`}
          />
          <Field name="displayName" label="이름" autoComplete="name" required defaultValue={values?.displayName ?? ''} error={errors.displayName} placeholder="홍길동" />
          {invitation ? null : (
            <Field
              name="workspaceName"
              label="워크스페이스 이름"
              required
              defaultValue={values?.workspaceName ?? ''}
              error={errors.workspaceName}
              placeholder="예: 바람카페"
              hint="가게나 회사 이름을 쓰면 됩니다. 나중에 동료를 초대할 수 있습니다."
            />
          )}
          <button type="submit" className="button button-block button-large" disabled={busy}>
            {busy ? '만드는 중…' : invitation ? '가입하고 합류하기' : '무료로 시작하기'}
          </button>
        </Form>
        <p className="auth-switch">
          이미 계정이 있나요? <Link to={invitation ? `/login?redirectTo=${encodeURIComponent(`/invite/${invitation.token}`)}` : '/login'}>로그인</Link>
        </p>
      </div>
    </div>
  );
}
