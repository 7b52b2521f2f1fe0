// `npm run bench [-- name …]`: runs the benchmarks, prints a table and merges the figures into
// .data/bench/latest.json as {"figures": {"<name>": {"value", "unit"}}}.
import { spawnSync } from 'node:child_process';
import { printTable, writeLatest, type Figures } from './figures.ts';
import { benchPublish } from './publish.bench.ts';
import { benchLoadtest } from './loadtest.bench.ts';
import { benchApi } from './api.bench.ts';
import { benchCdn } from './cdn.bench.ts';
import { benchLighthouse } from './lighthouse.bench.ts';
import { benchBuildFarm } from '../buildfarm/bench.ts';
import { benchDevmode } from '../devmode/bench.ts';
import { ensureWebBuild } from '../scripts/web-build.ts';

const dockerAnswers = () => spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

const benches: Record<string, () => Promise<Figures>> = {
  api: () => benchApi(),
  publish: () => benchPublish({ executor: 'process' }),
  loadtest: benchLoadtest,
  buildfarm: async () => {
    if (!dockerAnswers()) throw new Error('no Docker engine answers: start dockerd to measure the build farm');
    return benchBuildFarm();
  },
  'publish-docker': async () => {
    if (!dockerAnswers()) throw new Error('no Docker engine answers: start dockerd to measure the docker executor');
    return benchPublish({ executor: 'docker' });
  },
  devmode: async () => {
    if (!dockerAnswers()) throw new Error('no Docker engine answers: start dockerd to measure developer mode');
    return benchDevmode();
  },
  cdn: benchCdn,
  lighthouse: benchLighthouse,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(benches);
const unknown = names.filter((n) => !(n in benches));
if (unknown.length) {
  console.error(`Unknown bench: ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}

ensureWebBuild(process.cwd());
const figures: Figures = {};
let failed = false;
for (const name of names) {
  console.log(`[bench] ${name}…`);
  try {
    Object.assign(figures, await benches[name]());
  } catch (error) {
    failed = true;
    console.error(`[bench] ${name} failed: ${(error as Error).stack ?? error}`);
  }
}
console.log('');
printTable(figures);
console.log(`\nwritten to ${writeLatest(figures)}`);
process.exit(failed ? 1 : 0);
