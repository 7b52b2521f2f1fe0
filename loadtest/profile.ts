// Where the time goes: a summary of V8 CPU profiles (.cpuprofile, written by `node --cpu-prof`,
// which `npm run loadtest -- --profile` turns on for every platform process). For each profile it
// names the process (web, edge, worker, monitor, launcher) and lists the busiest code by self
// time, grouped by function and by package.
//   node --import tsx loadtest/profile.ts <dir-or-file.cpuprofile> [--top 25]
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  process: string;
  totalMs: number;
  /** Time the process was busy (not idle), in ms. */
  busyMs: number;
  functions: ProfileLine[];
  packages: ProfileLine[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function shortUrl(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  return file.startsWith(root) ? path.relative(root, file) : file;
}

/** The package a frame belongs to: a node_modules package, a folder of ours, node itself or V8. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const file = shortUrl(url);
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = file.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (file.startsWith('web/build/server/')) return 'web (server build)';
  return file.split('/')[0] || file;
}

export function processOf(profile: CpuProfile): string {
  const urls = profile.nodes.map((n) => n.callFrame.url);
  const has = (part: string) => urls.some((u) => u.includes(part));
  if (has('/web/server.ts') || has('/web/build/server/')) return 'web';
  if (has('/cdn/edge-process.ts')) return 'edge';
  if (has('/buildfarm/worker-process.ts')) return 'worker';
  if (has('/monitoring/monitor-process.ts')) return 'monitor';
  if (has('/scripts/start.ts')) return 'launcher';
  return 'node';
}

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfById = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfById) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const name = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  const lines = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, selfMs]) => ({ name, selfMs: Math.round(selfMs), share: busyMs > 0 ? selfMs / busyMs : 0 }));
  return { process: processOf(profile), totalMs: Math.round(totalMs), busyMs: Math.round(busyMs), functions: lines(functions), packages: lines(packages) };
}

export function formatProfileSummary(summary: ProfileSummary, file: string): string {
  const out = [
    `${summary.process}: ${path.basename(file)} — busy ${(summary.busyMs / 1000).toFixed(1)} s of ${(summary.totalMs / 1000).toFixed(1)} s`,
    '  by package (self time):',
    ...summary.packages.map((l) => `    ${(l.share * 100).toFixed(1).padStart(5)}%  ${String(l.selfMs).padStart(7)} ms  ${l.name}`),
    '  by function (self time):',
    ...summary.functions.map((l) => `    ${(l.share * 100).toFixed(1).padStart(5)}%  ${String(l.selfMs).padStart(7)} ms  ${l.name}`),
  ];
  return out.join('\n');
}

export async function profileFiles(target: string): Promise<string[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [target];
  return (await readdir(target)).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => path.join(target, f));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 25;
  if (args.length === 0) {
    console.error('Usage: node --import tsx loadtest/profile.ts <folder-or-file.cpuprofile> [--top 25]');
    process.exit(2);
  }
  for (const target of args) {
    for (const file of await profileFiles(target)) {
      const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
      console.log(formatProfileSummary(summariseProfile(profile, top), file));
      console.log('');
    }
  }
}
