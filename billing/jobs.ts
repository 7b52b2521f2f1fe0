// Scheduled billing on pg-boss (the worker process starts it):
//   billing-close-month  05 minutes past midnight KST on the 1st: one invoice per workspace for
//                        the month that just closed (createMonthlyInvoice — idempotent).
//   billing-charge-due   every 15 minutes: ends trials that ran out (expireTrials), charges
//                        invoices whose attempt is due, suspends workspaces whose grace period
//                        after dunning ran out (suspendAfterGrace), and resumes attempts a dead worker left
//                        'in_progress' (chargeInvoice — never twice).
// Payloads are validated with zod when taken. A job that failed for some workspaces throws
// after trying all of them, so pg-boss retries it; the handlers are safe to repeat.
import PgBoss from 'pg-boss';
import { z } from 'zod';
import type { Sql } from '../db/index.ts';
import { chargeInvoice, createMonthlyInvoice, listDueInvoices, type ChargeOutcome, type MeteredUsage } from './charges.ts';
import { billingPeriod, periodOf } from './periods.ts';
import { suspendAfterGrace } from './grace.ts';
import { expireTrials } from './subscriptions.ts';
import type { TossClient } from './toss-client.ts';

export const BILLING_CHARGE_QUEUE = 'billing-charge-due';
export const BILLING_CLOSE_MONTH_QUEUE = 'billing-close-month';

export const billingJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('charge-due') }),
  z.object({ kind: z.literal('close-month'), period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).optional() }),
]);
export type BillingJob = z.infer<typeof billingJobSchema>;

/**
 * Counts a workspace's metered usage for a closed period (API calls, custom domain-years
 * starting). Supplied by whoever owns those counts; billing never guesses them.
 */
export type UsageSource = (tenantId: string, period: string) => Promise<MeteredUsage>;

/** The month before the one containing `now` (KST). */
export function previousPeriod(now: Date): string {
  return periodOf(new Date(billingPeriod(periodOf(now)).start.getTime() - 1));
}

export async function runDueCharges(
  sql: Sql,
  toss: TossClient,
  options: { encryptionKey: Buffer; now?: Date },
): Promise<{ invoiceId: string; outcome: ChargeOutcome | { outcome: 'error'; message: string } }[]> {
  const now = options.now ?? new Date();
  const results: { invoiceId: string; outcome: ChargeOutcome | { outcome: 'error'; message: string } }[] = [];
  const errors: unknown[] = [];
  for (const { id } of await listDueInvoices(sql, now)) {
    try {
      results.push({ invoiceId: id, outcome: await chargeInvoice(sql, toss, id, { encryptionKey: options.encryptionKey, now }) });
    } catch (error) {
      errors.push(error);
      results.push({ invoiceId: id, outcome: { outcome: 'error', message: (error as Error).message } });
    }
  }
  if (errors.length) throw new AggregateError(errors, `Charging ${errors.length} due invoice(s) failed: ${results.filter((r) => r.outcome.outcome === 'error').map((r) => r.invoiceId).join(', ')}`);
  return results;
}

export async function closeMonth(
  sql: Sql,
  period: string,
  usageSource: UsageSource,
  options: { now?: Date } = {},
): Promise<{ tenantId: string; invoiceId: string; created: boolean }[]> {
  const { start, end } = billingPeriod(period);
  // Platform-level: which workspaces had a subscription during the period.
  const tenants = await sql<{ tenantId: string }[]>`
    select tenant_id as "tenantId" from subscriptions
    where created_at < ${end} and (cancelled_at is null or cancelled_at > ${start}) and granted_at is null
    order by tenant_id`;
  const results: { tenantId: string; invoiceId: string; created: boolean }[] = [];
  const errors: unknown[] = [];
  for (const { tenantId } of tenants) {
    try {
      const usage = await usageSource(tenantId, period);
      const { invoice, created } = await createMonthlyInvoice(sql, tenantId, period, usage, options);
      results.push({ tenantId, invoiceId: invoice.id, created });
    } catch (error) {
      errors.push(new Error(`Invoicing ${period} for workspace ${tenantId} failed`, { cause: error }));
    }
  }
  if (errors.length) throw new AggregateError(errors, `Closing ${period} failed for ${errors.length} workspace(s)`);
  return results;
}

export interface BillingJobsOptions {
  sql: Sql;
  databaseUrl: string;
  toss: TossClient;
  encryptionKey: Buffer;
  usageSource: UsageSource;
  /** Cron expressions (KST); the defaults are described at the top of this file. */
  chargeCron?: string;
  closeMonthCron?: string;
}

export async function startBillingJobs(options: BillingJobsOptions): Promise<{ boss: PgBoss; stop(): Promise<void> }> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: 'pgboss',
    application_name: 'windwalker-billing',
    max: 2,
    schedule: true,
    supervise: true,
  });
  boss.on('error', (error) => console.error(`[billing jobs] ${error.message}`));
  await boss.start();
  for (const name of [BILLING_CHARGE_QUEUE, BILLING_CLOSE_MONTH_QUEUE]) {
    await boss.createQueue(name, { name, policy: 'standard', retryLimit: 5, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60 });
  }
  await boss.schedule(BILLING_CHARGE_QUEUE, options.chargeCron ?? '*/15 * * * *', { kind: 'charge-due' }, { tz: 'Asia/Seoul' });
  await boss.schedule(BILLING_CLOSE_MONTH_QUEUE, options.closeMonthCron ?? '5 0 1 * *', { kind: 'close-month' }, { tz: 'Asia/Seoul' });

  const handle = async (jobs: PgBoss.Job<unknown>[]) => {
    for (const job of jobs) {
      const payload = billingJobSchema.parse(job.data);
      if (payload.kind === 'charge-due') {
        await expireTrials(options.sql);
        await suspendAfterGrace(options.sql);
        await runDueCharges(options.sql, options.toss, { encryptionKey: options.encryptionKey });
      } else {
        await closeMonth(options.sql, payload.period ?? previousPeriod(new Date()), options.usageSource);
      }
    }
  };
  await boss.work(BILLING_CHARGE_QUEUE, { pollingIntervalSeconds: 1 }, handle);
  await boss.work(BILLING_CLOSE_MONTH_QUEUE, { pollingIntervalSeconds: 1 }, handle);
  return {
    boss,
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}
