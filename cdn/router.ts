// The CDN router: which provider a site should be on, from its measured traffic and the price
// table (cdn_prices), with hysteresis so a site near a threshold does not flap.
//
// - A provider's monthly cost is its cheapest active plan that fits the traffic:
//   base + requests over the included ones × price per million + bytes over the included ones
//   × price per GB. A plan with a request cap fits only up to the cap.
// - Only eligible providers (credentials configured; `local` always) are candidates.
// - Hysteresis: a site leaves its current provider only when that no longer fits or is not
//   eligible, or when another is cheaper by at least `margin` (15 %) AND `minSavingKrw`
//   (3,000원) a month; and it moves onto a capped plan only with `margin` headroom under the
//   cap (a site at 99k requests does not move onto a 100k free tier).
// The reason is a Korean sentence for the owner and ops ("월 42만 요청: Vercel이 가장 저렴").
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import { PROVIDER_NAMES, type ProviderName } from './providers/types.ts';

export interface PriceRow {
  provider: ProviderName;
  plan: string;
  region: string;
  monthlyBaseKrw: number;
  includedRequests: number;
  includedBytes: number;
  maxMonthlyRequests: number | null;
  krwPerMillionRequests: number;
  krwPerGb: number;
}

export interface MonthlyTraffic {
  requests: number;
  bytes: number;
}

export interface ProviderQuote {
  provider: ProviderName;
  plan: string;
  monthlyCostKrw: number;
  eligible: boolean;
  /** Why this provider is not a candidate, in Korean, when it is not. */
  excluded: string | null;
}

export interface RouteDecision {
  current: ProviderName | null;
  chosen: ProviderName;
  plan: string;
  /** True when the site should move from `current` to `chosen`. */
  move: boolean;
  traffic: MonthlyTraffic;
  monthlyCostKrw: number;
  /** What the current provider costs for this traffic (null when it does not fit or has no price). */
  currentCostKrw: number | null;
  quotes: ProviderQuote[];
  reason: string;
}

export interface RouterPolicy {
  /** A cheaper provider must save at least this fraction of the current cost; 0.15 unless set. */
  margin?: number;
  /** …and at least this many KRW a month; 3,000 unless set. */
  minSavingKrw?: number;
}

const GB = 1_000_000_000;

export const PROVIDER_LABELS: Record<ProviderName, string> = {
  local: '자체 에지',
  cloudflare: 'Cloudflare',
  vercel: 'Vercel',
  cloudfront: 'CloudFront',
};
/** The subject particle after each label (Vercel[벌셀] ends in a consonant). */
const SUBJECT: Record<ProviderName, string> = { local: '가', cloudflare: '가', vercel: '이', cloudfront: '가' };
const TOPIC: Record<ProviderName, string> = { local: '는', cloudflare: '는', vercel: '은', cloudfront: '는' };

export function formatKrw(amount: number): string {
  return `${Math.round(amount).toLocaleString('ko-KR')}원`;
}

/** 420000 → '42만', 1250000 → '125만', 9500 → '9,500', 150000000 → '1.5억'. */
export function formatCount(n: number): string {
  if (n >= 100_000_000) return `${Math.round(n / 10_000_000) / 10}억`;
  if (n >= 10_000) return `${Math.round(n / 10_000).toLocaleString('ko-KR')}만`;
  return Math.round(n).toLocaleString('ko-KR');
}

function formatGb(bytes: number): string {
  const gb = bytes / GB;
  return gb >= 10 ? `${Math.round(gb)}GB` : `${Math.round(gb * 10) / 10}GB`;
}

export function planCostKrw(price: PriceRow, traffic: MonthlyTraffic): number {
  const extraRequests = Math.max(0, traffic.requests - price.includedRequests);
  const extraBytes = Math.max(0, traffic.bytes - price.includedBytes);
  return Math.round(price.monthlyBaseKrw + (extraRequests / 1_000_000) * price.krwPerMillionRequests + (extraBytes / GB) * price.krwPerGb);
}

