// Starts the whole platform the way a newcomer does (`npm start` → scripts/start.ts) on free ports
// with its own data folder and embedded database, and stops it with Ctrl-C's signal.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../db/embedded.ts';

export interface RunningPlatform {
  webUrl: string;
  edgePort: number;
  dataDir: string;
  siteUrl(slug: string): string;
  /** GET a published page from the edge (Node cannot resolve *.localhost, so we send the Host header). */
  fetchSite(slug: string, path?: string): Promise<{ status: number; body: string }>;
  output(): string;
  stop(): Promise<number | null>;
}

export const artifactsDir = path.resolve('.data/artifacts');

async function waitForHealth(url: string, deadline: number, output: () => string): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not become healthy. Platform output:\n${output().slice(-4000)}`);
}

export async function startPlatform(name: string, extraEnv: Record<string, string> = {}): Promise<RunningPlatform> {
  const dataDir = path.resolve(`.data/e2e-${name}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const webPort = await freePort();
  const edgePort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    WEB_PORT: String(webPort),
    EDGE_PORT: String(edgePort),
    PUBLIC_URL: `http://localhost:${webPort}`,
    ...extraEnv,
  };
  delete env.DATABASE_URL; // the journey of a fresh clone: embedded database
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 150_000;
  await waitForHealth(`http://127.0.0.1:${webPort}/healthz`, deadline, () => log);
  await waitForHealth(`http://127.0.0.1:${edgePort}/healthz`, deadline, () => log);
  return {
    webUrl: `http://localhost:${webPort}`,
    edgePort,
    dataDir,
    siteUrl: (slug) => `http://${slug}.localhost:${edgePort}`,
    fetchSite: (slug, path = '/') => getFromEdge(edgePort, `${slug}.localhost:${edgePort}`, path),
    output: () => log,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

export function getFromEdge(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}
