import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProfileSummary, packageOf, profileFiles, summariseProfile } from './profile.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('summarising a CPU profile of a platform process', () => {
  it('finds the busiest function of a real node --cpu-prof profile', async () => {
    const script = 'function hashForAWhile(){let x=0;const end=Date.now()+400;while(Date.now()<end){for(let i=0;i<1e5;i++)x=(x*31+i)%1000003}return x} console.log(hashForAWhile())';
    const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const [file] = await profileFiles(dir);
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')), 5);
    expect(summary.process).toBe('node');
    expect(summary.busyMs).toBeGreaterThan(300);
    expect(summary.functions[0].name).toMatch(/^hashForAWhile /);
    expect(summary.functions[0].share).toBeGreaterThan(0.5);
    expect(formatProfileSummary(summary, file)).toMatch(/by package \(self time\):/);
  });

  it('groups frames by package: node_modules, our folders, node itself and V8', () => {
    expect(packageOf('file:///work/main/node_modules/@remix-run/router/dist/router.js', 'matchRoutes')).toBe('@remix-run/router');
    expect(packageOf('file:///work/main/node_modules/postgres/src/connection.js', 'data')).toBe('postgres');
    expect(packageOf('node:internal/streams/readable', 'push')).toBe('node:internal');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
  });
});
