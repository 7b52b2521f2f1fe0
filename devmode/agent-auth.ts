// Requests from the web to a developer-mode host agent carry an HMAC-SHA256 signature made with
// the secret the web and every agent share (DEVMODE_AGENT_SECRET). The signed text is the method,
// the path with its query, an expiry a minute ahead and the request's metadata header (what
// session to start, with which limits), so a signature cannot be moved to another session, path
// or method, nor kept for later. An agent refuses a request without one, with a wrong one, or
// past its expiry (decision 145).
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
const MAX_AHEAD_MS = 5 * 60_000;

function mac(secret: string, method: string, pathWithQuery: string, expires: number, meta: string): string {
  return createHmac('sha256', secret).update(`${method.toUpperCase()}\n${pathWithQuery}\n${expires}\n${meta}`).digest('hex');
}

/** The value of AGENT_AUTH_HEADER for a request. */
export function signAgentRequest(secret: string, method: string, pathWithQuery: string, meta = '', now = Date.now()): string {
  const expires = now + SIGNATURE_TTL_MS;
  return `${expires}.${mac(secret, method, pathWithQuery, expires, meta)}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'bad signature' };

export function verifyAgentRequest(secret: string, method: string, pathWithQuery: string, header: string | undefined, meta = '', now = Date.now()): VerifyResult {
  if (!header) return { ok: false, reason: 'missing' };
  const match = /^(\d{13})\.([0-9a-f]{64})$/.exec(header);
  if (!match) return { ok: false, reason: 'malformed' };
  const expires = Number(match[1]);
  if (expires < now || expires > now + MAX_AHEAD_MS) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(mac(secret, method, pathWithQuery, expires, meta), 'hex');
  const given = Buffer.from(match[2], 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'bad signature' };
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
