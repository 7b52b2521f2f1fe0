import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { formatProcessUsage, watchProcessUsage } from './process-usage.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('measuring the platform processes during a run', () => {
  it('counts the CPU seconds and peak memory of a web process found by its heartbeat', async () => {
    // This test process stands in as the web process: it beats like one and then works.
    await db.sql`insert into process_heartbeats (id, kind, host, pid) values (${`web:test:${process.pid}`}, 'web', ${os.hostname()}, ${process.pid})`;
    const watch = await watchProcessUsage(db.sql, { intervalMs: 100 });
    const before = process.cpuUsage();
    let x = 0;
    // Work until this process has used 0.4 s of CPU, however busy the machine is.
    while ((process.cpuUsage(before).user + process.cpuUsage(before).system) / 1e6 < 0.4) {
      for (let i = 0; i < 1e5; i++) x = (x * 31 + i) % 1000003;
    }
    const spent = (process.cpuUsage(before).user + process.cpuUsage(before).system) / 1e6;
    const usage = await watch.stop();
    expect(x).toBeGreaterThanOrEqual(0);
    expect(usage.cpuSeconds.web).toBeGreaterThanOrEqual(spent - 0.05);
    expect(usage.webPeakRssMb).toBeGreaterThan(10);
    expect(usage.edgePeakRssMb).toBeNull();
    expect(usage.machineBusySeconds).toBeGreaterThanOrEqual(usage.cpuSeconds.web - 0.1);
    expect(usage.cores).toBe(os.cpus().length);
    expect(formatProcessUsage(usage)).toMatch(/^CPU over \d+ s on \d+ cores .* web \d+\.\d s, everything else/);
  });
});
