// The daily usage sync of the hosted CDNs: for every site that was on Cloudflare, Vercel or
// CloudFront during the days asked about, the provider's own daily requests and bytes
// (CdnProvider.usage) go into cdn_usage_daily — the rows the router (measuredMonthlyTraffic),
// hosting overage (billing/charges.ts) and the cost roll-up (monitoring/costs.ts) read, next to
// the local edge's own counts.
//
// Idempotent: a provider's figure for a day is the whole day as the provider counts it, so the
// row is REPLACED, never added to (the edge, which counts as it serves, adds). Syncing a day
// again — the monitor syncs yesterday and today every hour, and providers revise recent days —
// never counts a request twice. Each (provider, site, day) also gets a cdn_usage_syncs row: what
// was written, or why nothing could be (a provider that cannot say, an API that failed).
import { withTenant, type Sql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import type { CdnProvider, DailyUsage, ProviderName } from './providers/types.ts';

export interface UsageSyncOutcome {
  provider: ProviderName;
  siteId: string;
  status: 'ok' | 'failed' | 'unsupported';
  days: DailyUsage[];
  detail: string;
}

export interface UsageSyncResult {
  days: string[];
  outcomes: UsageSyncOutcome[];
  /** Site-days written to cdn_usage_daily. */
  written: number;
}

/** Asia/Seoul date of `at`, offset by `days`. */
export function seoulDate(at = new Date(), days = 0): string {
  return new Date(at.getTime() + 9 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** Sites that were on `provider` at some time in the days: there now, or moved away since the first day began. */
async function sitesOnProviderDuring(sql: Sql, provider: ProviderName, firstDay: string): Promise<{ tenantId: string; siteId: string }[]> {
  return sql<{ tenantId: string; siteId: string }[]>`
    select s.tenant_id as "tenantId", s.id as "siteId" from sites s
    where (s.cdn_provider = ${provider} and s.live_deployment_id is not null)
       or exists (
         select 1 from cdn_migrations m
         where m.site_id = s.id and m.from_provider = ${provider} and m.status = 'done'
           and m.finished_at >= (${firstDay}::date::timestamp at time zone 'Asia/Seoul'))
    order by s.id`;
}

async function writeDays(sql: Sql, tenantId: string, siteId: string, provider: ProviderName, days: DailyUsage[]): Promise<number> {
  return withTenant(sql, tenantId, async (tx) => {
    let written = 0;
    for (const d of days) {
      if (d.requests === 0 && d.bytes === 0) {
        // Nothing served: only correct a row an earlier sync wrote, never add empty rows.
        await tx`update cdn_usage_daily set requests = 0, bytes = 0, updated_at = now()
                 where site_id = ${siteId} and provider = ${provider} and day = ${d.day}::date`;
        continue;
      }
      await tx`
        insert into cdn_usage_daily (tenant_id, site_id, provider, day, requests, bytes)
        values (${tenantId}, ${siteId}, ${provider}, ${d.day}::date, ${d.requests}, ${d.bytes})
        on conflict (site_id, provider, day) do update set
          requests = excluded.requests, bytes = excluded.bytes, updated_at = now()`;
      written += 1;
    }
    return written;
  });
}

async function recordOutcome(sql: Sql, outcome: UsageSyncOutcome, days: string[]): Promise<void> {
  const byDay = new Map(outcome.days.map((d) => [d.day, d]));
  for (const day of days) {
    const usage = byDay.get(day);
    await sql`
      insert into cdn_usage_syncs (provider, site_id, day, status, requests, bytes, detail)
      values (${outcome.provider}, ${outcome.siteId}, ${day}::date, ${outcome.status}, ${usage?.requests ?? null}, ${usage?.bytes ?? null},
              ${outcome.detail.slice(0, 1000)})
      on conflict (provider, site_id, day) do update set
        status = excluded.status, requests = excluded.requests, bytes = excluded.bytes, detail = excluded.detail, synced_at = now()`;
  }
}

/**
 * Reads each hosted provider's usage for the days (Asia/Seoul 'YYYY-MM-DD', consecutive) and
 * replaces the matching cdn_usage_daily rows. One site or provider failing does not stop the others.
 */
export async function syncHostedUsage(
  sql: Sql,
  opts: { providers: Map<ProviderName, CdnProvider>; days: string[] },
): Promise<UsageSyncResult> {
  const days = [...opts.days].sort();
  if (days.length === 0) return { days, outcomes: [], written: 0 };
  const from = days[0];
  const to = days[days.length - 1];
  const outcomes: UsageSyncOutcome[] = [];
  let written = 0;
  for (const [name, provider] of opts.providers) {
    if (name === 'local') continue; // the edge writes its own counts as it serves
    for (const site of await sitesOnProviderDuring(sql, name, from)) {
      let outcome: UsageSyncOutcome;
      try {
        const usage = (await provider.usage({ ...site, from, to })).filter((d) => d.day >= from && d.day <= to);
        written += await writeDays(sql, site.tenantId, site.siteId, name, usage);
        const requests = usage.reduce((sum, d) => sum + d.requests, 0);
        outcome = { provider: name, siteId: site.siteId, status: 'ok', days: usage, detail: `${usage.length}일, 요청 ${requests}건` };
      } catch (error) {
        const unsupported = error instanceof CdnError && (error.code === 'unsupported' || error.code === 'not_configured');
        outcome = { provider: name, siteId: site.siteId, status: unsupported ? 'unsupported' : 'failed', days: [], detail: (error as Error).message };
      }
      outcomes.push(outcome);
      await recordOutcome(sql, outcome, days);
    }
  }
  return { days, outcomes, written };
}

export interface UsageSyncRow {
  provider: string;
  siteId: string;
  siteName: string;
  day: string;
  status: 'ok' | 'failed' | 'unsupported';
  requests: number | null;
  bytes: number | null;
  detail: string;
  syncedAt: Date;
}

/** The latest sync outcomes, newest day first, for ops. */
export async function listUsageSyncs(sql: Sql, limit = 50): Promise<UsageSyncRow[]> {
  const rows = await sql<{
    provider: string; site_id: string; site_name: string; day: string; status: 'ok' | 'failed' | 'unsupported';
    requests: string | null; bytes: string | null; detail: string; synced_at: Date;
  }[]>`
    select u.provider, u.site_id, s.name as site_name, to_char(u.day, 'YYYY-MM-DD') as day, u.status, u.requests, u.bytes, u.detail, u.synced_at
    from cdn_usage_syncs u join sites s on s.id = u.site_id
    order by u.day desc, u.synced_at desc limit ${limit}`;
  return rows.map((r) => ({
    provider: r.provider, siteId: r.site_id, siteName: r.site_name, day: r.day, status: r.status,
    requests: r.requests === null ? null : Number(r.requests), bytes: r.bytes === null ? null : Number(r.bytes), detail: r.detail, syncedAt: r.synced_at,
  }));
}
