// Each host's monthly cost in its parts — hardware amortised, power, operation — as finance
// enters them. The total (hosts.monthly_cost_krw) is what the daily cost roll-up spreads over the
// sites and what the scenario tables average; it is written together with its parts here.
// Platform-level (hosts have no tenant): only /ops with a money role calls it.
import type { Sql } from '../db/index.ts';

export interface HostCost {
  name: string;
  source: string;
  status: string;
  monthlyCostKrw: number;
  /** Null when the total was set without parts (then only the total is known). */
  parts: { hardwareKrw: number; powerKrw: number; operationKrw: number } | null;
  updatedAt: Date | null;
}

export class HostCostInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostCostInputError';
  }
}

export async function listHostCosts(sql: Sql): Promise<HostCost[]> {
  const rows = await sql<{
    name: string; source: string; status: string; monthly_cost_krw: number;
    hardware_monthly_krw: number | null; power_monthly_krw: number | null; operation_monthly_krw: number | null; cost_updated_at: Date | null;
  }[]>`
    select name, source, status, monthly_cost_krw, hardware_monthly_krw, power_monthly_krw, operation_monthly_krw, cost_updated_at
    from hosts where status <> 'removed' order by name`;
  return rows.map((r) => {
    const known = r.hardware_monthly_krw !== null && r.power_monthly_krw !== null && r.operation_monthly_krw !== null;
    const consistent = known && r.hardware_monthly_krw! + r.power_monthly_krw! + r.operation_monthly_krw! === r.monthly_cost_krw;
    return {
      name: r.name,
      source: r.source,
      status: r.status,
      monthlyCostKrw: r.monthly_cost_krw,
      parts: consistent ? { hardwareKrw: r.hardware_monthly_krw!, powerKrw: r.power_monthly_krw!, operationKrw: r.operation_monthly_krw! } : null,
      updatedAt: r.cost_updated_at,
    };
  });
}

const PART_LABELS = { hardwareKrw: '하드웨어 상각', powerKrw: '전력', operationKrw: '운영' } as const;

/** Sets a host's parts and their sum as its monthly cost. Korean errors name the field. */
export async function setHostCostParts(
  sql: Sql,
  input: { name: string; hardwareKrw: number; powerKrw: number; operationKrw: number; userId: string | null },
): Promise<HostCost> {
  for (const key of ['hardwareKrw', 'powerKrw', 'operationKrw'] as const) {
    const value = input[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new HostCostInputError(`'${PART_LABELS[key]}' 월 비용은 0 이상의 정수(원)로 입력해 주세요.`);
    }
  }
  const total = input.hardwareKrw + input.powerKrw + input.operationKrw;
  if (total > 2_147_483_647) throw new HostCostInputError('호스트 한 대의 월 비용 합계가 너무 큽니다. 원 단위로 입력했는지 확인해 주세요.');
  const rows = await sql`
    update hosts set hardware_monthly_krw = ${input.hardwareKrw}, power_monthly_krw = ${input.powerKrw},
           operation_monthly_krw = ${input.operationKrw}, monthly_cost_krw = ${total},
           cost_updated_by = ${input.userId}, cost_updated_at = now()
    where name = ${input.name} and status <> 'removed' returning name`;
  if (rows.length === 0) throw new HostCostInputError(`호스트 '${input.name}'을(를) 찾을 수 없습니다. 호스트 목록을 새로 고쳐 주세요.`);
  const host = (await listHostCosts(sql)).find((h) => h.name === input.name);
  if (!host) throw new Error(`Host ${input.name} vanished right after its cost was set`);
  return host;
}
