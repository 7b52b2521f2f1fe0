// The per-call path of the public API without a database round trip (docs/decisions/112-api-metering-journal.md).
//
// A key this process confirmed in the database less than 250 ms ago is admitted from memory:
// its rate-limit window is the shared count (login_throttle) as of the last flush plus the calls
// this process let through since, and the call is metered by appending one line to this
// process's journal file BEFORE the handler runs. Every ~100 ms (and when the web process stops)
// the journal's calls are written in one transaction — api_calls rows keyed by request id (so a
// replay can never count a call twice), the keys' shared window counts, last_used_at — and the
// same transaction re-reads the keys, so a revoked key or a suspended workspace stops being
// admitted from memory within one flush. Only then is the journal file deleted.
//
// A web process that crashes leaves its journal behind (the bytes are in the OS page cache once
// write() returned); the next web process on the host replays every journal whose process is
// gone. So a call is counted exactly once unless the machine itself dies within ~100 ms of it.
// A key not confirmed that recently (first call, quiet key, new minute) takes the database statement in
// keys.server.ts (authenticate + rate-limit + meter in one round trip), as before.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Sql } from '../../../db/index.ts';
import { apiMeterRegistry, authenticateApiCall, hashApiKey, API_KEY_PREFIX, type AuthenticatedKey } from './keys.server.ts';

export const RATE_WINDOW_MS = 60_000;
/**
 * How long a database answer about a key (active? its window's count across all processes?)
 * lets this process admit it from memory. A busy key is re-read at every flush (~100 ms), so
 * this only bounds how stale the view of a quieter key may be.
 */
const CONFIRMED_FOR_MS = 250;
const FLUSH_AFTER_MS = 100;
const MAX_KNOWN_KEYS = 10_000;

interface JournaledCall {
  requestId: string;
  tenantId: string;
  keyId: string;
  method: string;
  route: string;
  at: string;
}

interface KnownKey {
  hash: string;
  key: AuthenticatedKey;
  confirmedAt: number;
  /** Last call with this key (ms): keys unused for a minute are forgotten. */
  usedAt: number;
  /** Start (ms) of the rate window that `sharedCount` belongs to. */
  window: number;
  /** The key's count in `window` across all web processes, as of the last database answer. */
  sharedCount: number;
  /** Calls let through from memory in `window` that the database has not counted yet. */
  unflushed: number;
}

interface KeyReread {
  id: string;
  active: boolean;
  tenant_status: AuthenticatedKey['tenantStatus'];
  scopes: AuthenticatedKey['scopes'];
  lim: number;
  attempts: number | null;
  window_ms: string | null;
}

interface Journal {
  path: string;
  fd: number;
}

