// What /ops/cdn shows and does: each CDN provider's health as failover sees it, what failover did
// and why, the hosted CDNs' daily usage sync; the traffic moves setting; each live site with the
// router's reason and an admin's move; the recent moves. Platform-wide (ops and admins only,
// checked by the route).
import {
  CdnError, getTrafficMoveSettings, listFailoverEvents, listProviderHealth, listRecentMigrations, listSiteRoutes, listUsageSyncs,
  moveSiteForAdmin, PROVIDER_LABELS, setTrafficMoveSettings, type FailoverEvent, type MigrationRow, type ProviderHealthRow, type ProviderName,
  type UsageSyncRow,
} from '../../cdn/index.ts';
import { env } from '../../config/index.ts';
import type { Sql } from './db.server.ts';
import { domainProviders } from './domains.server.ts';

export interface SiteRouteView {
  siteId: string;
  siteName: string;
  slug: string;
  tenantName: string;
  current: ProviderName;
  currentCostKrw: number | null;
  monthlyRequests: number;
  reason: string;
  /** The router's choice when it says the site should move, else null. */
  advised: ProviderName | null;
  heldFor: ProviderName | null;
  domains: string[];
  targets: { provider: ProviderName; monthlyCostKrw: number | null }[];
}

export interface CdnStatus {
  health: ProviderHealthRow[];
  events: FailoverEvent[];
  syncs: UsageSyncRow[];
  configured: ProviderName[];
  moves: { enabled: boolean; maxMovesPerRound: number; updatedBy: string | null; updatedAt: Date };
  sites: SiteRouteView[];
  migrations: MigrationRow[];
  query: string;
}

export async function cdnStatus(sql: Sql, opts: { query?: string } = {}): Promise<CdnStatus> {
  const providers = domainProviders(sql);
  const query = (opts.query ?? '').trim().slice(0, 100);
  const [health, events, syncs, settings, routes, migrations] = await Promise.all([
    listProviderHealth(sql), listFailoverEvents(sql, 30), listUsageSyncs(sql, 30), getTrafficMoveSettings(sql),
    listSiteRoutes(sql, { providers, limit: 50, query }), listRecentMigrations(sql, 30),
  ]);
  return {
    health, events, syncs, migrations, query,
    configured: [...providers.keys()],
    moves: { enabled: settings.enabled, maxMovesPerRound: settings.maxMovesPerRound, updatedBy: settings.updatedBy?.name ?? null, updatedAt: settings.updatedAt },
    sites: routes.map((r) => ({
      siteId: r.siteId, siteName: r.siteName, slug: r.slug, tenantName: r.tenantName, current: r.current, currentCostKrw: r.currentCostKrw,
      monthlyRequests: r.decision.traffic.requests, reason: r.decision.reason, advised: r.decision.move ? r.decision.chosen : null,
      heldFor: r.heldFor, domains: r.domains, targets: r.targets,
    })),
  };
}

export type CdnActionResult = { ok: true; message: string } | { ok: false; message: string; fields?: Record<string, string> };

/** Switches traffic moves on or off; `maxMovesPerRound` as typed (kept on a refusal). */
export async function changeTrafficMoves(sql: Sql, input: { enabled: string; maxMovesPerRound: string; userId: string }): Promise<CdnActionResult> {
  const typed = input.maxMovesPerRound.trim();
  const max = Number(typed.replace(/,/g, ''));
  if (!/^\d+$/.test(typed.replace(/,/g, '')) || max < 1 || max > 50) {
    return { ok: false, message: '한 번에 옮길 사이트 수는 1에서 50 사이의 정수로 입력해 주세요.', fields: { maxMovesPerRound: input.maxMovesPerRound } };
  }
  const enabled = input.enabled === 'on';
  const saved = await setTrafficMoveSettings(sql, { enabled, maxMovesPerRound: max, userId: input.userId });
  return {
    ok: true,
    message: saved.enabled
      ? `자동 이동을 켰습니다. 모니터가 매시간 라우터의 권고대로 최대 ${saved.maxMovesPerRound}개 사이트를 옮깁니다.`
      : '자동 이동을 껐습니다. 라우터의 권고는 알림으로만 보냅니다.',
  };
}

/** An admin's move of one site; CdnError refusals become the Korean message, a missing site a 404. */
export async function moveSite(sql: Sql, input: { siteId: string; to: string; userId: string }): Promise<{ status: number; result: CdnActionResult }> {
  try {
    const moved = await moveSiteForAdmin(sql, { providers: domainProviders(sql), dataDir: env().dataDir, ...input });
    const cost = (v: number | null) => (v === null ? '요금표에 없음' : `${v.toLocaleString('ko-KR')}원`);
    return {
      status: 200,
      result: { ok: true, message: `'${moved.siteName}'을(를) ${PROVIDER_LABELS[moved.from]}에서 ${PROVIDER_LABELS[moved.to]}(으)로 옮겼습니다. 월 비용 ${cost(moved.costBeforeKrw)} → ${cost(moved.costAfterKrw)}.` },
    };
  } catch (error) {
    if (!(error instanceof CdnError)) throw error;
    return { status: error.code === 'not_found' ? 404 : 409, result: { ok: false, message: error.message } };
  }
}
