import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { createUserSession, getOptionalUser, logIn, safeRedirectTarget } from '~/auth.server.ts';
import { Field, FormError } from '~/components/field.tsx';

export const meta: MetaFunction = () => [{ title: '로그인 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getOptionalUser(request)) {
    throw redirect(safeRedirectTarget(new URL(request.url).searchParams.get('redirectTo')));
  }
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const email = String(form.get('email') ?? '');
  const result = await logIn({ email, password: String(form.get('password') ?? '') });
  if (!result.ok) {
    const status = result.errors.form?.startsWith('로그인 시도가 너무 많습니다') ? 429 : 400;
    return json({ errors: result.errors, values: { email } }, { status });
  }
  const cookie = await createUserSession(result.userId, null);
  return redirect(safeRedirectTarget(form.get('redirectTo')), { headers: { 'Set-Cookie': cookie } });
}

export default function LogIn() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const errors: Record<string, string | undefined> = data?.errors ?? {};
  const busy = navigation.state !== 'idle';
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <h1>로그인</h1>
        <p className="lead">다시 오신 것을 환영합니다.</p>
        <Form method="post" className="form" noValidate>
          <FormError message={errors.form} />
          <input type="hidden" name="redirectTo" value={params.get('redirectTo') ?? '/sites'} />
          <Field name="email" label="이메일" type="email" autoComplete="email" required defaultValue={data?.values.email ?? ''} error={errors.email} placeholder="name@example.com" />
          <Field name="password" label="비밀번호" type="password" autoComplete="current-password" required error={errors.password} />
          <button type="submit" className="button button-block button-large" disabled={busy}>
            {busy ? '확인 중…' : '로그인'}
          </button>
        </Form>
        <p className="auth-switch">
          처음이신가요? <Link to="/signup">무료로 시작하기</Link>
        </p>
      </div>
    </div>
  );
}
