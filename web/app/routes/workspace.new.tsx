import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { listMemberships, requireUser, switchWorkspace } from '~/auth.server.ts';
import { Field } from '~/components/field.tsx';
import { sql } from '~/db.server.ts';
import { createWorkspace } from '~/workspace.server.ts';

export const meta: MetaFunction = () => [{ title: '새 워크스페이스 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const memberships = await listMemberships(user.id);
  return json({ hasWorkspace: memberships.length > 0 });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await request.formData();
  const name = String(form.get('name') ?? '');
  const result = await createWorkspace(sql, user.id, name);
  if (!result.ok) return json({ error: result.message, values: { name } }, { status: 400 });
  await switchWorkspace(request, result.tenantId);
  return redirect('/sites');
}

export default function NewWorkspace() {
  const { hasWorkspace } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <h1>새 워크스페이스</h1>
        <p className="lead">
          {hasWorkspace
            ? '다른 가게나 회사의 홈페이지를 따로 관리하려면 워크스페이스를 하나 더 만드세요.'
            : '아직 속한 워크스페이스가 없습니다. 새로 만들거나, 동료에게 초대 링크를 받아 합류하세요.'}
        </p>
        <Form method="post" className="form" noValidate>
          <Field name="name" label="워크스페이스 이름" required defaultValue={data?.values.name ?? ''} error={data?.error} placeholder="예: 바람카페" />
          <button type="submit" className="button button-block button-large" disabled={navigation.state !== 'idle'}>
            만들기
          </button>
        </Form>
        {hasWorkspace ? (
          <p className="auth-switch">
            <Link to="/sites">돌아가기</Link>
          </p>
        ) : null}
      </div>
    </div>
  );
}
