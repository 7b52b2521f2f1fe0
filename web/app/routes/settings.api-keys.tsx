// API 키와 웹훅: the workspace owner creates and revokes API keys (the secret shown once), sees
// each key's calls this month (billed 10원 a call), registers webhook URLs and reads their
// delivery log. Owners only.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { addOnPrices } from '../../../billing/index.ts';
import { API_SCOPE_LABELS, API_SCOPES, countApiCalls, createApiKey, listApiKeys, periodOfDate, revokeApiKey } from '~/api/keys.server.ts';
import { WebhookUrlError } from '~/api/webhook-target.server.ts';
import { createWebhook, deleteWebhook, listWebhookDeliveries, listWebhooks, WEBHOOK_EVENTS, type WebhookEvent } from '~/api/webhooks.server.ts';
import { forbidden, requireMember } from '~/auth.server.ts';
import { formatSeoulNumericDateTime } from '~/components/seoul-time.ts';
import { Field, FormError } from '~/components/field.tsx';
import { sql } from '~/db.server.ts';

export const meta: MetaFunction = () => [{ title: 'API 키 — WindWalker' }];

const EVENT_LABELS: Record<WebhookEvent, string> = {
  'build.succeeded': '빌드 성공',
  'build.failed': '빌드 실패',
  'deployment.live': '배포 공개',
  'domain.verified': '도메인 확인 완료',
};

async function requireOwner(request: Request) {
  return requireMember(request, 'owner').catch((error: unknown) => {
    if (error instanceof Response && error.status === 403) {
      throw forbidden('API 키와 웹훅은 워크스페이스 소유자만 관리할 수 있습니다. 소유자에게 요청해 주세요.');
    }
    throw error;
  });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant } = await requireOwner(request);
  const period = periodOfDate(new Date());
  const [keys, calls, webhooks] = await Promise.all([listApiKeys(sql, tenant.id), countApiCalls(sql, tenant.id, period), listWebhooks(sql, tenant.id)]);
  const deliveries = await Promise.all(webhooks.map(async (w) => ({ id: w.id, deliveries: ((await listWebhookDeliveries(sql, tenant.id, w.id)) ?? []).slice(0, 10) })));
  return json({
    workspaceName: tenant.name, period, calls, pricePerCall: addOnPrices.apiCall, keys, webhooks, deliveries,
    scopes: API_SCOPES.map((scope) => ({ scope, label: API_SCOPE_LABELS[scope] })), events: [...WEBHOOK_EVENTS],
  });
}

type ActionData =
  | { intent: 'create'; ok: true; secret: string; name: string }
  | { intent: 'create'; ok: false; errors: { name?: string; scopes?: string } }
  | { intent: 'webhook'; ok: true; secret: string; url: string }
  | { intent: 'webhook'; ok: false; error: string; url: string; events: string[]; field: 'url' | 'events' }
  | { intent: 'revoke' | 'delete-webhook'; ok: boolean; message: string };

export async function action({ request }: ActionFunctionArgs) {
  const { user, tenant } = await requireOwner(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'create') {
    const result = await createApiKey(sql, {
      tenantId: tenant.id, userId: user.id, name: String(form.get('name') ?? ''), scopes: form.getAll('scopes').map(String),
    });
    if (!result.ok) {
      const errors = Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
      return json<ActionData>({ intent, ok: false, errors }, { status: 400 });
    }
    return json<ActionData>({ intent, ok: true, secret: result.secret, name: result.key.name });
  }
  if (intent === 'revoke') {
    const ok = await revokeApiKey(sql, { tenantId: tenant.id, userId: user.id, keyId: String(form.get('keyId') ?? '') });
    return json<ActionData>({ intent, ok, message: ok ? 'API 키를 폐기했습니다. 이 키로 보낸 호출은 이제 거절됩니다.' : 'API 키를 찾을 수 없습니다. 목록을 새로 고쳐 주세요.' }, { status: ok ? 200 : 404 });
  }
  if (intent === 'webhook') {
    const url = String(form.get('url') ?? '').trim();
    const events = form.getAll('events').map(String).filter((e): e is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(e));
    let valid = /^https?:\/\//.test(url) && url.length <= 2000;
    try { new URL(url); } catch { valid = false; }
    if (!valid) return json<ActionData>({ intent, ok: false, field: 'url', url, events, error: '웹훅 주소는 https://로 시작하는 전체 주소로 입력해 주세요.' }, { status: 400 });
    if (events.length === 0) return json<ActionData>({ intent, ok: false, field: 'events', url, events, error: '받을 이벤트를 하나 이상 골라 주세요.' }, { status: 400 });
    try {
      const created = await createWebhook(sql, { tenantId: tenant.id, userId: user.id, url, events });
      return json<ActionData>({ intent, ok: true, secret: created.secret, url: created.url });
    } catch (error) {
      if (error instanceof WebhookUrlError) return json<ActionData>({ intent, ok: false, field: 'url', url, events, error: error.messageKo }, { status: 400 });
      throw error;
    }
  }
  if (intent === 'delete-webhook') {
    const ok = await deleteWebhook(sql, tenant.id, String(form.get('webhookId') ?? ''));
    return json<ActionData>({ intent, ok, message: ok ? '웹훅을 삭제했습니다.' : '웹훅을 찾을 수 없습니다. 목록을 새로 고쳐 주세요.' }, { status: ok ? 200 : 404 });
  }
  return json<ActionData>({ intent: 'revoke', ok: false, message: '알 수 없는 요청입니다. 화면을 새로 고쳐 주세요.' }, { status: 400 });
}