function windowOf(ms: number): number {
  return Math.floor(ms / RATE_WINDOW_MS) * RATE_WINDOW_MS;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const registry = () => apiMeterRegistry() as Set<ApiMeter>;

export class ApiMeter {
  private readonly known = new Map<string, KnownKey>();
  private pending: JournaledCall[] = [];
  private journal: Journal | null = null;
  /** Journal files whose calls are in `pending` but not yet in the database. */
  private unflushedFiles: Journal[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  readonly stamp = `${process.pid}-${Date.now()}-${randomBytes(3).toString('hex')}`;
  private sequence = 0;

  /** The journal folder (one per database), known once the database has answered. */
  private dir: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Resolves when the journal folder is open and orphaned journals are replayed. */
  readonly ready: Promise<void>;

  private constructor(private readonly sql: Sql, private readonly baseDir: string, private readonly log: (line: string) => void) {
    let resolveReady!: () => void;
    this.ready = new Promise((resolve) => (resolveReady = resolve));
    const open = async () => {
      try {
        const [{ db }] = await this.sql<{ db: string }[]>`select current_database() as db`;
        const dir = path.join(this.baseDir, db);
        mkdirSync(dir, { recursive: true });
        registry().add(this);
        await this.replayOrphans(dir);
        this.dir = dir;
        resolveReady();
      } catch (error) {
        // The database is not reachable yet (the web process starts anyway): calls use the
        // database statement until the journal is open.
        if (this.stopped) return resolveReady();
        this.log(`[api] metering journal not open yet, retrying in 5 s: ${(error as Error).message}`);
        this.retryTimer = setTimeout(() => void open(), 5_000).unref();
      }
    };
    void open();
  }

  /**
   * A meter whose journal lives in `dir`/<database name>; the journals of web processes that are
   * gone are replayed into this database first. Returns at once; see `ready`.
   */
  static open(options: { sql: Sql; dir: string; log?: (line: string) => void }): ApiMeter {
    return new ApiMeter(options.sql, options.dir, options.log ?? ((line) => console.error(line)));
  }

  /**
   * Authenticates, rate-limits and meters one call. From memory when the key was confirmed
   * within the last 250 ms in the current rate window (the call is journaled before this
   * returns); otherwise with the database statement. Null for an unknown or revoked key.
   */
  async admit(input: { secret: string; requestId: string; method: string; route: string }): Promise<AuthenticatedKey | null> {
    if (!input.secret.startsWith(API_KEY_PREFIX) || input.secret.length > 200) return null;
    const hash = hashApiKey(input.secret);
    const now = Date.now();
    const known = this.stopped || !this.dir ? undefined : this.known.get(hash);
    // A new rate window starts with the database's count (what other processes let through already).
    if (known && now - known.confirmedAt <= CONFIRMED_FOR_MS && known.window === windowOf(now)) {
      try {
        return this.admitFromMemory(known, input, now);
      } catch (error) {
        // The journal cannot be written (disk full?): meter this call in the database instead.
        this.log(`[api] metering journal not writable, using the database: ${(error as Error).message}`);
        this.known.delete(hash);
      }
    }
    // The statement limits by the database's count: calls of this key still in the journal go first.
    if (known && known.unflushed > 0) await this.flush().catch(() => {});
    const key = await authenticateApiCall(this.sql, input);
    if (!key) {
      this.known.delete(hash);
      return null;
    }
    if (!this.stopped && this.dir) this.remember(hash, key, Date.now());
    return key;
  }

  private remember(hash: string, key: AuthenticatedKey, now: number) {
    const previous = this.known.get(hash);
    const window = windowOf(now);
    this.known.delete(hash);
    if (this.known.size >= MAX_KNOWN_KEYS) this.known.delete(this.known.keys().next().value as string);
    this.known.set(hash, {
      hash, key, confirmedAt: now, usedAt: now, window,
      // The statement's count includes every flushed call; calls still in the journal are added on top.
      sharedCount: key.rate.limit - key.rate.remaining,
      unflushed: previous && previous.window === window ? previous.unflushed : 0,
    });
  }

  private admitFromMemory(known: KnownKey, input: { requestId: string; method: string; route: string }, now: number): AuthenticatedKey {
    const window = windowOf(now);
    known.usedAt = now;
    if (known.window !== window) {
      known.window = window;
      known.sharedCount = 0;
      known.unflushed = 0;
    }
    const limit = known.key.rate.limit;
    const used = known.sharedCount + known.unflushed;
    const resetSeconds = Math.max(1, Math.ceil((window + RATE_WINDOW_MS - now) / 1000));
    const allowed = used < limit && known.key.tenantStatus !== 'suspended';
    if (allowed) {
      this.append({ requestId: input.requestId, tenantId: known.key.tenantId, keyId: known.key.keyId, method: input.method, route: input.route, at: new Date(now).toISOString() });
      known.unflushed += 1;
    }
    // A refused call is not counted against the window here (the database statement does count
    // attempts over the limit; either way the window stays exhausted until it ends).
    const count = used + (allowed ? 1 : 0);
    return {
      ...known.key,
      rate: { limit, remaining: Math.max(0, limit - count), resetSeconds, allowed: used < limit },
    };
  }

  private append(call: JournaledCall) {
    if (!this.journal) {
      const file = path.join(this.dir!, `${this.stamp}-${String(this.sequence++).padStart(6, '0')}.ndjson`);
      this.journal = { path: file, fd: openSync(file, 'a', 0o600) };
    }
    // One write() per call, returned before the handler runs: a crash after it leaves the line
    // in the file for the next process to replay.
    writeSync(this.journal.fd, JSON.stringify(call) + '\n');
    this.pending.push(call);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => {});
    }, FLUSH_AFTER_MS).unref();
  }

  forget(keyId: string) {
    for (const [hash, known] of this.known) if (known.key.keyId === keyId) this.known.delete(hash);
  }

  /**
   * Writes the calls journaled so far to the database (one transaction) and deletes their journal.
   * Flushes run one after another, so a caller's flush always includes the calls before it.
   */
  flush(): Promise<void> {
    const next = this.flushing.catch(() => {}).then(() => this.flushOnce());
    this.flushing = next;
    return next;
  }

  private async flushOnce(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    if (batch.length === 0 && this.unflushedFiles.length === 0) return;
    this.pending = [];
    if (this.journal) {
      closeSync(this.journal.fd);
      this.unflushedFiles.push(this.journal);
      this.journal = null;
    }
    const files = this.unflushedFiles;
    this.unflushedFiles = [];
    const sentAt = Date.now();
    try {
      const answer = await this.writeBatch(batch, { countTowardsLimits: true });
      for (const file of files) unlinkSync(file.path);
      this.applyAnswer(batch, answer, sentAt);
    } catch (error) {
      // Kept for the next flush (and in the files, for a replay if this process dies first).
      this.pending = batch.concat(this.pending);
      this.unflushedFiles = files.concat(this.unflushedFiles);
      if (!this.stopped) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          void this.flush().catch(() => {});
        }, 1_000).unref();
      }
      this.log(`[api] metering flush of ${batch.length} calls failed (kept, retried): ${(error as Error).message}`);
      throw error;
    }
  }

  private async writeBatch(batch: JournaledCall[], options: { countTowardsLimits: boolean }) {
    // Per key, the latest window's count of this batch (older windows no longer limit anything).
    const latest = new Map<string, { window: number; calls: number }>();
    for (const call of batch) {
      const window = windowOf(Date.parse(call.at));
      const seen = latest.get(call.keyId);
      if (!seen || seen.window < window) latest.set(call.keyId, { window, calls: 1 });
      else if (seen.window === window) seen.calls += 1;
    }
    // Keys used within the last minute are re-read (revoked? suspended? new limit?); older ones are forgotten.
    const recent = Date.now() - RATE_WINDOW_MS;
    const knownIds = [...new Set([...this.known.values()].filter((k) => k.usedAt > recent).map((k) => k.key.keyId))];
    return this.sql.begin(async (tx) => {
      if (batch.length > 0) {
        await tx`
          insert into api_calls (request_id, tenant_id, key_id, method, route, at)
          select c.request_id, c.tenant_id, c.key_id, c.method, c.route, c.at
          from unnest(${batch.map((c) => c.requestId)}::uuid[], ${batch.map((c) => c.tenantId)}::uuid[], ${batch.map((c) => c.keyId)}::uuid[],
                      ${batch.map((c) => c.method)}::text[], ${batch.map((c) => c.route)}::text[], ${batch.map((c) => c.at)}::timestamptz[])
            as c(request_id, tenant_id, key_id, method, route, at)
          join api_keys k on k.id = c.key_id and k.tenant_id = c.tenant_id
          on conflict (request_id) do nothing`;
        await tx`
          update api_keys set last_used_at = now()
          where id = any(${[...latest.keys()]}::uuid[]) and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
      }
      const counts = options.countTowardsLimits && latest.size > 0
        ? await tx<{ key_id: string; attempts: number; window_ms: string }[]>`
            insert into login_throttle (key, attempts, window_started_at)
            select 'api:' || w.key_id, w.calls, to_timestamp(w.window_ms / 1000.0)
            from unnest(${[...latest.keys()]}::uuid[], ${[...latest.values()].map((w) => w.calls)}::int[], ${[...latest.values()].map((w) => w.window)}::float8[])
              as w(key_id, calls, window_ms)
            on conflict (key) do update set
              attempts = case when login_throttle.window_started_at = excluded.window_started_at
                              then login_throttle.attempts + excluded.attempts else excluded.attempts end,
              window_started_at = excluded.window_started_at
            where login_throttle.window_started_at <= excluded.window_started_at
            returning substr(key, 5) as key_id, attempts, (extract(epoch from window_started_at) * 1000)::bigint::text as window_ms`
        : [];
      // The keys this process admits from memory, as the database sees them now.
      const keys = knownIds.length > 0
        ? await tx<KeyReread[]>`
            select k.id, k.revoked_at is null as active, t.status as tenant_status, k.scopes, k.rate_limit_per_minute as lim,
              lt.attempts, (extract(epoch from lt.window_started_at) * 1000)::bigint::text as window_ms
            from api_keys k join tenants t on t.id = k.tenant_id
            left join login_throttle lt on lt.key = 'api:' || k.id::text
            where k.id = any(${knownIds}::uuid[])`
        : [];
      return { counts, keys, flushedByKey: latest, reread: new Set(knownIds) };
    });
  }

  private applyAnswer(
    _batch: JournaledCall[],
    answer: {
      counts: { key_id: string; attempts: number; window_ms: string }[];
      keys: KeyReread[];
      flushedByKey: Map<string, { window: number; calls: number }>;
      reread: Set<string>;
    },
    sentAt: number,
  ) {
    const counts = new Map(answer.counts.map((c) => [c.key_id, c]));
    const keys = new Map(answer.keys.map((k) => [k.id, k]));
    for (const [hash, known] of this.known) {
      // Learnt while this flush ran: its own confirmation is newer than this answer.
      if (!answer.reread.has(known.key.keyId)) {
        if (known.usedAt < sentAt - RATE_WINDOW_MS) this.known.delete(hash);
        continue;
      }
      const row = keys.get(known.key.keyId);
      if (!row || !row.active) {
        this.known.delete(hash);
        continue;
      }
      known.key = { ...known.key, tenantStatus: row.tenant_status, scopes: row.scopes, rate: { ...known.key.rate, limit: row.lim } };
      known.confirmedAt = Math.max(known.confirmedAt, sentAt);
      const flushed = answer.flushedByKey.get(known.key.keyId);
      const count = counts.get(known.key.keyId);
      if (flushed && flushed.window === known.window) known.unflushed = Math.max(0, known.unflushed - flushed.calls);
      // The window's count across all web processes (this batch included).
      if (count && Number(count.window_ms) === known.window) known.sharedCount = count.attempts;
      else if (row.attempts !== null && Number(row.window_ms) === known.window) known.sharedCount = row.attempts;
    }
  }

  /** Replays the journals of web processes that are gone (crashed before they flushed). */
  private async replayOrphans(dir: string): Promise<void> {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ndjson')) continue;
      // Skipped: this process's own live journals, and those of other live processes. A file with
      // our pid but another start stamp is from an earlier process that had our pid (containers).
      if (name.startsWith(`${this.stamp}-`) || [...registry()].some((m) => name.startsWith(`${m.stamp}-`))) continue;
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
      const file = path.join(dir, name);
      const calls: JournaledCall[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          calls.push(JSON.parse(line) as JournaledCall);
        } catch {
          // A line torn by the crash belongs to a call that was never answered (the answer waits for the write).
        }
      }
      // Not counted towards rate limits again: those windows are over, or were counted already.
      await this.writeBatch(calls, { countTowardsLimits: false });
      unlinkSync(file);
      if (calls.length > 0) this.log(`[api] metering: replayed ${calls.length} calls from ${name} (a web process that stopped before writing them)`);
    }
  }

  /** Flushes and stops admitting from memory (later calls use the database statement). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    registry().delete(this);
    await this.flush().catch(() => {});
    if (this.journal && this.pending.length === 0) {
      closeSync(this.journal.fd);
      unlinkSync(this.journal.path);
      this.journal = null;
    }
    // An empty folder is not left behind (test databases come and go); one with journals is.
    if (this.dir) {
      try {
        rmdirSync(this.dir);
      } catch {
        // not empty (calls still to replay) or already gone
      }
    }
  }
}
