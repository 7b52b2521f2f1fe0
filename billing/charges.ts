// Monthly invoices and charging them with the workspace's card — never twice.
//
// Invoice for a period (a KST calendar month), created once the period has closed:
//   plan       the full monthly price of the plan the period started on
//   proration  one line per plan change during the period (proration.ts)
//   add-ons    (paid plans only) hosting overage 10,000원 per site whose requests in the period
//              exceeded the plan's allowance (read from cdn_usage_daily), custom domains
//              20,000원 per domain-year starting in the period, API calls 10원 each — the last
//              two are counted by their owners and passed in.
//   VAT        list prices are VAT-exclusive (공급가액); vat = floor(subtotal × 10%) (원 미만
//              절사), total = subtotal + vat. Every invoice stores the rate it used.
//
// Charging (chargeInvoice) is safe to run twice, concurrently, or after a worker died mid-way:
//   1. under a row lock on the invoice, an attempt row ('in_progress') is committed BEFORE the
//      Toss call, holding the Idempotency-Key = "<invoice id>:<KST day>:<attempt>" and the
//      order id; a paid invoice is never charged again;
//   2. a run that finds an 'in_progress' attempt resumes it with the SAME key, card and body,
//      so Toss answers with the first result instead of charging again (keys last 15 days);
//   3. the client retries a dropped connection with the same key; if every retry fails the
//      attempt stays 'in_progress' for the next run (or the webhook) to settle.
// Dunning: after the first failed automatic attempt, retries fall due 1, 3 and 7 days after
// that failure; when the day-7 retry fails the subscription and the workspace become
// 'limited' (no new publishes; live sites stay up for the grace period of grace.ts, then the
// workspace is suspended). Any successful payment restores 'active' (and the sites at once).
import type { Sql, TransactionSql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import { logBillingAction } from './audit.ts';
import { graceEndsAt, liftUnpaidSuspension } from './grace.ts';
import { BillingError } from './errors.ts';
import { billingPeriod, kstDay, nextPeriod, periodLabelKo } from './periods.ts';
import { addOnPrices, getPlan, type Plan } from './plans.ts';
import { prorate } from './proration.ts';
import { planPrice, readBillingKey } from './subscriptions.ts';
import { TossError, TossNetworkError, type TossClient, type TossPayment } from './toss-client.ts';

export const VAT_RATE_PERCENT = 10;

/** Toss's record of a payment names another order or amount than ours: refused, never applied. */
export class PaymentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentMismatchError';
  }
}
/** Days after the first failure on which the automatic retries fall due. */
export const DUNNING_RETRY_DAYS = [1, 3, 7] as const;

export interface MeteredUsage {
  /** Calls to /api/v1 during the period (counted by the API module). */
  apiCalls: number;
  /** Custom domains whose yearly term starts in the period (counted by the domains module). */
  customDomainYearsStarting: number;
}

export type InvoiceLineKind = 'plan' | 'proration' | 'hosting_overage' | 'custom_domain' | 'api_calls';

export interface InvoiceLine {
  kind: InvoiceLineKind;
  description: string;
  quantity: number;
  unitPriceKrw: number;
  amountKrw: number;
}

export type InvoiceStatus = 'open' | 'paid' | 'refunded' | 'void';

export interface Invoice {
  id: string;
  tenantId: string;
  period: string;
  periodStart: Date;
  periodEnd: Date;
  planCode: string;
  status: InvoiceStatus;
  subtotalKrw: number;
  vatKrw: number;
  totalKrw: number;
  vatRatePercent: number;
  attemptCount: number;
  dunningStep: number;
  firstFailedAt: Date | null;
  nextAttemptAt: Date | null;
  lastFailureCode: string | null;
  lastFailureMessage: string | null;
  issuedAt: Date;
  paidAt: Date | null;
}

const invoiceColumns = (tx: TransactionSql) => tx`
  id, tenant_id as "tenantId", period, period_start as "periodStart", period_end as "periodEnd",
  plan_code as "planCode", status, subtotal_krw as "subtotalKrw", vat_krw as "vatKrw", total_krw as "totalKrw",
  vat_rate_percent as "vatRatePercent", attempt_count as "attemptCount", dunning_step as "dunningStep",
  first_failed_at as "firstFailedAt", next_attempt_at as "nextAttemptAt", last_failure_code as "lastFailureCode",
  last_failure_message as "lastFailureMessage", issued_at as "issuedAt", paid_at as "paidAt"`;