function fits(price: PriceRow, requests: number, headroom: number): boolean {
  return price.maxMonthlyRequests === null || requests <= price.maxMonthlyRequests * (1 - headroom);
}

/** The cheapest fitting plan of one provider, or null. */
function cheapestPlan(prices: PriceRow[], provider: ProviderName, traffic: MonthlyTraffic, headroom: number) {
  let best: { price: PriceRow; cost: number } | null = null;
  for (const price of prices) {
    if (price.provider !== provider || !fits(price, traffic.requests, headroom)) continue;
    const cost = planCostKrw(price, traffic);
    if (!best || cost < best.cost) best = { price, cost };
  }
  return best;
}

/** The pure decision: no database, so the table of cases in router.test.ts can drive it. */
export function chooseProvider(input: {
  traffic: MonthlyTraffic;
  prices: PriceRow[];
  eligible: ProviderName[];
  current: ProviderName | null;
  policy?: RouterPolicy;
}): RouteDecision {
  const { traffic, prices, eligible, current } = input;
  const margin = input.policy?.margin ?? 0.15;
  const minSaving = input.policy?.minSavingKrw ?? 3_000;
  const volume = `월 ${formatCount(traffic.requests)} 요청`;

  const quotes: ProviderQuote[] = [];
  const candidates: { provider: ProviderName; plan: string; cost: number }[] = [];
  for (const provider of PROVIDER_NAMES) {
    const isEligible = eligible.includes(provider);
    // The current provider keeps its plan up to the cap itself; a new one needs headroom.
    const best = cheapestPlan(prices, provider, traffic, provider === current ? 0 : margin);
    const any = prices.some((p) => p.provider === provider);
    let excluded: string | null = null;
    if (!isEligible) excluded = '자격 증명이 설정되지 않았습니다';
    else if (!any) excluded = '요금표에 요금제가 없습니다';
    else if (!best) excluded = `${volume}은 요금제 한도를 넘습니다`;
    const shown = best ?? cheapestPlan(prices, provider, traffic, 0);
    if (any) {
      quotes.push({
        provider,
        plan: shown?.price.plan ?? '',
        monthlyCostKrw: shown?.cost ?? Number.NaN,
        eligible: excluded === null,
        excluded,
      });
    }
    if (excluded === null && best) candidates.push({ provider, plan: best.price.plan, cost: best.cost });
  }
  if (candidates.length === 0) {
    throw new CdnError('not_configured', '쓸 수 있는 CDN 요금제가 없습니다. 관리자에게 cdn_prices 요금표와 자격 증명을 확인해 달라고 요청해 주세요.');
  }
  // Cheapest first; on a tie the order of PROVIDER_NAMES after local (hosted CDNs before the edge).
  const order = (p: ProviderName) => (p === 'local' ? 99 : PROVIDER_NAMES.indexOf(p));
  candidates.sort((a, b) => a.cost - b.cost || order(a.provider) - order(b.provider));
  const cheapest = candidates[0];
  const currentCandidate = current ? candidates.find((c) => c.provider === current) : undefined;
  const currentCost = currentCandidate?.cost ?? null;
  const traits = `${volume}·${formatGb(traffic.bytes)}`;

  const decide = (chosen: { provider: ProviderName; plan: string; cost: number }, move: boolean, reason: string): RouteDecision => ({
    current, chosen: chosen.provider, plan: chosen.plan, move, traffic, monthlyCostKrw: chosen.cost, currentCostKrw: currentCost, quotes, reason,
  });

  const cheapestSays = `${PROVIDER_LABELS[cheapest.provider]}${SUBJECT[cheapest.provider]} 가장 저렴 (월 ${formatKrw(cheapest.cost)})`;
  if (!current || !currentCandidate) {
    const why = current && current !== cheapest.provider
      ? ` — ${PROVIDER_LABELS[current]}${TOPIC[current]} ${quotes.find((q) => q.provider === current)?.excluded ?? '쓸 수 없습니다'}`
      : '';
    return decide(cheapest, current !== null && current !== cheapest.provider, `${traits}: ${cheapestSays}${why}`);
  }
  if (cheapest.provider === current) return decide(cheapest, false, `${traits}: ${cheapestSays}`);
  const saving = currentCandidate.cost - cheapest.cost;
  if (saving >= minSaving && cheapest.cost <= currentCandidate.cost * (1 - margin)) {
    return decide(cheapest, true, `${traits}: ${cheapestSays}, 지금의 ${PROVIDER_LABELS[current]}보다 월 ${formatKrw(saving)} 절약`);
  }
  return decide(
    currentCandidate,
    false,
    `${traits}: ${PROVIDER_LABELS[cheapest.provider]}${SUBJECT[cheapest.provider]} 월 ${formatKrw(saving)} 더 싸지만 차이가 작아 ${PROVIDER_LABELS[current]}에 그대로 둡니다`,
  );
}

