// The Remix app is served from its Vite build. The launcher and the test runner build it when
// it is missing or older than any source file it is made from.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const BUILD_OUTPUT = 'web/build/server/index.js';
// The server bundle inlines our own modules from every domain folder the web app imports.
const SOURCES = [
  'web/app', 'web/vite.config.ts', 'config', 'db', 'site', 'cdn', 'buildfarm', 'billing',
  'monitoring', 'proxmox', 'loadtest', 'devmode', 'net', 'package-lock.json',
];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function webBuildIsCurrent(root: string): boolean {
  const output = path.join(root, BUILD_OUTPUT);
  if (!existsSync(output)) return false;
  const builtAt = statSync(output).mtimeMs;
  return SOURCES.every((source) => newestMtime(path.join(root, source)) <= builtAt);
}

export function ensureWebBuild(root: string, log: (line: string) => void = console.log): void {
  if (webBuildIsCurrent(root)) return;
  log('[build] building the web app (remix vite:build)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The web app did not build: see the output above (npm run build).');
}
