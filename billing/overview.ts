// What the billing page and the dashboard banner show a workspace, and the finance view.
// Owner-facing text is Korean; amounts are written 30,000원 and dates in Asia/Seoul.
import type { Sql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import { listInvoices, type Invoice } from './charges.ts';
import { billingPeriod, periodLabelKo, periodOf } from './periods.ts';
import { addOnPrices, planInForce, type Plan } from './plans.ts';
import { getCard, getSubscription, type Card, type Subscription } from './subscriptions.ts';

export function formatKrw(amount: number): string {
  return `${amount.toLocaleString('ko-KR')}원`;
}

export function formatKstDate(at: Date): string {
  const kst = new Date(at.getTime() + 9 * 3600_000);
  return `${kst.getUTCFullYear()}년 ${kst.getUTCMonth() + 1}월 ${kst.getUTCDate()}일`;
}

export type HostingLevel = 'ok' | 'near' | 'over';

export interface SiteHostingUsage {
  siteId: string;
  siteName: string;
  requests: number;
  /** Requests included per site per month; null = unlimited hosting. */
  allowance: number | null;
  percent: number | null;
  level: HostingLevel;
}

/**
 * Each site's requests this period against the plan's allowance: 'near' from 80%, 'over' from
 * 100%. Over means the 10,000원 overage line on the invoice — never a blocked or slowed site.
 */
export async function getHostingUsage(sql: Sql, tenantId: string, period: string): Promise<SiteHostingUsage[]> {
  const { start, end } = billingPeriod(period);
  return withTenant(sql, tenantId, async (tx) => {
    const plan = await planInForce(tx);
    const rows = await tx<{ siteId: string; siteName: string; requests: number }[]>`
      select s.id as "siteId", s.name as "siteName", coalesce(sum(u.requests), 0)::bigint as requests
      from sites s
      left join cdn_usage_daily u on u.site_id = s.id
        and u.day between ${kstDay(start)}::date and ${kstDay(new Date(end.getTime() - 1))}::date
      group by s.id, s.name order by s.name`;
    return rows.map((row) => usageOf(plan, row));
  });
}

function usageOf(plan: Plan, row: { siteId: string; siteName: string; requests: number }): SiteHostingUsage {
  const allowance = plan.hostingRequestsPerSite;
  if (allowance === null) return { ...row, allowance, percent: null, level: 'ok' };
  const percent = Math.floor((row.requests * 100) / allowance);
  return { ...row, allowance, percent, level: row.requests > allowance ? 'over' : percent >= 80 ? 'near' : 'ok' };
}

export interface BillingNotice {
  level: 'info' | 'warning' | 'danger';
  message: string;
}

export interface BillingOverview {
  subscription: Subscription | null;
  plan: Plan;
  card: Card | null;
  openInvoices: Invoice[];
  hosting: SiteHostingUsage[];
  notices: BillingNotice[];
}

/** Everything the billing page needs, with the notices to show (dunning, trial, hosting 80/100%). */
export async function getBillingOverview(sql: Sql, tenantId: string, options: { now?: Date } = {}): Promise<BillingOverview> {
  const now = options.now ?? new Date();
  const subscription = await getSubscription(sql, tenantId);
  const plan = await withTenant(sql, tenantId, (tx) => planInForce(tx));
  const card = await getCard(sql, tenantId);
  const openInvoices = (await listInvoices(sql, tenantId)).filter((i) => i.status === 'open');
  const hosting = await getHostingUsage(sql, tenantId, periodOf(now));
  const notices: BillingNotice[] = [];

  if (subscription?.status === 'trialing' && subscription.trialEndsAt) {
    const days = Math.max(0, Math.ceil((subscription.trialEndsAt.getTime() - now.getTime()) / 86_400_000));
    notices.push({ level: 'info', message: `무료 체험이 ${days}일 남았습니다 (${formatKstDate(subscription.trialEndsAt)}까지). 체험이 끝나기 전에 요금제를 골라 주세요.` });
  }
  const [workspace] = await withTenant(sql, tenantId, (tx) => tx<{ status: string; suspendedReason: string | null }[]>`
    select status, suspended_reason as "suspendedReason" from tenants where id = ${tenantId}`);
  if (workspace?.status === 'suspended' && workspace.suspendedReason === 'unpaid') {
    notices.push({ level: 'danger', message: '결제가 밀려 유예 기간이 끝나 사이트가 일시 중지되었습니다. 방문자에게는 ‘이 사이트는 일시 중지되었습니다’ 안내가 보입니다. 카드를 확인하고 ‘지금 결제’를 누르시면 사이트가 바로 다시 열립니다.' });
  } else if (subscription?.status === 'limited' || (workspace?.status === 'limited' && subscription?.graceEndsAt)) {
    notices.push(
      openInvoices.length && subscription?.graceEndsAt
        ? { level: 'danger', message: `결제가 밀려 새 게시가 멈췄습니다. ${formatKstDate(new Date(subscription.graceEndsAt.getTime() - 1))}까지 사이트가 유지됩니다. 그 전에 결제하시면 사이트는 멈추지 않고 새 게시도 바로 다시 됩니다. 그때까지 결제가 없으면 사이트가 일시 중지됩니다. 카드를 확인하고 ‘지금 결제’를 눌러 주세요.` }
        : openInvoices.length
          ? { level: 'danger', message: '결제가 밀려 새 게시가 멈췄습니다. 공개 중인 사이트는 그대로 열립니다. 카드를 확인하고 ‘지금 결제’를 눌러 주세요.' }
          : { level: 'danger', message: '무료 체험이 끝나 새 게시가 멈췄습니다. 공개 중인 사이트는 그대로 열립니다. 요금제를 골라 주세요.' },
    );
  }
  for (const invoice of openInvoices) {
    if (!invoice.lastFailureCode) continue;
    const reason = invoice.lastFailureMessage ? ` (${invoice.lastFailureMessage})` : '';
    const next = invoice.nextAttemptAt ? ` ${formatKstDate(invoice.nextAttemptAt)}에 다시 시도합니다.` : '';
    notices.push({
      level: 'warning',
      message: `${periodLabelKo(invoice.period)} 이용료 ${formatKrw(invoice.totalKrw)} 결제에 실패했습니다${reason}.${next} 카드를 확인하거나 바꿔 주세요.`,
    });
  }
  if (plan.monthlyPriceKrw > 0 && !card && !subscription?.grantedAt) {
    notices.push({ level: 'warning', message: '등록된 결제 카드가 없습니다. 다음 결제 전에 카드를 등록해 주세요.' });
  }
  if (subscription?.status === 'cancelled') {
    notices.push({
      level: 'danger',
      message: `구독이 ${subscription.cancelledAt ? `${formatKstDate(new Date(subscription.cancelledAt.getTime() - 1))}에 ` : ''}끝나 새 게시가 멈췄습니다. 공개 중인 사이트는 그대로 열립니다. 계속 쓰시려면 요금제를 다시 골라 주세요.`,
    });
  } else if (subscription?.cancelAtPeriodEnd) {
    notices.push({ level: 'info', message: `구독이 ${formatKstDate(new Date(subscription.currentPeriodEnd.getTime() - 1))}에 끝납니다. 계속 쓰시려면 해지를 취소해 주세요.` });
  }
  for (const site of hosting) {
    if (site.level === 'ok' || site.allowance === null) continue;
    const used = `${site.requests.toLocaleString('ko-KR')} / ${site.allowance.toLocaleString('ko-KR')}회`;
    notices.push(
      site.level === 'over'
        ? { level: 'warning', message: `‘${site.siteName}’ 사이트가 이번 달 요청 허용량을 넘었습니다 (${used}). 사이트는 멈추지 않으며, 이번 달 청구서에 호스팅 초과 ${formatKrw(addOnPrices.hostingOveragePerSiteMonth)}이 더해집니다.` }
        : { level: 'info', message: `‘${site.siteName}’ 사이트가 이번 달 요청 허용량의 ${site.percent}%를 썼습니다 (${used}). 넘으면 호스팅 초과 ${formatKrw(addOnPrices.hostingOveragePerSiteMonth)}이 청구되며 사이트는 멈추지 않습니다.` },
    );
  }
  return { subscription, plan, card, openInvoices, hosting, notices };
}

export interface MrrReport {
  totalKrw: number;
  byPlan: { planCode: string; planName: string; subscriptions: number; mrrKrw: number }[];
}

/**
 * Monthly recurring revenue: the VAT-exclusive list price of each paying subscription, by plan.
 * Counted: status 'active', or 'past_due' (still subscribed while the dunning retries run; it
 * leaves MRR when it becomes 'limited'). Not counted: the free trial ('trialing', and the
 * 0원 trial plan), 'limited', 'cancelled', a subscription cancelled at period end whose period
 * has ended (before the month close turns it 'cancelled'), and admin-granted plans (never
 * invoiced). A plan nobody pays for shows 0 subscriptions and 0원. Platform-level (finance,
 * monitoring).
 */
export async function getMrr(sql: Sql, options: { now?: Date } = {}): Promise<MrrReport> {
  const now = options.now ?? new Date();
  const rows = await sql<{ planCode: string; planName: string; subscriptions: number; mrrKrw: number }[]>`
    select p.code as "planCode", p.name_ko as "planName", count(s.tenant_id)::int as subscriptions,
           (count(s.tenant_id) * p.monthly_price_krw)::int as "mrrKrw"
    from plans p
    left join subscriptions s on s.plan_code = p.code
      and s.status in ('active', 'past_due')
      and s.granted_at is null
      and not (s.cancel_at_period_end and s.current_period_end <= ${now})
    where p.monthly_price_krw > 0 and p.code <> 'trial'
    group by p.code, p.name_ko, p.monthly_price_krw, p.sort_order order by p.sort_order`;
  return { totalKrw: rows.reduce((sum, r) => sum + r.mrrKrw, 0), byPlan: [...rows] };
}

export interface FinancePayment {
  id: string;
  tenantId: string;
  tenantName: string;
  invoiceId: string;
  period: string;
  amountKrw: number;
  status: string;
  paymentKey: string | null;
  failureCode: string | null;
  approvedAt: Date | null;
  createdAt: Date;
}

/** Every workspace's payments, newest first — the finance view (platform-level). */
export async function listAllPaymentsForFinance(sql: Sql, options: { limit?: number; before?: Date } = {}): Promise<FinancePayment[]> {
  const rows = await sql<FinancePayment[]>`
    select p.id, p.tenant_id as "tenantId", t.name as "tenantName", p.invoice_id as "invoiceId", i.period,
           p.amount_krw as "amountKrw", p.status, p.payment_key as "paymentKey", p.failure_code as "failureCode",
           p.approved_at as "approvedAt", p.created_at as "createdAt"
    from payments p join tenants t on t.id = p.tenant_id join invoices i on i.id = p.invoice_id
    where p.created_at < ${options.before ?? new Date('9999-01-01')}
    order by p.created_at desc limit ${options.limit ?? 100}`;
  return [...rows];
}

function kstDay(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
