// Daily requests and bytes of a Cloudflare Pages site, from Cloudflare's GraphQL Analytics API.
//
// Pages itself has no per-project dataset for static requests (pagesFunctionsInvocationsAdaptiveGroups
// counts Functions invocations only, and our sites have none). What Cloudflare does count is every
// HTTP request through a zone: `httpRequestsAdaptiveGroups` on the zone our site names live in
// (CLOUDFLARE_ZONE_ID, the zone of SITE_BASE_DOMAIN, proxied to <project>.pages.dev), filtered by
// `clientRequestHTTPHost_in` with the site's names and `requestSource: "eyeball"` (visitors, not
// Cloudflare's own probes) — the documented "Querying HTTP events by hostname" query, with
// `count` for requests and `sum { edgeResponseBytes }` for bytes. See docs/decisions/131-cdn-usage-sources.md.
//
// Our days are Asia/Seoul days: each day is asked for as its own window
// [day 00:00+09:00, next day 00:00+09:00), which is also within the dataset's one-day maximum
// query window; a period is sent in batches of seven aliased windows per request.
import { CdnError } from '../errors.ts';
import { fetchWithRetry } from './http-retry.ts';
import type { RemoteSite } from './remote.ts';
import type { DailyUsage } from './types.ts';

export interface CloudflareUsageConfig {
  apiToken: string;
  /** https://api.cloudflare.com/client/v4 unless set. */
  baseUrl?: string;
  /** The zone of the site base domain (CLOUDFLARE_ZONE_ID). */
  zoneId?: string;
  /** Sites answer at <slug>.<siteBaseDomain> through that zone. */
  siteBaseDomain?: string;
  maxRetries?: number;
}

const DAYS_PER_REQUEST = 7;

/** Each 'YYYY-MM-DD' from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** The Asia/Seoul day as a UTC window: '2026-03-02' → 2026-03-01T15:00:00Z … 2026-03-02T15:00:00Z. */
export function seoulDayWindow(day: string): { start: string; end: string } {
  const start = Date.parse(`${day}T00:00:00+09:00`);
  return { start: new Date(start).toISOString(), end: new Date(start + 86_400_000).toISOString() };
}

export function cloudflareUsageQuery(aliases: string[]): string {
  const variables = aliases.map((a) => `$${a}: ZoneHttpRequestsAdaptiveGroupsFilter_InputObject!`).join(', ');
  const nodes = aliases
    .map((a) => `${a}: httpRequestsAdaptiveGroups(limit: 1, filter: $${a}) { count sum { edgeResponseBytes } }`)
    .join(' ');
  return `query SiteUsageByHostname($zoneTag: string!, ${variables}) { viewer { zones(filter: { zoneTag: $zoneTag }) { ${nodes} } } }`;
}

interface GraphqlAnswer {
  data: { viewer: { zones: Record<string, { count: number; sum: { edgeResponseBytes: number } }[]>[] } } | null;
  errors: { message: string }[] | null;
}

export async function cloudflareUsage(config: CloudflareUsageConfig, site: RemoteSite, from: string, to: string): Promise<DailyUsage[]> {
  if (!config.zoneId) {
    throw new CdnError(
      'not_configured',
      'Cloudflare 사용량을 읽으려면 사이트 도메인이 있는 Cloudflare 영역(zone)의 ID가 필요합니다. 관리자에게 CLOUDFLARE_ZONE_ID 설정을 요청해 주세요.',
    );
  }
  const hosts = [...new Set([...(config.siteBaseDomain ? [`${site.slug}.${config.siteBaseDomain}`] : []), ...site.domains])];
  const days = daysBetween(from, to);
  if (hosts.length === 0) return days.map((day) => ({ day, requests: 0, bytes: 0 }));
  const url = `${config.baseUrl ?? 'https://api.cloudflare.com/client/v4'}/graphql`;
  const usage: DailyUsage[] = [];
  for (let i = 0; i < days.length; i += DAYS_PER_REQUEST) {
    const batch = days.slice(i, i + DAYS_PER_REQUEST);
    const aliases = batch.map((_, k) => `d${k}`);
    const variables: Record<string, unknown> = { zoneTag: config.zoneId };
    batch.forEach((day, k) => {
      const window = seoulDayWindow(day);
      variables[aliases[k]] = { datetime_geq: window.start, datetime_lt: window.end, clientRequestHTTPHost_in: hosts, requestSource: 'eyeball' };
    });
    const response = await fetchWithRetry(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: cloudflareUsageQuery(aliases), variables }),
    }, { retries: config.maxRetries ?? 4 });
    const text = await response.text();
    let answer: GraphqlAnswer;
    try {
      answer = JSON.parse(text) as GraphqlAnswer;
    } catch {
      throw new Error(`Cloudflare GraphQL answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok || answer.errors?.length || !answer.data) {
      throw new Error(`Cloudflare GraphQL answered HTTP ${response.status}: ${answer.errors?.map((e) => e.message).join('; ') || text.slice(0, 200)}`);
    }
    const zone = answer.data.viewer.zones[0];
    if (!zone) throw new Error(`Cloudflare GraphQL returned no zone ${config.zoneId}: the API token cannot read its analytics`);
    batch.forEach((day, k) => {
      const groups = zone[aliases[k]] ?? [];
      usage.push({
        day,
        requests: groups.reduce((sum, g) => sum + g.count, 0),
        bytes: groups.reduce((sum, g) => sum + g.sum.edgeResponseBytes, 0),
      });
    });
  }
  return usage;
}
