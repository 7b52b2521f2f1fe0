// `npm run loadtest` as a function: find or start the platform, seed it, run each scenario at each
// target with k6, store every run in loadtest_runs and print the tables. loadtest/run.ts (the
// command) and loadtest/smoke.ts (CI's short run) both call it.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, resolveDatabaseUrl, type Sql } from '../db/index.ts';
import { startPlatform } from '../e2e/platform.ts';
import { ensureWebBuild } from '../scripts/web-build.ts';
import { ensureK6, runK6 } from './k6.ts';
import type { LoadModel, LoadtestOptions, Scenario } from './options.ts';
import { formatProfileSummary, profileFiles, summariseProfile } from './profile.ts';
import { formatProcessUsage, watchProcessUsage } from './process-usage.ts';
import { recordLoadtestRun, type LoadtestRun } from './runs.ts';
import { seedLoadtest } from './seed.ts';
import { formatEndpointTable, formatResultsTable, toLoadtestRun, type K6Figures } from './summary.ts';

/** Published sites the visitors spread over. */
export const PUBLISHED_SITES = 10;

export interface Platform {
  webUrl: string;
  edgeUrl: string;
  databaseUrl: string;
  /** True when this run started it (and stops it at the end). */
  started: boolean;
  /** The started platform's data folder (its embedded PostgreSQL), null for a target. */
  dataDir: string | null;
  stop(): Promise<void>;
}

const loopback = (url: string) => url.replace('://localhost', '://127.0.0.1');

/**
 * The platform under test: TARGET_URL / TARGET_EDGE_URL with the database from DATABASE_URL
 * (or the embedded one `npm start` runs), or a fresh one started with e2e's startPlatform() on
 * free ports. A started platform keeps its data in .data/loadtest across runs, so the seeded
 * accounts and the run history survive.
 */
export async function openPlatform(options: {
  targetUrl: string | null;
  targetEdgeUrl: string | null;
  name?: string;
  keepData?: boolean;
  /** Write a V8 CPU profile of every platform process into this folder (loadtest/cpu-profile.mjs). */
  profileDir?: string | null;
  log: (line: string) => void;
}): Promise<Platform> {
  if (options.targetUrl) {
    let databaseUrl: string;
    try {
      databaseUrl = await resolveDatabaseUrl();
    } catch (cause) {
      throw new Error(`Load-testing ${options.targetUrl} needs its database to store the run: set DATABASE_URL to the platform's PostgreSQL.`, { cause });
    }
    return {
      webUrl: loopback(options.targetUrl),
      edgeUrl: loopback(options.targetEdgeUrl ?? ''),
      databaseUrl,
      started: false,
      dataDir: null,
      async stop() {},
    };
  }
  const name = options.name ?? 'loadtest';
  const dataDir = path.resolve(`.data/${name}`);
  options.log(`[platform] starting WindWalker (npm start) with its data in ${dataDir}…`);
  // Production mode wants the secret the web and the developer-mode host agent share (decision
  // 145); a platform started for one load test gets a fresh one unless the caller set it.
  const extraEnv: Record<string, string> = {
    NODE_ENV: 'production',
    DEVMODE_AGENT_SECRET: process.env.DEVMODE_AGENT_SECRET || randomBytes(32).toString('hex'),
  };
  if (options.keepData !== false) extraEnv.DATA_DIR = dataDir;
  if (options.profileDir) {
    await mkdir(options.profileDir, { recursive: true });
    // node refuses --cpu-prof in NODE_OPTIONS; a preloaded module starts the same profiler.
    const preload = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'cpu-profile.mjs'));
    preload.searchParams.set('dir', options.profileDir);
    extraEnv.NODE_OPTIONS = `--import=${preload.href}`;
  }
  // Build the web app here (when stale), with its output on this terminal, so the launcher's
  // health deadline is spent starting and the profiler preload stays out of the build.
  ensureWebBuild(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), options.log);
  const platform = await startPlatform(name, extraEnv);
  const actualDataDir = options.keepData !== false ? dataDir : platform.dataDir;
  const { url } = JSON.parse(await readFile(path.join(actualDataDir, 'postgres.json'), 'utf8')) as { url: string };
  options.log(`[platform] web ${platform.webUrl}, edge port ${platform.edgePort}`);
  return {
    webUrl: loopback(platform.webUrl),
    edgeUrl: `http://127.0.0.1:${platform.edgePort}`,
    databaseUrl: url,
    started: true,
    dataDir: actualDataDir,
    async stop() {
      const code = await platform.stop();
      // 130 is the launcher's answer to the Ctrl-C (SIGINT) that stops it.
      if (code !== 0 && code !== 130 && code !== null) options.log(`[platform] the launcher exited with ${code}:\n${platform.output().slice(-3000)}`);
    },
  };
}

