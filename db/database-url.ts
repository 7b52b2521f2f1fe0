import { env } from '../config/env.ts';
import { runningEmbeddedDatabaseUrl } from './embedded.ts';

/**
 * DATABASE_URL when set; otherwise the embedded database that `npm start` runs. A process
 * started alone with neither fails with a message saying what to do.
 */
export async function resolveDatabaseUrl(): Promise<string> {
  const { DATABASE_URL, dataDir } = env();
  if (DATABASE_URL) return DATABASE_URL;
  const embedded = await runningEmbeddedDatabaseUrl(dataDir);
  if (embedded) return embedded;
  throw new Error(
    'DATABASE_URL is not set and no embedded database is running. Start everything with `npm start`, ' +
      'or set DATABASE_URL to a PostgreSQL database shared by all processes.',
  );
}
