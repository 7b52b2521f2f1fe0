// The load-test history: one row in loadtest_runs per scenario and target, written by
// `npm run loadtest` and read by /ops to show runs against the targets over time.
import type { Sql } from '../db/index.ts';
import type { LoadModel, Scenario } from './options.ts';

export interface LoadtestRun {
  scenario: Scenario;
  targetVus: number;
  model: LoadModel;
  targetUrl: string;
  startedAt: Date;
  finishedAt: Date;
  durationSeconds: number;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  rps: number;
  /** Share of failed requests, 0..1. */
  errorRate: number;
  maxVus: number | null;
  thresholdsPassed: boolean;
  /** Peak resident memory of the web and edge processes during the run (null: not measured). */
  webPeakRssMb: number | null;
  edgePeakRssMb: number | null;
  /** CPU seconds per process during the run and the machine's busy time (null: not measured). */
  processUsage: unknown;
  /** The k6 end-of-test summary (its handleSummary data), kept whole. */
  summary: unknown;
}

export interface StoredLoadtestRun extends LoadtestRun {
  id: number;
}

interface LoadtestRunRow {
  id: number;
  scenario: Scenario;
  target_vus: number;
  model: LoadModel;
  target_url: string;
  started_at: Date;
  finished_at: Date;
  duration_seconds: string;
  requests: number;
  p50_ms: string;
  p95_ms: string;
  p99_ms: string;
  rps: string;
  error_rate: string;
  max_vus: number | null;
  thresholds_passed: boolean;
  web_peak_rss_mb: string | null;
  edge_peak_rss_mb: string | null;
  process_usage: unknown;
  summary: unknown;
}

function toRun(row: LoadtestRunRow): StoredLoadtestRun {
  return {
    id: Number(row.id),
    scenario: row.scenario,
    targetVus: row.target_vus,
    model: row.model,
    targetUrl: row.target_url,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationSeconds: Number(row.duration_seconds),
    requests: Number(row.requests),
    p50Ms: Number(row.p50_ms),
    p95Ms: Number(row.p95_ms),
    p99Ms: Number(row.p99_ms),
    rps: Number(row.rps),
    errorRate: Number(row.error_rate),
    maxVus: row.max_vus,
    thresholdsPassed: row.thresholds_passed,
    webPeakRssMb: row.web_peak_rss_mb === null ? null : Number(row.web_peak_rss_mb),
    edgePeakRssMb: row.edge_peak_rss_mb === null ? null : Number(row.edge_peak_rss_mb),
    processUsage: row.process_usage,
    summary: row.summary,
  };
}

/** Stores one finished run; returns its id. */
export async function recordLoadtestRun(sql: Sql, run: LoadtestRun): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into loadtest_runs (
      scenario, target_vus, model, target_url, started_at, finished_at, duration_seconds, requests,
      p50_ms, p95_ms, p99_ms, rps, error_rate, max_vus, thresholds_passed, web_peak_rss_mb, edge_peak_rss_mb, process_usage, summary)
    values (
      ${run.scenario}, ${run.targetVus}, ${run.model}, ${run.targetUrl}, ${run.startedAt}, ${run.finishedAt},
      ${run.durationSeconds}, ${run.requests}, ${run.p50Ms}, ${run.p95Ms}, ${run.p99Ms}, ${run.rps},
      ${run.errorRate}, ${run.maxVus}, ${run.thresholdsPassed}, ${run.webPeakRssMb}, ${run.edgePeakRssMb},
      ${run.processUsage == null ? null : sql.json(run.processUsage as never)}, ${sql.json(run.summary as never)})
    returning id`;
  return Number(row.id);
}

/** Runs newest first, optionally of one scenario and model (for the /ops history). */
export async function listLoadtestRuns(
  sql: Sql,
  filter: { scenario?: Scenario; model?: LoadModel; limit?: number } = {},
): Promise<StoredLoadtestRun[]> {
  const rows = await sql<LoadtestRunRow[]>`
    select id, scenario, target_vus, model, target_url, started_at, finished_at, duration_seconds, requests,
           p50_ms, p95_ms, p99_ms, rps, error_rate, max_vus, thresholds_passed, web_peak_rss_mb, edge_peak_rss_mb, process_usage, summary
    from loadtest_runs
    where (${filter.scenario ?? null}::text is null or scenario = ${filter.scenario ?? null})
      and (${filter.model ?? null}::text is null or model = ${filter.model ?? null})
    order by started_at desc, id desc
    limit ${filter.limit ?? 200}`;
  return rows.map(toRun);
}

/**
 * For each scenario and model: the highest target that met the thresholds in its latest run at
 * that target (the figure the business plan's targets are judged by), or null when none did.
 */
export async function highestPassingTargets(sql: Sql): Promise<{ scenario: Scenario; model: LoadModel; targetVus: number | null; at: Date }[]> {
  const rows = await sql<{ scenario: Scenario; model: LoadModel; target_vus: number | null; at: Date }[]>`
    with latest as (
      select distinct on (scenario, model, target_vus) scenario, model, target_vus, thresholds_passed, started_at
      from loadtest_runs
      order by scenario, model, target_vus, started_at desc, id desc
    )
    select scenario, model,
           max(target_vus) filter (where thresholds_passed) as target_vus,
           max(started_at) as at
    from latest
    group by scenario, model
    order by scenario, model`;
  return rows.map((r) => ({ scenario: r.scenario, model: r.model, targetVus: r.target_vus, at: r.at }));
}
