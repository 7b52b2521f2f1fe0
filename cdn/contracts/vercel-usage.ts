// Vercel usage API contract (test support), mounted on the Vercel contract server:
// GET /v2/usage?type=requests&projectId=&from=&to= (auth and ?teamId= are checked by the server
// before it gets here). It answers the dashboard's shape — { granularity: 'day', data: [one row
// per UTC date with traffic] } — and refuses what the API refuses: an unknown type, a project id
// the team does not have, times that are not ISO 8601, `to` before `from`, more than a year.
// A row's first_event / last_event are the UTC hours (floored) of its first and last request, as
// the real rows carry them. The endpoint is undocumented: whether it keeps to the exact instants
// of from/to or answers whole UTC days is not known, so both are here (`wholeUtcDays`), and the
// client must tell them apart (docs/decisions/141-cloudfront-usage-from-logs.md).
import { json, type ContractRequest, type ContractResponse } from './http.ts';

interface Hit {
  project: string;
  at: number;
  hits: number;
  misses: number;
  bytesOut: number;
}

export interface VercelUsage {
  /** Traffic of a project (by name): cache hits, misses and outgoing bytes at `at`. */
  record(projectName: string, at: Date, requests: { hits: number; misses: number }, bytesOut: number): void;
  handle(req: ContractRequest): ContractResponse;
  /** Answer every UTC day the period touches whole, ignoring the hours of from/to (false: keep to the instants). */
  wholeUtcDays: boolean;
}

function error(status: number, code: string, message: string): ContractResponse {
  return json(status, { error: { code, message } });
}

export function createVercelUsage(projects: Map<string, { id: string; name: string }>): VercelUsage {
  const hits: Hit[] = [];
  const hour = (at: number) => `${new Date(at).toISOString().slice(0, 13)}:00:00.000Z`;
  return {
    wholeUtcDays: false,
    record(project, at, requests, bytesOut) {
      hits.push({ project, at: at.getTime(), hits: requests.hits, misses: requests.misses, bytesOut });
    },
    handle(req) {
      const q = req.url.searchParams;
      if (q.get('type') !== 'requests') return error(400, 'bad_request', 'type must be one of: requests, builds, …');
      const from = Date.parse(q.get('from') ?? '');
      const to = Date.parse(q.get('to') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to)) return error(400, 'bad_request', 'from and to must be ISO 8601 dates');
      if (to <= from) return error(400, 'bad_request', 'to must be after from');
      if (to - from > 366 * 86_400_000) return error(400, 'bad_request', 'the range may span at most one year');
      const projectId = q.get('projectId');
      const project = projectId ? [...projects.values()].find((p) => p.id === projectId) : undefined;
      if (projectId && !project) return error(404, 'not_found', 'Project not found');
      const rows = new Map<string, { hit: number; miss: number; out: number; first: number; last: number }>();
      const dayStart = (at: number) => Date.parse(`${new Date(at).toISOString().slice(0, 10)}T00:00:00Z`);
      const [start, end] = this.wholeUtcDays ? [dayStart(from), dayStart(to - 1) + 86_400_000] : [from, to];
      for (const h of hits) {
        if (h.at < start || h.at >= end || (project && h.project !== project.name)) continue;
        const date = new Date(h.at).toISOString().slice(0, 10);
        const row = rows.get(date) ?? { hit: 0, miss: 0, out: 0, first: h.at, last: h.at };
        row.hit += h.hits;
        row.miss += h.misses;
        row.out += h.bytesOut;
        row.first = Math.min(row.first, h.at);
        row.last = Math.max(row.last, h.at);
        rows.set(date, row);
      }
      return json(200, {
        granularity: 'day',
        lastUpdate: new Date().toISOString(),
        data: [...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, r]) => ({
          date: `${date}T00:00:00.000Z`, first_event: hour(r.first), last_event: hour(r.last),
          request_hit_count: r.hit, request_miss_count: r.miss, bandwidth_outgoing_bytes: r.out, bandwidth_incoming_bytes: 0,
          function_invocation_successful_count: 0, function_invocation_error_count: 0, previous: null,
        })),
      });
    },
  };
}
