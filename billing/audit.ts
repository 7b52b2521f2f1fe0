// Billing actions in the workspace's audit log (audit_log, 001): card registered or refused,
// plan changed or granted, payment failed, workspace limited or restored.
import type { TransactionSql } from '../db/index.ts';

export type BillingAction =
  | 'billing.card_registered'
  | 'billing.card_refused'
  | 'billing.card_removed'
  | 'billing.plan_changed'
  | 'billing.plan_granted'
  | 'billing.cancel_scheduled'
  | 'billing.cancel_withdrawn'
  | 'billing.invoice_issued'
  | 'billing.payment_succeeded'
  | 'billing.payment_failed'
  | 'billing.workspace_limited'
  | 'billing.workspace_restored'
  | 'billing.workspace_suspended'
  | 'billing.workspace_unsuspended'
  | 'billing.trial_ended'
  | 'billing.subscription_ended'
  | 'billing.payment_refunded';

export async function logBillingAction(
  tx: TransactionSql,
  entry: { tenantId: string; action: BillingAction; target?: string | null; detail?: Record<string, unknown>; userId?: string | null },
): Promise<void> {
  await tx`
    insert into audit_log (tenant_id, user_id, action, target, detail)
    values (${entry.tenantId}, ${entry.userId ?? null}, ${entry.action}, ${entry.target ?? null}, ${tx.json((entry.detail ?? {}) as never)})`;
}
