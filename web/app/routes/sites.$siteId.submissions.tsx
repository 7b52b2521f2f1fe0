// /sites/:siteId/submissions — what visitors sent through the site's contact forms (viewer and
// up may read; editors delete one and set where new ones are announced). Submissions disappear
// by themselves when the retention period the form promised ends.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { EMAIL_NOT_CONFIGURED_MESSAGE } from '../../../cdn/index.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { getSite } from '../sites.server.ts';
import { deleteSubmission, getFormNotifySettings, listSubmissions, saveFormNotifySettings } from '../submissions.server.ts';
import { formatSeoulDateTime } from '../components/seoul-time.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `받은 문의 · ${data?.site.name ?? ''} · WindWalker` }];

function notFound(): Response {
  return new Response('사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.', { status: 404 });
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const [submissions, settings] = await Promise.all([listSubmissions(sql, tenant.id, site.id), getFormNotifySettings(sql, tenant.id, site.id)]);
  if (!submissions || !settings) throw notFound();
  return json({
    site: { id: site.id, name: site.name },
    canEdit: role !== 'viewer',
    settings,
    emailWarning: settings.email ? EMAIL_NOT_CONFIGURED_MESSAGE : null,
    submissions: submissions.map((s) => ({
      ...s,
      createdAt: s.createdAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      notifiedAt: s.notifiedAt?.toISOString() ?? null,
    })),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'delete') {
    const deleted = await deleteSubmission(sql, tenant.id, site.id, String(form.get('submissionId') ?? ''));
    if (!deleted) throw new Response('문의를 찾을 수 없습니다. 이미 삭제되었거나 보유 기간이 끝났습니다.', { status: 404 });
    return json({ ok: true as const, message: '문의를 삭제했습니다.', errors: {} as Record<string, string> });
  }
  if (intent === 'notify') {
    const result = await saveFormNotifySettings(sql, tenant.id, site.id, {
      webhookUrl: String(form.get('webhookUrl') ?? ''),
      email: String(form.get('email') ?? ''),
    });
    if (!result) throw notFound();
    if (!result.ok) {
      return json({ ok: false as const, message: '알림 설정을 저장하지 못했습니다.', errors: Object.fromEntries(result.errors.map((e) => [e.field, e.message])) }, { status: 400 });
    }
    return json({ ok: true as const, message: '알림 설정을 저장했습니다.', errors: {} as Record<string, string> });
  }
  return json({ ok: false as const, message: '알 수 없는 요청입니다. 페이지를 새로 고쳐 주세요.', errors: {} as Record<string, string> }, { status: 400 });
}

export default function Submissions() {
  const { site, submissions, settings, canEdit, emailWarning } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors = actionData?.errors ?? {};
  return (
    <div className="page submissions-page">
      <nav className="breadcrumbs" aria-label="위치">
        <Link to="/sites">내 사이트</Link> › <Link to={`/sites/${site.id}`}>{site.name}</Link> › 받은 문의
      </nav>
      <div className="page-header">
        <div>
          <h1>받은 문의</h1>
          <p>사이트의 문의 양식으로 들어온 내용입니다. 양식에 적은 보유 기간이 끝나면 자동으로 삭제됩니다.</p>
        </div>
      </div>
      {actionData ? <div className={`alert ${actionData.ok ? 'alert-success' : 'alert-error'}`} role={actionData.ok ? 'status' : 'alert'}>{actionData.message}</div> : null}

      {submissions.length === 0 ? (
        <div className="card empty-state">
          <h2>아직 받은 문의가 없습니다</h2>
          <p className="muted">사이트에 ‘문의하기’ 섹션을 넣고 게시하면 방문자가 보낸 문의가 여기에 모입니다.</p>
        </div>
      ) : (
        <ul className="submission-list">
          {submissions.map((s) => (
            <li key={s.id} className="card submission">
              <p className="submission-meta">
                <strong>{s.fields.name}</strong> · <a href={`tel:${s.fields.phone ?? ''}`}>{s.fields.phone}</a> · {formatSeoulDateTime(s.createdAt)}
              </p>
              <p className="submission-message" style={{ whiteSpace: 'pre-wrap' }}>{s.fields.message}</p>
              <p className="muted">
                {formatSeoulDateTime(s.expiresAt)}에 자동 삭제 · 양식 {s.sectionId}
                {s.notifiedAt ? ' · 알림 보냄' : ''}
              </p>
              {s.notifyError ? <p className="field-error">{s.notifyError}</p> : null}
              {canEdit ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="delete" />
                  <input type="hidden" name="submissionId" value={s.id} />
                  <button type="submit" className="button button-secondary button-small">삭제</button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      )}

      <section className="card">
        <h2>새 문의 알림</h2>
        <Form method="post">
          <input type="hidden" name="intent" value="notify" />
          <fieldset disabled={!canEdit} className="plain-fieldset">
            <div className={`field${errors.webhookUrl ? ' has-error' : ''}`}>
              <label htmlFor="notify-webhook">웹훅 주소 (선택)</label>
              <input id="notify-webhook" name="webhookUrl" type="url" defaultValue={settings.webhookUrl} placeholder="https://hooks.example.com/…" />
              <p className={errors.webhookUrl ? 'field-error' : 'field-hint'}>{errors.webhookUrl ?? '새 문의가 오면 이 주소로 JSON을 보냅니다 (슬랙·카카오워크 연동 등).'}</p>
            </div>
            <div className={`field${errors.email ? ' has-error' : ''}`}>
              <label htmlFor="notify-email">알림 받을 이메일 (선택)</label>
              <input id="notify-email" name="email" type="email" defaultValue={settings.email} placeholder="owner@example.com" />
              {errors.email ? <p className="field-error">{errors.email}</p> : null}
              {emailWarning ? <p className="field-error">{emailWarning}</p> : null}
            </div>
            <button type="submit" className="button">알림 설정 저장</button>
          </fieldset>
        </Form>
      </section>
    </div>
  );
}
