import { describe, expect, it } from 'vitest';
import { highestPassing, ownerSitesNeeded } from './runner.ts';

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
});
