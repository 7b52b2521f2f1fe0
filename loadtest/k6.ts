// Running k6: installs it when missing (loadtest/install-k6.sh, a pinned `go install`), then runs
// one scenario at one target with the configuration the scenarios read from the environment, and
// returns k6's exit code and end-of-test summary.
import { spawn, spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadModel, Scenario } from './options.ts';

const loadtestDir = path.dirname(fileURLToPath(import.meta.url));

/** The k6 binary: on PATH, or installed now with `go install` (prints its path). */
export function ensureK6(): string {
  const result = spawnSync('sh', [path.join(loadtestDir, 'install-k6.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = (result.stdout ?? '').trim().split('\n');
  const binary = lines[lines.length - 1];
  if (result.status !== 0 || !binary) {
    throw new Error(`Installing k6 failed (loadtest/install-k6.sh exited with ${result.status}); see the messages above.`);
  }
  return binary;
}

export interface K6RunOptions {
  k6: string;
  scenario: Scenario;
  targetVus: number;
  model: LoadModel;
  rampUp: string;
  duration: string;
  thinkTime: number;
  publishRatio: number;
  webUrl: string;
  edgeUrl: string;
  seedFile: string;
  summaryFile: string;
  /** Called with each line k6 prints (stdout and stderr); default: this process's output. */
  onOutput?: (line: string) => void;
  /** Called with k6's process id once it runs (to measure its CPU). */
  onStart?: (pid: number) => void;
}

export interface K6RunResult {
  exitCode: number;
  startedAt: Date;
  finishedAt: Date;
  summary: unknown;
}

/** k6's exit code when the run finished but a threshold was missed. */
export const K6_THRESHOLDS_FAILED = 99;

export async function runK6(options: K6RunOptions): Promise<K6RunResult> {
  await rm(options.summaryFile, { force: true });
  const script = path.join(loadtestDir, 'scenarios', `${options.scenario}.js`);
  const env: Record<string, string> = {
    TARGET_VUS: String(options.targetVus),
    MODEL: options.model,
    RAMP_UP: options.rampUp,
    DURATION: options.duration,
    THINK_TIME: String(options.thinkTime),
    PUBLISH_RATIO: String(options.publishRatio),
    WEB_URL: options.webUrl,
    EDGE_URL: options.edgeUrl,
    SEED_FILE: options.seedFile,
    SUMMARY_FILE: options.summaryFile,
  };
  const args = ['run', '--quiet', '--no-color', '--no-usage-report'];
  for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
  args.push(script);

  const startedAt = new Date();
  const print = options.onOutput ?? ((line: string) => console.log(line));
  const child = spawn(options.k6, args, { cwd: path.dirname(script), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
  if (child.pid) options.onStart?.(child.pid);
  let repeatedWarnings = 0;
  const forward = (stream: NodeJS.ReadableStream) => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        // k6 logs every failed request; under load that is thousands of identical lines.
        if (/level=warning msg="Request Failed"/.test(line) && ++repeatedWarnings > 20) {
          if (repeatedWarnings === 21) print('[k6] … more failed requests; the summary counts them all');
          continue;
        }
        print(line);
      }
    });
    stream.on('end', () => buffered && print(buffered));
  };
  forward(child.stdout!);
  forward(child.stderr!);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', (cause) => reject(new Error(`Could not start k6 (${options.k6})`, { cause })));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const finishedAt = new Date();
  let summary: unknown;
  try {
    summary = JSON.parse(await readFile(options.summaryFile, 'utf8'));
  } catch (cause) {
    throw new Error(`k6 exited with ${exitCode} and wrote no summary to ${options.summaryFile}: the scenario did not run (see k6's output above).`, { cause });
  }
  return { exitCode, startedAt, finishedAt, summary };
}
