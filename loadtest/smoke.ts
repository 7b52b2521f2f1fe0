// `npm run loadtest:smoke` (and .ci/run): the mixed scenario at 10 VUs for 15 s against a freshly
// started platform, so the scenarios, the seeding and the runner never rot. Ends with the plain
// line `N passed, N failed` (1 passed when the thresholds held) and exits non-zero otherwise.
import { runLoadtest } from './runner.ts';
import { formatResultsTable } from './summary.ts';

let passed = 0;
let failed = 0;
try {
  const runs = await runLoadtest({
    scenarios: ['mixed'],
    vus: [10],
    model: 'closed',
    rampUp: '3s',
    duration: '12s',
    thinkTime: 1,
    publishRatio: 0.05,
    stopOnFail: false,
    profile: false,
    targetUrl: null,
    targetEdgeUrl: null,
    publishedSites: 3,
    platformName: 'loadtest-smoke',
    keepData: false,
    settleSeconds: 0,
  });
  console.log(`\n${formatResultsTable(runs)}\n`);
  for (const run of runs) {
    if (run.thresholdsPassed) passed++;
    else {
      failed++;
      console.log(`smoke run missed: ${run.figures.failedThresholds.join(', ') || `k6 exited with ${run.k6ExitCode}`}`);
    }
  }
} catch (error) {
  console.error(`The load-test smoke run could not run: ${(error as Error).stack ?? error}`);
  failed = Math.max(failed, 1);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
