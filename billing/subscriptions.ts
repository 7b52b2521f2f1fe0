// A workspace's subscription: the free trial, plan changes (prorated on the invoice that closes
// the period), cancel at the end of the period, and the card (Toss billing key) it pays with.
import { randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import { logBillingAction } from './audit.ts';
import { decryptSecret, encryptSecret } from './encryption.ts';
import { BillingError } from './errors.ts';
import { billingPeriod, periodOf } from './periods.ts';
import { assertWithinPlanLimit, getPlan, type Plan, type PlanCode } from './plans.ts';
import { prorate } from './proration.ts';
import { TossError, type TossClient } from './toss-client.ts';

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'limited' | 'cancelled';

export interface Subscription {
  tenantId: string;
  planCode: PlanCode;
  status: SubscriptionStatus;
  tossCustomerKey: string;
  trialEndsAt: Date | null;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  cancelledAt: Date | null;
  /** When dunning gave up: the live sites stay up until then (grace.ts); null otherwise. */
  graceEndsAt: Date | null;
  /** Set when a platform admin granted the plan (no card, never invoiced). */
  grantedAt: Date | null;
  grantedBy: string | null;
}

export interface Card {
  id: string;
  cardCompany: string | null;
  cardNumberMasked: string | null;
  cardType: string | null;
  createdAt: Date;
}

const subscriptionColumns = (tx: TransactionSql) => tx`
  tenant_id as "tenantId", plan_code as "planCode", status, toss_customer_key as "tossCustomerKey",
  trial_ends_at as "trialEndsAt", current_period_start as "currentPeriodStart",
  current_period_end as "currentPeriodEnd", cancel_at_period_end as "cancelAtPeriodEnd",
  cancelled_at as "cancelledAt", grace_ends_at as "graceEndsAt", granted_at as "grantedAt", granted_by as "grantedBy"`;

export async function getSubscription(sql: Sql, tenantId: string): Promise<Subscription | null> {
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<Subscription[]>`select ${subscriptionColumns(tx)} from subscriptions`;
    return row ?? null;
  });
}

/** Starts the free trial for a new workspace (idempotent: an existing subscription is returned). */
export async function startTrial(sql: Sql, tenantId: string, options: { now?: Date } = {}): Promise<Subscription> {
  const now = options.now ?? new Date();
  return withTenant(sql, tenantId, async (tx) => {
    const trial = await getPlan(tx, 'trial');
    const period = billingPeriod(periodOf(now));
    // Toss customerKey: 2–300 of [A-Za-z0-9-_=.@]; random so it reveals nothing about the tenant.
    const customerKey = `ww_${randomBytes(18).toString('base64url')}`;
    const trialEndsAt = new Date(now.getTime() + (trial.trialDays ?? 14) * 86_400_000);
    await tx`
      insert into subscriptions (tenant_id, plan_code, status, toss_customer_key, trial_ends_at,
                                 current_period_start, current_period_end, created_at)
      values (${tenantId}, 'trial', 'trialing', ${customerKey}, ${trialEndsAt}, ${period.start}, ${period.end}, ${now})
      on conflict (tenant_id) do nothing`;
    const [row] = await tx<Subscription[]>`select ${subscriptionColumns(tx)} from subscriptions`;
    return row;
  });
}

/**
 * Moves the workspace to another plan now. Paid plans need a registered card. The change is
 * recorded so the invoice closing this period prorates it (see proration.ts); the returned
 * amount is that proration, for the confirmation screen.
 */
