import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProxmoxClient,
  decideWorkerCount,
  provisionWorker,
  proxmoxHostCapacities,
  chooseHostForWorker,
  stopWorker,
  listWorkers,
  reconcileWorkers,
  ProxmoxError,
  ProxmoxTaskError,
  type AutoscaleAction,
} from './index.ts';
import { startProxmoxContractServer, type ProxmoxContractServer } from './testing/index.ts';

const GiB = 2 ** 30;

describe('decideWorkerCount over a queue-depth series', () => {
  it('scales up at once, holds within the hysteresis band, scales down to min and never beyond max', () => {
    // Two jobs per worker, 1..4 workers, no cooldown so each step shows the band alone.
    const series: { queueDepth: number; running: number; expect: number; action: AutoscaleAction }[] = [
      { queueDepth: 0, running: 0, expect: 1, action: 'hold' }, // idle at min
      { queueDepth: 5, running: 1, expect: 3, action: 'scale-up' }, // 6 jobs need 3 workers
      { queueDepth: 3, running: 2, expect: 3, action: 'hold' }, // 5 jobs: 3 needed, no change
      { queueDepth: 1, running: 2, expect: 3, action: 'hold' }, // 3 jobs fit in 2 workers, but 2 would be 75 % busy: hold
      { queueDepth: 0, running: 2, expect: 2, action: 'scale-down' }, // 2 jobs: 2 workers at 50 % — shrink
      { queueDepth: 20, running: 2, expect: 4, action: 'scale-up' }, // 22 jobs want 11 workers: stop at max
      { queueDepth: 40, running: 8, expect: 4, action: 'hold' }, // still at max
      { queueDepth: 0, running: 0, expect: 1, action: 'scale-down' }, // empty queue: back to min
      { queueDepth: 0, running: 0, expect: 1, action: 'hold' },
    ];
    let current = 1;
    for (const step of series) {
      const decision = decideWorkerCount({ queueDepth: step.queueDepth, running: step.running, current, min: 1, max: 4, jobsPerWorker: 2, cooldownMs: 0 });
      expect({ step, target: decision.target, action: decision.action }).toEqual({ step, target: step.expect, action: step.action });
      expect(decision.target).toBeLessThanOrEqual(4);
      expect(decision.target).toBeGreaterThanOrEqual(1);
      expect(decision.reason.length).toBeGreaterThan(0);
      current = decision.target;
    }
  });

  it('waits out the cooldown before scaling down, but scales up during it', () => {
    const now = new Date('2026-11-28T08:00:00Z');
    const lastScaledAt = new Date('2026-11-28T07:58:00Z'); // 2 minutes ago, cooldown 5
    const down = decideWorkerCount({ queueDepth: 0, running: 0, current: 3, min: 1, max: 5, jobsPerWorker: 2, lastScaledAt, now });
    expect(down).toMatchObject({ target: 3, action: 'hold' });
    expect(down.reason).toContain('180초');
    const up = decideWorkerCount({ queueDepth: 9, running: 0, current: 3, min: 1, max: 5, jobsPerWorker: 2, lastScaledAt, now });
    expect(up).toMatchObject({ target: 5, action: 'scale-up' });
    const later = decideWorkerCount({ queueDepth: 0, running: 0, current: 3, min: 1, max: 5, jobsPerWorker: 2, lastScaledAt, now: new Date('2026-11-28T08:04:00Z') });
    expect(later).toMatchObject({ target: 1, action: 'scale-down' });
  });

  it('never removes workers that running jobs occupy, and corrects a fleet outside min..max', () => {
    expect(decideWorkerCount({ queueDepth: 0, running: 6, current: 4, min: 0, max: 4, jobsPerWorker: 2, cooldownMs: 0, scaleDownUtilization: 1 }).target).toBe(3);
    expect(decideWorkerCount({ queueDepth: 0, running: 0, current: 0, min: 2, max: 4, jobsPerWorker: 2 })).toMatchObject({ target: 2, action: 'scale-up' });
    expect(decideWorkerCount({ queueDepth: 50, running: 0, current: 7, min: 1, max: 4, jobsPerWorker: 2 })).toMatchObject({ target: 4, action: 'scale-down' });
  });

  it('rejects settings that make no sense', () => {
    expect(() => decideWorkerCount({ queueDepth: 0, running: 0, current: 1, min: 3, max: 2, jobsPerWorker: 1 })).toThrow(/max \(2\) is below min \(3\)/);
    expect(() => decideWorkerCount({ queueDepth: -1, running: 0, current: 1, min: 1, max: 2, jobsPerWorker: 1 })).toThrow(/queueDepth/);
    expect(() => decideWorkerCount({ queueDepth: 0, running: 0, current: 1, min: 1, max: 2, jobsPerWorker: 0 })).toThrow(/jobsPerWorker/);
  });
});

