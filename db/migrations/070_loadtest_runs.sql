-- Load-test runs (npm run loadtest): one row per scenario and target concurrency, with the
-- k6 figures the thresholds judge (latency percentiles in ms, requests per second, error rate)
-- the whole k6 summary for anything else, and the platform's peak memory during the run. Platform table: no tenant, no RLS; /ops reads it.
create table loadtest_runs (
  id bigserial primary key,
  scenario text not null check (scenario in ('visitors', 'owners', 'mixed')),
  target_vus integer not null check (target_vus > 0),
  model text not null check (model in ('closed', 'open')),
  target_url text not null,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  duration_seconds numeric(10, 3) not null check (duration_seconds >= 0),
  requests bigint not null check (requests >= 0),
  p50_ms numeric(12, 3) not null,
  p95_ms numeric(12, 3) not null,
  p99_ms numeric(12, 3) not null,
  rps numeric(12, 3) not null,
  error_rate numeric(9, 6) not null check (error_rate between 0 and 1),
  max_vus integer,
  thresholds_passed boolean not null,
  -- Peak resident memory of the platform's processes during the run, when they ran on the
  -- machine that ran k6 (read from /proc); null when the target was elsewhere.
  web_peak_rss_mb numeric(10, 1),
  edge_peak_rss_mb numeric(10, 1),
  summary jsonb not null,
  check (finished_at >= started_at)
);
create index loadtest_runs_scenario_idx on loadtest_runs (scenario, model, target_vus, started_at desc);
create index loadtest_runs_started_idx on loadtest_runs (started_at desc);
