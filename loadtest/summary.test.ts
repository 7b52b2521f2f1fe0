import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatEndpointTable, formatResultsTable, readK6Summary, SummaryError, toLoadtestRun } from './summary.ts';

// Written by k6 v1.8.1 itself: a smoke run of the mixed scenario against the started platform,
// and a visitors run against a server that answers slowly and fails one request in seven.
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
const mixedPass = fixture('k6-summary-mixed-pass.json');
const visitorsFail = fixture('k6-summary-visitors-fail.json');

describe('reading the k6 end-of-test summary', () => {
  it('takes p50 / p95 / p99, requests per second and the error rate of a passing run', () => {
    const figures = readK6Summary(mixedPass);
    expect(figures.requests).toBe(141);
    expect(figures.rps).toBeCloseTo(8.327, 3);
    expect(figures.p50Ms).toBeCloseTo(1.141, 3);
    expect(figures.p95Ms).toBeCloseTo(112.404, 3);
    expect(figures.p99Ms).toBeCloseTo(177.013, 3);
    expect(figures.errorRate).toBe(0);
    expect(figures.maxVus).toBe(10);
    expect(figures.thresholdsPassed).toBe(true);
    expect(figures.failedThresholds).toEqual([]);
  });

  it('breaks the time down per endpoint, busiest first, leaving out endpoints that saw no request', () => {
    const { endpoints } = readK6Summary(mixedPass);
    expect(endpoints[0].endpoint).toBe('site_page');
    expect(endpoints.map((e) => e.endpoint)).toEqual(expect.arrayContaining(['autosave', 'builder', 'sites_list', 'login']));
    expect(endpoints.find((e) => e.endpoint === 'site_css')).toBeUndefined();
    expect(endpoints.reduce((n, e) => n + e.requests, 0)).toBe(141);
    const builder = endpoints.find((e) => e.endpoint === 'builder')!;
    expect(builder.p95Ms).toBeGreaterThan(builder.p50Ms);
  });

  it('names each missed threshold of a failing run and counts its failed requests', () => {
    const figures = readK6Summary(visitorsFail);
    expect(figures.thresholdsPassed).toBe(false);
    expect(figures.failedThresholds).toEqual(expect.arrayContaining(['http_req_duration p(95)<500', 'http_req_failed rate<0.001']));
    expect(figures.errorRate).toBe(0.125);
    expect(figures.failedRequests).toBe(3);
    expect(figures.endpoints.find((e) => e.endpoint === 'site_page')).toMatchObject({ requests: 20, failed: 2 });
  });

  it('refuses something that is not a k6 summary, or a run without requests', () => {
    expect(() => readK6Summary({ hello: 'world' })).toThrow(SummaryError);
    expect(() => readK6Summary({ state: { testRunDurationMs: 1 }, metrics: {}, root_group: { checks: [] } })).toThrow(/made no request/);
  });
});

describe('the stored row and the printed table', () => {
  const startedAt = new Date('2026-11-28T08:00:00Z');
  const finishedAt = new Date('2026-11-28T08:00:17Z');

  it('turns a summary into the loadtest_runs row, failing it when k6 itself did not exit cleanly', () => {
    const run = toLoadtestRun({ scenario: 'mixed', targetVus: 10, model: 'closed', targetUrl: 'http://127.0.0.1:3000', startedAt, finishedAt, summary: mixedPass, k6ExitCode: 0, webPeakRssMb: 168.2 });
    expect(run).toMatchObject({ scenario: 'mixed', targetVus: 10, requests: 141, p95Ms: 112.404, errorRate: 0, thresholdsPassed: true, webPeakRssMb: 168.2, edgePeakRssMb: null });
    expect(run.summary).toBe(mixedPass);
    const broken = toLoadtestRun({ scenario: 'mixed', targetVus: 10, model: 'closed', targetUrl: 'x', startedAt, finishedAt, summary: mixedPass, k6ExitCode: 107 });
    expect(broken.thresholdsPassed).toBe(false);
  });

  it('prints one line per target with p50 / p95 / p99, req/s, errors and PASS or FAIL', () => {
    const pass = toLoadtestRun({ scenario: 'mixed', targetVus: 10, model: 'closed', targetUrl: 'x', startedAt, finishedAt, summary: mixedPass, k6ExitCode: 0 });
    const fail = toLoadtestRun({ scenario: 'visitors', targetVus: 5, model: 'open', targetUrl: 'x', startedAt, finishedAt, summary: visitorsFail, k6ExitCode: 99 });
    const lines = formatResultsTable([pass, fail]).split('\n');
    expect(lines[0]).toMatch(/^scenario\s+model\s+VUs\s+p50\s+p95\s+p99\s+req\/s\s+requests\s+errors\s+result$/);
    expect(lines[2]).toMatch(/^mixed\s+closed\s+10\s+1\.1 ms\s+112\.4 ms\s+177\.0 ms\s+8\.3\s+141\s+0\.00%\s+PASS$/);
    expect(lines[3]).toMatch(/^visitors\s+open\s+5\s+601\.9 ms\s+607\.1 ms\s+611\.8 ms\s+5\.2\s+24\s+12\.50%\s+FAIL$/);
    expect(formatEndpointTable(pass.figures.endpoints)).toMatch(/^autosave\s+12\s+0\s+/m);
  });
});
