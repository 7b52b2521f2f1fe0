// The /ops dashboard's server side: who may see which view, the date range of a request, and
// the tables every view shows (the same tables the CSV export serves).
//   money views (revenue, cost, margin, scenarios): finance or admin
//   capacity views (hosts, builds, sessions, load tests): ops or admin
// Anyone else — an owner, a visitor who is logged in — gets 404: the pages do not exist for them.
import { json } from '@remix-run/node';
import {
  capacityOverTime,
  cdnProviderMix,
  cdnRouterSavings,
  costAndRevenueByDay,
  hostsNow,
  listAlerts,
  loadtestRuns,
  marginByPlan,
  marginBySite,
  marginByTenant,
  mrrByPlan,
  scenarioTables,
  seoulDay,
  type DayRange,
} from '../../monitoring/index.ts';
import { requireUser, type AuthUser } from './auth.server.ts';
import type { Sql } from './db.server.ts';

export type OpsView = 'money' | 'capacity';

export interface OpsAccess {
  user: AuthUser;
  money: boolean;
  capacity: boolean;
}

export function opsNotFound(): Response {
  return json({ message: '주소가 바뀌었거나 삭제되었을 수 있습니다.' }, { status: 404 });
}

export function accessOf(user: AuthUser): { money: boolean; capacity: boolean } {
  const roles = user.platformRoles;
  const admin = roles.includes('admin');
  return { money: admin || roles.includes('finance'), capacity: admin || roles.includes('ops') };
}

/** Any /ops page: finance, ops or admin; everyone else 404. */
export async function requireOpsAccess(request: Request): Promise<OpsAccess> {
  const user = await requireUser(request);
  const access = accessOf(user);
  if (!access.money && !access.capacity) throw opsNotFound();
  return { user, ...access };
}

