// Entry for `npm run start:worker`: one build worker against the shared database. Start as
// many as the hosts allow; they share one queue. SIGTERM / SIGINT: stop taking jobs, let the
// running builds finish, then exit.
import { encryptionKeyFromEnv, meteredUsageFromDatabase, startBillingJobs, tossClientFromEnv } from '../billing/index.ts';
import { env } from '../config/env.ts';
import { connect, migrate, resolveDatabaseUrl } from '../db/index.ts';
import { startQueue } from './queue.ts';
import { startWorker } from './worker.ts';

const { dataDir, BUILD_EXECUTOR, WORKER_CONCURRENCY, BUILD_WARM_CONTAINERS, BUILD_RENDER_DELAY_MS } = env();
const databaseUrl = await resolveDatabaseUrl();
const concurrency = WORKER_CONCURRENCY;
// Each running build holds at most two connections at once (a tenant transaction and the
// deploy's), plus the cancel listener and the heartbeat. Its statements are planned once per
// connection (decision 152).
const sql = connect(databaseUrl, { max: 4 + 2 * (concurrency ?? 8), applicationName: 'windwalker-worker', genericPlans: true });
await migrate(sql);
const boss = await startQueue(databaseUrl);
const worker = await startWorker({
  sql, boss, databaseUrl, dataDir, executor: BUILD_EXECUTOR, concurrency, warmContainers: BUILD_WARM_CONTAINERS, slowRenderMs: BUILD_RENDER_DELAY_MS,
});
console.log(`[worker] ${worker.id}: ${worker.executor} executor, ${worker.concurrency} builds at once`);
// Scheduled billing (monthly invoices, charges, dunning) only when Toss is configured; every
// worker may run it: pg-boss hands each scheduled job to one of them.
const toss = tossClientFromEnv(env());
const billingJobs = toss
  ? await startBillingJobs({ sql, databaseUrl, toss, encryptionKey: await encryptionKeyFromEnv(env()), usageSource: meteredUsageFromDatabase(sql) })
  : null;
console.log(toss ? '[worker] scheduled billing: monthly invoices on the 1st, due charges every 15 minutes (KST)' : '[worker] payments are not configured (TOSS_SECRET_KEY): no scheduled billing');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[worker] ${signal}: finishing running builds, taking no new ones`);
  try {
    await worker.stop({ timeoutMs: 120_000 });
    await billingJobs?.stop();
    // graceful + wait: pg-boss lets any handler still in flight finish before it closes.
    await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    await sql.end({ timeout: 5 });
    process.exit(0);
  } catch (error) {
    console.error(`[worker] shutdown failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