/**
 * Owner sites the runs need: one per VU of the largest target, so no two VUs edit one site. In
 * the mixed scenario k6 numbers VUs across both groups, so owner VUs can have any number up to
 * the target: it gets one site per VU of the target too (sites are cheap; accounts are shared).
 */
export function ownerSitesNeeded(scenarios: Scenario[], vus: number[]): number {
  let needed = 0;
  for (const scenario of scenarios) {
    if (scenario === 'visitors') continue;
    for (const v of vus) needed = Math.max(needed, v);
  }
  return needed;
}

/** "web 24.1 ms CPU per request (296 requests), edge 0.9 ms (1486)": the cost of one answer. */
export function formatCpuPerRequest(usage: { cpuSeconds: Record<string, number> }, figures: Pick<K6Figures, 'endpoints'>): string {
  const edgeRequests = figures.endpoints.filter((e) => e.endpoint.startsWith('site_')).reduce((n, e) => n + e.requests, 0);
  const webRequests = figures.endpoints.reduce((n, e) => n + e.requests, 0) - edgeRequests;
  const part = (label: string, requests: number) => {
    const cpu = usage.cpuSeconds[label];
    if (cpu === undefined || requests === 0) return null;
    return `${label} ${((cpu * 1000) / requests).toFixed(1)} ms CPU per request (${requests} requests)`;
  };
  return [part('web', webRequests), part('edge', edgeRequests)].filter(Boolean).join(', ') || 'CPU per request: not measured';
}

