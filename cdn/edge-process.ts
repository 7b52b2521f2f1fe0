// `npm run start:edge`: the edge process alone, against DATABASE_URL (or the embedded database
// `npm start` runs). Serves every published site at http://<slug>.<SITE_BASE_DOMAIN>:<EDGE_PORT>.
import { env } from '../config/index.ts';
import { connect, resolveDatabaseUrl, startHeartbeat } from '../db/index.ts';
import { startEdge } from './edge.ts';

const config = env();
const sql = connect(await resolveDatabaseUrl(), { max: 4, applicationName: 'windwalker-edge' });
const edge = await startEdge({
  sql,
  dataDir: config.dataDir,
  host: config.BIND_HOST,
  port: config.EDGE_PORT,
  baseDomain: config.SITE_BASE_DOMAIN,
});
const heartbeat = await startHeartbeat(sql, {
  kind: 'edge',
  info: () => {
    const { sites, bytesInMemory } = edge.stats();
    return { sites, bytesInMemory, port: edge.port };
  },
});
console.log(`[edge] serving ${edge.stats().sites} site(s) at http://<slug>.${config.SITE_BASE_DOMAIN}:${edge.port} (bound to ${config.BIND_HOST})`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`[edge] ${signal}: closing`);
  try {
    await edge.close();
    await heartbeat.stop();
    await sql.end({ timeout: 5 });
    process.exit(0);
  } catch (error) {
    console.error(`[edge] could not close cleanly: ${(error as Error).message}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