/** Active price rows of a region (KR unless given). */
export async function loadPrices(sql: Sql, region = 'KR'): Promise<PriceRow[]> {
  const rows = await sql<{
    provider: ProviderName; plan: string; region: string; monthly_base_krw: number; included_requests: string; included_bytes: string;
    max_monthly_requests: string | null; krw_per_million_requests: number; krw_per_gb: number;
  }[]>`
    select provider, plan, region, monthly_base_krw, included_requests, included_bytes, max_monthly_requests,
           krw_per_million_requests, krw_per_gb
    from cdn_prices where region = ${region} and active order by provider, plan`;
  return rows.map((r) => ({
    provider: r.provider,
    plan: r.plan,
    region: r.region,
    monthlyBaseKrw: r.monthly_base_krw,
    includedRequests: Number(r.included_requests),
    includedBytes: Number(r.included_bytes),
    maxMonthlyRequests: r.max_monthly_requests === null ? null : Number(r.max_monthly_requests),
    krwPerMillionRequests: r.krw_per_million_requests,
    krwPerGb: r.krw_per_gb,
  }));
}

/**
 * A site's traffic over the last 30 days (Asia/Seoul) on every provider, scaled to 30 days when
 * the site has been measured for fewer (a site live for 10 days with 14k requests is a 42k site).
 */
export async function measuredMonthlyTraffic(sql: Sql, tenantId: string, siteId: string): Promise<MonthlyTraffic & { days: number }> {
  if (!isUuid(siteId)) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
  return withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx`select id from sites where id = ${siteId}`;
    if (!site) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
    const [row] = await tx<{ requests: string | null; bytes: string | null; first_day: string | null; today: string }[]>`
      select sum(requests) as requests, sum(bytes) as bytes, min(day)::text as first_day,
             (now() at time zone 'Asia/Seoul')::date::text as today
      from cdn_usage_daily
      where site_id = ${siteId} and day > (now() at time zone 'Asia/Seoul')::date - 30`;
    if (!row.first_day) return { requests: 0, bytes: 0, days: 0 };
    const days = Math.min(30, Math.max(1, Math.round((Date.parse(row.today) - Date.parse(row.first_day)) / 86_400_000) + 1));
    const scale = 30 / days;
    return { requests: Math.round(Number(row.requests) * scale), bytes: Math.round(Number(row.bytes) * scale), days };
  });
}

/** The router's decision for one site now: its measured traffic, the price table, its current provider. */
export async function routeSiteToProvider(
  sql: Sql,
  opts: { tenantId: string; siteId: string; eligible: ProviderName[]; policy?: RouterPolicy; region?: string },
): Promise<RouteDecision> {
  const traffic = await measuredMonthlyTraffic(sql, opts.tenantId, opts.siteId);
  const [site] = await withTenant(sql, opts.tenantId, (tx) => tx<{ cdn_provider: ProviderName; live_deployment_id: string | null }[]>`
    select cdn_provider, live_deployment_id from sites where id = ${opts.siteId}`);
  const prices = await loadPrices(sql, opts.region);
  return chooseProvider({
    traffic: { requests: traffic.requests, bytes: traffic.bytes },
    prices,
    eligible: opts.eligible,
    // A site that serves nothing yet has no provider to stay on.
    current: site.live_deployment_id ? site.cdn_provider : null,
    policy: opts.policy,
  });
}
