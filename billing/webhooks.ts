// Toss webhooks (PAYMENT_STATUS_CHANGED). An event is a hint, never the truth: its body could be
// forged, replayed or late. We log it once (deduplicated), re-read the payment from the Toss
// API by its paymentKey, find OUR payment by the order id Toss returns, and apply Toss's
// current state forward-only (applyTossPayment) — so duplicates and out-of-order deliveries
// change nothing, and a forged body changes nothing that Toss does not confirm.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import { applyTossPayment, PaymentMismatchError } from './charges.ts';
import { TossError, type TossClient, type TossPayment } from './toss-client.ts';

const webhookEventSchema = z.object({
  eventType: z.string().min(1),
  createdAt: z.string().min(1),
  data: z.object({ paymentKey: z.string().min(1).max(200).optional(), status: z.string().optional() }).passthrough(),
});

export type WebhookOutcome =
  | 'applied' // Toss's state moved our payment forward
  | 'unchanged' // Toss confirms what we already had (late or reordered event)
  | 'duplicate' // this delivery was seen before
  | 'ignored' // an event type we do not act on
  | 'unknown_payment' // Toss does not know the paymentKey, or it is not one of ours
  | 'mismatch' // Toss's order id or amount is not what we charged: refused, kept for review
  | 'invalid'; // not a Toss event at all

export interface WebhookResult {
  outcome: WebhookOutcome;
  eventId: number | null;
}

/**
 * Handles one webhook delivery. `transmissionId` is Toss's delivery id header
 * (tosspayments-webhook-transmission-id) when present; otherwise the event's own fields
 * identify it. Errors reaching Toss propagate, so the web layer answers 5xx and Toss redelivers.
 */
export async function handleTossWebhook(
  sql: Sql,
  toss: TossClient,
  event: unknown,
  options: { transmissionId?: string; now?: Date } = {},
): Promise<WebhookResult> {
  const now = options.now ?? new Date();
  const parsed = webhookEventSchema.safeParse(event);
  if (!parsed.success) return { outcome: 'invalid', eventId: null };
  const { eventType, createdAt, data } = parsed.data;
  const paymentKey = data.paymentKey ?? null;
  const dedupeKey =
    options.transmissionId ??
    createHash('sha256').update(JSON.stringify([eventType, createdAt, paymentKey, data.status ?? null])).digest('hex');

  const [logged] = await sql<{ id: number; inserted: boolean }[]>`
    insert into billing_events (dedupe_key, event_type, payment_key, payload)
    values (${dedupeKey}, ${eventType}, ${paymentKey}, ${sql.json(event as never)})
    on conflict (dedupe_key) do update set deliveries = billing_events.deliveries + 1
    returning id, (xmax = 0) as inserted`;
  if (!logged.inserted) return { outcome: 'duplicate', eventId: logged.id };

  const finish = async (outcome: WebhookOutcome, tenantId: string | null = null): Promise<WebhookResult> => {
    await sql`update billing_events set outcome = ${outcome}, tenant_id = ${tenantId} where id = ${logged.id}`;
    return { outcome, eventId: logged.id };
  };
  if (eventType !== 'PAYMENT_STATUS_CHANGED' || !paymentKey) return finish('ignored');

  let payment: TossPayment;
  try {
    payment = await toss.getPayment(paymentKey);
  } catch (error) {
    if (error instanceof TossError && error.status === 404) return finish('unknown_payment');
    // Let Toss redeliver later: forget this delivery so the retry is not taken for a duplicate.
    await sql`delete from billing_events where id = ${logged.id}`;
    throw error;
  }
  // Platform-level lookup (the event names no workspace): which workspace's payment is it?
  const [ours] = await sql<{ id: string; tenantId: string }[]>`
    select id, tenant_id as "tenantId" from payments where order_id = ${payment.orderId}`;
  if (!ours) return finish('unknown_payment');
  try {
    const changed = await withTenant(sql, ours.tenantId, (tx) => applyTossPayment(tx, ours.id, payment, now));
    return finish(changed ? 'applied' : 'unchanged', ours.tenantId);
  } catch (error) {
    if (error instanceof PaymentMismatchError) return finish('mismatch', ours.tenantId);
    throw error;
  }
}

/**
 * Refunds (cancels) a payment through Toss — for the finance view. Idempotent per payment: the
 * Idempotency-Key is derived from our payment id, so a double click refunds once.
 */
export async function refundPayment(
  sql: Sql,
  toss: TossClient,
  input: { tenantId: string; paymentId: string; reason: string; now?: Date },
): Promise<TossPayment> {
  const now = input.now ?? new Date();
  const [row] = await withTenant(sql, input.tenantId, (tx) =>
    tx<{ paymentKey: string | null; status: string }[]>`select payment_key as "paymentKey", status from payments where id = ${input.paymentId}`,
  );
  if (!row) throw new Error(`No payment ${input.paymentId} in this workspace`);
  if (!row.paymentKey || (row.status !== 'done' && row.status !== 'partially_cancelled')) {
    throw new Error(`Payment ${input.paymentId} is ${row.status}; only an approved payment can be refunded`);
  }
  const payment = await toss.cancelPayment(row.paymentKey, { cancelReason: input.reason, idempotencyKey: `refund:${input.paymentId}` });
  await withTenant(sql, input.tenantId, (tx) => applyTossPayment(tx, input.paymentId, payment, now));
  return payment;
}
