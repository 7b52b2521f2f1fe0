// End of a k6 run: the whole summary as JSON for loadtest/run.ts (SUMMARY_FILE), and a short
// text on stdout: the thresholds that judge the run, the checks, and latency per endpoint.
import { config } from './common.js';

function ms(value) {
  return value === undefined ? '-' : `${value.toFixed(1)}ms`;
}

function text(data) {
  const lines = [];
  lines.push('');
  lines.push(`  thresholds (run ${Math.round(data.state.testRunDurationMs / 1000)}s):`);
  for (const [name, metric] of Object.entries(data.metrics)) {
    if (!metric.thresholds || name.includes('{')) continue;
    for (const [rule, result] of Object.entries(metric.thresholds)) {
      const shown = metric.type === 'rate' ? `${(metric.values.rate * 100).toFixed(3)}%` : ms(metric.values['p(95)']);
      lines.push(`    ${result.ok ? '✓' : '✗'} ${name} ${rule}  (${shown})`);
    }
  }
  const checks = data.root_group.checks || [];
  if (checks.length > 0) {
    lines.push('  checks:');
    for (const c of checks) lines.push(`    ${c.fails === 0 ? '✓' : '✗'} ${c.name}: ${c.passes} passed, ${c.fails} failed`);
  }
  lines.push('  per endpoint:                 reqs      p50        p95        p99      failed');
  for (const [name, metric] of Object.entries(data.metrics)) {
    const match = /^http_req_duration\{endpoint:(.+)\}$/.exec(name);
    if (!match || !metric.values.count && metric.values.max === undefined) continue;
    const failed = data.metrics[`http_req_failed{endpoint:${match[1]}}`];
    const count = failed ? failed.values.passes + failed.values.fails : 0;
    if (count === 0) continue;
    lines.push(
      `    ${match[1].padEnd(24)} ${String(count).padStart(8)} ${ms(metric.values.med).padStart(10)} ${ms(metric.values['p(95)']).padStart(10)} ${ms(metric.values['p(99)']).padStart(10)} ${failed ? String(failed.values.passes).padStart(9) : ''}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

export function handleSummary(data) {
  const out = { stdout: text(data) };
  if (config.summaryFile) out[config.summaryFile] = JSON.stringify(data, null, 2);
  return out;
}
