// `npm run start:web`: the web process. Migrates (idempotent, under an advisory lock, so any
// number of web instances may start together), serves on BIND_HOST:WEB_PORT and stops cleanly
// on SIGINT / SIGTERM.
import { env } from '../config/env.ts';
import { connect, migrate, resolveDatabaseUrl } from '../db/index.ts';
import { startWebServer } from './server/start.ts';

const config = env();
const databaseUrl = await resolveDatabaseUrl();
const sql = connect(databaseUrl, { max: 20, applicationName: 'windwalker-web' });
await migrate(sql);
const web = await startWebServer({ sql, databaseUrl, port: config.WEB_PORT, host: config.BIND_HOST });
const shownHost = config.BIND_HOST === '127.0.0.1' || config.BIND_HOST === '0.0.0.0' ? 'localhost' : config.BIND_HOST;
console.log(`[web] WindWalker is listening on http://${shownHost}:${web.port}` + (config.PUBLIC_URL ? ` (public URL ${config.PUBLIC_URL})` : ''));

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[web] ${signal}: stopping`);
  const timer = setTimeout(() => process.exit(1), 15_000);
  timer.unref();
  try {
    await web.close();
    await sql.end({ timeout: 5 });
  } finally {
    process.exit(0);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
