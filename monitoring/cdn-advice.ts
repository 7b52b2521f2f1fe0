// The CDN router's advice for every live site, as the budget check's CDN switch alerts read it.
import { routeSiteToProvider, type ProviderName } from '../cdn/index.ts';
import type { Sql } from '../db/index.ts';
import type { CdnSwitchAdvice } from './budgets.ts';

export async function cdnSwitchAdvice(sql: Sql, eligible: ProviderName[]): Promise<CdnSwitchAdvice[]> {
  const sites = await sql<{ id: string; tenant_id: string; name: string }[]>`
    select id, tenant_id, name from sites where live_deployment_id is not null order by id`;
  const advice: CdnSwitchAdvice[] = [];
  for (const site of sites) {
    const decision = await routeSiteToProvider(sql, { tenantId: site.tenant_id, siteId: site.id, eligible });
    if (!decision.move || !decision.current) continue;
    advice.push({
      siteId: site.id,
      siteName: site.name,
      currentProvider: decision.current,
      recommendedProvider: decision.chosen,
      monthlySavingKrw: Math.max(0, (decision.currentCostKrw ?? decision.monthlyCostKrw) - decision.monthlyCostKrw),
    });
  }
  return advice;
}
