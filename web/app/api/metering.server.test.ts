// Metering from memory with a journal (metering.server.ts): every call let through is counted
// exactly once — after a burst, after a web process is killed before it wrote its journal to the
// database, and after one killed between writing it and deleting it — and a burst from memory
// holds the key's rate limit exactly.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../db/testing/index.ts';
import { createApiKey, revokeApiKey } from './keys.server.ts';
import { ApiMeter } from './metering.server.ts';

let db: TestDatabase;
let tenantId: string;
let dir: string;
const here = path.dirname(fileURLToPath(import.meta.url));

async function newKey(limit: number): Promise<{ id: string; secret: string }> {
  const created = await createApiKey(db.sql, { tenantId, userId: null, name: `meter ${limit}`, scopes: ['read'] });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  await db.sql`update api_keys set rate_limit_per_minute = ${limit} where id = ${created.key.id}`;
  return { id: created.key.id, secret: created.secret };
}

const callsOf = async (keyId: string) => Number((await db.sql<{ n: string }[]>`select count(*) as n from api_calls where key_id = ${keyId}`)[0].n);
const admitOnce = (meter: ApiMeter, secret: string) => meter.admit({ secret, requestId: randomUUID(), method: 'GET', route: '/sites' });
const journals = (meterDir: string) => readdirSync(meterDir).filter((n) => n.endsWith('.ndjson'));

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenantId }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('계량 가게') returning id`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'ww-meter-test-'));
});

afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('metering from memory', () => {
  it('counts every call of a burst exactly once', async () => {
    const meter = ApiMeter.open({ sql: db.sql, dir });
    await meter.ready;
    const key = await newKey(100_000);
    expect((await admitOnce(meter, key.secret))?.rate.allowed).toBe(true); // the database confirms the key
    const answers = await Promise.all(Array.from({ length: 400 }, () => admitOnce(meter, key.secret)));
    for (let i = 0; i < 99; i++) await admitOnce(meter, key.secret);
    expect(answers.every((a) => a?.rate.allowed)).toBe(true);
    await meter.flush();
    expect(await callsOf(key.id)).toBe(500);
    const [daily] = await db.sql<{ calls: string }[]>`select sum(calls) as calls from api_usage_daily where key_id = ${key.id}`;
    expect(Number(daily.calls)).toBe(500);
    await meter.stop();
  });

  it('holds the rate limit under a burst admitted from memory, counting only the calls let through', async () => {
    const meter = ApiMeter.open({ sql: db.sql, dir });
    await meter.ready;
    const key = await newKey(5);
    await admitOnce(meter, key.secret);
    const burst = await Promise.all(Array.from({ length: 20 }, () => admitOnce(meter, key.secret)));
    const allowed = burst.filter((a) => a?.rate.allowed).length;
    // A burst straddling a minute boundary opens a fresh window.
    expect(allowed === 4 || (allowed > 4 && allowed <= 9)).toBe(true);
    const refused = burst.find((a) => !a?.rate.allowed);
    expect(refused?.rate).toMatchObject({ limit: 5, remaining: 0, allowed: false });
    await meter.flush();
    expect(await callsOf(key.id)).toBe(1 + allowed);
    await meter.stop();
  });

  it('shares a key’s limit between two web processes through the database', async () => {
    const first = ApiMeter.open({ sql: db.sql, dir });
    const second = ApiMeter.open({ sql: db.sql, dir });
    await Promise.all([first.ready, second.ready]);
    const key = await newKey(10);
    const minuteAtStart = Math.floor(Date.now() / 60_000);
    const admitted = async (meter: ApiMeter, n: number) => {
      let allowed = 0;
      for (let i = 0; i < n; i++) if ((await admitOnce(meter, key.secret))?.rate.allowed) allowed += 1;
      return allowed;
    };
    const fromFirst = await admitted(first, 6);
    await first.flush();
    const fromSecond = await admitted(second, 10);
    await second.flush();
    // The first process's view of the key is at most 250 ms old; then it reads the shared count again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await admitted(first, 5);
    const total = fromFirst + fromSecond + again;
    // Within one minute window the two let exactly 10 through; a minute boundary in between opens a fresh window.
    if (Math.floor(Date.now() / 60_000) === minuteAtStart) expect([fromFirst, fromSecond, again]).toEqual([6, 4, 0]);
    else expect(total).toBeLessThanOrEqual(20);
    await Promise.all([first.flush(), second.flush()]);
    expect(await callsOf(key.id)).toBe(total);
    await Promise.all([first.stop(), second.stop()]);
  });

  it('stops admitting a revoked key at once', async () => {
    const meter = ApiMeter.open({ sql: db.sql, dir });
    await meter.ready;
    const key = await newKey(100);
    expect(await admitOnce(meter, key.secret)).not.toBeNull();
    expect(await revokeApiKey(db.sql, { tenantId, userId: null, keyId: key.id })).toBe(true);
    expect(await admitOnce(meter, key.secret)).toBeNull();
    await meter.stop();
  });
});

describe('a web process that dies', () => {
  it('loses no call when killed before it wrote its journal: the next process replays it', async () => {
    const key = await newKey(100_000);
    const crashDir = mkdtempSync(path.join(dir, 'crash-'));
    const script = path.join(crashDir, 'crash.mjs');
    // Admits 200 calls (each journaled before admit returns), then dies with SIGKILL before the
    // 100 ms flush: no chance to write anything more.
    writeFileSync(script, `
      const { ApiMeter } = await import(${JSON.stringify(path.join(here, 'metering.server.ts'))});
      const { connect } = await import(${JSON.stringify(path.join(here, '../../../db/index.ts'))});
      const { randomUUID } = await import('node:crypto');
      const sql = connect(process.env.METER_DB_URL, { max: 2 });
      const meter = ApiMeter.open({ sql, dir: process.env.METER_DIR, log: () => {} });
      await meter.ready;
      for (let i = 0; i < 200; i++) {
        const key = await meter.admit({ secret: process.env.METER_SECRET, requestId: randomUUID(), method: 'GET', route: '/sites' });
        if (!key || !key.rate.allowed) { console.error('refused'); process.exit(3); }
      }
      process.kill(process.pid, 'SIGKILL');
    `);
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.join(here, '../../..'),
      env: { ...process.env, METER_DB_URL: db.url, METER_DIR: crashDir, METER_SECRET: key.secret },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    // Only the first call (the database statement that confirmed the key) reached the database.
    expect(await callsOf(key.id)).toBe(1);
    const [dbName] = readdirSync(crashDir).filter((n) => !n.endsWith('.mjs'));
    expect(journals(path.join(crashDir, dbName))).toHaveLength(1);

    const next = ApiMeter.open({ sql: db.sql, dir: crashDir, log: () => {} });
    await next.ready;
    expect(await callsOf(key.id)).toBe(200);
    expect(journals(path.join(crashDir, dbName))).toHaveLength(0);
    await next.stop();
  }, 60_000);

  it('counts nothing twice when killed after writing its journal but before deleting it', async () => {
    const key = await newKey(100_000);
    const meter = ApiMeter.open({ sql: db.sql, dir, log: () => {} });
    await meter.ready;
    for (let i = 0; i < 50; i++) await admitOnce(meter, key.secret);
    const [dbName] = readdirSync(dir).filter((n) => n.startsWith('ww_'));
    const meterDir = path.join(dir, dbName);
    const [journal] = journals(meterDir).filter((n) => n.startsWith(`${meter.stamp}-`));
    // The file as a dead process (pid 2^22 + 1 is above Linux's pid_max) would have left it.
    const orphan = path.join(meterDir, `4194305-1-dead-000000.ndjson`);
    copyFileSync(path.join(meterDir, journal), orphan);
    await meter.flush();
    expect(existsSync(path.join(meterDir, journal))).toBe(false);
    expect(await callsOf(key.id)).toBe(50);
    const next = ApiMeter.open({ sql: db.sql, dir, log: () => {} });
    await next.ready;
    expect(existsSync(orphan)).toBe(false);
    expect(await callsOf(key.id)).toBe(50);
    await Promise.all([meter.stop(), next.stop()]);
  });
});
