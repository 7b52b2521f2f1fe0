// /finance — the finance view (platform roles finance or admin): MRR by plan, every
// workspace's payments with refunds through Toss's cancel API, and (admin only) granting a
// plan to a workspace without a card (payments not configured, partners, support).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { getMrr, grantPlan, listAllPaymentsForFinance, refundPayment, TossError } from '../../../billing/index.ts';
import { forbidden, requirePlatformRole } from '~/auth.server.ts';
import { listWorkspacesForPlanGrant, tossServerClient } from '~/billing.server.ts';
import billingStyles from '~/components/billing/billing.css?url';
import { formatKrw, formatPeriod, PAYMENT_STATUS, PLAN_LABELS, SUBSCRIPTION_STATUS_LABELS } from '~/components/billing/format.ts';
import { formatSeoulNumericDateTime } from '~/components/seoul-time.ts';
import { isUuid, sql } from '~/db.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: billingStyles }];
export const meta: MetaFunction = () => [{ title: '재무 — WindWalker' }];

const GRANTABLE = ['basic', 'premium', 'enterprise'] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePlatformRole(request, 'finance');
  const isAdmin = user.platformRoles.includes('admin');
  const [mrr, payments, workspaces] = await Promise.all([
    getMrr(sql),
    listAllPaymentsForFinance(sql, { limit: 200 }),
    isAdmin ? listWorkspacesForPlanGrant(sql) : Promise.resolve([]),
  ]);
  return json(
    {
      isAdmin,
      paymentsConfigured: tossServerClient() !== null,
      mrr,
      payments: payments.map((p) => ({
        id: p.id,
        tenantId: p.tenantId,
        tenantName: p.tenantName,
        invoiceId: p.invoiceId,
        period: p.period,
        amountKrw: p.amountKrw,
        status: p.status,
        failureCode: p.failureCode,
        at: (p.approvedAt ?? p.createdAt).toISOString(),
      })),
      workspaces,
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

type ActionData = { ok: boolean; message: string };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePlatformRole(request, 'finance');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const tenantId = String(form.get('tenantId') ?? '');
  if (!isUuid(tenantId)) return json<ActionData>({ ok: false, message: '워크스페이스를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' }, { status: 404 });

  if (intent === 'refund') {
    const toss = tossServerClient();
    if (!toss) return json<ActionData>({ ok: false, message: '결제가 설정되지 않아 환불할 수 없습니다 (TOSS_SECRET_KEY).' }, { status: 503 });
    const paymentId = String(form.get('paymentId') ?? '');
    const reason = String(form.get('reason') ?? '').trim();
    if (!reason) return json<ActionData>({ ok: false, message: '환불 사유를 입력해 주세요. 토스페이먼츠와 고객의 카드 내역에 남습니다.' }, { status: 400 });
    if (reason.length > 200) return json<ActionData>({ ok: false, message: '환불 사유는 200자 이하로 입력해 주세요.' }, { status: 400 });
    if (!isUuid(paymentId)) return json<ActionData>({ ok: false, message: '결제를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' }, { status: 404 });
    try {
      const payment = await refundPayment(sql, toss, { tenantId, paymentId, reason });
      console.log(`[finance] ${user.email} refunded payment ${paymentId} of workspace ${tenantId}: ${reason}`);
      return json<ActionData>({ ok: true, message: `${formatKrw(payment.totalAmount)} 결제를 환불했습니다 (사유: ${reason}).` });
    } catch (error) {
      if (error instanceof TossError) {
        return json<ActionData>({ ok: false, message: `토스페이먼츠가 환불을 거절했습니다: ${error.tossMessage}` }, { status: 400 });
      }
      if (error instanceof Error && /^(No payment|Payment .* only an approved payment)/.test(error.message)) {
        return json<ActionData>({ ok: false, message: '승인된 결제만 환불할 수 있습니다. 이미 환불되었거나 실패한 결제입니다.' }, { status: 409 });
      }
      throw error;
    }
  }

  if (intent === 'grant-plan') {
    if (!user.platformRoles.includes('admin')) throw forbidden('요금제 지정은 플랫폼 관리자만 할 수 있습니다.');
    const plan = String(form.get('plan') ?? '');
    if (!GRANTABLE.includes(plan as (typeof GRANTABLE)[number])) {
      return json<ActionData>({ ok: false, message: '지정할 요금제를 골라 주세요 (기본, 프리미엄, 엔터프라이즈).' }, { status: 400 });
    }
    const [tenant] = await sql<{ name: string }[]>`select name from tenants where id = ${tenantId}`;
    if (!tenant) return json<ActionData>({ ok: false, message: '워크스페이스를 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' }, { status: 404 });
    await grantPlan(sql, tenantId, plan, { userId: user.id });
    return json<ActionData>({ ok: true, message: `'${tenant.name}' 워크스페이스에 ${PLAN_LABELS[plan]} 요금제를 지정했습니다. 카드 없이 쓰며 청구되지 않습니다.` });
  }

  return json<ActionData>({ ok: false, message: '알 수 없는 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
}

export default function Finance() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>재무</h1>
          <p>월 반복 매출(MRR), 모든 워크스페이스의 결제와 환불입니다. 금액은 VAT 별도 정가 기준입니다.</p>
        </div>
      </div>

      {result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 16 }}>
          {result.message}
        </div>
      ) : null}
      {!data.paymentsConfigured ? (
        <div className="alert alert-info" role="status" style={{ marginBottom: 16 }}>
          결제가 아직 설정되지 않았습니다 (TOSS_SECRET_KEY). 환불은 할 수 없고, 요금제는 아래에서 직접 지정할 수 있습니다.
        </div>
      ) : null}

      <div className="stats">
        <div className="stat">
          <div className="stat-label">MRR 합계</div>
          <div className="stat-value" data-testid="mrr-total">
            {formatKrw(data.mrr.totalKrw)}
          </div>
        </div>
        {data.mrr.byPlan.map((row) => (
          <div className="stat" key={row.planCode}>
            <div className="stat-label">
              {PLAN_LABELS[row.planCode] ?? row.planCode} · 구독 {row.subscriptions}곳
            </div>
            <div className="stat-value">{formatKrw(row.mrrKrw)}</div>
          </div>
        ))}
      </div>

      <section className="card card-flush">
        <div className="card-header">
          <h2>결제</h2>
          <span className="muted small">최근 {data.payments.length}건</span>
        </div>
        {data.payments.length === 0 ? (
          <p className="empty-state">아직 결제가 없습니다.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>시각</th>
                  <th>워크스페이스</th>
                  <th>이용 기간</th>
                  <th className="num">금액</th>
                  <th>상태</th>
                  <th>환불</th>
                </tr>
              </thead>
              <tbody>
                {data.payments.map((p) => {
                  const status = PAYMENT_STATUS[p.status] ?? { label: p.status, tone: '' };
                  const refundable = data.paymentsConfigured && (p.status === 'done' || p.status === 'partially_cancelled');
                  return (
                    <tr key={p.id}>
                      <td className="muted small">{formatSeoulNumericDateTime(p.at)}</td>
                      <td className="person-name">{p.tenantName}</td>
                      <td>{formatPeriod(p.period)}</td>
                      <td className="num">{formatKrw(p.amountKrw)}</td>
                      <td>
                        <span className={`badge ${status.tone}`}>{status.label}</span>
                        {p.failureCode ? <span className="muted small"> {p.failureCode}</span> : null}
                      </td>
                      <td>
                        {refundable ? (
                          <Form
                            method="post"
                            className="finance-refund"
                            onSubmit={(event) => {
                              if (!confirm(`${p.tenantName}의 ${formatKrw(p.amountKrw)} 결제를 환불할까요? 되돌릴 수 없습니다.`)) event.preventDefault();
                            }}
                          >
                            <input type="hidden" name="tenantId" value={p.tenantId} />
                            <input type="hidden" name="paymentId" value={p.id} />
                            <input className="input" name="reason" placeholder="환불 사유" aria-label="환불 사유" required maxLength={200} />
                            <button type="submit" name="intent" value="refund" className="button button-danger button-small" disabled={busy}>
                              환불
                            </button>
                          </Form>
                        ) : (
                          <span className="muted small">—</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {data.isAdmin ? (
        <section className="card card-flush">
          <div className="card-header">
            <h2>요금제 지정 (관리자)</h2>
            <span className="muted small">카드 없이 쓰며 청구되지 않습니다. 밀린 청구서는 그대로 남습니다.</span>
          </div>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>워크스페이스</th>
                  <th>요금제</th>
                  <th>상태</th>
                  <th>지정</th>
                </tr>
              </thead>
              <tbody>
                {data.workspaces.map((w) => (
                  <tr key={w.id}>
                    <td className="person-name">{w.name}</td>
                    <td>
                      {PLAN_LABELS[w.planCode] ?? w.planCode}
                      {w.granted ? <span className="muted small"> (관리자 지정)</span> : null}
                    </td>
                    <td>{w.status ? SUBSCRIPTION_STATUS_LABELS[w.status] ?? w.status : '—'}</td>
                    <td>
                      <Form method="post" className="finance-refund">
                        <input type="hidden" name="tenantId" value={w.id} />
                        <select name="plan" className="input" aria-label={`${w.name} 요금제`} defaultValue={w.planCode === 'trial' ? 'basic' : w.planCode}>
                          {GRANTABLE.map((code) => (
                            <option key={code} value={code}>
                              {PLAN_LABELS[code]}
                            </option>
                          ))}
                        </select>
                        <button type="submit" name="intent" value="grant-plan" className="button button-secondary button-small" disabled={busy}>
                          지정
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      <p className="muted small">
        <Link to="/admin">관리자 화면</Link>에서 워크스페이스를 정지하거나 다시 열 수 있습니다.
      </p>
    </div>
  );
}
