import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasObject, objectPath, putObject, readObject, removeUnreferencedObjects, sha256Hex, startPutObject } from './object-store.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-objects-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('the content-addressed object store', () => {
  it('stores a body once under its sha256 and says whether it had to write it', async () => {
    const body = Buffer.from('<h1>봄 카페</h1>');
    const sha = sha256Hex(body);
    expect(objectPath(dataDir, sha)).toBe(path.join(dataDir, 'cdn', 'objects', sha.slice(0, 2), sha));
    expect(await putObject(dataDir, sha, body)).toBe(true);
    expect(await putObject(dataDir, sha, body)).toBe(false);
    expect((await readObject(dataDir, sha)).equals(body)).toBe(true);
    expect(await readdir(path.dirname(objectPath(dataDir, sha)))).toEqual([sha]); // no temp file left behind
  });

  it('writes on this thread and names the object only once its flush is done (startPutObject), refreshing the time of one it finds', async () => {
    const body = Buffer.from('<h1>여름 카페</h1>');
    const sha = sha256Hex(body);
    const put = startPutObject(dataDir, sha, body);
    expect(put.written).toBe(true);
    // Still flushing under its temporary name: it is named in the flush's callback, so not before this
    // test yields (awaiting a stat here let a fast flush finish first and name it).
    expect(existsSync(objectPath(dataDir, sha))).toBe(false);
    await put.durable;
    expect((await readObject(dataDir, sha)).equals(body)).toBe(true);
    expect(await readdir(path.dirname(objectPath(dataDir, sha)))).toEqual([sha]);
    const old = new Date(Date.now() - 3 * 60 * 60 * 1000);
    await utimes(objectPath(dataDir, sha), old, old);
    const again = startPutObject(dataDir, sha, body);
    expect(again.written).toBe(false);
    await again.durable;
    expect(await putObject(dataDir, sha, body)).toBe(false);
    const { mtimeMs } = await stat(objectPath(dataDir, sha));
    expect(mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses names that are not a sha256, and objects whose content no longer matches', async () => {
    expect(() => objectPath(dataDir, '../../etc/passwd')).toThrow(/sha256/);
    const sha = sha256Hex(Buffer.from('original'));
    await mkdir(path.dirname(objectPath(dataDir, sha)), { recursive: true });
    await writeFile(objectPath(dataDir, sha), 'tampered');
    await expect(readObject(dataDir, sha)).rejects.toThrow(/corrupt/);
  });

  it('never treats an interrupted write (a temp file) as an object, and collects old ones', async () => {
    const body = Buffer.from('half written');
    const sha = sha256Hex(body);
    const dir = path.dirname(objectPath(dataDir, sha));
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.tmp-${sha.slice(0, 12)}-crashed`);
    await writeFile(temp, body.subarray(0, 4));
    expect(await hasObject(dataDir, sha)).toBe(false);
    const longAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(temp, longAgo, longAgo);
    await removeUnreferencedObjects(dataDir, new Set());
    expect(await readdir(dir)).not.toContain(path.basename(temp));
  });

  it('keeps referenced and recently touched objects when collecting garbage', async () => {
    const keep = Buffer.from('referenced');
    const fresh = Buffer.from('unreferenced but fresh');
    const old = Buffer.from('unreferenced and old');
    for (const body of [keep, fresh, old]) await putObject(dataDir, sha256Hex(body), body);
    const longAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(objectPath(dataDir, sha256Hex(old)), longAgo, longAgo);
    await utimes(objectPath(dataDir, sha256Hex(keep)), longAgo, longAgo);
    const result = await removeUnreferencedObjects(dataDir, new Set([sha256Hex(keep)]));
    expect(await hasObject(dataDir, sha256Hex(keep))).toBe(true);
    expect(await hasObject(dataDir, sha256Hex(fresh))).toBe(true);
    expect(await hasObject(dataDir, sha256Hex(old))).toBe(false);
    expect(result.removedBytes).toBeGreaterThanOrEqual(old.length);
  });
});
