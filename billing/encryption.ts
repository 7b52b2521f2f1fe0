// Secrets at rest (Toss billing keys; provider tokens may use the same): AES-256-GCM with a
// 32-byte key. The key comes from ENCRYPTION_KEY (64 hex characters). In the embedded default
// (no DATABASE_URL) a fresh clone has no key, so one is generated ONCE into
// <dataDir>/encryption.key (mode 600) and reused by every process sharing that data folder.
// Losing that file makes every stored billing key unreadable: owners must register their card
// again. With an external database the key must be configured; we never invent one there.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const FORMAT = 'v1';
const HEX_KEY = /^[0-9a-f]{64}$/i;

export interface EncryptionKeySource {
  /** ENCRYPTION_KEY from the environment, when set. */
  encryptionKeyHex?: string;
  dataDir: string;
  /** True in the embedded default only: allows generating <dataDir>/encryption.key. */
  allowGenerate: boolean;
  /** Where the loud warning goes (console.warn by default). */
  warn?: (message: string) => void;
}

export async function loadEncryptionKey(source: EncryptionKeySource): Promise<Buffer> {
  if (source.encryptionKeyHex) {
    if (!HEX_KEY.test(source.encryptionKeyHex)) throw new Error('ENCRYPTION_KEY must be 64 hex characters (32 bytes)');
    return Buffer.from(source.encryptionKeyHex, 'hex');
  }
  const file = path.join(source.dataDir, 'encryption.key');
  const existing = await readKeyFile(file);
  if (existing) return existing;
  if (!source.allowGenerate) {
    throw new Error(
      'ENCRYPTION_KEY is not set. Billing keys are stored encrypted and need a key: set ENCRYPTION_KEY to 64 hex characters ' +
        `(for example: openssl rand -hex 32), or put it in ${file}.`,
    );
  }
  await mkdir(source.dataDir, { recursive: true });
  const hex = randomBytes(32).toString('hex');
  try {
    // 'wx': if another process created it a moment ago, use theirs instead of overwriting.
    await writeFile(file, `${hex}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    (source.warn ?? console.warn)(
      `!!! ENCRYPTION_KEY is not set: generated a new encryption key in ${file} (mode 600). ` +
        'Billing keys are encrypted with it. Back it up with the data folder, or set ENCRYPTION_KEY; ' +
        'without it stored cards cannot be charged.',
    );
    return Buffer.from(hex, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readKeyFile(file);
    if (!raced) throw new Error(`${file} exists but does not hold 64 hex characters`);
    return raced;
  }
}

async function readKeyFile(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!HEX_KEY.test(text)) throw new Error(`${file} must hold 64 hex characters (32 bytes); it does not`);
  return Buffer.from(text, 'hex');
}

/** Encrypts `plaintext`; `context` (e.g. the tenant id) is bound as associated data. */
export function encryptSecret(key: Buffer, plaintext: string, context: string): string {
  assertKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

export function decryptSecret(key: Buffer, sealed: string, context: string): string {
  assertKey(key);
  const [format, iv, tag, body] = sealed.split(':');
  if (format !== FORMAT || !iv || !tag || body === undefined) throw new Error('Not an encrypted secret in the v1 format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new Error('Could not decrypt a stored secret: wrong ENCRYPTION_KEY or the value was tampered with', { cause });
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`AES-256-GCM needs a 32-byte key, got ${key.length} bytes`);
}
