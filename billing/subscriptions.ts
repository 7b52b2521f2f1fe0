// A workspace's subscription: the free trial, plan changes (prorated on the invoice that closes
// the period), cancel at the end of the period, and the card (Toss billing key) it pays with.
import { randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
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
  cancelled_at as "cancelledAt"`;

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
    const status: SubscriptionStatus = current.status === 'trialing' || current.status === 'cancelled' ? 'active' : current.status;
    const [updated] = await tx<Subscription[]>`
      update subscriptions set plan_code = ${toPlan.code}, status = ${status}, cancel_at_period_end = false,
             cancelled_at = null, updated_at = now()
      returning ${subscriptionColumns(tx)}`;
    await tx`update tenants set plan_code = ${toPlan.code} where id = ${tenantId}`;
    const prorationKrw = prorate({
      fromPlan: planPrice(fromPlan),
      toPlan: planPrice(toPlan),
      periodStart: current.currentPeriodStart,
      periodEnd: current.currentPeriodEnd,
      changeAt: clamp(now, current.currentPeriodStart, current.currentPeriodEnd),
    });
    return { subscription: updated, prorationKrw };
  });
}

/** Ends the subscription when the current period ends (the closing invoice is still charged). */
export async function cancelAtPeriodEnd(sql: Sql, tenantId: string): Promise<Subscription> {
  return setCancelAtPeriodEnd(sql, tenantId, true);
}

/** Undoes cancelAtPeriodEnd before the period ends. */
export async function resumeSubscription(sql: Sql, tenantId: string): Promise<Subscription> {
  return setCancelAtPeriodEnd(sql, tenantId, false);
}

async function setCancelAtPeriodEnd(sql: Sql, tenantId: string, value: boolean): Promise<Subscription> {
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<Subscription[]>`
      update subscriptions set cancel_at_period_end = ${value}, updated_at = now()
      where status <> 'cancelled'
      returning ${subscriptionColumns(tx)}`;
    if (!row) throw new BillingError('NO_SUBSCRIPTION', '해지할 수 있는 구독이 없습니다.');
    return row;
  });
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
  input: { tenantId: string; authKey: string; customerKey: string; encryptionKey: Buffer },
): Promise<Card> {
  const subscription = await getSubscription(sql, input.tenantId);
  if (!subscription) throw new BillingError('NO_SUBSCRIPTION', '구독 정보가 없습니다. 워크스페이스를 다시 열어 주세요.');
  if (subscription.tossCustomerKey !== input.customerKey) {
    throw new BillingError('CUSTOMER_KEY_MISMATCH', '카드 등록 요청이 이 워크스페이스의 것이 아닙니다. 결제 페이지에서 카드 등록을 다시 시작해 주세요.');
  }
  let issued;
  try {
    issued = await toss.issueBillingKey({ authKey: input.authKey, customerKey: input.customerKey });
  } catch (cause) {
    if (cause instanceof TossError && cause.status < 500 && cause.status !== 401) {
      throw new BillingError('CARD_REGISTRATION_FAILED', `카드를 등록하지 못했습니다 (${cause.message}). 카드 등록을 다시 시도해 주세요.`, { cause });
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
export async function removeCard(sql: Sql, tenantId: string): Promise<void> {
  await withTenant(sql, tenantId, (tx) => tx`update billing_keys set removed_at = now() where removed_at is null`);
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

function clamp(at: Date, from: Date, to: Date): Date {
  return new Date(Math.min(Math.max(at.getTime(), from.getTime()), to.getTime()));
}
