// Monthly recurring revenue by plan: the VAT-exclusive list price of paying subscriptions
// (active or past due, not admin-granted). Kept here rather than billing's getMrr, whose left
// join counts a plan's price once even when nobody subscribes to it.
import type { Sql } from '../db/index.ts';

export interface MrrByPlan {
  totalKrw: number;
  byPlan: { planCode: string; planName: string; subscriptions: number; mrrKrw: number }[];
}

export async function mrrByPlan(sql: Sql): Promise<MrrByPlan> {
  const rows = await sql<{ planCode: string; planName: string; subscriptions: number; mrrKrw: number }[]>`
    select p.code as "planCode", p.name_ko as "planName", count(s.tenant_id)::int as subscriptions,
           (count(s.tenant_id) * p.monthly_price_krw)::int as "mrrKrw"
    from plans p
    left join subscriptions s on s.plan_code = p.code and s.status in ('active', 'past_due') and s.granted_at is null
    where p.monthly_price_krw > 0
    group by p.code, p.name_ko, p.monthly_price_krw, p.sort_order order by p.sort_order`;
  return { totalKrw: rows.reduce((sum, r) => sum + r.mrrKrw, 0), byPlan: [...rows] };
}
