// The load-test module's front door: the run history /ops shows, and the figures of a k6 summary.
// The command itself is loadtest/run.ts (`npm run loadtest`), the CI smoke run loadtest/smoke.ts.
export { listLoadtestRuns, recordLoadtestRun, highestPassingTargets, type LoadtestRun, type StoredLoadtestRun } from './runs.ts';
export { readK6Summary, formatResultsTable, type K6Figures, type EndpointFigures } from './summary.ts';
export { CONCURRENCY_TARGETS, SCENARIOS, MODELS, type Scenario, type LoadModel } from './options.ts';
