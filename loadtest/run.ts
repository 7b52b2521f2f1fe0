// `npm run loadtest -- --vus 250 --scenario mixed [--model open] [--duration 30s]`
// Installs k6 when missing, starts the platform (or targets TARGET_URL + TARGET_EDGE_URL), seeds
// owners and published sites, runs each scenario at each target, stores the runs in
// loadtest_runs and prints a table per target. Exits 1 when a target missed the thresholds.
import { env } from '../config/env.ts';
import { parseLoadtestArgs, UsageError } from './options.ts';
import { highestPassing, runLoadtest } from './runner.ts';
import { formatResultsTable } from './summary.ts';

let options;
try {
  const { TARGET_URL, TARGET_EDGE_URL } = env();
  options = parseLoadtestArgs(process.argv.slice(2), { TARGET_URL, TARGET_EDGE_URL });
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

try {
  const runs = await runLoadtest(options);
  console.log('\nLoad-test results (thresholds: p95 < 500 ms, errors < 0.1%):\n');
  console.log(formatResultsTable(runs));
  console.log('');
  for (const best of highestPassing(runs)) {
    console.log(`highest passing target: ${best.scenario} (${best.model}) = ${best.targetVus === null ? 'none of the targets run' : `${best.targetVus} VUs`}`);
  }
  console.log(`stored as loadtest_runs ${runs.map((r) => r.id).join(', ')}`);
  process.exit(runs.length > 0 && runs.every((r) => r.thresholdsPassed) ? 0 : 1);
} catch (error) {
  console.error(`Load test failed: ${(error as Error).message}`);
  if ((error as Error).cause) console.error((error as Error).cause);
  process.exit(1);
}
