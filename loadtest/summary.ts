// Reading k6's end-of-test summary (the data handed to handleSummary, written by
// scenarios/summary.js): the figures a run is judged by, per endpoint timings, and the table
// `npm run loadtest` prints per target.
import { z } from 'zod';
import type { LoadModel, Scenario } from './options.ts';
import type { LoadtestRun } from './runs.ts';

const trendValues = z.object({
  avg: z.number(),
  min: z.number(),
  med: z.number(),
  max: z.number(),
  'p(90)': z.number().optional(),
  'p(95)': z.number(),
  'p(99)': z.number(),
});

const thresholdResults = z.record(z.object({ ok: z.boolean() })).optional();

const metricSchema = z.object({
  type: z.enum(['counter', 'gauge', 'rate', 'trend']),
  contains: z.string().optional(),
  values: z.record(z.number()),
  thresholds: thresholdResults,
});

const summarySchema = z.object({
  state: z.object({ testRunDurationMs: z.number() }),
  metrics: z.record(metricSchema),
  root_group: z
    .object({ checks: z.array(z.object({ name: z.string(), passes: z.number(), fails: z.number() })).default([]) })
    .passthrough(),
});

export type K6Summary = z.infer<typeof summarySchema>;

export interface EndpointFigures {
  endpoint: string;
  requests: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface K6Figures {
  durationSeconds: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errorRate: number;
  failedRequests: number;
  maxVus: number | null;
  iterations: number;
  thresholdsPassed: boolean;
  /** e.g. "http_req_duration p(95)<500" for each threshold that was missed. */
  failedThresholds: string[];
  checks: { name: string; passes: number; fails: number }[];
  endpoints: EndpointFigures[];
}

export class SummaryError extends Error {}

function metric(summary: K6Summary, name: string) {
  return summary.metrics[name];
}

function trend(summary: K6Summary, name: string) {
  const m = metric(summary, name);
  if (!m) return null;
  const parsed = trendValues.safeParse(m.values);
  if (!parsed.success) throw new SummaryError(`k6 summary metric ${name} lacks med/p(95)/p(99): set summaryTrendStats in the scenario options.`);
  return parsed.data;
}

/** The figures of one k6 run from its summary JSON (throws SummaryError on another shape). */
export function readK6Summary(input: unknown): K6Figures {
  const parsed = summarySchema.safeParse(input);
  if (!parsed.success) {
    throw new SummaryError(`Not a k6 end-of-test summary: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const summary = parsed.data;
  const reqs = metric(summary, 'http_reqs');
  const duration = trend(summary, 'http_req_duration');
  const failed = metric(summary, 'http_req_failed');
  if (!reqs || !duration || !failed) {
    throw new SummaryError('The k6 summary has no HTTP figures (http_reqs, http_req_duration, http_req_failed): the run made no request.');
  }
  const failedThresholds: string[] = [];
  for (const [name, m] of Object.entries(summary.metrics)) {
    for (const [rule, result] of Object.entries(m.thresholds ?? {})) {
      if (!result.ok) failedThresholds.push(`${name} ${rule}`);
    }
  }
  const endpoints: EndpointFigures[] = [];
  for (const name of Object.keys(summary.metrics)) {
    const match = /^http_req_duration\{endpoint:([^}]+)\}$/.exec(name);
    if (!match) continue;
    const t = trend(summary, name)!;
    const f = metric(summary, `http_req_failed{endpoint:${match[1]}}`);
    const requests = f ? (f.values.passes ?? 0) + (f.values.fails ?? 0) : 0;
    if (requests === 0) continue;
    endpoints.push({
      endpoint: match[1],
      requests,
      failed: f?.values.passes ?? 0,
      p50Ms: t.med,
      p95Ms: t['p(95)'],
      p99Ms: t['p(99)'],
      maxMs: t.max,
    });
  }
  endpoints.sort((a, b) => b.requests - a.requests);
  const vusMax = metric(summary, 'vus_max');
  return {
    durationSeconds: summary.state.testRunDurationMs / 1000,
    requests: reqs.values.count ?? 0,
    rps: reqs.values.rate ?? 0,
    p50Ms: duration.med,
    p95Ms: duration['p(95)'],
    p99Ms: duration['p(99)'],
    maxMs: duration.max,
    errorRate: failed.values.rate ?? 0,
    failedRequests: failed.values.passes ?? 0,
    maxVus: vusMax ? (vusMax.values.max ?? vusMax.values.value ?? null) : null,
    iterations: metric(summary, 'iterations')?.values.count ?? 0,
    thresholdsPassed: failedThresholds.length === 0,
    failedThresholds,
    checks: summary.root_group.checks,
    endpoints,
  };
}

/** The row stored in loadtest_runs for one scenario at one target. */
export function toLoadtestRun(input: {
  scenario: Scenario;
  targetVus: number;
  model: LoadModel;
  targetUrl: string;
  startedAt: Date;
  finishedAt: Date;
  summary: unknown;
  /** k6's exit code: 99 means a threshold was missed, anything else but 0 a broken run. */
  k6ExitCode: number;
  webPeakRssMb?: number | null;
  edgePeakRssMb?: number | null;
  processUsage?: unknown;
}): LoadtestRun & { figures: K6Figures } {
  const figures = readK6Summary(input.summary);
  return {
    scenario: input.scenario,
    targetVus: input.targetVus,
    model: input.model,
    targetUrl: input.targetUrl,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationSeconds: figures.durationSeconds,
    requests: figures.requests,
    p50Ms: round(figures.p50Ms, 3),
    p95Ms: round(figures.p95Ms, 3),
    p99Ms: round(figures.p99Ms, 3),
    rps: round(figures.rps, 3),
    errorRate: round(figures.errorRate, 6),
    maxVus: figures.maxVus,
    thresholdsPassed: figures.thresholdsPassed && input.k6ExitCode === 0,
    webPeakRssMb: input.webPeakRssMb ?? null,
    edgePeakRssMb: input.edgePeakRssMb ?? null,
    processUsage: input.processUsage ?? null,
    summary: input.summary,
    figures,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------
// tables

function pad(cells: string[], widths: number[], alignRight: boolean[]): string {
  return cells.map((c, i) => (alignRight[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
}

function table(header: string[], rows: string[][], alignRight: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const lines = [pad(header, widths, alignRight), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) lines.push(pad(row, widths, alignRight));
  return lines.join('\n');
}

const fmtMs = (v: number) => `${v.toFixed(1)} ms`;
const fmtPercent = (v: number) => `${(v * 100).toFixed(2)}%`;

/** One line per target: p50 / p95 / p99, requests per second, errors, pass or fail. */
export function formatResultsTable(runs: Pick<LoadtestRun, 'scenario' | 'model' | 'targetVus' | 'p50Ms' | 'p95Ms' | 'p99Ms' | 'rps' | 'requests' | 'errorRate' | 'thresholdsPassed'>[]): string {
  return table(
    ['scenario', 'model', 'VUs', 'p50', 'p95', 'p99', 'req/s', 'requests', 'errors', 'result'],
    runs.map((r) => [
      r.scenario,
      r.model,
      String(r.targetVus),
      fmtMs(r.p50Ms),
      fmtMs(r.p95Ms),
      fmtMs(r.p99Ms),
      r.rps.toFixed(1),
      String(r.requests),
      fmtPercent(r.errorRate),
      r.thresholdsPassed ? 'PASS' : 'FAIL',
    ]),
    [false, false, true, true, true, true, true, true, true, false],
  );
}

/** Where the time goes: one line per endpoint of a run. */
export function formatEndpointTable(endpoints: EndpointFigures[]): string {
  return table(
    ['endpoint', 'requests', 'failed', 'p50', 'p95', 'p99', 'max'],
    endpoints.map((e) => [e.endpoint, String(e.requests), String(e.failed), fmtMs(e.p50Ms), fmtMs(e.p95Ms), fmtMs(e.p99Ms), fmtMs(e.maxMs)]),
    [false, true, true, true, true, true, true],
  );
}
