// Daily requests and bytes of a Vercel site (one project per site), from Vercel's usage API:
// GET /v2/usage?type=requests&projectId=<id>&from=<ISO>&to=<ISO> (with ?teamId= as every team
// call), the endpoint the dashboard's Usage page reads. It answers one row per UTC date:
// { date, first_event, last_event, request_hit_count, request_miss_count, bandwidth_outgoing_bytes, … }.
// Requests are hits plus misses (Edge Requests), bytes the outgoing Fast Data Transfer.
//
// Our days are Asia/Seoul days, and a Seoul day is no sum of UTC days (it is the last 9 hours of
// one UTC date and the first 15 of the next). So each Seoul day is asked for on its own, as the
// window [day 00:00+09:00, next day 00:00+09:00), and every row of that answer is that day's: the
// two UTC dates it touches come back as two rows, added up. Whether the undocumented endpoint
// keeps to the instants of from/to is checked on every answer, not assumed: each row's
// first_event and last_event (the UTC hours of its first and last request) must lie inside the
// window. A row with a request outside it means Vercel answered whole UTC days; the day is then
// refused (an Error, which the sync records as failed) instead of filing another day's requests
// under it. See docs/decisions/141-cloudfront-usage-from-logs.md.
import type { RemoteSite } from './remote.ts';
import type { DailyUsage } from './types.ts';
import { daysBetween, seoulDayWindow } from './cloudflare-usage.ts';

export type VercelCall = <T>(method: string, path: string) => Promise<T>;

interface UsageRow {
  date: string;
  first_event?: string;
  last_event?: string;
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
  const usage: DailyUsage[] = [];
  for (const day of days) {
    const window = seoulDayWindow(day);
    const params = new URLSearchParams({ type: 'requests', projectId: project.id, from: window.start, to: window.end });
    const answer = await call<{ data?: UsageRow[] }>('GET', `/v2/usage?${params}`);
    if (!Array.isArray(answer.data)) throw new Error('Vercel usage: the answer has no data list');
    const total: DailyUsage = { day, requests: 0, bytes: 0 };
    for (const row of answer.data) {
      checkInside(row, day, window);
      total.requests += count(row, 'request_hit_count') + count(row, 'request_miss_count');
      total.bytes += count(row, 'bandwidth_outgoing_bytes');
    }
    usage.push(total);
  }
  return usage;
}

/** Every request of the row happened inside the Seoul day's window (first_event and last_event are hours, floored). */
function checkInside(row: UsageRow, day: string, window: { start: string; end: string }): void {
  const first = typeof row.first_event === 'string' ? Date.parse(row.first_event) : Number.NaN;
  const last = typeof row.last_event === 'string' ? Date.parse(row.last_event) : Number.NaN;
  if (Number.isNaN(first) || Number.isNaN(last)) {
    throw new Error(`Vercel usage: the row of ${JSON.stringify(row.date)} has no readable first_event/last_event, so it cannot be told which Seoul day its requests belong to`);
  }
  if (first < Date.parse(window.start) || last >= Date.parse(window.end)) {
    throw new Error(
      `Vercel usage: asked for the Seoul day ${day} (${window.start} – ${window.end}), Vercel answered the row of ${row.date} with requests from ` +
      `${row.first_event} to ${row.last_event}, outside it — the API answered whole UTC days, so this day is not recorded rather than mixed with its neighbour`,
    );
  }
}