/** One kind of view: money (finance/admin) or capacity (ops/admin); 404 otherwise. */
export async function requireOpsView(request: Request, view: OpsView): Promise<OpsAccess> {
  const access = await requireOpsAccess(request);
  if (!access[view]) throw opsNotFound();
  return access;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;

/** ?from=YYYY-MM-DD&to=YYYY-MM-DD (Asia/Seoul days, inclusive); default the last 30 days. */
export function rangeFromRequest(request: Request, now: Date = new Date()): DayRange & { days: number } {
  const url = new URL(request.url);
  const today = seoulDay(now);
  let to = url.searchParams.get('to') ?? '';
  let from = url.searchParams.get('from') ?? '';
  if (!DAY_RE.test(to) || Number.isNaN(Date.parse(to))) to = today;
  if (!DAY_RE.test(from) || Number.isNaN(Date.parse(from))) from = shiftDay(to, -29);
  if (from > to) [from, to] = [to, from];
  if (daysBetween(from, to) > MAX_DAYS) from = shiftDay(to, -(MAX_DAYS - 1));
  return { from, to, days: daysBetween(from, to) };
}

function shiftDay(day: string, by: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
}

// --- tables (shown on the pages and exported as CSV) ------------------------------------------------

export interface OpsTable {
  title: string;
  /** Who may export it: a money or capacity role, or 'any' ops access. */
  view: OpsView | 'any';
  columns: string[];
  rows: (string | number | null)[][];
}

const SOURCE_LABELS = { cdn: 'CDN', build: '빌드', llm: 'AI(LLM)', core: '자체 코어' } as const;

type TableLoader = (sql: Sql, range: DayRange, access: { money: boolean; capacity: boolean }) => Promise<OpsTable>;

const marginTable = (title: string, first: string, load: typeof marginBySite): TableLoader => async (sql, range) => {
  const rows = await load(sql, range);
  return {
    title,
    view: 'money',
    columns: [first, '설명', '플랜', '매출(원)', 'CDN(원)', '빌드(원)', 'AI(원)', '코어(원)', '비용 합계(원)', '마진(원)', '마진율(%)'],
    rows: rows.map((r) => [r.name, r.detail, r.planCode, r.revenueKrw, r.bySource.cdn, r.bySource.build, r.bySource.llm, r.bySource.core, r.costKrw, r.marginKrw, r.marginPercent]),
  };
};

export const OPS_TABLES: Record<string, { view: OpsView | 'any'; load: TableLoader }> = {
  'cost-by-day': { view: 'money', load: async (sql, range) => {
    const days = await costAndRevenueByDay(sql, range);
    return {
      title: '일별 비용과 매출',
      view: 'money',
      columns: ['날짜', `${SOURCE_LABELS.cdn}(원)`, `${SOURCE_LABELS.build}(원)`, `${SOURCE_LABELS.llm}(원)`, `${SOURCE_LABELS.core}(원)`, '비용 합계(원)', '매출(원)'],
      rows: days.map((d) => [d.day, d.cdn, d.build, d.llm, d.core, d.totalKrw, d.revenueKrw]),
    };
  } },
  'margin-sites': { view: 'money', load: marginTable('사이트별 마진', '사이트', marginBySite) },
  'margin-tenants': { view: 'money', load: marginTable('워크스페이스별 마진', '워크스페이스', marginByTenant) },
  'margin-plans': { view: 'money', load: marginTable('플랜별 마진', '플랜', marginByPlan) },
  'cdn-mix': { view: 'money', load: async (sql, range) => {
    const mix = await cdnProviderMix(sql, range);
    return {
      title: 'CDN 제공자별 사용량',
      view: 'money',
      columns: ['제공자', '사이트 수', '요청 수', '전송량(바이트)', '비용(원)'],
      rows: mix.map((m) => [m.provider, m.sites, m.requests, m.bytes, m.costKrw]),
    };
  } },
  mrr: { view: 'money', load: async (sql) => {
    const mrr = await mrrByPlan(sql);
    return {
      title: '플랜별 MRR (지금)',
      view: 'money',
      columns: ['플랜', '유료 구독 수', 'MRR(원, VAT 별도)'],
      rows: [...mrr.byPlan.map((p) => [p.planName, p.subscriptions, p.mrrKrw] as (string | number)[]), ['합계', mrr.byPlan.reduce((n, p) => n + p.subscriptions, 0), mrr.totalKrw]],
    };
  } },
  scenarios: { view: 'money', load: async (sql) => {
    const { rows } = await scenarioTables(sql);
    const label = { hybrid: '하이브리드 (자체 코어 + CDN)', self_hosted: '순수 자체 구축' } as const;
    return {
      title: '사업계획 시나리오 (월 기준, 실측 재계산과 사업계획서 수치)',
      view: 'money',
      columns: ['동시 접속', '구성', '구독 수', '호스트 수', '매출(원)', '코어 비용(원)', 'CDN·대역폭 비용(원)', '합계(원)', '이익(원)',
        '계획서 코어(원)', '계획서 CDN·대역폭(원)', '계획서 합계(원)', '계획서 이익(원)'],
      rows: rows.map((r) => [r.concurrentUsers, label[r.architecture], r.subscribers, r.hosts, r.revenueKrw,
        r.computed.coreKrw, r.computed.deliveryKrw, r.computed.totalKrw, r.computed.profitKrw,
        r.reference?.coreKrw ?? null, r.reference?.deliveryKrw ?? null, r.reference?.totalKrw ?? null, r.reference?.profitKrw ?? null]),
    };
  } },
  'cdn-savings': { view: 'money', load: async (sql, range) => {
    const savings = await cdnRouterSavings(sql, range);
    return {
      title: 'CDN 라우터 절감액 (월별)',
      view: 'money',
      columns: ['월', '사이트 수', '요청 수', '전송량(바이트)', '라우터가 고른 제공자 비용(원)', `기준 비용(원): ${savings.baselineLabel}`, '절감액(원)'],
      rows: savings.months.map((m) => [m.month, m.sites, m.requests, m.bytes, m.routedKrw, m.baselineKrw, m.savingKrw]),
    };
  } },
  'cdn-single-provider': { view: 'money', load: async (sql, range) => {
    const savings = await cdnRouterSavings(sql, range);
    return {
      title: 'CDN 단일 제공자였다면',
      view: 'money',
      columns: ['제공자', '모든 사이트를 이 제공자로(원)', '라우터 대비 절감액(원)', '요금제 한도를 넘는 사이트·월'],
      rows: savings.singleProviders.map((p) => [p.provider, p.costKrw, p.savingKrw, p.unfitSiteMonths]),
    };
  } },
  hosts: { view: 'capacity', load: async (sql) => {
    const hosts = await hostsNow(sql);
    return {
      title: '호스트',
      view: 'capacity',
      columns: ['호스트', '종류', '상태', 'CPU 수', 'CPU(%)', '메모리(%)', '디스크(%)', '월 비용(원)', '마지막 측정'],
      rows: hosts.map((h) => [h.name, h.source, h.status, h.cpuCount, h.cpuPercent, h.memPercent, h.diskPercent, h.monthlyCostKrw, h.sampledAt?.toISOString() ?? null]),
    };
  } },
  'capacity-over-time': { view: 'capacity', load: async (sql, range) => {
    const points = await capacityOverTime(sql, range);
    return {
      title: '호스트 사용률 추이',
      view: 'capacity',
      columns: ['시각(UTC)', '호스트', 'CPU(%)', '메모리(%)', '디스크(%)', '실행 중 빌드', '대기 빌드'],
      rows: points.map((p) => [p.at, p.host, p.cpuPercent, p.memPercent, p.diskPercent, p.runningBuilds, p.queueDepth]),
    };
  } },
  loadtests: { view: 'capacity', load: async (sql, range) => {
    const runs = await loadtestRuns(sql, range);
    return {
      title: '부하 테스트 실행',
      view: 'capacity',
      columns: ['시작(UTC)', '시나리오', '모델', '목표 동접', 'p95(ms)', 'p99(ms)', '초당 요청', '오류율', '요청 수', '통과'],
      rows: runs.map((r) => [r.startedAt, r.scenario, r.model, r.targetVus, r.p95Ms, r.p99Ms, r.rps, r.errorRate, r.requests, r.passed ? '통과' : '실패']),
    };
  } },
  alerts: { view: 'any', load: async (sql, _range, access) => {
    const alerts = (await listAlerts(sql, { limit: 1000 })).filter((a) => access[alertView(a)]);
    return {
      title: '알림',
      view: 'any',
      columns: ['발생(UTC)', '해제(UTC)', '종류', '예산', '값', '기준', '내용'],
      rows: alerts.map((a) => [a.firedAt.toISOString(), a.clearedAt?.toISOString() ?? null, a.kind, a.budgetName, a.value, a.threshold, a.message]),
    };
  } },
};

/** Capacity alerts are ops' business; cost, margin and CDN advice are money. */
export function alertView(alert: { kind: string; detail: Record<string, unknown> }): OpsView {
  return alert.kind === 'budget' && alert.detail.metric === 'capacity' ? 'capacity' : 'money';
}

/** RFC 4180 CSV with a BOM so Excel opens Korean text as UTF-8. */
export function toCsv(table: Pick<OpsTable, 'columns' | 'rows'>): string {
  const cell = (v: string | number | null) => {
    if (v === null || v === undefined) return '';
    // A text cell starting like a formula is kept as text in spreadsheets.
    const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `\uFEFF${[table.columns, ...table.rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

// The monitoring functions the /ops routes call (routes import server code only from here).
export {
  ASSUMPTION_KEYS,
  BudgetInputError,
  capacityOverTime,
  cdnProviderMix,
  cdnRouterSavings,
  costAndRevenueByDay,
  createBudget,
  deleteBudget,
  devmodeCapacityNow,
  HostCostInputError,
  hostsNow,
  listAlerts,
  listAssumptions,
  listHostCosts,
  listBudgets,
  listWorkerScalingEvents,
  loadtestRuns,
  marginByPlan,
  marginBySite,
  marginByTenant,
  mrrByPlan,
  scenarioTables,
  setBudgetEnabled,
  setHostCostParts,
  updateAssumption,
  workloadNow,
} from '../../monitoring/index.ts';
export type { AlertChannel, BudgetMetric, BudgetScope, CdnSavings, MarginRow, ScenarioFigure } from '../../monitoring/index.ts';
