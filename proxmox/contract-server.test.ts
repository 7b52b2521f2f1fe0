// The contract server must reject what the real Proxmox VE API rejects, or the client tests
// prove nothing. These requests are sent raw (not through our client) to show each check.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReturn, findRoute, loadPveSchema, startProxmoxContractServer, type ProxmoxContractServer } from './testing/index.ts';

const TOKEN = 'ci@pve!contract=0f9e8d7c';
let pve: ProxmoxContractServer;

beforeAll(async () => {
  pve = await startProxmoxContractServer({
    token: TOKEN,
    containers: [{ vmid: 200, node: 'pve1', hostname: 'existing', status: 'running' }],
  });
});
afterAll(async () => {
  await pve?.close();
});

async function call(method: string, apiPath: string, form?: Record<string, string>, authorization: string | null = `PVEAPIToken=${TOKEN}`) {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.Authorization = authorization;
  let body: string | undefined;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const response = await fetch(`${pve.url}/api2/json${apiPath}`, { method, headers, body });
  return { status: response.status, statusText: response.statusText, body: (await response.json()) as { data: unknown; errors?: Record<string, string>; message?: string } };
}

describe('Proxmox contract server', () => {
  it('answers 401 "No ticket" without an Authorization header and "authentication failure" for a wrong secret', async () => {
    const none = await call('GET', '/nodes', undefined, null);
    expect(none.status).toBe(401);
    expect(none.statusText).toBe('No ticket');
    const wrong = await call('GET', '/nodes', undefined, 'PVEAPIToken=ci@pve!contract=not-the-secret');
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe('authentication failure\n');
    const malformed = await call('GET', '/nodes', undefined, 'PVEAPIToken=ci@pve-contract');
    expect(malformed.status).toBe(401);
    const bearer = await call('GET', '/nodes', undefined, `Bearer ${TOKEN}`);
    expect(bearer.status).toBe(401);
  });

  it('answers 501 for a path or a method the schema does not have', async () => {
    const unknownPath = await call('GET', '/nodes/pve1/kubernetes');
    expect(unknownPath.status).toBe(501);
    expect(unknownPath.body.message).toBe("Method 'GET /nodes/pve1/kubernetes' not implemented\n");
    const wrongMethod = await call('DELETE', '/cluster/nextid');
    expect(wrongMethod.status).toBe(501);
    const getOnPostOnly = await call('GET', '/nodes/pve1/lxc/200/clone');
    expect(getOnPostOnly.status).toBe(501);
  });

  it('rejects a missing required parameter with PVE\'s per-parameter message', async () => {
    const res = await call('POST', '/nodes/pve1/lxc', { vmid: '300' });
    expect(res.status).toBe(400);
    expect(res.statusText).toBe('Parameter verification failed.');
    expect(res.body).toEqual({
      data: null,
      message: 'Parameter verification failed.\n',
      errors: { ostemplate: 'property is missing and it is not optional' },
    });
  });

  it('checks integer, boolean and enum types and the VMID range from the schema', async () => {
    const res = await call('POST', '/nodes/pve1/lxc/200/clone', { newid: 'abc', full: 'yes' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      newid: "type check ('integer') failed - got 'abc'",
      full: "type check ('boolean') failed - got 'yes'",
    });
    const outOfRange = await call('GET', '/cluster/nextid?vmid=1000000000');
    expect(outOfRange.body.errors).toEqual({ vmid: 'invalid format - value does not look like a valid VM ID' });
    const enumValue = await call('GET', '/cluster/resources?type=container');
    expect(enumValue.status).toBe(400);
    expect(enumValue.body.errors).toEqual({ type: "value 'container' does not have a value in the enumeration 'vm, storage, node, sdn'" });
    const minimum = await call('POST', '/nodes/pve1/lxc', { vmid: '300', ostemplate: 'local:vztmpl/x.tar.zst', memory: '8' });
    expect(minimum.body.errors).toEqual({ memory: 'value must have a minimum value of 16' });
  });

  it('rejects parameters the method does not define', async () => {
    const res = await call('POST', '/nodes/pve1/lxc/200/status/start', { force: '1' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ force: 'property is not defined in schema and the schema does not allow additional properties' });
  });

  it('checks formats of path parameters and property strings', async () => {
    const badNode = await call('GET', '/nodes/bad_node!/status');
    expect(badNode.status).toBe(400);
    expect(badNode.body.errors).toEqual({ node: 'invalid format - value does not look like a valid node name' });
    const badHostname = await call('POST', '/nodes/pve1/lxc/200/clone', { newid: '201', hostname: 'not a dns name' });
    expect(badHostname.body.errors).toEqual({ hostname: 'invalid format - value does not look like a valid DNS name' });
    const badRootfs = await call('POST', '/nodes/pve1/lxc', { vmid: '300', ostemplate: 'local:vztmpl/x.tar.zst', rootfs: 'local-lvm:8,turbo=1' });
    expect(badRootfs.body.errors?.rootfs).toMatch(/^invalid format - format error\nrootfs.turbo: property is not defined/);
    const badNet = await call('POST', '/nodes/pve1/lxc', { vmid: '300', ostemplate: 'local:vztmpl/x.tar.zst', net0: 'name=eth0,bridge=vmbr0,firewall=maybe' });
    expect(badNet.body.errors?.net0).toMatch(/net0.firewall: type check \('boolean'\) failed - got 'maybe'/);
  });

  it('accepts a well-formed request and answers with the documented shape', async () => {
    const res = await call('POST', '/nodes/pve1/lxc', {
      vmid: '300',
      ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      rootfs: 'local-lvm:8',
      net0: 'name=eth0,bridge=vmbr0,ip=dhcp,firewall=1',
      unprivileged: '1',
      hostname: 'ww-builder-300',
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzcreate:300:ci@pve!contract:$/);
  });

  it('answers the cluster\'s own errors: an existing VMID, a running container, an unknown task', async () => {
    const taken = await call('GET', '/cluster/nextid?vmid=200');
    expect(taken.status).toBe(400);
    expect(taken.body.errors).toEqual({ vmid: 'VM 200 already exists' });
    const start = await call('POST', '/nodes/pve1/lxc/200/status/start');
    expect(start.status).toBe(500);
    expect(start.statusText).toBe('CT 200 already running');
    const task = await call('GET', `/nodes/pve1/tasks/${encodeURIComponent('UPID:pve1:00000001:00000002:00000003:vzstart:200:ci@pve!contract:')}/status`);
    expect(task.status).toBe(500);
    expect(task.body.message).toBe('no such task\n');
  });

  it('says plainly when a method exists in the schema but is not simulated', async () => {
    const res = await call('GET', '/nodes/pve1/qemu');
    expect(res.status).toBe(501);
    expect(res.body.message).toMatch(/in the Proxmox VE schema but the contract server does not simulate it/);
  });

  it('holds its own answers to the documented return shapes', () => {
    const schema = loadPveSchema();
    const taskStatus = findRoute(schema, '/nodes/pve1/tasks/UPID:x/status')!.node.info!.GET.returns as Parameters<typeof checkReturn>[0];
    expect(checkReturn(taskStatus, { upid: 'UPID:x', node: 'pve1', pid: 1, pstart: 2, starttime: 3, type: 'vzstart', id: '100', user: 'a@pve!b', status: 'running' })).toEqual([]);
    expect(checkReturn(taskStatus, { upid: 'UPID:x', node: 'pve1', pid: '1', pstart: 2, starttime: 3, type: 'vzstart', id: '100', status: 'done' })).toEqual([
      'data.pid: expected integer, got "1"',
      "data.status: 'done' is not one of running, stopped",
      'data.user: missing',
    ]);
    const nodes = findRoute(schema, '/nodes')!.node.info!.GET.returns as Parameters<typeof checkReturn>[0];
    expect(checkReturn(nodes, [{ node: 'pve1' }])).toEqual(['data[0].status: missing']);
  });

  it('fails with a clear message when the schema file is missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ww-pve-'));
    try {
      expect(() => loadPveSchema(path.join(dir, 'proxmox-ve-api-schema.json'))).toThrow(/Proxmox VE API schema was not found at .*proxmox-ve-api-schema\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
