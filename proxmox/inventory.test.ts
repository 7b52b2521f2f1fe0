import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import {
  createProxmoxClient,
  currentHostCapacities,
  listHosts,
  localHost,
  proxmoxClientFromEnv,
  setHostMonthlyCost,
  syncHosts,
  syncLocalHost,
} from './index.ts';
import { startProxmoxContractServer, type ProxmoxContractServer } from './testing/index.ts';

const GiB = 2 ** 30;
const TOKEN = 'windwalker@pve!inventory=5ec12e7';

let db: TestDatabase;
let pve: ProxmoxContractServer;

beforeAll(async () => {
  db = await createTestDatabase();
  pve = await startProxmoxContractServer({
    token: TOKEN,
    nodes: [
      { name: 'pve1', cpus: 32, memTotalBytes: 128 * GiB, diskTotalBytes: 2000 * GiB },
      { name: 'pve2', cpus: 16, memTotalBytes: 64 * GiB, diskTotalBytes: 1000 * GiB },
      { name: 'pve3', cpus: 16, memTotalBytes: 64 * GiB, diskTotalBytes: 1000 * GiB },
    ],
  });
});

afterAll(async () => {
  await pve?.close();
  await db?.drop();
});

describe('host inventory', () => {
  it('upserts every cluster node into hosts with its CPUs, memory and disk', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    const result = await syncHosts(db.sql, client);
    expect(result.removed).toEqual([]);
    expect(result.unreachable).toEqual([]);
    const hosts = await listHosts(db.sql);
    expect(hosts.map((h) => [h.name, h.node, h.source, h.status, h.cpuCount, h.memTotalBytes, h.diskTotalBytes])).toEqual([
      ['pve1', 'pve1', 'proxmox', 'online', 32, 128 * GiB, 2000 * GiB],
      ['pve2', 'pve2', 'proxmox', 'online', 16, 64 * GiB, 1000 * GiB],
      ['pve3', 'pve3', 'proxmox', 'online', 16, 64 * GiB, 1000 * GiB],
    ]);
  });

  it('updates rows in place on the next sync, keeps the monthly cost ops entered, and records an offline node', async () => {
    const client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
    await setHostMonthlyCost(db.sql, 'pve1', 450_000);
    const before = await listHosts(db.sql);
    pve.setNodeStatus('pve3', 'offline');
    try {
      await syncHosts(db.sql, client);
    } finally {
      pve.setNodeStatus('pve3', 'online');
    }
    const after = await listHosts(db.sql);
    expect(after.map((h) => h.id)).toEqual(before.map((h) => h.id));
    expect(after.find((h) => h.name === 'pve1')?.monthlyCostKrw).toBe(450_000);
    const pve3 = after.find((h) => h.name === 'pve3')!;
    expect(pve3.status).toBe('offline');
    // An offline node reports no totals; what was known stays.
    expect(pve3.diskTotalBytes).toBe(1000 * GiB);
    expect(after.find((h) => h.name === 'pve1')!.lastSyncedAt.getTime()).toBeGreaterThanOrEqual(before[0].lastSyncedAt.getTime());
  });

  it('marks a node the cluster no longer lists as removed', async () => {
    const smaller = await startProxmoxContractServer({
      token: TOKEN,
      nodes: [
        { name: 'pve1', cpus: 32, memTotalBytes: 128 * GiB, diskTotalBytes: 2000 * GiB },
        { name: 'pve2', cpus: 16, memTotalBytes: 64 * GiB, diskTotalBytes: 1000 * GiB },
      ],
    });
    try {
      const result = await syncHosts(db.sql, createProxmoxClient({ baseUrl: smaller.url, token: TOKEN }));
      expect(result.removed).toEqual(['pve3']);
      const hosts = await listHosts(db.sql);
      expect(hosts.find((h) => h.name === 'pve3')?.status).toBe('removed');
    } finally {
      await smaller.close();
    }
  });

  it('refuses a negative or fractional monthly cost in Korean, naming the field', async () => {
    await expect(setHostMonthlyCost(db.sql, 'pve1', -1)).rejects.toThrow(/호스트 월 비용/);
    await expect(setHostMonthlyCost(db.sql, 'nope', 1000)).rejects.toThrow(/'nope'을\(를\) 찾을 수 없습니다/);
  });

  it('describes this machine as the only host in embedded mode', async () => {
    const host = await localHost('.');
    expect(host).toMatchObject({ name: os.hostname(), node: null, source: 'local', status: 'online', cpuCount: os.cpus().length, memTotalBytes: os.totalmem() });
    expect(host.memUsedBytes).toBeGreaterThan(0);
    expect(host.memUsedBytes).toBeLessThanOrEqual(host.memTotalBytes);
    expect(host.diskTotalBytes).toBeGreaterThan(host.diskUsedBytes);
    expect(host.cpuUsage).toBeGreaterThanOrEqual(0);
    expect(host.cpuUsage).toBeLessThanOrEqual(1);
    expect(await currentHostCapacities(null, '.')).toEqual([expect.objectContaining({ name: os.hostname(), source: 'local' })]);

    const row = await syncLocalHost(db.sql, '.');
    expect(row).toMatchObject({ name: os.hostname(), source: 'local', node: null, status: 'online', cpuCount: os.cpus().length });
  });

  it('builds a client only when both PROXMOX_URL and PROXMOX_TOKEN are set', () => {
    expect(proxmoxClientFromEnv({ PROXMOX_URL: undefined, PROXMOX_TOKEN: undefined })).toBeNull();
    expect(proxmoxClientFromEnv({ PROXMOX_URL: pve.url, PROXMOX_TOKEN: TOKEN })?.baseUrl).toBe(pve.url);
    expect(() => proxmoxClientFromEnv({ PROXMOX_URL: pve.url, PROXMOX_TOKEN: undefined })).toThrow(/PROXMOX_TOKEN is not/);
    expect(() => proxmoxClientFromEnv({ PROXMOX_URL: undefined, PROXMOX_TOKEN: TOKEN })).toThrow(/PROXMOX_URL is not/);
  });
});
