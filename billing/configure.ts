// Billing's wiring from the validated environment (config/env.ts).
import type { Env } from '../config/index.ts';
import { loadEncryptionKey } from './encryption.ts';
import { createTossClient, type TossClient } from './toss-client.ts';

/**
 * The Toss client when TOSS_SECRET_KEY is set; null means payments are not configured (the
 * embedded default): plans can be granted by an admin and the billing page says so.
 */
export function tossClientFromEnv(env: Env): TossClient | null {
  if (!env.TOSS_SECRET_KEY) return null;
  return createTossClient({ secretKey: env.TOSS_SECRET_KEY, baseUrl: env.TOSS_API_BASE });
}

/**
 * The key that encrypts billing keys: ENCRYPTION_KEY, or — only in the embedded default (no
 * DATABASE_URL) — <DATA_DIR>/encryption.key, generated once with a loud warning.
 */
export function encryptionKeyFromEnv(env: Env): Promise<Buffer> {
  return loadEncryptionKey({ encryptionKeyHex: env.ENCRYPTION_KEY, dataDir: env.dataDir, allowGenerate: !env.DATABASE_URL });
}
