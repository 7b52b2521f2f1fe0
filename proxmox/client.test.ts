import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxClient, ProxmoxError, ProxmoxTaskError, type ProxmoxClient } from './index.ts';
import { startProxmoxContractServer, type ProxmoxContractServer } from './testing/index.ts';

const GiB = 2 ** 30;
const TOKEN = 'windwalker@pve!autoscaler=4b1c2d3e-5f60-4a7b-8c9d-0e1f2a3b4c5d';
const TEMPLATE = 9000;

let pve: ProxmoxContractServer;
let client: ProxmoxClient;
const fast = { intervalMs: 10, timeoutMs: 5_000 };

beforeAll(async () => {
  pve = await startProxmoxContractServer({
    token: TOKEN,
    taskDurationMs: 30,
    nodes: [
      { name: 'pve1', cpus: 16, memTotalBytes: 64 * GiB, memUsedBytes: 10 * GiB, diskTotalBytes: 1000 * GiB, diskUsedBytes: 100 * GiB, cpuUsage: 0.2 },
      { name: 'pve2', cpus: 8, memTotalBytes: 32 * GiB, memUsedBytes: 4 * GiB, diskTotalBytes: 500 * GiB, cpuUsage: 0.1 },
    ],
    containers: [{ vmid: TEMPLATE, node: 'pve1', hostname: 'ww-worker-template', template: true, memoryMb: 2048, cores: 2 }],
  });
  client = createProxmoxClient({ baseUrl: pve.url, token: TOKEN });
});

afterAll(async () => {
  await pve?.close();
});

