// The local provider's content-addressed object store: every file body is stored once, named by
// its sha256, under <dataDir>/cdn/objects/<first two hex>/<sha256>. A deployment is only a
// manifest (path → sha256) pointing into it, so a redeploy writes only the bodies that changed
// and two deployments (or two sites) with the same file share one object.
//
// An object is written to a temporary file in the same folder, flushed to disk, then renamed:
// rename is atomic on one filesystem, so a crash leaves either no object or the whole object,
// never a partial one under the real name.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';

const SHA256 = /^[0-9a-f]{64}$/;
const TEMP_PREFIX = '.tmp-';

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export function objectsDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'cdn', 'objects');
}

export function objectPath(dataDir: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`Not a sha256 object name: ${JSON.stringify(sha256)}`);
  return path.join(objectsDir(dataDir), sha256.slice(0, 2), sha256);
}

/**
 * putObject with its slow part left running: the body is written to its temporary file on this
 * thread, and `durable` resolves once the flush (one trip through libuv's thread pool) and the
 * rename are done — the object exists under its name only then, whole. For a handful of objects
 * (a one-page edit writes one): each of putObject's seven file-system calls is otherwise a trip
 * through the thread pool, which on a busy host waits to be scheduled every time, and the flush
 * (1–6 ms on this host's disk) can overlap the caller's database round trips. Whoever records a
 * deployment naming the object must wait for `durable` before that record commits.
 */
export function startPutObject(dataDir: string, sha256: string, body: Buffer): { written: boolean; durable: Promise<void> } {
  const target = objectPath(dataDir, sha256);
  try {
    const now = new Date();
    utimesSync(target, now, now);
    return { written: false, durable: Promise.resolve() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${sha256.slice(0, 12)}-${randomBytes(6).toString('hex')}`);
  const failed = (cause: unknown) => {
    rmSync(temp, { force: true });
    return new Error(`Could not store object ${sha256}: ${(cause as Error).message}`, { cause });
  };
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (cause) {
    throw failed(cause);
  }
  try {
    writeFileSync(fd, body);
  } catch (cause) {
    closeSync(fd);
    throw failed(cause);
  }
  const durable = new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))).then(
    () => {
      closeSync(fd);
      renameSync(temp, target);
    },
    (error: unknown) => {
      closeSync(fd);
      throw error;
    },
  ).catch((cause: unknown) => {
    throw failed(cause);
  });
  durable.catch(() => {}); // the caller awaits it; this only keeps a failure from being unhandled meanwhile
  return { written: true, durable };
}

/**
 * Makes sure the object exists. Returns true when it had to be written, false when it was
 * already there. An existing object's mtime is refreshed, so garbage collection (which spares
 * recently touched objects) cannot remove an object a deployment in progress relies on.
 */
export async function putObject(dataDir: string, sha256: string, body: Buffer): Promise<boolean> {
  const target = objectPath(dataDir, sha256);
  try {
    const now = new Date();
    await utimes(target, now, now);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${sha256.slice(0, 12)}-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new Error(`Could not store object ${sha256}: ${(cause as Error).message}`, { cause });
  }
  return true;
}

/** Reads an object and checks that its content still matches its name. */
export async function readObject(dataDir: string, sha256: string): Promise<Buffer> {
  const body = await readFile(objectPath(dataDir, sha256));
  const actual = sha256Hex(body);
  if (actual !== sha256) throw new Error(`Object ${sha256} is corrupt on disk (content hashes to ${actual})`);
  return body;
}

export async function hasObject(dataDir: string, sha256: string): Promise<boolean> {
  try {
    return (await stat(objectPath(dataDir, sha256))).isFile();
  } catch {
    return false;
  }
}

export interface GarbageCollection {
  removedObjects: number;
  removedBytes: number;
  keptObjects: number;
}

/**
 * Removes objects no deployment refers to any more. `referenced` is every sha256 named by a
 * deployment that is uploading or ready; objects touched within `graceMs` are kept even when not
 * referenced (a deploy in progress may have found them present a moment ago), and so are
 * temporary files younger than that (an upload may be writing them).
 */
export async function removeUnreferencedObjects(
  dataDir: string,
  referenced: Set<string>,
  graceMs = 60 * 60 * 1000,
): Promise<GarbageCollection> {
  const result: GarbageCollection = { removedObjects: 0, removedBytes: 0, keptObjects: 0 };
  const root = objectsDir(dataDir);
  let prefixes: string[];
  try {
    prefixes = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  const cutoff = Date.now() - graceMs;
  for (const prefix of prefixes) {
    const dir = path.join(root, prefix);
    for (const name of await readdir(dir)) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const isTemp = name.startsWith(TEMP_PREFIX);
      if ((!isTemp && referenced.has(name)) || info.mtimeMs > cutoff) {
        result.keptObjects += isTemp ? 0 : 1;
        continue;
      }
      await rm(file, { force: true });
      if (!isTemp) {
        result.removedObjects += 1;
        result.removedBytes += info.size;
      }
    }
  }
  return result;
}
