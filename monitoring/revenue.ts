// Monthly recurring revenue by plan for the ops dashboard: billing's getMrr (one definition of
// a paying subscription — see billing/overview.ts), under the name the dashboard uses.
import { getMrr, type MrrReport } from '../billing/index.ts';
import type { Sql } from '../db/index.ts';

export type MrrByPlan = MrrReport;

export async function mrrByPlan(sql: Sql, options: { now?: Date } = {}): Promise<MrrByPlan> {
  return getMrr(sql, options);
}
