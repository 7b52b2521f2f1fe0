// A host's monthly cost entered in its parts drives the core cost roll-up and the scenario tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { rollUpDailyCosts } from './costs.ts';
import { HostCostInputError, listHostCosts, setHostCostParts } from './host-costs.ts';
import { loadScenarioInputs } from './scenarios.ts';
import { addHost } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await addHost(db.sql, 'pve-seoul-1', 16, 900_000); // a total entered before the parts existed
  await db.sql`insert into hosts (name, source, cpu_count, mem_total_bytes, disk_total_bytes, monthly_cost_krw, status)
               values ('pve-old', 'local', 8, 0, 0, 500000, 'removed')`;
});
afterAll(() => db?.drop());

describe('host costs in parts', () => {
  it('shows a total set without parts as just the total, and lists no removed host', async () => {
    expect(await listHostCosts(db.sql)).toEqual([
      { name: 'pve-seoul-1', source: 'local', status: 'online', monthlyCostKrw: 900_000, parts: null, updatedAt: null },
    ]);
  });

  it('stores hardware amortised, power and operation with their sum, which the roll-up and the scenarios use', async () => {
    const host = await setHostCostParts(db.sql, { name: 'pve-seoul-1', hardwareKrw: 800_000, powerKrw: 120_000, operationKrw: 280_000, userId: null });
    expect(host).toMatchObject({ monthlyCostKrw: 1_200_000, parts: { hardwareKrw: 800_000, powerKrw: 120_000, operationKrw: 280_000 } });
    expect(host.updatedAt).toBeInstanceOf(Date);

    // November has 30 days: the core costs 1,200,000 ÷ 30 = 40,000원 a day (no site used it: the platform's).
    await rollUpDailyCosts(db.sql, '2026-11-10');
    const [{ core }] = await db.sql<{ core: string }[]>`select sum(amount_krw) as core from cost_daily where day = '2026-11-10' and source = 'core'`;
    expect(Math.round(Number(core))).toBe(40_000);
    expect((await loadScenarioInputs(db.sql)).hostMonthlyCostKrw).toEqual({ value: 1_200_000, source: 'live' });
  });

  it('refuses a negative or fractional part, an unknown or removed host, and changes nothing', async () => {
    const bad = [
      [{ hardwareKrw: -1, powerKrw: 0, operationKrw: 0 }, "'하드웨어 상각' 월 비용은 0 이상의 정수(원)로 입력해 주세요."],
      [{ hardwareKrw: 0, powerKrw: 1.5, operationKrw: 0 }, "'전력' 월 비용은 0 이상의 정수(원)로 입력해 주세요."],
      [{ hardwareKrw: 0, powerKrw: 0, operationKrw: Number.NaN }, "'운영' 월 비용은 0 이상의 정수(원)로 입력해 주세요."],
    ] as const;
    for (const [parts, message] of bad) {
      await expect(setHostCostParts(db.sql, { name: 'pve-seoul-1', userId: null, ...parts })).rejects.toThrow(new HostCostInputError(message));
    }
    for (const name of ['nope', 'pve-old']) {
      await expect(setHostCostParts(db.sql, { name, hardwareKrw: 1, powerKrw: 1, operationKrw: 1, userId: null })).rejects.toThrow(`호스트 '${name}'을(를) 찾을 수 없습니다`);
    }
    expect((await listHostCosts(db.sql))[0].monthlyCostKrw).toBe(1_200_000);
  });
});