export async function changePlan(
  sql: Sql,
  tenantId: string,
  toPlanCode: string,
  options: { now?: Date; userId?: string | null } = {},
): Promise<{ subscription: Subscription; prorationKrw: number }> {
  const now = options.now ?? new Date();
  return withTenant(sql, tenantId, async (tx) => {
    // The workspace row first, as assertCanCreateSite does: a site created while the plan
    // changes is counted against the new plan, never slipped in between count and change.
    await tx`select 1 from tenants where id = ${tenantId} for update`;
    const [current] = await tx<Subscription[]>`select ${subscriptionColumns(tx)} from subscriptions for update`;
    if (!current) throw new BillingError('NO_SUBSCRIPTION', '구독 정보가 없습니다. 워크스페이스를 다시 열어 주세요.');
    const toPlan = await getPlan(tx, toPlanCode);
    if (toPlan.code === 'trial') throw new BillingError('UNKNOWN_PLAN', '무료 체험으로는 되돌릴 수 없습니다. 유료 요금제를 골라 주세요.');
    const fromPlan = await getPlan(tx, current.planCode);
    if (fromPlan.code === toPlan.code) return { subscription: current, prorationKrw: 0 };
    const [card] = await tx`select id from billing_keys where removed_at is null`;
    if (!card) throw new BillingError('NO_CARD', `${toPlan.nameKo} 요금제를 쓰려면 먼저 결제 카드를 등록해 주세요.`);
    const [{ sites }] = await tx<{ sites: number }[]>`select count(*)::int as sites from sites`;
    assertWithinPlanLimit(toPlan, 'sites', sites, 0);

    await tx`
      insert into subscription_changes (tenant_id, from_plan, to_plan, changed_at, changed_by)
      values (${tenantId}, ${fromPlan.code}, ${toPlan.code}, ${now}, ${options.userId ?? null})`;
    // Choosing a plan ends a trial (or an expired trial's limit); a limit for an unpaid invoice
    // stays until the invoice is paid.
    const [{ unpaid }] = await tx<{ unpaid: number }[]>`select count(*)::int as unpaid from invoices where status = 'open'`;
    // A cancelled subscription starts again here (choosing a plan is subscribing again).
    const status: SubscriptionStatus =
      current.status === 'past_due' ? 'past_due' : (current.status === 'limited' || current.status === 'cancelled') && unpaid > 0 ? 'limited' : 'active';
    // Subscribing again after the subscription ended starts from this month's period.
    const period = current.status === 'cancelled' ? billingPeriod(periodOf(now)) : { start: current.currentPeriodStart, end: current.currentPeriodEnd };
    const [updated] = await tx<Subscription[]>`
      update subscriptions set plan_code = ${toPlan.code}, status = ${status}, cancel_at_period_end = false,
             cancelled_at = null, granted_by = null, granted_at = null,
             current_period_start = ${period.start}, current_period_end = ${period.end}, updated_at = now()
      returning ${subscriptionColumns(tx)}`;
    await tx`update tenants set plan_code = ${toPlan.code} where id = ${tenantId}`;
    if ((current.status === 'limited' || current.status === 'cancelled') && status === 'active') {
      await tx`update tenants set status = 'active' where id = ${tenantId} and status = 'limited'`;
      await logBillingAction(tx, { tenantId, action: 'billing.workspace_restored', userId: options.userId, detail: { reason: 'plan_chosen' } });
    }
    await logBillingAction(tx, {
      tenantId, action: 'billing.plan_changed', target: toPlan.code, userId: options.userId,
      detail: { from: fromPlan.code, to: toPlan.code, at: now.toISOString() },
    });
    // Prorated over the KST month that contains the change: the invoice closing that month is
    // the one that carries it (createMonthlyInvoice). Between midnight on the 1st and the
    // close-month job, the stored period is still last month's; prorating over it said 0원.
    const month = billingPeriod(periodOf(now));
    const prorationKrw = prorate({
      fromPlan: planPrice(fromPlan),
      toPlan: planPrice(toPlan),
      periodStart: month.start,
      periodEnd: month.end,
      changeAt: now,
    });
    return { subscription: updated, prorationKrw };
  });
}

/** Ends the subscription when the current period ends (the closing invoice is still charged). */
export async function cancelAtPeriodEnd(sql: Sql, tenantId: string, options: { userId?: string | null } = {}): Promise<Subscription> {
  return setCancelAtPeriodEnd(sql, tenantId, true, options.userId ?? null);
}

/** Undoes cancelAtPeriodEnd before the period ends. */
export async function resumeSubscription(sql: Sql, tenantId: string, options: { userId?: string | null } = {}): Promise<Subscription> {
  return setCancelAtPeriodEnd(sql, tenantId, false, options.userId ?? null);
}

