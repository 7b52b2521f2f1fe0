import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { highestPassingTargets, listLoadtestRuns, recordLoadtestRun } from './runs.ts';
import { toLoadtestRun } from './summary.ts';

const summary = JSON.parse(readFileSync(new URL('./fixtures/k6-summary-mixed-pass.json', import.meta.url), 'utf8')) as unknown;
const failing = JSON.parse(readFileSync(new URL('./fixtures/k6-summary-visitors-fail.json', import.meta.url), 'utf8')) as unknown;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function run(targetVus: number, at: string, passing = true) {
  const startedAt = new Date(at);
  return toLoadtestRun({
    scenario: 'mixed',
    targetVus,
    model: 'closed',
    targetUrl: 'http://127.0.0.1:3000',
    startedAt,
    finishedAt: new Date(startedAt.getTime() + 40_000),
    summary: passing ? summary : failing,
    k6ExitCode: passing ? 0 : 99,
    webPeakRssMb: 180.4,
    edgePeakRssMb: 90.1,
    processUsage: { cpuSeconds: { k6: 20.5, web: 31.2 }, machineBusySeconds: 70.1, cores: 2, wallSeconds: 41 },
  });
}

describe('the load-test history in loadtest_runs', () => {
  it('stores a run with its figures and the whole k6 summary, and reads it back', async () => {
    const id = await recordLoadtestRun(db.sql, run(50, '2026-11-28T08:00:00Z'));
    const [stored] = await listLoadtestRuns(db.sql, { scenario: 'mixed' });
    expect(stored.id).toBe(id);
    expect(stored).toMatchObject({
      scenario: 'mixed', targetVus: 50, model: 'closed', requests: 141, p50Ms: 1.141, p95Ms: 112.404, p99Ms: 177.013,
      rps: 8.327, errorRate: 0, maxVus: 10, thresholdsPassed: true, webPeakRssMb: 180.4, edgePeakRssMb: 90.1,
    });
    expect(stored.durationSeconds).toBeCloseTo(17.0, 0);
    expect(stored.startedAt.toISOString()).toBe('2026-11-28T08:00:00.000Z');
    expect((stored.summary as { metrics: Record<string, unknown> }).metrics.http_reqs).toBeDefined();
    expect(stored.processUsage).toMatchObject({ cpuSeconds: { web: 31.2 }, cores: 2 });
  });

  it('refuses a row the database cannot make sense of (an unknown scenario)', async () => {
    await expect(recordLoadtestRun(db.sql, { ...run(50, '2026-11-28T08:01:00Z'), scenario: 'shoppers' as never })).rejects.toThrow(/loadtest_runs_scenario_check/);
  });

  it('names, per scenario and model, the highest target met in its latest run', async () => {
    await recordLoadtestRun(db.sql, run(100, '2026-11-28T08:02:00Z'));
    await recordLoadtestRun(db.sql, run(250, '2026-11-28T08:03:00Z', false));
    await recordLoadtestRun(db.sql, run(250, '2026-11-28T07:00:00Z')); // older pass, superseded by the failure
    const [best] = await highestPassingTargets(db.sql);
    expect(best).toMatchObject({ scenario: 'mixed', model: 'closed', targetVus: 100 });
    const newest = await listLoadtestRuns(db.sql, { limit: 2 });
    expect(newest.map((r) => [r.targetVus, r.thresholdsPassed])).toEqual([[250, false], [100, true]]);
    expect(await listLoadtestRuns(db.sql, { model: 'open' })).toEqual([]);
  });
});
