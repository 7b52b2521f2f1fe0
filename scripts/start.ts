// `npm start`: WindWalker on its embedded defaults — PostgreSQL, web, worker, monitor and edge
// together — printing the URLs. Ctrl-C stops every process and shuts the database down cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env } from '../config/env.ts';
import { connect, migrate, startEmbeddedDatabase, type EmbeddedDatabase } from '../db/index.ts';
import { nodeFlags, platformProcesses, serverLoader, type PlatformProcess } from './processes.ts';
import { ensureWebBuild } from './web-build.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = env();
const only = process.argv.slice(2).filter((a): a is PlatformProcess => a in platformProcesses);
const names = (only.length ? only : (Object.keys(platformProcesses) as PlatformProcess[]));

let embedded: EmbeddedDatabase | undefined;
let databaseUrl = config.DATABASE_URL;
if (!databaseUrl) {
  console.log(`[db] starting the embedded PostgreSQL (data in ${path.join(config.dataDir, 'postgres')})…`);
  embedded = await startEmbeddedDatabase(config.dataDir, (line) => {
    if (/FATAL|PANIC|ERROR/.test(line)) console.error(`[db] ${line}`);
  });
  databaseUrl = embedded.url;
}
const sql = connect(databaseUrl, { max: 1, applicationName: 'windwalker-launcher' });
const { applied } = await migrate(sql);
await sql.end();
console.log(applied.length ? `[db] applied migrations: ${applied.join(', ')}` : '[db] migrations are current');

if (names.includes('web')) ensureWebBuild(root);

// The web and developer mode's host agent sign and check with one secret (decision 145). Started
// together on one machine in production without one, they share one made for this launch.
const agentSecret = config.DEVMODE_AGENT_SECRET ?? (config.NODE_ENV === 'production' ? randomBytes(32).toString('hex') : undefined);

const children = new Map<PlatformProcess, ChildProcess>();
let stopping = false;
const restarts: Record<string, number[]> = {};

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}

function startChild(name: PlatformProcess) {
  const child = spawn(process.execPath, [...(nodeFlags[name] ?? []), '--import', serverLoader, platformProcesses[name]], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: config.dataDir, ...(agentSecret ? { DEVMODE_AGENT_SECRET: agentSecret } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(name, child.stdout!, process.stdout);
  prefixLines(name, child.stderr!, process.stderr);
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (stopping) return;
    const now = Date.now();
    const recent = (restarts[name] = (restarts[name] ?? []).filter((t) => now - t < 60_000));
    if (recent.length >= 3) {
      console.error(`[start] ${name} keeps exiting (code ${code ?? signal}); stopping WindWalker.`);
      void shutdown(1);
      return;
    }
    recent.push(now);
    console.error(`[start] ${name} exited (code ${code ?? signal}); restarting it.`);
    setTimeout(() => !stopping && startChild(name), 1000);
  });
}

async function shutdown(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping WindWalker…');
  const exits = [...children.values()].map(
    (child) => new Promise<void>((resolve) => {
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => (clearTimeout(killTimer), resolve()));
      child.kill('SIGTERM');
    }),
  );
  await Promise.all(exits);
  if (embedded) {
    await embedded.stop();
    console.log('[db] embedded PostgreSQL stopped');
  }
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

for (const name of names) startChild(name);

const siteHost = `<주소>.${config.SITE_BASE_DOMAIN}`;
console.log(`
WindWalker is starting:
  web app:        ${config.publicUrl}
  published sites: ${config.SITE_URL_SCHEME}://${siteHost}:${config.EDGE_PORT}
  database:        ${embedded ? `embedded PostgreSQL on 127.0.0.1:${embedded.port}` : 'DATABASE_URL'}
Press Ctrl-C to stop.
`);