async function setCancelAtPeriodEnd(sql: Sql, tenantId: string, value: boolean, userId: string | null): Promise<Subscription> {
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<Subscription[]>`
      update subscriptions set cancel_at_period_end = ${value}, updated_at = now()
      where status <> 'cancelled'
      returning ${subscriptionColumns(tx)}`;
    if (!row) throw new BillingError('NO_SUBSCRIPTION', '해지할 수 있는 구독이 없습니다.');
    await logBillingAction(tx, { tenantId, userId, action: value ? 'billing.cancel_scheduled' : 'billing.cancel_withdrawn', detail: { periodEnd: row.currentPeriodEnd.toISOString() } });
    return row;
  });
}

/**
 * A platform admin grants a plan (payments not configured, a partner, support): no card,
 * never invoiced; a trial's limit is lifted (unpaid invoices stay owed and keep their dunning).
 * The caller checks the admin's platform role.
 */
export async function grantPlan(
  sql: Sql,
  tenantId: string,
  planCode: string,
  options: { userId: string | null; now?: Date },
): Promise<Subscription> {
  const now = options.now ?? new Date();
  await startTrial(sql, tenantId, { now });
  return withTenant(sql, tenantId, async (tx) => {
    const plan = await getPlan(tx, planCode);
    const [current] = await tx<Subscription[]>`select ${subscriptionColumns(tx)} from subscriptions for update`;
    if (current.planCode !== plan.code) {
      await tx`insert into subscription_changes (tenant_id, from_plan, to_plan, changed_at, changed_by)
               values (${tenantId}, ${current.planCode}, ${plan.code}, ${now}, ${options.userId})`;
    }
    const [row] = await tx<Subscription[]>`
      update subscriptions set plan_code = ${plan.code}, status = 'active', granted_by = ${options.userId}, granted_at = ${now},
             cancel_at_period_end = false, cancelled_at = null, updated_at = now()
      returning ${subscriptionColumns(tx)}`;
    // Unpaid invoices stay owed: a grant changes the plan, not the books.
    const [{ unpaid }] = await tx<{ unpaid: number }[]>`select count(*)::int as unpaid from invoices where status = 'open'`;
    await tx`update tenants set plan_code = ${plan.code} where id = ${tenantId}`;
    if (unpaid === 0) await tx`update tenants set status = 'active' where id = ${tenantId} and status = 'limited'`;
    else await tx`update subscriptions set status = 'past_due'`;
    await logBillingAction(tx, { tenantId, userId: options.userId, action: 'billing.plan_granted', target: plan.code, detail: { from: current.planCode } });
    return row;
  });
}

/**
 * Trials that ran out without a plan: the workspace is limited (no new publishes; live sites
 * stay up) until the owner chooses a plan. Platform-level; run by the billing job.
 */
export async function expireTrials(sql: Sql, now: Date = new Date()): Promise<string[]> {
  const due = await sql<{ tenantId: string }[]>`
    select tenant_id as "tenantId" from subscriptions where status = 'trialing' and trial_ends_at <= ${now}`;
  const expired: string[] = [];
  for (const { tenantId } of due) {
    const changed = await withTenant(sql, tenantId, async (tx) => {
      const rows = await tx`update subscriptions set status = 'limited', updated_at = now()
                            where status = 'trialing' and trial_ends_at <= ${now} returning tenant_id`;
      if (!rows.length) return false;
      await tx`update tenants set status = 'limited' where id = ${tenantId} and status = 'active'`;
      await logBillingAction(tx, { tenantId, action: 'billing.trial_ended' });
      return true;
    });
    if (changed) expired.push(tenantId);
  }
  return expired;
}

/**
 * The server half of card registration: the browser's requestBillingAuth redirected to our
 * success URL with authKey and customerKey. The customerKey must be this workspace's own
 * (a forged or replayed redirect for another workspace is refused before calling Toss). The
 * billing key is stored encrypted; an earlier card is marked removed.
 */
