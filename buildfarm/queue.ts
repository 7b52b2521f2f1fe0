// The build queue: pg-boss 10 in its own schema of the shared database, so any number of
// workers on any number of hosts pull from one PostgreSQL (pg-boss fetches with SKIP LOCKED).
import PgBoss from 'pg-boss';
import { z } from 'zod';

export const BUILD_QUEUE = 'site-build';
export const BUILD_DEAD_LETTER_QUEUE = 'site-build-dead';

/** How long one build may hold its job before pg-boss expires it (and retries it). */
export const BUILD_JOB_EXPIRE_SECONDS = 300;

/** Job payloads are ids, never records; validated when a worker takes the job. */
export const buildJobSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('build'),
    buildId: z.string().uuid(),
    tenantId: z.string().uuid(),
    siteId: z.string().uuid(),
  }),
]);
export type BuildJob = z.infer<typeof buildJobSchema>;

export async function startQueue(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    // Our tables live in public; pg-boss keeps its own schema so its migrations never touch ours.
    schema: 'pgboss',
    application_name: 'windwalker-queue',
    // A small pool: each worker loop holds a connection only for a fetch or a complete.
    max: 4,
    // Publish-to-pickup latency is a product figure (queue.pickup_p50_ms), so workers poll every
    // 0.5 s, the lowest pg-boss 10 allows. An idle poll is one indexed query.
    pollingIntervalSeconds: 0.5,
    // Every process that starts the queue may supervise (expire and archive jobs); pg-boss
    // takes a lock so only one does the work per interval. Expiry is what turns a build held by
    // a frozen worker back into a retry.
    supervise: true,
    maintenanceIntervalSeconds: 30,
    // monitorStateIntervalSeconds is left unset on purpose: queue counts for /admin come from
    // our builds table, so pg-boss's state monitor would only add queries.
    // Builds are not scheduled with cron here; billing's schedules start their own boss.
    schedule: false,
  });
  boss.on('error', (error) => console.error(`[queue] ${error.message}`, (error as Error).stack));
  await boss.start();
  await createBuildQueues(boss);
  return boss;
}

/**
 * Policy 'standard', deliberately not 'stately' or 'singleton': in pg-boss 10 a queued job whose
 * singletonKey collides with an active one makes the fetch statement fail, which blocks every
 * other site's builds behind it (timgit/pg-boss#535). One running and one queued build per site
 * are enforced by unique indexes on our builds table instead (migration 020), and the job still
 * carries singletonKey = siteId so the jobs of one site are visible together.
 */
export async function createBuildQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(BUILD_DEAD_LETTER_QUEUE, {
    name: BUILD_DEAD_LETTER_QUEUE,
    policy: 'standard',
    retentionMinutes: 60 * 24 * 14,
  });
  await boss.createQueue(BUILD_QUEUE, {
    name: BUILD_QUEUE,
    policy: 'standard',
    // Infrastructure failures (database, disk, a killed worker) are retried 3 times with
    // exponential backoff from 2 s; content errors never throw, so they are never retried.
    retryLimit: 3,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds: BUILD_JOB_EXPIRE_SECONDS,
    retentionMinutes: 60 * 24,
    deadLetter: BUILD_DEAD_LETTER_QUEUE,
  });
}

export type { PgBoss };
