// /billing — the owner's plan, usage, notices (trial, dunning, hosting 80%/100%, limited
// workspace), plan change with the proration shown before confirming, cancel at period end,
// the card (registered through the Toss SDK in the browser) and open invoices.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import {
  cancelAtPeriodEnd,
  changePlan,
  chargeInvoice,
  getBillingOverview,
  getInvoice,
  listPlans,
  removeCard,
  resumeSubscription,
  startTrial,
} from '../../../billing/index.ts';
import {
  billingEncryptionKey,
  billingErrorAnswer,
  missingPaymentVariables,
  paymentsConfig,
  PLAN_LABELS,
  previewPlanChange,
  readPlanUsage,
  requireBillingOwner,
  SUBSCRIPTION_STATUS_LABELS,
} from '~/billing.server.ts';
import { CardRegistrationButton } from '~/components/billing/CardRegistration.tsx';
import { formatKrw, formatPeriod, formatSignedKrw } from '~/components/billing/format.ts';
import { formatSeoulDate } from '~/components/seoul-time.ts';
import billingStyles from '~/components/billing/billing.css?url';
import { isUuid, sql } from '~/db.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: billingStyles }];
export const meta: MetaFunction = () => [{ title: '결제와 요금제 — WindWalker' }];

/** Messages after Toss's redirect back (set by /billing/card/success). */
const DONE_MESSAGES: Record<string, string> = {
  'card-registered': '카드를 등록했습니다. 다음 결제부터 이 카드로 결제됩니다.',
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, tenant } = await requireBillingOwner(request);
  // Workspaces made before billing existed start their trial the first time the owner looks.
  await startTrial(sql, tenant.id);
  const now = new Date();
  const overview = await getBillingOverview(sql, tenant.id, { now });
  const plans = (await listPlans(sql)).filter((p) => p.code !== 'trial');
  const usage = await readPlanUsage(sql, tenant.id, overview.plan);
  const payments = paymentsConfig();
  const wanted = new URL(request.url).searchParams.get('plan');
  const preview = wanted ? await previewPlanChange(sql, tenant.id, wanted, now) : null;
  const subscription = overview.subscription!;
  const trialDaysLeft =
    subscription.status === 'trialing' && subscription.trialEndsAt
      ? Math.max(0, Math.ceil((subscription.trialEndsAt.getTime() - now.getTime()) / 86_400_000))
      : null;
  return json(
    {
      workspaceName: tenant.name,
      plan: overview.plan,
      subscription: {
        planCode: subscription.planCode,
        status: subscription.status,
        statusLabel: SUBSCRIPTION_STATUS_LABELS[subscription.status] ?? subscription.status,
        trialEndsAt: subscription.trialEndsAt?.toISOString() ?? null,
        trialDaysLeft,
        currentPeriodStart: subscription.currentPeriodStart.toISOString(),
        currentPeriodEnd: subscription.currentPeriodEnd.toISOString(),
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
        granted: subscription.grantedAt !== null,
      },
      card: overview.card
        ? { company: overview.card.cardCompany, number: overview.card.cardNumberMasked, type: overview.card.cardType, createdAt: overview.card.createdAt.toISOString() }
        : null,
      notices: overview.notices,
      openInvoices: overview.openInvoices.map((i) => ({ id: i.id, period: i.period, totalKrw: i.totalKrw, nextAttemptAt: i.nextAttemptAt?.toISOString() ?? null })),
      hosting: overview.hosting,
      usage,
      plans,
      preview: preview
        ? { fromName: preview.from.nameKo, toCode: preview.to.code, toName: preview.to.nameKo, toPriceKrw: preview.to.monthlyPriceKrw, prorationKrw: preview.prorationKrw, periodEnd: preview.periodEnd.toISOString() }
        : null,
      payments: payments
        ? { configured: true as const, clientKey: payments.clientKey, customerKey: subscription.tossCustomerKey, customerEmail: user.email, customerName: user.displayName || user.email }
        : { configured: false as const, missing: missingPaymentVariables() },
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

type ActionData = { ok: boolean; message: string };

export async function action({ request }: ActionFunctionArgs) {
  const { user, tenant } = await requireBillingOwner(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  try {
    if (intent === 'change-plan') {
      const plan = String(form.get('plan') ?? '');
      const { subscription, prorationKrw } = await changePlan(sql, tenant.id, plan, { userId: user.id });
      const name = PLAN_LABELS[subscription.planCode] ?? subscription.planCode;
      const amount =
        prorationKrw === 0
          ? ''
          : prorationKrw > 0
            ? ` 이번 달 청구서에 일할 계산 ${formatKrw(prorationKrw)}(VAT 별도)이 더해집니다.`
            : ` 이번 달 청구서에서 일할 계산 ${formatKrw(-prorationKrw)}(VAT 별도)이 빠집니다.`;
      return json<ActionData>({ ok: true, message: `${name} 요금제로 바꾸었습니다.${amount}` });
    }
    if (intent === 'cancel') {
      const subscription = await cancelAtPeriodEnd(sql, tenant.id, { userId: user.id });
      return json<ActionData>({
        ok: true,
        message: `구독 해지를 예약했습니다. ${formatSeoulDate(new Date(subscription.currentPeriodEnd.getTime() - 1))}까지 그대로 쓰실 수 있습니다.`,
      });
    }
    if (intent === 'resume') {
      await resumeSubscription(sql, tenant.id, { userId: user.id });
      return json<ActionData>({ ok: true, message: '해지 예약을 취소했습니다. 구독이 계속됩니다.' });
    }
    if (intent === 'remove-card') {
      await removeCard(sql, tenant.id, { userId: user.id });
      return json<ActionData>({ ok: true, message: '카드를 삭제했습니다. 유료 요금제를 계속 쓰시려면 다음 결제 전에 새 카드를 등록해 주세요.' });
    }
    if (intent === 'pay-now') {
      const payments = paymentsConfig();
      if (!payments) return json<ActionData>({ ok: false, message: '결제가 아직 설정되지 않아 지금 결제할 수 없습니다. 관리자에게 문의해 주세요.' }, { status: 503 });
      const invoiceId = String(form.get('invoiceId') ?? '');
      const found = isUuid(invoiceId) ? await getInvoice(sql, tenant.id, invoiceId) : null;
      if (!found) throw new Response('청구서를 찾을 수 없습니다. 결제 페이지를 새로 고쳐 주세요.', { status: 404 });
      const outcome = await chargeInvoice(sql, payments.toss, invoiceId, { encryptionKey: await billingEncryptionKey(), ownerInitiated: true });
      const period = formatPeriod(found.invoice.period);
      switch (outcome.outcome) {
        case 'paid':
        case 'nothing_to_charge':
          return json<ActionData>({ ok: true, message: `${period} 이용료 ${formatKrw(found.invoice.totalKrw)}을 결제했습니다. 감사합니다.` });
        case 'already_paid':
          return json<ActionData>({ ok: true, message: `${period} 이용료는 이미 결제되었습니다.` });
        case 'declined':
          return json<ActionData>({ ok: false, message: `결제에 실패했습니다 (${outcome.message}). 카드를 확인하거나 다른 카드를 등록한 뒤 다시 시도해 주세요.` }, { status: 402 });
        case 'pending':
          return json<ActionData>({ ok: false, message: '결제 결과를 아직 받지 못했습니다. 두 번 결제되지 않으니 몇 분 뒤 이 페이지를 새로 고쳐 확인해 주세요.' }, { status: 202 });
        default:
          return json<ActionData>({ ok: false, message: '지금은 결제할 차례가 아닙니다. 페이지를 새로 고쳐 주세요.' }, { status: 409 });
      }
    }
  } catch (error) {
    return billingErrorAnswer(error);
  }
  return json<ActionData>({ ok: false, message: '알 수 없는 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
}

function percentOf(used: number, limit: number): number {
  return limit <= 0 ? (used > 0 ? 100 : 0) : Math.min(100, Math.round((used * 100) / limit));
}

function planFeatures(plan: { maxSites: number; maxPagesPerSite: number; maxCustomDomains: number; storageMb: number; aiDraftsPerMonth: number; buildConcurrency: number; devmode: boolean; hostingRequestsPerSite: number | null }): string[] {
  return [
    `사이트 ${plan.maxSites}개, 사이트당 페이지 ${plan.maxPagesPerSite}개`,
    plan.maxCustomDomains > 0 ? `연결 도메인 ${plan.maxCustomDomains}개 (도메인당 연 20,000원)` : '연결 도메인 없음',
    `저장 공간 ${plan.storageMb >= 1024 ? `${Math.round(plan.storageMb / 1024)}GB` : `${plan.storageMb}MB`}`,
    `AI 초안 월 ${plan.aiDraftsPerMonth}개`,
    `동시 빌드 ${plan.buildConcurrency}개`,
    plan.hostingRequestsPerSite === null
      ? '무제한 호스팅'
      : `사이트당 월 ${plan.hostingRequestsPerSite.toLocaleString('ko-KR')}회 요청 포함 (넘으면 사이트당 월 10,000원, 사이트는 멈추지 않음)`,
    ...(plan.devmode ? ['개발자 모드 — 브라우저에서 VS Code로 사이트 코드 편집'] : []),
  ];
}

export default function Billing() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const busy = navigation.state !== 'idle';
  const done = DONE_MESSAGES[searchParams.get('done') ?? ''];
  const sub = data.subscription;
  const paid = data.plan.monthlyPriceKrw > 0;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>결제와 요금제</h1>
          <p>{data.workspaceName} 워크스페이스의 요금제, 사용량, 결제 카드와 청구서입니다.</p>
        </div>
        <Link to="/billing/invoices" className="button button-secondary">
          청구서와 영수증
        </Link>
      </div>

      {result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 16 }}>
          {result.message}
        </div>
      ) : done ? (
        <div className="alert alert-success" role="status" style={{ marginBottom: 16 }}>
          {done}
        </div>
      ) : null}

      {!data.payments.configured ? (
        <div className="alert alert-info" role="status" style={{ marginBottom: 16 }}>
          <strong>결제가 아직 설정되지 않았습니다.</strong> 이 설치에는 토스페이먼츠 키({data.payments.missing.join(', ')})가 없어 카드 등록과
          자동 결제를 쓸 수 없습니다. 요금제는 플랫폼 관리자가 직접 지정할 수 있습니다.
        </div>
      ) : null}

      {data.notices.length ? (
        <div className="billing-notices">
          {data.notices.map((notice, index) => (
            <div key={index} className={`alert ${notice.level === 'danger' ? 'alert-error' : notice.level === 'warning' ? 'alert-warning' : 'alert-info'}`} role="status">
              {notice.message}
            </div>
          ))}
        </div>
      ) : null}

      <div className="billing-summary">
        <div className="stat">
          <div className="stat-label">현재 요금제</div>
          <div className="stat-value" data-testid="current-plan">
            {data.plan.nameKo}
          </div>
          <div className="muted small">
            {sub.statusLabel}
            {sub.granted ? ' · 관리자 지정' : ''}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">{sub.trialDaysLeft !== null ? '무료 체험' : '월 요금'}</div>
          <div className="stat-value">{sub.trialDaysLeft !== null ? `${sub.trialDaysLeft}일 남음` : formatKrw(data.plan.monthlyPriceKrw)}</div>
          <div className="muted small">
            {sub.trialDaysLeft !== null && sub.trialEndsAt ? `${formatSeoulDate(sub.trialEndsAt)}까지` : 'VAT 별도'}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">{sub.status === 'cancelled' ? '마지막 결제 기간' : '이번 결제 기간'}</div>
          <div className="stat-value small" style={{ fontSize: '1.05rem', paddingTop: 8 }}>
            {formatSeoulDate(sub.currentPeriodStart)} – {formatSeoulDate(new Date(new Date(sub.currentPeriodEnd).getTime() - 1))}
          </div>
          <div className="muted small">
            {sub.status === 'cancelled'
              ? '구독이 끝났습니다. 요금제를 고르면 다시 시작합니다'
              : sub.cancelAtPeriodEnd
                ? '기간이 끝나면 해지됩니다'
                : '매월 1일에 지난달 이용료가 청구됩니다'}
          </div>
        </div>
      </div>

      {data.preview ? (
        <section className="card plan-change-confirm" id="change">
          <div className="card-header">
            <h2>
              {data.preview.fromName} → {data.preview.toName} 요금제로 변경
            </h2>
          </div>
          <p>
            지금 바꾸면 남은 기간({formatSeoulDate(new Date(new Date(data.preview.periodEnd).getTime() - 1))}까지)만큼 일할 계산해 이번 달 청구서에 반영합니다.
          </p>
          <p className="proration-amount" data-testid="proration">
            일할 계산 {formatSignedKrw(data.preview.prorationKrw)} <span className="plan-vat">VAT 별도</span>
          </p>
          <p className="muted small">다음 달부터는 매월 {formatKrw(data.preview.toPriceKrw)}(VAT 별도)이 청구됩니다.</p>
          {data.card || !data.payments.configured ? null : (
            <p className="alert alert-warning small">유료 요금제로 바꾸려면 먼저 아래에서 결제 카드를 등록해 주세요.</p>
          )}
          <Form method="post" className="button-row">
            <input type="hidden" name="plan" value={data.preview.toCode} />
            <button type="submit" name="intent" value="change-plan" className="button" disabled={busy}>
              {data.preview.toName} 요금제로 변경 확정
            </button>
            <Link to="/billing" className="button button-secondary">
              취소
            </Link>
          </Form>
        </section>
      ) : null}

      <section className="section">
        <h2>요금제</h2>
        <div className="plans">
          {data.plans.map((plan) => {
            const current = plan.code === sub.planCode;
            return (
              <div className={`card plan${current ? ' plan-current' : plan.code === 'premium' ? ' plan-featured' : ''}`} key={plan.code}>
                {current ? <span className="plan-ribbon" style={{ background: 'var(--success)' }}>현재 요금제</span> : null}
                <div className="plan-name">{plan.nameKo}</div>
                <div className="plan-price">
                  {formatKrw(plan.monthlyPriceKrw)}/월<span className="plan-vat">VAT 별도</span>
                </div>
                <ul className="plan-limits">
                  {planFeatures(plan).map((feature) => (
                    <li key={feature}>{feature}</li>
                  ))}
                </ul>
                {current ? (
                  <span className="button button-secondary button-block" aria-disabled="true">
                    이용 중
                  </span>
                ) : (
                  <Link to={`/billing?plan=${plan.code}#change`} className={`button button-block${plan.code === 'premium' ? '' : ' button-secondary'}`}>
                    {plan.nameKo} 요금제로 {plan.monthlyPriceKrw > data.plan.monthlyPriceKrw ? '올리기' : '바꾸기'}
                  </Link>
                )}
              </div>
            );
          })}
        </div>
        <p className="plans-note muted small">
          가격은 모두 부가가치세(VAT 10%) 별도입니다. 요금제를 바꾸면 남은 기간만큼 일할 계산됩니다. 호스팅 초과 사용은 사이트당 월 10,000원, 연결
          도메인은 연 20,000원, API 호출은 1회 10원입니다.
        </p>
      </section>

      <div className="grid-2 section">
        <section className="card">
          <div className="card-header">
            <h2>사용량</h2>
            <span className="muted small">{data.plan.nameKo} 요금제 한도</span>
          </div>
          <ul className="usage-list">
            {data.usage.map((u) => {
              const percent = percentOf(u.used, u.limit);
              return (
                <li className="usage-row" key={u.key}>
                  <div className="usage-row-head">
                    <span>{u.label}</span>
                    <span className="mono">
                      {u.used.toLocaleString('ko-KR')} / {u.limit.toLocaleString('ko-KR')}
                      {u.unit}
                    </span>
                  </div>
                  <div className={`usage-bar${percent >= 100 ? ' is-over' : percent >= 80 ? ' is-near' : ''}`} role="presentation">
                    <span style={{ width: `${percent}%` }} />
                  </div>
                  {u.note ? <span className="muted small">{u.note}</span> : null}
                </li>
              );
            })}
          </ul>
          {data.hosting.length ? (
            <>
              <h3 style={{ marginTop: 24 }}>이번 달 사이트 요청</h3>
              <ul className="usage-list">
                {data.hosting.map((site) => (
                  <li className="usage-row" key={site.siteId}>
                    <div className="usage-row-head">
                      <span>{site.siteName}</span>
                      <span className="mono">
                        {site.requests.toLocaleString('ko-KR')}
                        {site.allowance !== null ? ` / ${site.allowance.toLocaleString('ko-KR')}회` : '회 (무제한)'}
                      </span>
                    </div>
                    {site.allowance !== null ? (
                      <div className={`usage-bar${site.level === 'over' ? ' is-over' : site.level === 'near' ? ' is-near' : ''}`} role="presentation">
                        <span style={{ width: `${Math.min(100, site.percent ?? 0)}%` }} />
                      </div>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>

        <section className="card">
          <div className="card-header">
            <h2>결제 카드</h2>
          </div>
          {data.card ? (
            <div className="card-on-file">
              <div className="card-chip" aria-label="등록된 카드">
                <span className="small">{data.card.company ?? '카드'}</span>
                <span className="card-chip-number" data-testid="card-number">
                  {data.card.number ?? '번호 없음'}
                </span>
              </div>
              <div className="muted small">{formatSeoulDate(data.card.createdAt)} 등록</div>
            </div>
          ) : (
            <p className="muted">등록된 카드가 없습니다.</p>
          )}
          <div className="button-row" style={{ marginTop: 16 }}>
            {data.payments.configured ? (
              <CardRegistrationButton
                clientKey={data.payments.clientKey}
                customerKey={data.payments.customerKey}
                customerEmail={data.payments.customerEmail}
                customerName={data.payments.customerName}
                label={data.card ? '카드 변경' : '카드 등록'}
              />
            ) : (
              <p className="muted small">결제가 아직 설정되지 않아 카드를 등록할 수 없습니다.</p>
            )}
            {data.card ? (
              <Form
                method="post"
                onSubmit={(event) => {
                  if (!confirm('등록된 카드를 삭제할까요? 유료 요금제는 다음 결제 전에 새 카드가 필요합니다.')) event.preventDefault();
                }}
              >
                <button type="submit" name="intent" value="remove-card" className="button button-secondary" disabled={busy}>
                  카드 삭제
                </button>
              </Form>
            ) : null}
          </div>

          {data.openInvoices.length ? (
            <>
              <h3 style={{ marginTop: 24 }}>결제할 청구서</h3>
              {data.openInvoices.map((invoice) => (
                <Form method="post" className="button-row" key={invoice.id} style={{ marginBottom: 8 }}>
                  <input type="hidden" name="invoiceId" value={invoice.id} />
                  <Link to={`/billing/invoices/${invoice.id}`}>
                    {formatPeriod(invoice.period)} · {formatKrw(invoice.totalKrw)}
                  </Link>
                  <button type="submit" name="intent" value="pay-now" className="button button-small" disabled={busy || !data.card}>
                    지금 결제
                  </button>
                </Form>
              ))}
            </>
          ) : null}

          {paid && !sub.granted && sub.status !== 'cancelled' ? (
            <div style={{ marginTop: 24 }}>
              <h3>구독 해지</h3>
              {sub.cancelAtPeriodEnd ? (
                <Form method="post" className="button-row">
                  <span className="muted small">{formatSeoulDate(new Date(new Date(sub.currentPeriodEnd).getTime() - 1))}에 해지됩니다.</span>
                  <button type="submit" name="intent" value="resume" className="button button-small" disabled={busy}>
                    해지 취소
                  </button>
                </Form>
              ) : (
                <Form
                  method="post"
                  className="button-row"
                  onSubmit={(event) => {
                    if (!confirm('이번 결제 기간이 끝나면 구독을 해지할까요? 그때까지는 그대로 쓰실 수 있습니다.')) event.preventDefault();
                  }}
                >
                  <span className="muted small">해지해도 이번 결제 기간이 끝날 때까지 쓰실 수 있습니다.</span>
                  <button type="submit" name="intent" value="cancel" className="button button-secondary button-small" disabled={busy}>
                    기간 끝에 해지
                  </button>
                </Form>
              )}
            </div>
          ) : null}
        </section>
      </div>
    </div>
  );
}