describe('provisionWorker on the contract server', () => {
  const TOKEN = 'windwalker@pve!autoscaler=c0ffee';
  let pve: ProxmoxContractServer;

  beforeAll(async () => {
    pve = await startProxmoxContractServer({
      token: TOKEN,
      taskDurationMs: 20,
      nodes: [
        { name: 'pve1', cpus: 16, memTotalBytes: 64 * GiB, memUsedBytes: 48 * GiB, diskTotalBytes: 1000 * GiB, cpuUsage: 0.3 },
        { name: 'pve2', cpus: 16, memTotalBytes: 64 * GiB, memUsedBytes: 16 * GiB, diskTotalBytes: 1000 * GiB, cpuUsage: 0.3 },
      ],
      containers: [
        { vmid: 9000, node: 'pve1', hostname: 'ww-worker-template', template: true, memoryMb: 4096, cores: 2 },
        { vmid: 9001, node: 'pve2', hostname: 'ww-worker-template', template: true, memoryMb: 4096, cores: 2 },
      ],
    });
  });
  afterAll(async () => {
    await pve?.close();
  });

  it('places a worker on the roomiest node, clones the template there and starts it', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const placement = chooseHostForWorker(await proxmoxHostCapacities(client), { memBytes: 4 * GiB, cpus: 2 });
    expect(placement.ok && placement.host.name).toBe('pve2');
    if (!placement.ok) return;
    const worker = await provisionWorker(client, placement.host, 9001, { taskIntervalMs: 10, taskTimeoutMs: 5_000 });
    expect(worker).toMatchObject({ vmid: 100, node: 'pve2', hostname: 'ww-worker-100' });
    expect(await client.lxcStatus('pve2', 100)).toMatchObject({ status: 'running', name: 'ww-worker-100' });
    // The running worker now uses 4 GiB on pve2.
    const after = await proxmoxHostCapacities(client);
    expect(after.find((h) => h.name === 'pve2')?.memUsedBytes).toBe(20 * GiB);

    await stopWorker(client, 'pve2', 100, { taskIntervalMs: 10 });
    expect((await client.lxcStatus('pve2', 100)).status).toBe('stopped');
  });

  it('stops with the clone task\'s exit status when the clone fails', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const [pve1] = (await proxmoxHostCapacities(client)).filter((h) => h.name === 'pve1');
    pve.failNextTask('clone failed: storage local-lvm is full');
    const error = await provisionWorker(client, pve1, 9000, { taskIntervalMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxTaskError);
    expect((error as ProxmoxTaskError).exitstatus).toBe('clone failed: storage local-lvm is full');
    expect(pve.requests.some((r) => r.path.endsWith('/status/start') && r.path.includes('/nodes/pve1/'))).toBe(false);
  });

  it('refuses to provision on the embedded local host', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const local = { name: 'laptop', node: null, source: 'local' as const, status: 'online' as const, cpuCount: 8, cpuUsage: 0, memTotalBytes: 16 * GiB, memUsedBytes: 0, diskTotalBytes: 0, diskUsedBytes: 0 };
    await expect(provisionWorker(client, local, 9000)).rejects.toThrow(/not a Proxmox node/);
  });
});

