import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { autoscaleWorkers, createProxmoxClient, listWorkers, listWorkerScalingEvents, type ProxmoxClient } from './index.ts';
import { startProxmoxContractServer, type ProxmoxContractServer } from './testing/index.ts';

const GiB = 2 ** 30;
const TOKEN = 'windwalker@pve!autoscaler=feedface';

let db: TestDatabase;
let pve: ProxmoxContractServer;
let client: ProxmoxClient;

beforeAll(async () => {
  db = await createTestDatabase();
  pve = await startProxmoxContractServer({
    token: TOKEN,
    taskDurationMs: 10,
    nodes: [
      { name: 'pve1', cpus: 16, memTotalBytes: 64 * GiB, memUsedBytes: 8 * GiB, diskTotalBytes: 1000 * GiB },
      { name: 'pve2', cpus: 16, memTotalBytes: 64 * GiB, memUsedBytes: 8 * GiB, diskTotalBytes: 1000 * GiB },
    ],
    containers: [{ vmid: 9000, node: 'pve1', hostname: 'ww-worker-template', template: true, sharedStorage: true, memoryMb: 4096, cores: 2 }],
  });
  client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
});

afterAll(async () => {
  await pve?.close();
  await db?.drop();
});

const base = () => ({ sql: db.sql, client, templateVmid: 9000, min: 1, max: 4, jobsPerWorker: 2, need: { memBytes: 4 * GiB, cpus: 2 }, taskIntervalMs: 5 });

describe('autoscaleWorkers (one round of the monitor)', () => {
  it('brings an empty cluster up to the minimum and records why', async () => {
    const result = await autoscaleWorkers({ ...base(), load: { queueDepth: 0, running: 0 } });
    expect(result).toMatchObject({ skipped: false, workersBefore: 0, workersAfter: 1, startedVmids: [100], problem: null });
    const [event] = await listWorkerScalingEvents(db.sql);
    expect(event).toMatchObject({ action: 'scale-up', workersBefore: 0, target: 1, workersAfter: 1, startedVmids: [100], retiredVmids: [] });
    expect(event.reason).toContain('최소 1대');
  });

  it('scales up for a queue, then holds a scale-down during the cooldown, then scales down after it', async () => {
    const up = await autoscaleWorkers({ ...base(), load: { queueDepth: 6, running: 0 } });
    expect(up).toMatchObject({ workersBefore: 1, workersAfter: 3, startedVmids: [101, 102] });

    const held = await autoscaleWorkers({ ...base(), load: { queueDepth: 0, running: 0 }, cooldownMs: 60_000 });
    expect(held).toMatchObject({ workersAfter: 3, decision: { action: 'hold' } });
    expect(!held.skipped && held.decision.reason).toMatch(/대기 시간/);

    const down = await autoscaleWorkers({ ...base(), load: { queueDepth: 0, running: 0 }, cooldownMs: 0 });
    expect(down).toMatchObject({ workersBefore: 3, workersAfter: 1, retiredVmids: [102, 101] });
    expect((await listWorkers(client)).map((w) => w.vmid)).toEqual([100]);
    expect((await listWorkerScalingEvents(db.sql)).map((e) => e.action)).toEqual(['scale-down', 'scale-up', 'scale-up']);
  });

  it('records a failed clone task with its exit status', async () => {
    pve.failNextTask('clone failed: storage ceph-pool is full');
    const result = await autoscaleWorkers({ ...base(), load: { queueDepth: 3, running: 0 } });
    expect(result).toMatchObject({ skipped: false, workersBefore: 1, workersAfter: 1, startedVmids: [] });
    expect(!result.skipped && result.problem).toContain('clone failed: storage ceph-pool is full');
    const [event] = await listWorkerScalingEvents(db.sql);
    expect(event).toMatchObject({ action: 'scale-up', target: 2, workersAfter: 1 });
    expect(event.problem).toContain('storage ceph-pool is full');
  });

  it('lets only one process run a round at a time', async () => {
    const other = await db.sql.reserve();
    try {
      await other`select pg_advisory_lock(6060061)`;
      const result = await autoscaleWorkers({ ...base(), load: { queueDepth: 8, running: 0 } });
      expect(result).toEqual({ skipped: true, reason: 'another process is running an autoscaling round' });
    } finally {
      await other`select pg_advisory_unlock(6060061)`;
      other.release();
    }
  });
});