async function waitForBuildsToSettle(sql: Sql, log: (line: string) => void, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  while (Date.now() < deadline) {
    const [row] = await sql<{ open: number }[]>`select count(*)::int as open from builds where status in ('queued', 'running')`;
    if (row.open === 0) return;
    if (!said) log(`[loadtest] waiting for ${row.open} build(s) from the last run to finish before the next target…`);
    said = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log('[loadtest] builds are still running; going on anyway');
}

export interface MeasuredRun extends LoadtestRun {
  id: number;
  figures: K6Figures;
  k6ExitCode: number;
}

export interface RunLoadtestOptions extends LoadtestOptions {
  publishedSites?: number;
  /** Platform name for startPlatform (data folder .data/<name>). */
  platformName?: string;
  /** Keep the started platform's data across runs (default true); the smoke run starts fresh. */
  keepData?: boolean;
  /** Seconds to pause between targets so one run's tail does not land in the next. */
  settleSeconds?: number;
  /** A platform the caller opened (openPlatform) and stops itself; the run neither starts nor stops one. */
  platform?: Platform;
  log?: (line: string) => void;
}

export async function runLoadtest(options: RunLoadtestOptions): Promise<MeasuredRun[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const k6 = ensureK6();
  log(`[loadtest] k6: ${k6}`);
  const resultsDir = path.resolve('.data/loadtest-results');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = options.profile && !options.targetUrl && !options.platform ? path.join(resultsDir, `profiles-${stamp}`) : null;
  if (options.profile && options.targetUrl) log('[loadtest] --profile needs a platform this run starts; profiling is off for TARGET_URL.');
  if (options.profile && options.platform) log('[loadtest] --profile needs a platform this run starts; profiling is off for a platform passed in.');
  const platform =
    options.platform ??
    (await openPlatform({ targetUrl: options.targetUrl, targetEdgeUrl: options.targetEdgeUrl, name: options.platformName, keepData: options.keepData, profileDir, log }));
  const sql = connect(platform.databaseUrl, { max: 2, applicationName: 'windwalker-loadtest' });
  const runs: MeasuredRun[] = [];
  try {
    const [table] = await sql<{ exists: boolean }[]>`select to_regclass('loadtest_runs') is not null as exists`;
    if (!table.exists) throw new Error('The platform database has no loadtest_runs table: start the platform from this checkout so migration 070 is applied.');

    const visitorsNeeded = options.scenarios.some((s) => s !== 'owners');
    const seed = await seedLoadtest({
      sql,
      webUrl: platform.webUrl,
      edgeUrl: platform.edgeUrl,
      owners: ownerSitesNeeded(options.scenarios, options.vus),
      publishedSites: visitorsNeeded ? (options.publishedSites ?? PUBLISHED_SITES) : 0,
      log,
    });
    await mkdir(resultsDir, { recursive: true });
    const seedFile = path.join(resultsDir, `seed-${stamp}.json`);
    await writeFile(seedFile, JSON.stringify(seed, null, 2));

    for (const scenario of options.scenarios) {
      for (const vus of options.vus) {
        await waitForBuildsToSettle(sql, log);
        if (runs.length > 0 && (options.settleSeconds ?? 5) > 0) await new Promise((r) => setTimeout(r, (options.settleSeconds ?? 5) * 1000));
        log(`\n[loadtest] ${scenario} · ${options.model} model · ${vus} VUs · ramp ${options.rampUp} + ${options.duration} against ${platform.webUrl}`);
        log(`[loadtest] machine load average before the run: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
        const usage = await watchProcessUsage(sql, { platformDataDir: platform.dataDir });
        const result = await runK6({
          k6,
          scenario,
          targetVus: vus,
          model: options.model,
          rampUp: options.rampUp,
          duration: options.duration,
          thinkTime: options.thinkTime,
          publishRatio: options.publishRatio,
          webUrl: platform.webUrl,
          edgeUrl: platform.edgeUrl,
          seedFile,
          summaryFile: path.join(resultsDir, `${stamp}-${scenario}-${options.model}-${vus}.json`),
          onStart: (pid) => usage.add('k6', pid),
        });
        const measured = await usage.stop();
        const run = toLoadtestRun({
          scenario,
          targetVus: vus,
          model: options.model,
          targetUrl: platform.webUrl,
          startedAt: result.startedAt,
          finishedAt: result.finishedAt,
          summary: result.summary,
          k6ExitCode: result.exitCode,
          webPeakRssMb: measured.webPeakRssMb,
          edgePeakRssMb: measured.edgePeakRssMb,
          processUsage: measured,
        });
        const id = await recordLoadtestRun(sql, run);
        runs.push({ ...run, id, k6ExitCode: result.exitCode });
        log('');
        log(formatResultsTable([run]));
        log('');
        log(formatEndpointTable(run.figures.endpoints));
        log(formatProcessUsage(measured));
        log(formatCpuPerRequest(measured, run.figures));
        if (measured.webPeakRssMb !== null) log(`peak memory: web ${measured.webPeakRssMb} MB, edge ${measured.edgePeakRssMb ?? '-'} MB`);
        if (!run.thresholdsPassed) {
          log(`missed: ${run.figures.failedThresholds.join(', ') || `k6 exited with ${result.exitCode}`}`);
          if (options.stopOnFail) break;
        }
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
    if (platform.started && !options.platform) await platform.stop();
  }
  if (profileDir) {
    log(`\n[loadtest] CPU profiles of the platform's processes (${profileDir}):\n`);
    for (const file of await profileFiles(profileDir)) {
      const summary = summariseProfile(JSON.parse(await readFile(file, 'utf8')), 15);
      if (summary.process === 'web' || summary.process === 'edge' || summary.process === 'worker') log(formatProfileSummary(summary, file) + '\n');
    }
  }
  return runs;
}

/**
 * For each scenario and model, the highest target met with every lower target of the same runs
 * met too (a pass above a failure is noise, not capacity); null when the lowest already failed.
 */
export function highestPassing(runs: Pick<LoadtestRun, 'scenario' | 'model' | 'targetVus' | 'thresholdsPassed'>[]): { scenario: Scenario; model: LoadModel; targetVus: number | null }[] {
  const groups = new Map<string, { scenario: Scenario; model: LoadModel; runs: Pick<LoadtestRun, 'targetVus' | 'thresholdsPassed'>[] }>();
  for (const run of runs) {
    const key = `${run.scenario}/${run.model}`;
    const group = groups.get(key) ?? { scenario: run.scenario, model: run.model, runs: [] };
    group.runs.push(run);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ scenario, model, runs: group }) => {
    let best: number | null = null;
    for (const run of [...group].sort((a, b) => a.targetVus - b.targetVus)) {
      if (!run.thresholdsPassed) break;
      best = run.targetVus;
    }
    return { scenario, model, targetVus: best };
  });
}