describe('cloning a worker onto another node than the template', () => {
  const TOKEN = 'windwalker@pve!autoscaler=c0ffee';

  it('makes a full clone with target when the template is on shared storage', async () => {
    const pve = await startProxmoxContractServer({
      token: TOKEN,
      taskDurationMs: 10,
      nodes: [
        { name: 'pve1', cpus: 8, memTotalBytes: 32 * GiB, memUsedBytes: 28 * GiB, diskTotalBytes: 500 * GiB },
        { name: 'pve2', cpus: 8, memTotalBytes: 32 * GiB, memUsedBytes: 4 * GiB, diskTotalBytes: 500 * GiB },
      ],
      containers: [{ vmid: 9000, node: 'pve1', hostname: 'ww-worker-template', template: true, sharedStorage: true }],
    });
    try {
      const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
      const [pve2] = (await proxmoxHostCapacities(client)).filter((h) => h.name === 'pve2');
      const worker = await provisionWorker(client, pve2, 9000, { taskIntervalMs: 5 });
      expect(worker.node).toBe('pve2');
      const clone = pve.requests.find((r) => r.path.endsWith('/lxc/9000/clone'));
      expect(clone?.path).toBe('/api2/json/nodes/pve1/lxc/9000/clone');
      expect(clone?.params).toMatchObject({ target: 'pve2', full: '1' });
      expect(await client.lxcStatus('pve2', worker.vmid)).toMatchObject({ status: 'running' });
    } finally {
      await pve.close();
    }
  });

  it('passes on the cluster\'s refusal when the template is on local storage', async () => {
    const pve = await startProxmoxContractServer({
      token: TOKEN,
      nodes: [
        { name: 'pve1', cpus: 8, memTotalBytes: 32 * GiB, diskTotalBytes: 500 * GiB },
        { name: 'pve2', cpus: 8, memTotalBytes: 32 * GiB, diskTotalBytes: 500 * GiB },
      ],
      containers: [{ vmid: 9000, node: 'pve1', hostname: 'ww-worker-template', template: true }],
    });
    try {
      const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
      const [pve2] = (await proxmoxHostCapacities(client)).filter((h) => h.name === 'pve2');
      const error = (await provisionWorker(client, pve2, 9000).catch((e: unknown) => e)) as ProxmoxError;
      expect(error).toBeInstanceOf(ProxmoxError);
      expect(error.message).toContain('uses local storage');
      await expect(provisionWorker(client, pve2, 9999)).rejects.toThrow(/worker template CT 9999 is not in the Proxmox cluster/);
    } finally {
      await pve.close();
    }
  });
});

describe('reconcileWorkers', () => {
  const TOKEN = 'windwalker@pve!autoscaler=c0ffee';
  let pve: ProxmoxContractServer;

  beforeAll(async () => {
    pve = await startProxmoxContractServer({
      token: TOKEN,
      taskDurationMs: 10,
      nodes: [
        { name: 'pve1', cpus: 16, memTotalBytes: 32 * GiB, memUsedBytes: 8 * GiB, diskTotalBytes: 1000 * GiB, cpuUsage: 0.1 },
        { name: 'pve2', cpus: 16, memTotalBytes: 32 * GiB, memUsedBytes: 14 * GiB, diskTotalBytes: 1000 * GiB, cpuUsage: 0.1 },
      ],
      containers: [{ vmid: 9000, node: 'pve1', hostname: 'ww-worker-template', template: true, sharedStorage: true, memoryMb: 8192, cores: 2 }],
    });
  });
  afterAll(async () => {
    await pve?.close();
  });

  const need = { memBytes: 8 * GiB, cpus: 2 };

  it('starts missing workers one by one, each on the host with the most headroom at that moment', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const result = await reconcileWorkers({ client, target: 3, templateVmid: 9000, need, taskIntervalMs: 5 });
    expect(result.placementProblem).toBeNull();
    // pve1 has 24 GiB free, pve2 18: first on pve1 (→16 free), then pve2 (18 > 16 → 10), then pve1 (16 > 10).
    expect(result.started.map((w) => w.node)).toEqual(['pve1', 'pve2', 'pve1']);
    expect(result.running).toBe(3);
    const workers = await listWorkers(client);
    expect(workers.map((w) => [w.hostname, w.status])).toEqual([
      ['ww-worker-100', 'running'],
      ['ww-worker-101', 'running'],
      ['ww-worker-102', 'running'],
    ]);
  });

  it('stops short with placement\'s reason when the hosts are full', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const result = await reconcileWorkers({ client, target: 6, templateVmid: 9000, need, taskIntervalMs: 5 });
    // Free now: pve1 8 GiB, pve2 10 GiB → pve2 (→2), then pve1 (8 ≥ 8 → 0), then none has 8 GiB.
    expect(result.started.map((w) => w.node)).toEqual(['pve2', 'pve1']);
    expect(result.running).toBe(5);
    expect(result.placementProblem).toContain('여유가 있는 호스트가 없습니다');
  });

  it('retires the newest workers with a clean shutdown and destroys their containers', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const result = await reconcileWorkers({ client, target: 1, templateVmid: 9000, need, taskIntervalMs: 5 });
    expect(result.retired.map((w) => w.vmid)).toEqual([104, 103, 102, 101]);
    expect(result.running).toBe(1);
    expect((await listWorkers(client)).map((w) => w.vmid)).toEqual([100]);
    const shutdowns = pve.requests.filter((r) => r.path.endsWith('/status/shutdown'));
    expect(shutdowns[0].params).toMatchObject({ forceStop: '1', timeout: '120' });
    const destroys = pve.requests.filter((r) => r.method === 'DELETE');
    expect(destroys.map((r) => r.params.purge)).toEqual(['1', '1', '1', '1']);
    expect(pve.containers().map((c) => c.vmid).sort()).toEqual([100, 9000]);
  });
});
