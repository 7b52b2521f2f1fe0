// Entry for `npm run start:monitor`: samples this host's capacity every MONITOR_INTERVAL_SECONDS.
import { env } from '../config/env.ts';
import { connect, migrate, resolveDatabaseUrl } from '../db/index.ts';
import { startMonitor } from './monitor.ts';

const { dataDir, MONITOR_INTERVAL_SECONDS } = env();
const sql = connect(await resolveDatabaseUrl(), { max: 2, applicationName: 'windwalker-monitor' });
await migrate(sql);
const monitor = await startMonitor(sql, { dataDir, intervalSeconds: MONITOR_INTERVAL_SECONDS });
console.log(`[monitor] sampling host capacity every ${MONITOR_INTERVAL_SECONDS}s`);

async function shutdown() {
  await monitor.stop();
  await sql.end({ timeout: 5 });
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
