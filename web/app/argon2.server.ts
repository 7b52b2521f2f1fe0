// Argon2id password hashing for auth.server.ts, at most two hashes at a time in one process.
//   const stored = await hashPassword(password);
//   const ok = await verifyPassword(stored, attempt);
// Each hash holds its memoryCost (19 MiB) for the whole time it runs (80–90 ms here) on one of
// libuv's four threads, so a burst of log-ins — a hundred owners signing in within seconds —
// ran four at once: 76 MB of the web process's resident memory on top of everything else
// (decision 142). Two at once already keep two cores busy; the others wait their turn in order.
import { hash, verify } from '@node-rs/argon2';

// Argon2id with the OWASP minimum for memory-hard hashing (19 MiB, 2 passes).
const ARGON2 = { memoryCost: 19_456, timeCost: 2, outputLen: 32, parallelism: 1 } as const;

export const ARGON2_AT_ONCE = 2;

export interface ConcurrencyLimit {
  <T>(work: () => Promise<T>): Promise<T>;
  /** Work running now. */
  readonly active: number;
  /** Work waiting for a turn. */
  readonly waiting: number;
}

/** Runs at most `limit` of the given functions at once, the rest first come, first served. */
export function concurrencyLimit(limit: number): ConcurrencyLimit {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: (() => void)[] = [];
  // A finishing piece of work hands its turn straight to the next in line.
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await work();
    } finally {
      release();
    }
  };
  return Object.defineProperties(run, {
    active: { get: () => active },
    waiting: { get: () => queue.length },
  }) as ConcurrencyLimit;
}

export const argon2Turns = concurrencyLimit(ARGON2_AT_ONCE);

export function hashPassword(password: string): Promise<string> {
  return argon2Turns(() => hash(password, ARGON2));
}

/** False for a wrong password; rejects when `stored` is not an Argon2 hash. */
export function verifyPassword(stored: string, password: string): Promise<boolean> {
  return argon2Turns(() => verify(stored, password));
}
