// Daily requests and bytes of a Vercel site (one project per site), from Vercel's usage API:
// GET /v2/usage?type=requests&projectId=<id>&from=<ISO>&to=<ISO> (with ?teamId= as every team
// call), the endpoint the dashboard's Usage page reads. It answers one row per day:
// { date, request_hit_count, request_miss_count, bandwidth_outgoing_bytes, … }. Requests are hits
// plus misses (Edge Requests), bytes the outgoing Fast Data Transfer.
//
// Vercel's days are UTC dates; ours are Asia/Seoul dates. We ask for the Seoul period's window and
// file each row under the date Vercel gives it (a day's figure is off by the 9 hours the two days
// do not share, which evens out over the 30 days the router and billing read; see
// docs/decisions/131-cdn-usage-sources.md).
import type { RemoteSite } from './remote.ts';
import type { DailyUsage } from './types.ts';
import { daysBetween, seoulDayWindow } from './cloudflare-usage.ts';

export type VercelCall = <T>(method: string, path: string) => Promise<T>;

interface UsageRow {
  date: string;
  request_hit_count: number;
  request_miss_count: number;
  bandwidth_outgoing_bytes: number;
}

function count(row: UsageRow, field: keyof UsageRow): number {
  const value = row[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`Vercel usage: ${String(field)} is not a count on ${row.date} (${JSON.stringify(value)})`);
  }
  return value;
}

export async function vercelUsage(call: VercelCall, projectName: string, _site: RemoteSite, from: string, to: string): Promise<DailyUsage[]> {
  const days = daysBetween(from, to);
  let project: { id: string };
  try {
    project = await call<{ id: string }>('GET', `/v9/projects/${encodeURIComponent(projectName)}`);
  } catch (error) {
    // A site never deployed to Vercel has no project there, and so no traffic.
    if ((error as { status?: number }).status === 404) return days.map((day) => ({ day, requests: 0, bytes: 0 }));
    throw error;
  }
  const params = new URLSearchParams({
    type: 'requests', projectId: project.id, from: seoulDayWindow(from).start, to: seoulDayWindow(to).end,
  });
  const answer = await call<{ data?: UsageRow[] }>('GET', `/v2/usage?${params}`);
  if (!Array.isArray(answer.data)) throw new Error('Vercel usage: the answer has no data list');
  const byDay = new Map<string, DailyUsage>();
  for (const row of answer.data) {
    const day = typeof row.date === 'string' ? row.date.slice(0, 10) : '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`Vercel usage: unreadable date ${JSON.stringify(row.date)}`);
    const current = byDay.get(day) ?? { day, requests: 0, bytes: 0 };
    current.requests += count(row, 'request_hit_count') + count(row, 'request_miss_count');
    current.bytes += count(row, 'bandwidth_outgoing_bytes');
    byDay.set(day, current);
  }
  // Every day of the period, a day Vercel lists no row for being a day without traffic.
  return days.map((day) => byDay.get(day) ?? { day, requests: 0, bytes: 0 });
}
