// The grace period after dunning. When the day-7 retry of an unpaid invoice fails
// (charges.ts), the workspace is 'limited' — no new publishes — and its live sites stay up until
// subscriptions.grace_ends_at. The billing job (jobs.ts, every 15 minutes) then suspends it:
// tenants.status 'suspended' with suspended_reason 'unpaid'. The edge stops serving its sites
// (cdn/platform.sql.ts skips suspended workspaces) and answers their hosts with a
// "이 사이트는 일시 중지되었습니다" page. Its members can still sign in and pay; a payment lifts
// the suspension at once (liftUnpaidSuspension, called where a payment restores the workspace),
// and both changes are announced to the edge on its site_live channel, site by site, so it
// drops or loads the sites immediately instead of at its next 30 s re-sync.
import type { Sql, TransactionSql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import { logBillingAction } from './audit.ts';

/**
 * Days the live sites stay up after dunning gave up. Our choice, stated to the owner on /billing
 * with the date: 14 days — the length of the free trial (plans.trial_days), so with the 7 days of
 * retries an owner has three weeks from the first failed charge to pay, which spans the next
 * card statement and salary date in Korea (25th) for nearly every failure date.
 */
export const GRACE_PERIOD_DAYS = 14;

/** The edge's channel (cdn/deployments.ts SITE_LIVE_CHANNEL; billing.test.ts checks they agree). */
export const EDGE_SITE_CHANNEL = 'site_live';

export function graceEndsAt(limitedAt: Date): Date {
  return new Date(limitedAt.getTime() + GRACE_PERIOD_DAYS * 86_400_000);
}

/** Inside the workspace's transaction: tell the edge to re-read each of its sites (at commit). */
async function announceSites(tx: TransactionSql): Promise<number> {
  const sites = await tx<{ id: string }[]>`select id from sites where live_deployment_id is not null`;
  for (const { id } of sites) await tx`select pg_notify(${EDGE_SITE_CHANNEL}, ${JSON.stringify({ siteId: id })})`;
  return sites.length;
}

/**
 * Workspaces whose grace period ran out with an invoice still unpaid: suspended, their sites no
 * longer served. Platform-level; run by the billing job. Safe to run twice (only a 'limited'
 * workspace is suspended). Returns the suspended workspaces.
 */
export async function suspendAfterGrace(sql: Sql, now: Date = new Date()): Promise<string[]> {
  const due = await sql<{ tenantId: string }[]>`
    select s.tenant_id as "tenantId" from subscriptions s join tenants t on t.id = s.tenant_id
    where s.grace_ends_at <= ${now} and t.status = 'limited' order by s.grace_ends_at`;
  const suspended: string[] = [];
  for (const { tenantId } of due) {
    const done = await withTenant(sql, tenantId, async (tx) => {
      const [tenant] = await tx<{ status: string }[]>`select status from tenants where id = ${tenantId} for update`;
      const [sub] = await tx<{ graceEndsAt: Date | null }[]>`select grace_ends_at as "graceEndsAt" from subscriptions`;
      const [{ unpaid }] = await tx<{ unpaid: number }[]>`select count(*)::int as unpaid from invoices where status = 'open'`;
      if (tenant?.status !== 'limited' || !sub?.graceEndsAt || sub.graceEndsAt > now) return false;
      if (unpaid === 0) {
        // Paid in the meantime by a path that did not clear the date: nothing to suspend.
        await tx`update subscriptions set grace_ends_at = null`;
        return false;
      }
      await tx`update tenants set status = 'suspended', suspended_reason = 'unpaid' where id = ${tenantId}`;
      const sites = await announceSites(tx);
      await logBillingAction(tx, { tenantId, action: 'billing.workspace_suspended', detail: { reason: 'grace_period_ended', graceEndedAt: sub.graceEndsAt.toISOString(), sites } });
      return true;
    });
    if (done) suspended.push(tenantId);
  }
  return suspended;
}

/**
 * Inside the workspace's transaction, when its unpaid invoices are all paid: a suspension for
 * non-payment is lifted (back to 'limited'; the caller makes it 'active' when the subscription
 * allows) and the edge serves its sites again at once. An admin's suspension stays.
 */
export async function liftUnpaidSuspension(tx: TransactionSql, tenantId: string): Promise<boolean> {
  await tx`update subscriptions set grace_ends_at = null where grace_ends_at is not null`;
  const lifted = await tx`
    update tenants set status = 'limited' where id = ${tenantId} and status = 'suspended' and suspended_reason = 'unpaid' returning id`;
  if (!lifted.length) return false;
  const sites = await announceSites(tx);
  await logBillingAction(tx, { tenantId, action: 'billing.workspace_unsuspended', detail: { reason: 'paid', sites } });
  return true;
}
