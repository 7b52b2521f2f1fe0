// Runs one vitest suite and returns its pass/fail counts from vitest's JSON report, so the test
// commands can end with the plain line `N passed, N failed` that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface SuiteResult {
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
}

export function runVitest(root: string, args: string[], label: string): SuiteResult {
  const reportDir = path.join(root, '.data', 'reports');
  mkdirSync(reportDir, { recursive: true });
  const report = path.join(reportDir, `${label}.json`);
  rmSync(report, { force: true });
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
    { cwd: root, stdio: 'inherit' },
  );
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number;
      testResults: { status: string; assertionResults: { status: string }[] }[];
    };
    passed = json.numPassedTests;
    // A file that failed outside its tests (import error, hook failure) counts as one failure.
    const brokenFiles = json.testResults.filter(
      (file) => file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed'),
    ).length;
    failed = json.numFailedTests + brokenFiles;
    skipped = json.numPendingTests + json.numTodoTests;
  } catch {
    failed = Math.max(1, failed); // no report: the run itself broke
  }
  return { passed, failed, skipped, ok: result.status === 0 && failed === 0 };
}
