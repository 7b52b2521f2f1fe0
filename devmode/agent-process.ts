// Entry for the developer-mode host agent (devmode/agent.ts): one per worker host, beside the
// build worker, against the shared database. In embedded mode scripts/start.ts runs it on this
// machine with its own folder under DATA_DIR. SIGTERM / SIGINT: stop serving and say so in
// devmode_hosts (no new sessions come here); the editors' containers keep running, and sessions
// survive a restart that comes back within the web's dead-host limit (30 s).
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { env } from '../config/env.ts';
import { connect, migrate, resolveDatabaseUrl } from '../db/index.ts';
import { agentSecret } from './agent-auth.ts';
import { startDevmodeAgent } from './agent.ts';

const config = env();
const databaseUrl = await resolveDatabaseUrl();
const sql = connect(databaseUrl, { max: 3, applicationName: 'windwalker-devmode-agent' });
await migrate(sql);
const name = config.WORKER_HOST_NAME ?? os.hostname();
const agent = await startDevmodeAgent({
  sql,
  name,
  // Its own folder: the web's copy of a workspace (DATA_DIR/devmode) and the agent's clone of it
  // must not be one folder, even on one machine.
  dataDir: path.join(config.dataDir, 'devmode-agent'),
  installDir: config.devmodeInstallDir,
  docker: new Docker(),
  secret: agentSecret(config),
  bindHost: config.BIND_HOST,
  port: config.DEVMODE_AGENT_PORT,
  address: config.DEVMODE_AGENT_URL,
  capacityBytes: config.DEVMODE_AGENT_MEMORY_MB === undefined ? undefined : config.DEVMODE_AGENT_MEMORY_MB * 2 ** 20,
});
console.log(`[devmode-agent] ${agent.name}: editor sessions on this host's Docker engine, reached at ${agent.address}`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[devmode-agent] ${signal}: stopping (the editors' containers keep running)`);
  try {
    await agent.stop();
    await sql.end({ timeout: 5 });
    process.exit(0);
  } catch (error) {
    console.error(`[devmode-agent] shutdown failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