export async function registerCard(
  sql: Sql,
  toss: TossClient,
  input: { tenantId: string; authKey: string; customerKey: string; encryptionKey: Buffer; userId?: string | null },
): Promise<Card> {
  const subscription = await getSubscription(sql, input.tenantId);
  if (!subscription) throw new BillingError('NO_SUBSCRIPTION', '구독 정보가 없습니다. 워크스페이스를 다시 열어 주세요.');
  if (subscription.tossCustomerKey !== input.customerKey) {
    await withTenant(sql, input.tenantId, (tx) =>
      logBillingAction(tx, { tenantId: input.tenantId, userId: input.userId, action: 'billing.card_refused', detail: { reason: 'customer_key_mismatch' } }),
    );
    throw new BillingError('CUSTOMER_KEY_MISMATCH', '카드 등록 요청이 이 워크스페이스의 것이 아닙니다. 결제 페이지에서 카드 등록을 다시 시작해 주세요.');
  }
  let issued;
  try {
    issued = await toss.issueBillingKey({ authKey: input.authKey, customerKey: input.customerKey });
  } catch (cause) {
    if (cause instanceof TossError && cause.status < 500 && cause.status !== 401) {
      await withTenant(sql, input.tenantId, (tx) =>
        logBillingAction(tx, { tenantId: input.tenantId, userId: input.userId, action: 'billing.card_refused', detail: { reason: cause.code } }),
      );
      throw new BillingError('CARD_REGISTRATION_FAILED', `카드를 등록하지 못했습니다 (${cause.tossMessage}). 카드 등록을 다시 시도해 주세요.`, { cause });
    }
    throw cause;
  }
  const sealed = encryptSecret(input.encryptionKey, issued.billingKey, input.tenantId);
  return withTenant(sql, input.tenantId, async (tx) => {
    await tx`update billing_keys set removed_at = now() where removed_at is null`;
    const [card] = await tx<Card[]>`
      insert into billing_keys (tenant_id, customer_key, billing_key_encrypted, card_company, card_number_masked, card_type)
      values (${input.tenantId}, ${input.customerKey}, ${sealed}, ${issued.cardCompany ?? issued.card?.company ?? null},
              ${issued.cardNumber ?? issued.card?.number ?? null}, ${issued.card?.cardType ?? null})
      returning id, card_company as "cardCompany", card_number_masked as "cardNumberMasked", card_type as "cardType", created_at as "createdAt"`;
    await logBillingAction(tx, { tenantId: input.tenantId, userId: input.userId, action: 'billing.card_registered', target: card.id, detail: { company: card.cardCompany, number: card.cardNumberMasked } });
    return card;
  });
}

export async function getCard(sql: Sql, tenantId: string): Promise<Card | null> {
  return withTenant(sql, tenantId, async (tx) => {
    const [card] = await tx<Card[]>`
      select id, card_company as "cardCompany", card_number_masked as "cardNumberMasked", card_type as "cardType", created_at as "createdAt"
      from billing_keys where removed_at is null`;
    return card ?? null;
  });
}

/** Removes the card. Kept as a row (marked removed) so past payments still name their card. */
export async function removeCard(sql: Sql, tenantId: string, options: { userId?: string | null } = {}): Promise<void> {
  await withTenant(sql, tenantId, async (tx) => {
    const removed = await tx<{ id: string }[]>`update billing_keys set removed_at = now() where removed_at is null returning id`;
    if (removed.length) await logBillingAction(tx, { tenantId, userId: options.userId, action: 'billing.card_removed', target: removed[0].id });
  });
}

/** For charging: the decrypted billing key of a card row (active or the one a payment used). */
export async function readBillingKey(
  tx: TransactionSql,
  tenantId: string,
  encryptionKey: Buffer,
  billingKeyId: string | null,
): Promise<{ id: string; billingKey: string; customerKey: string } | null> {
  const [row] = billingKeyId
    ? await tx<{ id: string; sealed: string; customerKey: string }[]>`
        select id, billing_key_encrypted as sealed, customer_key as "customerKey" from billing_keys where id = ${billingKeyId}`
    : await tx<{ id: string; sealed: string; customerKey: string }[]>`
        select id, billing_key_encrypted as sealed, customer_key as "customerKey" from billing_keys where removed_at is null`;
  if (!row) return null;
  return { id: row.id, billingKey: decryptSecret(encryptionKey, row.sealed, tenantId), customerKey: row.customerKey };
}

export function planPrice(plan: Plan): { code: string; monthlyPriceKrw: number } {
  return { code: plan.code, monthlyPriceKrw: plan.monthlyPriceKrw };
}
