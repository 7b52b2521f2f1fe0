-- Where the machine's time went during a load-test run: CPU seconds of k6 and of each platform
-- process, the machine's busy CPU and core count (loadtest/process-usage.ts). Null when the
-- platform ran elsewhere.
alter table loadtest_runs add column process_usage jsonb;