/** VAT on a VAT-exclusive subtotal: 10%, rounded down to the won (원 미만 절사). */
export function vatOn(subtotalKrw: number): number {
  return Math.floor((subtotalKrw * VAT_RATE_PERCENT) / 100);
}

/**
 * Creates the invoice that closes `period` for a workspace — once: a second call returns the
 * first invoice unchanged (`created: false`). Also rolls the subscription into the next period
 * (or ends it when it was cancelled at period end).
 */
export async function createMonthlyInvoice(
  sql: Sql,
  tenantId: string,
  period: string,
  usage: MeteredUsage,
  options: { now?: Date } = {},
): Promise<{ invoice: Invoice; lines: InvoiceLine[]; created: boolean }> {
  const now = options.now ?? new Date();
  const { start, end } = billingPeriod(period);
  for (const [name, value] of Object.entries(usage)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`usage.${name} must be a whole number ≥ 0, got ${value}`);
  }
  if (now < end) {
    throw new BillingError('PERIOD_NOT_CLOSED', `${periodLabelKo(period)} 청구서는 그 달이 끝난 뒤에 만들 수 있습니다.`);
  }
  return withTenant(sql, tenantId, async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('invoice:' || ${tenantId}::text || ':' || ${period}))`;
    const [existing] = await tx<Invoice[]>`select ${invoiceColumns(tx)} from invoices where period = ${period}`;
    if (existing) return { invoice: existing, lines: await readLines(tx, existing.id), created: false };

    const [subscription] = await tx<{ planCode: string; status: string; createdAt: Date; cancelledAt: Date | null; cancelAtPeriodEnd: boolean; currentPeriodEnd: Date; grantedAt: Date | null }[]>`
      select plan_code as "planCode", status, created_at as "createdAt", cancelled_at as "cancelledAt",
             cancel_at_period_end as "cancelAtPeriodEnd", current_period_end as "currentPeriodEnd", granted_at as "grantedAt"
      from subscriptions for update`;
    if (!subscription) throw new BillingError('NO_SUBSCRIPTION', '구독 정보가 없어 청구서를 만들 수 없습니다.');
    if (subscription.grantedAt) throw new Error(`Workspace ${tenantId} has a plan granted by an admin; it is not invoiced`);
    if (subscription.createdAt >= end || (subscription.cancelledAt && subscription.cancelledAt <= start)) {
      throw new Error(`Workspace ${tenantId} had no subscription during ${period}`);
    }

    const changes = await tx<{ fromPlan: string; toPlan: string; changedAt: Date }[]>`
      select from_plan as "fromPlan", to_plan as "toPlan", changed_at as "changedAt"
      from subscription_changes order by changed_at, id`;
    const before = changes.filter((c) => c.changedAt < start);
    const during = changes.filter((c) => c.changedAt >= start && c.changedAt < end);
    const startPlanCode = before.length ? before[before.length - 1].toPlan : during.length ? during[0].fromPlan : subscription.planCode;
    const startPlan = await getPlan(tx, startPlanCode);
    const endPlan = during.length ? await getPlan(tx, during[during.length - 1].toPlan) : startPlan;
    const label = periodLabelKo(period);

    const lines: InvoiceLine[] = [
      { kind: 'plan', description: `${startPlan.nameKo} 요금제 (${label})`, quantity: 1, unitPriceKrw: startPlan.monthlyPriceKrw, amountKrw: startPlan.monthlyPriceKrw },
    ];
    for (const change of during) {
      const from = await getPlan(tx, change.fromPlan);
      const to = await getPlan(tx, change.toPlan);
      const amount = prorate({ fromPlan: planPrice(from), toPlan: planPrice(to), periodStart: start, periodEnd: end, changeAt: change.changedAt });
      lines.push({
        kind: 'proration',
        description: `요금제 변경 ${from.nameKo} → ${to.nameKo} (${kstDate(change.changedAt)}부터 일할 계산)`,
        quantity: 1,
        unitPriceKrw: amount,
        amountKrw: amount,
      });
    }
    if (endPlan.monthlyPriceKrw > 0) lines.push(...(await addOnLines(tx, endPlan, start, end, usage)));

    const subtotal = lines.reduce((sum, line) => sum + line.amountKrw, 0);
    if (subtotal < 0) throw new Error(`Invoice for ${period} came to ${subtotal}원; prorations must never exceed the plan line`);
    const vat = vatOn(subtotal);
    const total = subtotal + vat;
    const [invoice] = await tx<Invoice[]>`
      insert into invoices (tenant_id, period, period_start, period_end, plan_code, status, subtotal_krw, vat_krw,
                            total_krw, vat_rate_percent, next_attempt_at, issued_at, paid_at)
      values (${tenantId}, ${period}, ${start}, ${end}, ${endPlan.code}, ${total === 0 ? 'paid' : 'open'}, ${subtotal},
              ${vat}, ${total}, ${VAT_RATE_PERCENT}, ${total === 0 ? null : now}, ${now}, ${total === 0 ? now : null})
      returning ${invoiceColumns(tx)}`;
    for (const [position, line] of lines.entries()) {
      await tx`
        insert into invoice_lines (tenant_id, invoice_id, kind, description, quantity, unit_price_krw, amount_krw, position)
        values (${tenantId}, ${invoice.id}, ${line.kind}, ${line.description}, ${line.quantity}, ${line.unitPriceKrw}, ${line.amountKrw}, ${position})`;
    }

    await logBillingAction(tx, { tenantId, action: 'billing.invoice_issued', target: invoice.id, detail: { period, totalKrw: total } });
    // Roll the subscription past the closed period.
    if (subscription.currentPeriodEnd <= end) {
      if (subscription.cancelAtPeriodEnd) {
        // Ended: the free trial's limits apply again and new publishes stop (live sites stay up),
        // as after an expired trial, until the owner chooses a plan.
        // Back on the free plan from the last instant of the closed period: a later return to a
        // paid plan is prorated from 무료 체험 (0원), never charged for the days in between.
        if (subscription.planCode !== 'trial') {
          await tx`insert into subscription_changes (tenant_id, from_plan, to_plan, changed_at)
                   values (${tenantId}, ${subscription.planCode}, 'trial', ${new Date(end.getTime() - 1)})`;
        }
        await tx`update subscriptions set status = 'cancelled', plan_code = 'trial', cancelled_at = ${end}, updated_at = now()`;
        await tx`update tenants set plan_code = 'trial', status = case when status = 'active' then 'limited' else status end where id = ${tenantId}`;
        await logBillingAction(tx, { tenantId, action: 'billing.subscription_ended', detail: { period, plan: subscription.planCode } });
      } else {
        const next = billingPeriod(nextPeriod(period));
        await tx`update subscriptions set current_period_start = ${next.start}, current_period_end = ${next.end}, updated_at = now()`;
      }
    }
    return { invoice, lines, created: true };
  });
}

async function addOnLines(tx: TransactionSql, plan: Plan, start: Date, end: Date, usage: MeteredUsage): Promise<InvoiceLine[]> {
  const lines: InvoiceLine[] = [];
  if (plan.hostingRequestsPerSite !== null) {
    const [{ present }] = await tx<{ present: boolean }[]>`select to_regclass('public.cdn_usage_daily') is not null as present`;
    if (!present) throw new Error('Hosting overage needs the cdn_usage_daily table (cdn module migration); it is missing');
    const firstDay = kstDate(start);
    const lastDay = kstDate(new Date(end.getTime() - 1));
    const [{ sites }] = await tx<{ sites: number }[]>`
      select count(*)::int as sites from (
        select site_id from cdn_usage_daily
        where day between ${firstDay}::date and ${lastDay}::date
        group by site_id having sum(requests) > ${plan.hostingRequestsPerSite}
      ) over_allowance`;
    if (sites > 0) {
      lines.push({
        kind: 'hosting_overage',
        description: `호스팅 초과 사용 (사이트당 월 ${plan.hostingRequestsPerSite.toLocaleString('ko-KR')}회 요청 초과)`,
        quantity: sites,
        unitPriceKrw: addOnPrices.hostingOveragePerSiteMonth,
        amountKrw: sites * addOnPrices.hostingOveragePerSiteMonth,
      });
    }
  }
  if (usage.customDomainYearsStarting > 0) {
    lines.push({
      kind: 'custom_domain',
      description: '연결 도메인 (1년)',
      quantity: usage.customDomainYearsStarting,
      unitPriceKrw: addOnPrices.customDomainPerYear,
      amountKrw: usage.customDomainYearsStarting * addOnPrices.customDomainPerYear,
    });
  }
  if (usage.apiCalls > 0) {
    lines.push({
      kind: 'api_calls',
      description: 'API 호출',
      quantity: usage.apiCalls,
      unitPriceKrw: addOnPrices.apiCall,
      amountKrw: usage.apiCalls * addOnPrices.apiCall,
    });
  }
  return lines;
}

async function readLines(tx: TransactionSql, invoiceId: string): Promise<InvoiceLine[]> {
  const rows = await tx<InvoiceLine[]>`
    select kind, description, quantity, unit_price_krw as "unitPriceKrw", amount_krw as "amountKrw"
    from invoice_lines where invoice_id = ${invoiceId} order by position`;
  return [...rows];
}

export async function getInvoice(sql: Sql, tenantId: string, invoiceId: string): Promise<{ invoice: Invoice; lines: InvoiceLine[] } | null> {
  return withTenant(sql, tenantId, async (tx) => {
    const [invoice] = await tx<Invoice[]>`select ${invoiceColumns(tx)} from invoices where id = ${invoiceId}`;
    return invoice ? { invoice, lines: await readLines(tx, invoice.id) } : null;
  });
}

export interface InvoicePayment {
  id: string;
  attempt: number;
  amountKrw: number;
  status: string;
  failureCode: string | null;
  failureMessage: string | null;
  approvedAt: Date | null;
  cardNumberMasked: string | null;
  /** Toss's card receipt (매출전표) page, when Toss gave one. */
  receiptUrl: string | null;
  createdAt: Date;
}

/** The attempts to pay an invoice, for its detail page and printable receipt. */
export async function listInvoicePayments(sql: Sql, tenantId: string, invoiceId: string): Promise<InvoicePayment[]> {
  return withTenant(sql, tenantId, async (tx) => {
    const rows = await tx<InvoicePayment[]>`
      select p.id, p.attempt, p.amount_krw as "amountKrw", p.status, p.failure_code as "failureCode",
             p.failure_message as "failureMessage", p.approved_at as "approvedAt",
             k.card_number_masked as "cardNumberMasked", p.raw_response #>> '{receipt,url}' as "receiptUrl",
             p.created_at as "createdAt"
      from payments p left join billing_keys k on k.id = p.billing_key_id
      where p.invoice_id = ${invoiceId} order by p.attempt`;
    return [...rows];
  });
}

export async function listInvoices(sql: Sql, tenantId: string): Promise<Invoice[]> {
  return withTenant(sql, tenantId, async (tx) => [...(await tx<Invoice[]>`select ${invoiceColumns(tx)} from invoices order by period desc`)]);
}

export type ChargeOutcome =
  | { outcome: 'paid'; paymentId: string; paymentKey: string }
  | { outcome: 'already_paid' }
  | { outcome: 'nothing_to_charge' }
  | { outcome: 'declined'; code: string; message: string; nextAttemptAt: Date | null; limited: boolean }
  | { outcome: 'not_due'; nextAttemptAt: Date | null }
  | { outcome: 'pending'; reason: string };

export interface ChargeOptions {
  encryptionKey: Buffer;
  now?: Date;
  /** The owner pressed "pay now": charge even when no automatic retry is due. Does not move the dunning schedule. */
  ownerInitiated?: boolean;
}

interface Attempt {
  id: string;
  attempt: number;
  idempotencyKey: string;
  orderId: string;
  orderName: string;
  amountKrw: number;
  billingKeyId: string | null;
}

/**
 * Charges an open invoice with the workspace's card. See the top of this file for why it never
 * charges twice. Platform-level entry (a job): it looks up the invoice's workspace, then works
 * inside withTenant.
 */
export async function chargeInvoice(sql: Sql, toss: TossClient, invoiceId: string, options: ChargeOptions): Promise<ChargeOutcome> {
  const now = options.now ?? new Date();
  const [owner] = await sql<{ tenantId: string }[]>`select tenant_id as "tenantId" from invoices where id = ${invoiceId}`;
  if (!owner) throw new Error(`No invoice ${invoiceId}`);
  const tenantId = owner.tenantId;

  const prepared = await withTenant(sql, tenantId, async (tx): Promise<ChargeOutcome | Attempt> => {
    const [invoice] = await tx<Invoice[]>`select ${invoiceColumns(tx)} from invoices where id = ${invoiceId} for update`;
    if (invoice.status === 'paid' || invoice.status === 'refunded') return { outcome: 'already_paid' };
    if (invoice.status === 'void') throw new Error(`Invoice ${invoiceId} is void`);
    if (invoice.totalKrw === 0) {
      await tx`update invoices set status = 'paid', paid_at = ${now}, next_attempt_at = null where id = ${invoiceId}`;
      return { outcome: 'nothing_to_charge' };
    }
    const [unfinished] = await tx<Attempt[]>`
      select id, attempt, idempotency_key as "idempotencyKey", order_id as "orderId", order_name as "orderName",
             amount_krw as "amountKrw", billing_key_id as "billingKeyId"
      from payments where invoice_id = ${invoiceId} and status = 'in_progress' order by attempt desc limit 1`;
    if (unfinished) return unfinished; // resume: same key, same card, same body
    if (!options.ownerInitiated) {
      const exhausted = invoice.dunningStep > DUNNING_RETRY_DAYS.length;
      if (exhausted || (invoice.nextAttemptAt && invoice.nextAttemptAt > now) || !invoice.nextAttemptAt) {
        return { outcome: 'not_due', nextAttemptAt: invoice.nextAttemptAt };
      }
    }
    const attempt = invoice.attemptCount + 1;
    await tx`update invoices set attempt_count = ${attempt} where id = ${invoiceId}`;
    const [card] = await tx<{ id: string }[]>`select id from billing_keys where removed_at is null`;
    if (!card) {
      return recordFailure(tx, invoice, { code: 'NO_BILLING_KEY', message: '등록된 결제 카드가 없습니다.' }, now, options.ownerInitiated ?? false);
    }
    const day = kstDay(now);
    const next: Attempt = {
      id: '',
      attempt,
      idempotencyKey: `${invoiceId}:${day}:${attempt}`,
      orderId: `ww${invoiceId.replace(/-/g, '')}${day}a${attempt}`,
      orderName: `WindWalker ${periodLabelKo(invoice.period)} 이용료`,
      amountKrw: invoice.totalKrw,
      billingKeyId: card.id,
    };
    const [row] = await tx<{ id: string }[]>`
      insert into payments (tenant_id, invoice_id, attempt, idempotency_key, order_id, order_name, billing_key_id, amount_krw, status)
      values (${tenantId}, ${invoiceId}, ${attempt}, ${next.idempotencyKey}, ${next.orderId}, ${next.orderName}, ${card.id},
              ${next.amountKrw}, 'in_progress')
      returning id`;
    return { ...next, id: row.id };
  });
  if ('outcome' in prepared) return prepared;
  const attempt = prepared;

  const card = await withTenant(sql, tenantId, (tx) => readBillingKey(tx, tenantId, options.encryptionKey, attempt.billingKeyId));
  if (!card) throw new Error(`Payment ${attempt.id} names a card that no longer exists`);
  let payment: TossPayment;
  try {
    payment = await toss.chargeBillingKey(card.billingKey, {
      customerKey: card.customerKey,
      amount: attempt.amountKrw,
      orderId: attempt.orderId,
      orderName: attempt.orderName,
      idempotencyKey: attempt.idempotencyKey,
    });
  } catch (error) {
    if (error instanceof TossNetworkError) return { outcome: 'pending', reason: 'Toss did not answer; the attempt resumes with the same Idempotency-Key' };
    if (!(error instanceof TossError)) throw error;
    if (error.code === 'DUPLICATED_ORDER_ID') {
      // Approved earlier under this order id (e.g. the key expired): settle from Toss's record.
      payment = await toss.getPaymentByOrderId(attempt.orderId);
    } else if (error.status >= 500 || error.status === 409 || error.status === 429) {
      return { outcome: 'pending', reason: `Toss answered ${error.status} ${error.code}; the attempt resumes with the same Idempotency-Key` };
    } else if (error.status === 401) {
      throw new Error('Toss refused our secret key (TOSS_SECRET_KEY); nothing was charged', { cause: error });
    } else {
      return withTenant(sql, tenantId, async (tx) => {
        await tx`
          update payments set status = 'failed', failure_code = ${error.code}, failure_message = ${error.tossMessage},
                 status_changed_at = ${now}, updated_at = now()
          where id = ${attempt.id} and status = 'in_progress'`;
        const [invoice] = await tx<Invoice[]>`select ${invoiceColumns(tx)} from invoices where id = ${invoiceId} for update`;
        return recordFailure(tx, invoice, { code: error.code, message: error.tossMessage }, now, options.ownerInitiated ?? false);
      });
    }
  }
  if (payment.orderId !== attempt.orderId || payment.totalAmount !== attempt.amountKrw) {
    throw new PaymentMismatchError(`Toss answered for order ${payment.orderId} / ${payment.totalAmount}원, expected ${attempt.orderId} / ${attempt.amountKrw}원`);
  }
  await withTenant(sql, tenantId, (tx) => applyTossPayment(tx, attempt.id, payment, now));
  return { outcome: 'paid', paymentId: attempt.id, paymentKey: payment.paymentKey };
}

async function recordFailure(
  tx: TransactionSql,
  invoice: Invoice,
  failure: { code: string; message: string },
  now: Date,
  ownerInitiated: boolean,
): Promise<ChargeOutcome> {
  if (ownerInitiated) {
    // The owner tried by hand: tell them why, keep the automatic schedule as it was.
    await tx`update invoices set last_failure_code = ${failure.code}, last_failure_message = ${failure.message} where id = ${invoice.id}`;
    await logBillingAction(tx, { tenantId: invoice.tenantId, action: 'billing.payment_failed', target: invoice.id, detail: { code: failure.code, message: failure.message, ownerInitiated: true } });
    return { outcome: 'declined', ...failure, nextAttemptAt: invoice.nextAttemptAt, limited: false };
  }
  const step = invoice.dunningStep + 1; // 1 = the first failure, 4 = the day-7 retry failed
  const firstFailedAt = invoice.firstFailedAt ?? now;
  const retryDay = DUNNING_RETRY_DAYS[step - 1];
  const nextAttemptAt = retryDay === undefined ? null : new Date(firstFailedAt.getTime() + retryDay * 86_400_000);
  await tx`
    update invoices set dunning_step = ${step}, first_failed_at = ${firstFailedAt}, next_attempt_at = ${nextAttemptAt},
           last_failure_code = ${failure.code}, last_failure_message = ${failure.message}
    where id = ${invoice.id}`;
  const limited = nextAttemptAt === null;
  await logBillingAction(tx, {
    tenantId: invoice.tenantId, action: 'billing.payment_failed', target: invoice.id,
    detail: { code: failure.code, message: failure.message, dunningStep: step, nextAttemptAt: nextAttemptAt?.toISOString() ?? null },
  });
  if (limited) {
    await tx`update subscriptions set status = 'limited', updated_at = now() where status <> 'cancelled'`;
    // Live sites stay up for the grace period, then the billing job suspends the workspace (grace.ts).
    await tx`update subscriptions set grace_ends_at = ${graceEndsAt(now)} where grace_ends_at is null`;
    await tx`update tenants set status = 'limited' where id = ${invoice.tenantId} and status = 'active'`;
    await logBillingAction(tx, { tenantId: invoice.tenantId, action: 'billing.workspace_limited', target: invoice.id, detail: { reason: 'unpaid_invoice' } });
  } else {
    await tx`update subscriptions set status = 'past_due', updated_at = now() where status in ('active', 'trialing')`;
  }
  return { outcome: 'declined', ...failure, nextAttemptAt, limited };
}

const paymentRank: Record<string, number> = { in_progress: 0, failed: 1, done: 1, partially_cancelled: 2, cancelled: 3 };

function ourStatus(status: TossPayment['status']): string {
  switch (status) {
    case 'DONE':
      return 'done';
    case 'CANCELED':
      return 'cancelled';
    case 'PARTIAL_CANCELED':
      return 'partially_cancelled';
    case 'ABORTED':
    case 'EXPIRED':
      return 'failed';
    default:
      return 'in_progress';
  }
}

/** When Toss last changed this payment: its latest cancel, else its approval. */
function tossStateTime(payment: TossPayment): Date | null {
  const times = [payment.approvedAt, ...(payment.cancels ?? []).map((c) => c.canceledAt)].filter((t): t is string => Boolean(t));
  if (!times.length) return null;
  return new Date(Math.max(...times.map((t) => new Date(t).getTime())));
}

/**
 * Applies what Toss says about a payment (from a charge answer or a re-read for a webhook).
 * Only moves forward: in_progress → done/failed → partially_cancelled → cancelled, and a
 * partial cancel only with a later timestamp — so duplicates and out-of-order deliveries
 * change nothing. Returns whether anything changed.
 */
export async function applyTossPayment(tx: TransactionSql, paymentId: string, payment: TossPayment, now: Date): Promise<boolean> {
  const [row] = await tx<{ invoiceId: string; tenantId: string; status: string; amountKrw: number; orderId: string; statusChangedAt: Date | null }[]>`
    select invoice_id as "invoiceId", tenant_id as "tenantId", status, amount_krw as "amountKrw", order_id as "orderId",
           status_changed_at as "statusChangedAt"
    from payments where id = ${paymentId} for update`;
  if (!row) throw new Error(`No payment ${paymentId}`);
  if (payment.orderId !== row.orderId || payment.totalAmount !== row.amountKrw) {
    throw new PaymentMismatchError(`Toss payment ${payment.paymentKey} is for ${payment.orderId} / ${payment.totalAmount}원, ours is ${row.orderId} / ${row.amountKrw}원`);
  }
  const next = ourStatus(payment.status);
  const at = tossStateTime(payment) ?? now;
  const forward =
    paymentRank[next] > paymentRank[row.status] ||
    (next === 'partially_cancelled' && row.status === 'partially_cancelled' && (!row.statusChangedAt || at > row.statusChangedAt));
  if (!forward) return false;
  await tx`
    update payments set status = ${next}, payment_key = ${payment.paymentKey}, raw_response = ${tx.json(payment as never)},
           approved_at = ${payment.approvedAt ? new Date(payment.approvedAt) : null}, status_changed_at = ${at},
           failure_code = ${payment.failure?.code ?? null}, failure_message = ${payment.failure?.message ?? null}, updated_at = now()
    where id = ${paymentId}`;
  if (next === 'done') {
    await tx`update invoices set status = 'paid', paid_at = ${payment.approvedAt ? new Date(payment.approvedAt) : now}, next_attempt_at = null
             where id = ${row.invoiceId} and status = 'open'`;
    await logBillingAction(tx, { tenantId: row.tenantId, action: 'billing.payment_succeeded', target: row.invoiceId, detail: { paymentKey: payment.paymentKey, amountKrw: payment.totalAmount } });
    await restoreAfterPayment(tx, row.tenantId);
  } else if (next === 'cancelled' || next === 'partially_cancelled') {
    if (next === 'cancelled') await tx`update invoices set status = 'refunded' where id = ${row.invoiceId} and status = 'paid'`;
    await logBillingAction(tx, { tenantId: row.tenantId, action: 'billing.payment_refunded', target: row.invoiceId, detail: { paymentKey: payment.paymentKey, balanceKrw: payment.balanceAmount ?? null } });
  }
  return true;
}

/** Paying restores a workspace that dunning had limited (an admin's suspension stays). */
async function restoreAfterPayment(tx: TransactionSql, tenantId: string): Promise<void> {
  const [{ unpaid }] = await tx<{ unpaid: number }[]>`select count(*)::int as unpaid from invoices where status = 'open'`;
  if (unpaid > 0) return;
  await liftUnpaidSuspension(tx, tenantId);
  // Paying an ended subscription's closing invoice settles the books; the workspace stays limited
  // until the owner chooses a plan again (changePlan restores it).
  const [subscription] = await tx<{ status: string }[]>`select status from subscriptions`;
  if (subscription?.status === 'cancelled') return;
  await tx`update subscriptions set status = 'active', updated_at = now() where status in ('past_due', 'limited')`;
  const restored = await tx`update tenants set status = 'active' where id = ${tenantId} and status = 'limited' returning id`;
  if (restored.length) await logBillingAction(tx, { tenantId, action: 'billing.workspace_restored', detail: { reason: 'paid' } });
}

/** Open invoices whose automatic attempt is due (for the scheduled billing job), all workspaces. */
export async function listDueInvoices(sql: Sql, now: Date = new Date()): Promise<{ id: string; tenantId: string }[]> {
  const rows = await sql<{ id: string; tenantId: string }[]>`
    select id, tenant_id as "tenantId" from invoices
    where status = 'open' and next_attempt_at <= ${now}
    union
    select distinct i.id, i.tenant_id from invoices i join payments p on p.invoice_id = i.id
    where i.status = 'open' and p.status = 'in_progress'`;
  return [...rows];
}

function kstDate(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
