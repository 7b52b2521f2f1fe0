// Requests from the web to a developer-mode host agent carry an HMAC-SHA256 signature made with
// the secret the web and every agent share (DEVMODE_AGENT_SECRET). The signed text is the agent's
// address (its origin, as it registered it in devmode_hosts), the method, the path with its query,
// an expiry a minute ahead, a random nonce and the request's metadata header (what session to
// start, with which limits), so a signature cannot be moved to another agent, session, path or
// method, nor kept for later. An agent refuses a request without one, with a
// wrong one, or past its expiry (decision 145), and — with the nonces it has seen (SeenNonces) —
// any signed request it has already taken once: a captured request cannot be replayed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/index.ts';

export const AGENT_AUTH_HEADER = 'x-windwalker-agent-auth';
/** JSON metadata of a request (base64url), covered by the signature. */
export const AGENT_META_HEADER = 'x-windwalker-agent-meta';
/** How long a signature is good for. */
export const SIGNATURE_TTL_MS = 60_000;
/** A signature whose expiry lies further ahead than this was not made by a web process of ours. */
export const MAX_AHEAD_MS = 5 * 60_000;

/** An agent's address as signed: its origin (http://host:port), however the address was written. */
function agentOrigin(address: string): string {
  try {
    return new URL(address).origin;
  } catch {
    return address;
  }
}

function mac(secret: string, agent: string, method: string, pathWithQuery: string, expires: number, nonce: string, meta: string): string {
  return createHmac('sha256', secret).update(`${agentOrigin(agent)}\n${method.toUpperCase()}\n${pathWithQuery}\n${expires}\n${nonce}\n${meta}`).digest('hex');
}

/**
 * The value of AGENT_AUTH_HEADER for a request to the agent at `agent` (its address in
 * devmode_hosts): `<expiry>.<nonce>.<HMAC>`, good for one request to that agent.
 */
export function signAgentRequest(secret: string, agent: string, method: string, pathWithQuery: string, meta = '', now = Date.now(), nonce = randomBytes(16).toString('hex')): string {
  const expires = now + SIGNATURE_TTL_MS;
  return `${expires}.${nonce}.${mac(secret, agent, method, pathWithQuery, expires, nonce, meta)}`;
}

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'bad signature' | 'replayed' | 'unverifiable' };

/**
 * Checks a request's signature; with `seen`, also that its nonce was not taken before (and takes
 * it). Only a signature that checks out is remembered, so what others send costs no memory.
 */
export function verifyAgentRequest(
  secret: string, agent: string, method: string, pathWithQuery: string, header: string | undefined, meta = '', now = Date.now(), seen?: SeenNonces,
): VerifyResult {
  if (!header) return { ok: false, reason: 'missing' };
  const match = /^(\d{13})\.([0-9a-f]{32})\.([0-9a-f]{64})$/.exec(header);
  if (!match) return { ok: false, reason: 'malformed' };
  const expires = Number(match[1]);
  if (expires < now || expires > now + MAX_AHEAD_MS) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(mac(secret, agent, method, pathWithQuery, expires, match[2], meta), 'hex');
  const given = Buffer.from(match[3], 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'bad signature' };
  if (seen) {
    const taken = seen.take(match[2], expires, now);
    if (taken !== 'new') return { ok: false, reason: taken };
  }
  return { ok: true };
}

/**
 * The nonces of the signed requests an agent has taken, each kept until its expiry has passed
 * (after that the expiry check refuses the request anyway). Kept in buckets by the second of
 * their expiry: an expiry lies at most MAX_AHEAD_MS ahead, so some 300 buckets at most are live, and
 * forgetting is dropping the buckets whose second is over (once per second at most).
 *
 * Bounded: at most `maxEntries` nonces (100,000 by default: 7 MB of heap measured, ~3 µs a
 * take) — 100,000 signed requests to one agent within a minute, far above what 20 sessions send
 * (a sync each 5 s, ~100 requests a workbench's open). When a new one would pass that, the bucket with the earliest expiry is dropped and everything expiring up to
 * its end is refused from then on ('unverifiable'): a nonce is never forgotten while its
 * signature could still pass. Fresh requests expire later than any dropped bucket and still pass.
 * `notBefore`: refuse every signature expiring before it — an agent passes its start + the
 * signature's life, so a request signed (and perhaps captured) before it started, which no
 * memory of it holds, is not taken after a restart.
 */
export class SeenNonces {
  private readonly buckets = new Map<number, Set<string>>();
  private count = 0;
  private floor: number;
  private forgotUpTo = 0;
  readonly maxEntries: number;

  constructor(opts: { maxEntries?: number; notBefore?: number } = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 100_000);
    this.floor = opts.notBefore ?? 0;
  }

  /** How many nonces are remembered now. */
  get size(): number {
    return this.count;
  }

  /** 'new' (and remembered), 'replayed' (seen before), or 'unverifiable' (older than what is remembered). */
  take(nonce: string, expires: number, now = Date.now()): 'new' | 'replayed' | 'unverifiable' {
    this.forget(now);
    if (expires < this.floor) return 'unverifiable';
    const second = Math.floor(expires / 1000);
    if (this.buckets.get(second)?.has(nonce)) return 'replayed';
    while (this.count >= this.maxEntries) this.dropEarliest();
    if (expires < this.floor) return 'unverifiable';
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = new Set()));
    bucket.add(nonce);
    this.count += 1;
    return 'new';
  }

  /** Drops the nonces whose expiry has passed. */
  forget(now = Date.now()): void {
    const current = Math.floor(now / 1000);
    if (current <= this.forgotUpTo) return;
    this.forgotUpTo = current;
    for (const [second, bucket] of this.buckets) {
      // Every expiry in this bucket is before `now`: the expiry check refuses them already.
      if ((second + 1) * 1000 <= now) {
        this.buckets.delete(second);
        this.count -= bucket.size;
      }
    }
  }

  private dropEarliest(): void {
    let earliest = Infinity;
    for (const second of this.buckets.keys()) earliest = Math.min(earliest, second);
    const bucket = this.buckets.get(earliest)!;
    this.buckets.delete(earliest);
    this.count -= bucket.size;
    this.floor = Math.max(this.floor, (earliest + 1) * 1000);
  }
}

export function encodeMeta(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeMeta<T>(header: string | undefined): T | null {
  if (!header) return null;
  try {
    return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * The shared secret: DEVMODE_AGENT_SECRET, or — outside production, where the web and the agent
 * run on one machine over one data folder (npm start, tests) — a random one kept in
 * <DATA_DIR>/devmode/agent.secret (mode 600), made by whichever process needs it first.
 */
const secretFiles = new Map<string, string>();

export function agentSecret(env: Pick<Env, 'DEVMODE_AGENT_SECRET' | 'NODE_ENV' | 'dataDir'>): string {
  if (env.DEVMODE_AGENT_SECRET) return env.DEVMODE_AGENT_SECRET;
  if (env.NODE_ENV === 'production') {
    throw new Error('DEVMODE_AGENT_SECRET is not set: the web and the developer-mode host agents need the same secret (32 characters or more) in production');
  }
  const file = path.join(env.dataDir, 'devmode', 'agent.secret');
  let secret = secretFiles.get(file);
  if (!secret) {
    secret = readOrMakeSecret(file);
    if (secret.length < 32) throw new Error(`${file} holds no usable secret (under 32 characters)`);
    secretFiles.set(file, secret);
  }
  return secret;
}

function readOrMakeSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    return readFileSync(file, 'utf8').trim();
  }
}