// Checkbox lists: `.field input` sizes text inputs to the full width; a checkbox sits beside its label.
const CHOICES = { border: 'none', padding: 0, margin: 0 } as const;
const CHOICE = { display: 'flex', alignItems: 'flex-start', gap: 8, fontWeight: 'normal', margin: '6px 0' } as const;
const CHECKBOX = { width: 'auto', margin: '3px 0 0', flex: 'none' } as const;

const number = new Intl.NumberFormat('ko-KR');

export default function ApiKeys() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state !== 'idle';
  const createErrors = result?.intent === 'create' && !result.ok ? result.errors : {};
  const webhookError = result?.intent === 'webhook' && !result.ok ? result : null;
  const deliveriesOf = (id: string) => data.deliveries.find((d) => d.id === id)?.deliveries ?? [];

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>API 키</h1>
          <p>
            {data.workspaceName}의 사이트를 프로그램에서 다룰 때 쓰는 키입니다. 이번 달({data.period}) API 호출{' '}
            <strong>{number.format(data.calls)}회</strong> · 예상 요금 <strong>{number.format(data.calls * data.pricePerCall)}원</strong> (호출당 {data.pricePerCall}원, VAT 별도).{' '}
            <Link to="/developers/api">API 문서 보기</Link>
          </p>
        </div>
      </div>

      {result?.intent === 'create' && result.ok ? (
        <div className="alert alert-success" role="status" style={{ marginBottom: 20 }}>
          <p>‘{result.name}’ 키를 만들었습니다. 이 값은 지금 한 번만 보여 드립니다. 안전한 곳에 복사해 두세요.</p>
          <code style={{ userSelect: 'all', wordBreak: 'break-all' }}>{result.secret}</code>
        </div>
      ) : null}
      {result?.intent === 'webhook' && result.ok ? (
        <div className="alert alert-success" role="status" style={{ marginBottom: 20 }}>
          <p>웹훅을 등록했습니다. 서명 확인용 비밀값은 지금 한 번만 보여 드립니다.</p>
          <code style={{ userSelect: 'all', wordBreak: 'break-all' }}>{result.secret}</code>
        </div>
      ) : null}
      {result && 'message' in result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 20 }}>{result.message}</div>
      ) : null}

      <div className="grid-main-side">
        <section className="card card-flush">
          <div className="card-header"><h2>키 목록</h2></div>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>이름</th><th>키 앞부분</th><th>권한</th><th>이번 달 호출</th><th>마지막 사용</th><th><span className="sr-only">관리</span></th></tr>
              </thead>
              <tbody>
                {data.keys.length === 0 ? (
                  <tr><td colSpan={6} className="muted">아직 만든 키가 없습니다. 오른쪽에서 첫 키를 만들어 보세요.</td></tr>
                ) : data.keys.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}{k.revokedAt ? <span className="muted small"> (폐기됨)</span> : null}</td>
                    <td><code>{k.prefix}…</code></td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{number.format(k.callsThisMonth)}회</td>
                    <td className="muted small">{k.lastUsedAt ? formatSeoulNumericDateTime(k.lastUsedAt) : '사용 전'}</td>
                    <td>
                      {k.revokedAt ? null : (
                        <Form method="post">
                          <input type="hidden" name="intent" value="revoke" />
                          <input type="hidden" name="keyId" value={k.id} />
                          <button type="submit" className="button button-danger button-small" disabled={busy}>폐기</button>
                        </Form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>

        <section className="card">
          <h2>새 키 만들기</h2>
          {/* A new key (or webhook) empties its form: the next one starts blank. */}
          <Form method="post" className="form" noValidate key={result?.intent === 'create' && result.ok ? result.secret : 'create'}>
            <input type="hidden" name="intent" value="create" />
            <FormError message={createErrors.scopes} />
            <Field name="name" label="키 이름" placeholder="예: 주문 시스템 연동" error={createErrors.name} required maxLength={100} />
            <fieldset className="field" style={CHOICES}>
              <legend>권한</legend>
              {data.scopes.map(({ scope, label }) => (
                <label key={scope} style={CHOICE}>
                  <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === 'read'} style={CHECKBOX} />
                  <span><strong>{scope}</strong> — {label}</span>
                </label>
              ))}
            </fieldset>
            <button type="submit" className="button button-block" disabled={busy}>키 만들기</button>
          </Form>
        </section>
      </div>

      <div className="grid-main-side" style={{ marginTop: 24 }}>
        <section className="card card-flush">
          <div className="card-header"><h2>웹훅</h2></div>
          {data.webhooks.length === 0 ? <p className="muted" style={{ padding: 16 }}>등록한 웹훅이 없습니다.</p> : null}
          {data.webhooks.map((w) => (
            <div key={w.id} style={{ padding: 16, borderTop: '1px solid var(--border, #e5e7eb)' }}>
              <div className="actions" style={{ justifyContent: 'space-between' }}>
                <div><code>{w.url}</code><div className="muted small">{w.events.map((e) => EVENT_LABELS[e]).join(', ')}</div></div>
                <Form method="post">
                  <input type="hidden" name="intent" value="delete-webhook" />
                  <input type="hidden" name="webhookId" value={w.id} />
                  <button type="submit" className="button button-danger button-small" disabled={busy}>삭제</button>
                </Form>
              </div>
              <table className="table" style={{ marginTop: 8 }}>
                <thead><tr><th>이벤트</th><th>상태</th><th>시도</th><th>마지막 응답</th><th>시각</th></tr></thead>
                <tbody>
                  {deliveriesOf(w.id).length === 0 ? <tr><td colSpan={5} className="muted small">아직 보낸 기록이 없습니다.</td></tr> : null}
                  {deliveriesOf(w.id).map((d) => (
                    <tr key={d.id}>
                      <td>{EVENT_LABELS[d.event as WebhookEvent] ?? d.event}</td>
                      <td>{d.status === 'delivered' ? '전달됨' : d.status === 'failed' ? '실패 (재시도 끝)' : '재시도 대기'}</td>
                      <td>{d.attempts}회</td>
                      <td className="small">{d.lastStatusCode ?? '-'} {d.lastError ?? ''}</td>
                      <td className="muted small">{formatSeoulNumericDateTime(d.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </section>
        <section className="card">
          <h2>웹훅 등록</h2>
          <p className="muted small">
            요청마다 <code>WindWalker-Signature: t=…,v1=…</code> 헤더가 붙습니다. v1은 비밀값으로 만든 HMAC-SHA256(“t.본문”)입니다.
            실패하면 점점 간격을 늘려 다시 보냅니다.
          </p>
          <Form method="post" className="form" noValidate key={result?.intent === 'webhook' && result.ok ? result.secret : 'webhook'}>
            <input type="hidden" name="intent" value="webhook" />
            <FormError message={webhookError?.field === 'events' ? webhookError.error : undefined} />
            <Field name="url" label="받을 주소" placeholder="https://example.com/windwalker" type="url" required
              defaultValue={webhookError?.url} error={webhookError?.field === 'url' ? webhookError.error : undefined}
              hint="https:// 주소만 받습니다. 내부망(10.x, 192.168.x, 127.0.0.1 등)으로 풀리는 주소와 리다이렉트는 거절합니다." />
            <fieldset className="field" style={CHOICES}>
              <legend>이벤트</legend>
              {data.events.map((e) => (
                <label key={e} style={CHOICE}>
                  <input type="checkbox" name="events" value={e} defaultChecked={webhookError ? webhookError.events.includes(e) : e.startsWith('build.')} style={CHECKBOX} />
                  <span>{EVENT_LABELS[e]} <code className="small">{e}</code></span>
                </label>
              ))}
            </fieldset>
            <button type="submit" className="button button-block" disabled={busy}>웹훅 등록</button>
          </Form>
        </section>
      </div>
    </div>
  );
}
