// The metered usage a closed month's invoice bills besides the plan (the UsageSource the
// billing jobs take), read from what this installation records — never guessed:
//   custom domain-years  cdn_domains (cdn/): a domain's yearly term starts in the month it was
//                        connected and again every 12 months while it stays connected
//   API calls            api_usage_daily (tenant_id, key_id, day date, calls): the view over
//                        api_calls that the public API's metering writes (110_public_api.sql)
// Hosting overage is not here: createMonthlyInvoice reads cdn_usage_daily itself.
// When a feature's table does not exist yet the feature is not live, so nothing of it can have
// been used: the count is an honest 0, and the process says so once in its log.
import type { Sql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import type { MeteredUsage } from './charges.ts';
import type { UsageSource } from './jobs.ts';
import { billingPeriod } from './periods.ts';

const FEATURE_TABLES = {
  customDomains: { table: 'cdn_domains', feature: 'custom domains (cdn/)' },
  apiCalls: { table: 'api_usage_daily', feature: 'the public API metering (issue 9)' },
} as const;

/** A usage source reading this database; `log` receives the one-time "not live yet" notices. */
export function meteredUsageFromDatabase(sql: Sql, log: (line: string) => void = (line) => console.warn(line)): UsageSource {
  const noticed = new Set<string>();
  const notice = (key: keyof typeof FEATURE_TABLES) => {
    if (noticed.has(key)) return;
    noticed.add(key);
    const { table, feature } = FEATURE_TABLES[key];
    log(`[billing] ${table} does not exist: ${feature} is not live in this installation, so invoices bill 0 of it`);
  };

  return async (tenantId: string, period: string): Promise<MeteredUsage> => {
    const { start, end } = billingPeriod(period);
    return withTenant(sql, tenantId, async (tx) => {
      const [present] = await tx<{ domains: boolean; api: boolean }[]>`
        select to_regclass('public.cdn_domains') is not null as domains,
               to_regclass('public.api_usage_daily') is not null as api`;

      let customDomainYearsStarting = 0;
      if (present.domains) {
        // Months from the connection (KST) to the period's first month, divisible by 12.
        const [row] = await tx<{ n: number }[]>`
          select count(*)::int as n from cdn_domains
          where created_at < ${end}
            and mod(
              (extract(year from ${start}::timestamptz at time zone 'Asia/Seoul')::int * 12
                 + extract(month from ${start}::timestamptz at time zone 'Asia/Seoul')::int)
              - (extract(year from created_at at time zone 'Asia/Seoul')::int * 12
                 + extract(month from created_at at time zone 'Asia/Seoul')::int),
              12) = 0`;
        customDomainYearsStarting = row.n;
      } else {
        notice('customDomains');
      }

      let apiCalls = 0;
      if (present.api) {
        const firstDay = kstDate(start);
        const lastDay = kstDate(new Date(end.getTime() - 1));
        const [row] = await tx<{ n: string }[]>`
          select coalesce(sum(calls), 0)::bigint as n from api_usage_daily
          where day between ${firstDay}::date and ${lastDay}::date`;
        apiCalls = Number(row.n);
      } else {
        notice('apiCalls');
      }
      return { customDomainYearsStarting, apiCalls };
    });
  };
}

function kstDate(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