describe('Proxmox client against the schema-driven contract server', () => {
  it('lists the cluster nodes with their CPU and memory', async () => {
    const nodes = await client.listNodes();
    expect(nodes.map((n) => n.node)).toEqual(['pve1', 'pve2']);
    expect(nodes[0]).toMatchObject({ status: 'online', maxcpu: 16, maxmem: 64 * GiB, mem: 10 * GiB });
  });

  it('reads a node status with cpuinfo, memory and root file system', async () => {
    const status = await client.nodeStatus('pve2');
    expect(status.cpuinfo.cpus).toBe(8);
    expect(status.memory).toMatchObject({ total: 32 * GiB, used: 4 * GiB, free: 28 * GiB });
    expect(status.rootfs.total).toBe(500 * GiB);
    expect(status.pveversion).toMatch(/^pve-manager\//);
  });

  it('sends the API token header and reads cluster resources filtered by type', async () => {
    const nodesOnly = await client.clusterResources('node');
    expect(nodesOnly.every((r) => r.type === 'node')).toBe(true);
    expect(nodesOnly.map((r) => r.id)).toEqual(['node/pve1', 'node/pve2']);
    const guests = await client.clusterResources('vm');
    expect(guests).toEqual([expect.objectContaining({ id: `lxc/${TEMPLATE}`, type: 'lxc', vmid: TEMPLATE, template: 1 })]);
    const all = await client.clusterResources();
    expect(new Set(all.map((r) => r.type))).toEqual(new Set(['node', 'lxc', 'storage']));
    expect(pve.requests.filter((r) => r.path === '/api2/json/cluster/resources').map((r) => r.params.type)).toEqual(['node', 'vm', undefined]);
  });

  it('gets the next free VMID', async () => {
    expect(await client.nextId()).toBe(100);
  });

  it('clones the worker template, starts it and polls both tasks until the container runs', async () => {
    pve.setTaskDurationMs(300); // long enough to see the clone task running before it stops
    const vmid = await client.nextId();
    const cloneUpid = await client.cloneLxc('pve1', TEMPLATE, { newid: vmid, hostname: `ww-worker-${vmid}`, full: false });
    expect(cloneUpid).toMatch(new RegExp(`^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzclone:${TEMPLATE}:windwalker@pve!autoscaler:$`));
    const running = await client.taskStatus('pve1', cloneUpid);
    expect(running.status).toBe('running');
    expect(running.exitstatus).toBeUndefined();

    const cloned = await client.waitForTask('pve1', cloneUpid, fast);
    expect(cloned).toMatchObject({ status: 'stopped', exitstatus: 'OK', type: 'vzclone', node: 'pve1' });
    pve.setTaskDurationMs(30);
    expect(await client.lxcStatus('pve1', vmid)).toMatchObject({ vmid, status: 'stopped', name: `ww-worker-${vmid}` });

    const startUpid = await client.startLxc('pve1', vmid);
    await client.waitForTask('pve1', startUpid, fast);
    const ready = await client.lxcStatus('pve1', vmid);
    expect(ready.status).toBe('running');
    expect(ready.maxmem).toBe(2048 * 2 ** 20);

    // The clone was sent form-encoded, with the boolean as PVE wants it (0/1).
    const cloneRequest = pve.requests.find((r) => r.method === 'POST' && r.path.endsWith(`/lxc/${TEMPLATE}/clone`));
    expect(cloneRequest?.params).toMatchObject({ newid: String(vmid), full: '0', hostname: `ww-worker-${vmid}` });

    const stopUpid = await client.stopLxc('pve1', vmid);
    await client.waitForTask('pve1', stopUpid, fast);
    expect((await client.lxcStatus('pve1', vmid)).status).toBe('stopped');
  });

  it('creates a container from an OS template with net and rootfs property strings', async () => {
    const vmid = await client.nextId();
    const upid = await client.createLxc('pve2', {
      vmid,
      ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      hostname: 'ww-builder',
      memory: 1024,
      cores: 2,
      rootfs: 'local-lvm:16',
      net: { 0: 'name=eth0,bridge=vmbr0,ip=dhcp' },
      unprivileged: true,
    });
    await client.waitForTask('pve2', upid, fast);
    const ct = pve.containers().find((c) => c.vmid === vmid);
    expect(ct).toMatchObject({ node: 'pve2', memoryMb: 1024, cores: 2, diskBytes: 16 * GiB, lock: null });
  });

  it('reads the API version', async () => {
    expect(await client.version()).toMatchObject({ release: '9.1', version: expect.stringMatching(/^9\./) });
  });

  it('refuses to destroy a running container and destroys it once shut down', async () => {
    const vmid = await client.nextId();
    await client.waitForTask('pve1', await client.cloneLxc('pve1', TEMPLATE, { newid: vmid, hostname: 'ww-short-lived' }), fast);
    await client.waitForTask('pve1', await client.startLxc('pve1', vmid), fast);
    const refused = (await client.destroyLxc('pve1', vmid).catch((e: unknown) => e)) as ProxmoxError;
    expect(refused.status).toBe(500);
    expect(refused.message).toContain(`CT ${vmid} is running - destroy failed`);
    await client.waitForTask('pve1', await client.shutdownLxc('pve1', vmid, { timeout: 30 }), fast);
    await client.waitForTask('pve1', await client.destroyLxc('pve1', vmid, { purge: true }), fast);
    expect(pve.containers().some((c) => c.vmid === vmid)).toBe(false);
  });

  it('reports a failed task with its exit status', async () => {
    const vmid = await client.nextId();
    pve.failNextTask("unable to create CT 103 - no space left on device");
    const upid = await client.cloneLxc('pve1', TEMPLATE, { newid: vmid, hostname: 'ww-worker-fails' });
    const failure = await client.waitForTask('pve1', upid, fast).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProxmoxTaskError);
    expect((failure as ProxmoxTaskError).exitstatus).toBe('unable to create CT 103 - no space left on device');
    expect((failure as Error).message).toContain('no space left on device');
    // The half-made clone is gone, as on a real cluster.
    expect(pve.containers().some((c) => c.vmid === vmid)).toBe(false);
  });

  it('gives up waiting for a task that outlives the timeout', async () => {
    pve.setTaskDurationMs(10_000);
    try {
      const vmid = await client.nextId();
      const upid = await client.cloneLxc('pve1', TEMPLATE, { newid: vmid });
      const failure = await client.waitForTask('pve1', upid, { intervalMs: 10, timeoutMs: 60 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ProxmoxTaskError);
      expect((failure as ProxmoxTaskError).exitstatus).toBeNull();
      expect((failure as Error).message).toMatch(/still running after 60 ms/);
    } finally {
      pve.setTaskDurationMs(30);
    }
  });

  it('turns a wrong token into a 401 ProxmoxError', async () => {
    const intruder = createProxmoxClient({ baseUrl: pve.url, token: 'windwalker@pve!autoscaler=wrong-secret' });
    const error = await intruder.listNodes().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxError);
    expect((error as ProxmoxError).status).toBe(401);
    expect((error as Error).message).toContain('authentication failure');
  });

  it('refuses to build a client from a token that is not USER@REALM!TOKENID=SECRET', () => {
    expect(() => createProxmoxClient({ baseUrl: pve.url, token: 'just-a-secret' })).toThrow(/USER@REALM!TOKENID=SECRET/);
  });

  it('gets a 400 naming the missing required parameter, as the real API answers', async () => {
    const error = (await client
      .cloneLxc('pve1', TEMPLATE, { hostname: 'no-newid' } as unknown as Parameters<ProxmoxClient['cloneLxc']>[2])
      .catch((e: unknown) => e)) as ProxmoxError;
    expect(error).toBeInstanceOf(ProxmoxError);
    expect(error.status).toBe(400);
    expect(error.errors).toEqual({ newid: 'property is missing and it is not optional' });
    expect(error.message).toContain('Parameter verification failed.');
    expect(error.message).toContain('newid: property is missing and it is not optional');
  });

  it('passes on the API message for a container that does not exist', async () => {
    const error = (await client.lxcStatus('pve1', 4242).catch((e: unknown) => e)) as ProxmoxError;
    expect(error.status).toBe(500);
    expect(error.message).toContain("Configuration file 'nodes/pve1/lxc/4242.conf' does not exist");
  });

  it('reports an unreachable API as a ProxmoxError with status 0 and the cause', async () => {
    const closed = await startProxmoxContractServer({ token: TOKEN });
    const url = closed.url;
    await closed.close();
    const error = (await createProxmoxClient({ baseUrl: url, token: TOKEN, timeoutMs: 2_000 }).listNodes().catch((e: unknown) => e)) as ProxmoxError;
    expect(error).toBeInstanceOf(ProxmoxError);
    expect(error.status).toBe(0);
    expect(error.cause).toBeDefined();
  });
});
