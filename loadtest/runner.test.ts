import { describe, expect, it } from 'vitest';
import { formatCpuPerRequest, highestPassing, ownerSitesNeeded } from './runner.ts';

describe('planning a load-test run', () => {
  it('seeds one owner site per VU of the largest target when owners take part', () => {
    expect(ownerSitesNeeded(['visitors'], [50, 500])).toBe(0);
    expect(ownerSitesNeeded(['owners'], [50, 250])).toBe(250);
    expect(ownerSitesNeeded(['mixed'], [50, 100, 250, 500])).toBe(500);
    expect(ownerSitesNeeded(['visitors', 'owners'], [100])).toBe(100);
  });

  it('reports the highest target met with every lower target met too', () => {
    const r = (targetVus: number, thresholdsPassed: boolean, scenario: 'mixed' | 'owners' = 'mixed') => ({ scenario, model: 'closed' as const, targetVus, thresholdsPassed });
    expect(highestPassing([r(50, true), r(100, true), r(250, false), r(500, true)])).toEqual([{ scenario: 'mixed', model: 'closed', targetVus: 100 }]);
    expect(highestPassing([r(500, true), r(50, true)])[0].targetVus).toBe(500);
    expect(highestPassing([r(50, false, 'owners')])).toEqual([{ scenario: 'owners', model: 'closed', targetVus: null }]);
  });

  it('divides each process CPU time by the requests it answered', () => {
    const endpoints = [
      { endpoint: 'site_page', requests: 900 }, { endpoint: 'site_asset', requests: 100 },
      { endpoint: 'autosave', requests: 200 }, { endpoint: 'builder', requests: 100 },
    ].map((e) => ({ ...e, failed: 0, p50Ms: 1, p95Ms: 2, p99Ms: 3, maxMs: 4 }));
    expect(formatCpuPerRequest({ cpuSeconds: { web: 7.5, edge: 1 } }, { endpoints })).toBe(
      'web 25.0 ms CPU per request (300 requests), edge 1.0 ms CPU per request (1000 requests)',
    );
    expect(formatCpuPerRequest({ cpuSeconds: {} }, { endpoints })).toBe('CPU per request: not measured');
  });
});
