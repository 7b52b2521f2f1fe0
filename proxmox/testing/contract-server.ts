// A stand-in for a Proxmox VE cluster, for tests: a node:http server on 127.0.0.1 that checks
// every request the way pveproxy does — API-token header, path and method looked up in the
// official schema, parameters validated against it — and keeps a small cluster in memory
// (nodes, containers, storages, tasks) so answers have the documented shapes and effects.
//
//   const pve = await startProxmoxContractServer({ token: 'ww@pve!ci=s3cret', nodes: [...] });
//   createProxmoxClient({ baseUrl: pve.url, token: pve.token });
//   pve.failNextTask('command failed');   // the next task ends with this exit status
//   await pve.close();
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkReturn,
  findRoute,
  loadPveSchema,
  validateParameters,
  type ParamValue,
  type PveReturnSchema,
  type PveSchemaNode,
} from './pve-schema.ts';

export interface ContractNodeInput {
  name: string;
  cpus: number;
  memTotalBytes: number;
  /** Memory the node uses before any of our containers run. */
  memUsedBytes?: number;
  diskTotalBytes: number;
  diskUsedBytes?: number;
  /** Fraction 0..1. */
  cpuUsage?: number;
  status?: 'online' | 'offline';
}

export interface ContractContainerInput {
  vmid: number;
  node: string;
  hostname: string;
  template?: boolean;
  status?: 'running' | 'stopped';
  memoryMb?: number;
  cores?: number;
  diskBytes?: number;
  /** Volumes on shared storage (Ceph, NFS): only then may a clone target another node. */
  sharedStorage?: boolean;
}

export interface ContractContainer {
  vmid: number;
  node: string;
  hostname: string;
  template: boolean;
  status: 'running' | 'stopped';
  memoryMb: number;
  cores: number;
  diskBytes: number;
  sharedStorage: boolean;
  lock: string | null;
  startedAt: number | null;
}

export interface ContractTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  finishAt: number;
  /** null while running. */
  exitstatus: string | null;
  failWith: string | null;
  onSuccess: () => void;
  onFailure: () => void;
}

export interface ContractRequestRecord {
  method: string;
  path: string;
  status: number;
  params: Record<string, ParamValue>;
}

export interface ProxmoxContractServerOptions {
  /** The API token the server accepts, `USER@REALM!TOKENID=SECRET`. */
  token: string;
  nodes?: ContractNodeInput[];
  containers?: ContractContainerInput[];
  /** How long each task runs before it stops; default 40 ms. */
  taskDurationMs?: number;
  schemaPath?: string;
}

export interface ProxmoxContractServer {
  url: string;
  token: string;
  /** Every request answered, in order (tests read it to prove what was sent). */
  requests: ContractRequestRecord[];
  containers(): ContractContainer[];
  tasks(): ContractTask[];
  /** The next task created ends with `stopped` and this exit status instead of OK. */
  failNextTask(exitstatus?: string): void;
  setTaskDurationMs(ms: number): void;
  setNodeStatus(name: string, status: 'online' | 'offline'): void;
  close(): Promise<void>;
}

const DEFAULT_NODES: ContractNodeInput[] = [
  { name: 'pve1', cpus: 16, memTotalBytes: 64 * 2 ** 30, memUsedBytes: 8 * 2 ** 30, diskTotalBytes: 1000 * 2 ** 30, diskUsedBytes: 200 * 2 ** 30, cpuUsage: 0.1 },
];

const MAX_BODY_BYTES = 64 * 1024;

class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

type Handler = (ctx: { params: Record<string, ParamValue>; user: string }) => unknown;

export async function startProxmoxContractServer(options: ProxmoxContractServerOptions): Promise<ProxmoxContractServer> {
  const schema: PveSchemaNode[] = loadPveSchema(options.schemaPath);
  const tokenMatch = /^([^@\s]+@[^!\s]+)!([^=\s]+)=(\S+)$/.exec(options.token);
  if (!tokenMatch) throw new Error('The contract server token must look like USER@REALM!TOKENID=SECRET');
  const tokenUser = `${tokenMatch[1]}!${tokenMatch[2]}`;

  const bootTime = Math.floor(Date.now() / 1000) - 86_400;
  const nodes = new Map((options.nodes ?? DEFAULT_NODES).map((n) => [n.name, { ...n, status: n.status ?? 'online' }]));
  const containers = new Map<number, ContractContainer>();
  for (const c of options.containers ?? []) {
    if (!nodes.has(c.node)) throw new Error(`Contract server: container ${c.vmid} is on unknown node ${c.node}`);
    containers.set(c.vmid, {
      vmid: c.vmid,
      node: c.node,
      hostname: c.hostname,
      template: c.template ?? false,
      status: c.status ?? 'stopped',
      memoryMb: c.memoryMb ?? 512,
      cores: c.cores ?? 1,
      diskBytes: c.diskBytes ?? 8 * 2 ** 30,
      sharedStorage: c.sharedStorage ?? false,
      lock: null,
      startedAt: c.status === 'running' ? Date.now() : null,
    });
  }
  const tasks = new Map<string, ContractTask>();
  const requests: ContractRequestRecord[] = [];
  let taskDurationMs = options.taskDurationMs ?? 40;
  let nextTaskFailure: string | null = null;
  let nextPid = 0x1a2b0;

  // --- cluster state -------------------------------------------------------------------------

  /** Tasks stop once their time is up; their effect lands then (evaluated on every request). */
  function settleTasks() {
    const now = Date.now();
    for (const task of tasks.values()) {
      if (task.exitstatus !== null || now < task.finishAt) continue;
      if (task.failWith) {
        task.exitstatus = task.failWith;
        task.onFailure();
      } else {
        task.exitstatus = 'OK';
        task.onSuccess();
      }
    }
  }

  function startTask(node: string, type: string, id: string | number, user: string, effects: { onSuccess: () => void; onFailure?: () => void }): string {
    const pid = nextPid++;
    const pstart = 4_000_000 + pid;
    const starttime = Math.floor(Date.now() / 1000);
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
    const upid = `UPID:${node}:${hex(pid)}:${hex(pstart)}:${hex(starttime)}:${type}:${id}:${user}:`;
    tasks.set(upid, {
      upid,
      node,
      pid,
      pstart,
      starttime,
      type,
      id: String(id),
      user,
      finishAt: Date.now() + taskDurationMs,
      exitstatus: null,
      failWith: nextTaskFailure,
      onSuccess: effects.onSuccess,
      onFailure: effects.onFailure ?? (() => {}),
    });
    nextTaskFailure = null;
    return upid;
  }

  function requireNode(name: string) {
    const node = nodes.get(name);
    // What pveproxy says when it cannot proxy to a node name it does not know.
    if (!node) throw new HttpAnswer(500, `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    if (node.status !== 'online') throw new HttpAnswer(595, `Connection refused`);
    return node;
  }

  function requireContainer(nodeName: string, vmid: number): ContractContainer {
    requireNode(nodeName);
    const ct = containers.get(vmid);
    if (!ct || ct.node !== nodeName) throw new HttpAnswer(500, `Configuration file 'nodes/${nodeName}/lxc/${vmid}.conf' does not exist`);
    return ct;
  }

  function requireUnlocked(ct: ContractContainer) {
    if (ct.lock) throw new HttpAnswer(500, `CT is locked (${ct.lock})`);
  }

  function nodeUsage(name: string) {
    const node = nodes.get(name)!;
    const running = [...containers.values()].filter((c) => c.node === name && c.status === 'running');
    const memUsed = (node.memUsedBytes ?? 0) + running.reduce((sum, c) => sum + c.memoryMb * 2 ** 20, 0);
    const diskUsed = (node.diskUsedBytes ?? 0) + [...containers.values()].filter((c) => c.node === name).reduce((sum, c) => sum + c.diskBytes, 0);
    const cpu = Math.min(1, (node.cpuUsage ?? 0) + running.reduce((sum, c) => sum + c.cores * 0.05, 0) / node.cpus);
    return { memUsed, diskUsed, cpu };
  }

  function vmidTaken(vmid: number) {
    return containers.has(vmid);
  }

  function containerResource(c: ContractContainer) {
    const running = c.status === 'running';
    return {
      id: `lxc/${c.vmid}`,
      type: 'lxc',
      vmid: c.vmid,
      name: c.hostname,
      node: c.node,
      status: c.status,
      template: c.template ? 1 : 0,
      maxcpu: c.cores,
      cpu: running ? 0.01 : 0,
      maxmem: c.memoryMb * 2 ** 20,
      mem: running ? Math.floor(c.memoryMb * 2 ** 20 * 0.25) : 0,
      maxdisk: c.diskBytes,
      disk: Math.floor(c.diskBytes * 0.3),
      uptime: running && c.startedAt ? Math.floor((Date.now() - c.startedAt) / 1000) : 0,
      diskread: 0,
      diskwrite: 0,
      netin: 0,
      netout: 0,
      ...(c.lock ? { lock: c.lock } : {}),
    };
  }

  const int = (v: ParamValue | undefined) => Number(v);
  const bool = (v: ParamValue | undefined) => v === true || v === '1';

  // --- what the simulated cluster does, keyed by "METHOD /schema/path" -------------------------

  const handlers: Record<string, Handler> = {
    'GET /nodes': () =>
      [...nodes.values()].map((n) => {
        if (n.status !== 'online') return { node: n.name, status: n.status };
        const usage = nodeUsage(n.name);
        return {
          node: n.name,
          status: n.status,
          cpu: usage.cpu,
          maxcpu: n.cpus,
          mem: usage.memUsed,
          maxmem: n.memTotalBytes,
          uptime: Math.floor(Date.now() / 1000) - bootTime,
          level: '',
          ssl_fingerprint: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
        };
      }),

    'GET /nodes/{node}/status': ({ params }) => {
      const node = requireNode(String(params.node));
      const usage = nodeUsage(node.name);
      return {
        cpu: usage.cpu,
        cpuinfo: { cpus: node.cpus, cores: Math.max(1, node.cpus / 2), sockets: 1, model: 'AMD EPYC 7302P 16-Core Processor', mhz: '3000.000', hvm: '1', flags: 'fpu vme de pse', user_hz: 100 },
        memory: {
          total: node.memTotalBytes,
          used: usage.memUsed,
          free: node.memTotalBytes - usage.memUsed,
          available: node.memTotalBytes - usage.memUsed,
        },
        swap: { total: 8 * 2 ** 30, used: 0, free: 8 * 2 ** 30 },
        rootfs: {
          total: node.diskTotalBytes,
          used: usage.diskUsed,
          free: node.diskTotalBytes - usage.diskUsed,
          avail: node.diskTotalBytes - usage.diskUsed,
        },
        loadavg: [(usage.cpu * node.cpus).toFixed(2), '0.50', '0.40'],
        uptime: Math.floor(Date.now() / 1000) - bootTime,
        pveversion: 'pve-manager/9.1.3/1f2c3d4e5f6a7b8c',
        kversion: 'Linux 6.17.2-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1',
        'current-kernel': { sysname: 'Linux', release: '6.17.2-1-pve', version: '#1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1', machine: 'x86_64' },
        'boot-info': { mode: 'efi', secureboot: false },
        ksm: { shared: 0 },
      };
    },

    'GET /cluster/resources': ({ params }) => {
      const filter = params.type as string | undefined;
      const out: unknown[] = [];
      if (!filter || filter === 'node') {
        for (const n of nodes.values()) {
          const usage = n.status === 'online' ? nodeUsage(n.name) : { memUsed: 0, diskUsed: 0, cpu: 0 };
          out.push({
            id: `node/${n.name}`,
            type: 'node',
            node: n.name,
            status: n.status,
            cpu: usage.cpu,
            maxcpu: n.cpus,
            mem: usage.memUsed,
            maxmem: n.memTotalBytes,
            disk: usage.diskUsed,
            maxdisk: n.diskTotalBytes,
            uptime: n.status === 'online' ? Math.floor(Date.now() / 1000) - bootTime : 0,
            level: '',
            'cgroup-mode': 2,
          });
        }
      }
      if (!filter || filter === 'vm') {
        for (const c of [...containers.values()].sort((a, b) => a.vmid - b.vmid)) out.push(containerResource(c));
      }
      if (!filter || filter === 'storage') {
        for (const n of nodes.values()) {
          const usage = n.status === 'online' ? nodeUsage(n.name) : { diskUsed: 0 };
          out.push({
            id: `storage/${n.name}/local`,
            type: 'storage',
            storage: 'local',
            node: n.name,
            status: n.status === 'online' ? 'available' : 'unknown',
            plugintype: 'dir',
            content: 'vztmpl,iso,backup,rootdir',
            shared: 0,
            disk: usage.diskUsed,
            maxdisk: n.diskTotalBytes,
          });
        }
      }
      return out;
    },

    'GET /cluster/nextid': ({ params }) => {
      if (params.vmid !== undefined) {
        const wanted = int(params.vmid);
        if (vmidTaken(wanted)) throw new HttpAnswer(400, 'Parameter verification failed.', { vmid: `VM ${wanted} already exists` });
        return wanted;
      }
      let id = 100;
      while (vmidTaken(id)) id++;
      return id;
    },

    'POST /nodes/{node}/lxc': ({ params, user }) => {
      const node = requireNode(String(params.node));
      const vmid = int(params.vmid);
      if (vmidTaken(vmid)) throw new HttpAnswer(500, `CT ${vmid} already exists on node '${containers.get(vmid)!.node}'`);
      const rootfs = typeof params.rootfs === 'string' ? /^[^:,=]+:(\d+(?:\.\d+)?)/.exec(params.rootfs) : null;
      const ct: ContractContainer = {
        vmid,
        node: node.name,
        hostname: typeof params.hostname === 'string' ? params.hostname : `CT${vmid}`,
        template: false,
        status: 'stopped',
        memoryMb: params.memory !== undefined ? int(params.memory) : 512,
        cores: params.cores !== undefined ? int(params.cores) : 1,
        diskBytes: rootfs ? Math.round(Number(rootfs[1]) * 2 ** 30) : 8 * 2 ** 30,
        sharedStorage: false,
        lock: 'create',
        startedAt: null,
      };
      containers.set(vmid, ct);
      const startAfter = bool(params.start);
      return startTask(node.name, 'vzcreate', vmid, user, {
        onSuccess: () => {
          ct.lock = null;
          if (startAfter) {
            ct.status = 'running';
            ct.startedAt = Date.now();
          }
        },
        onFailure: () => containers.delete(vmid),
      });
    },

    'POST /nodes/{node}/lxc/{vmid}/clone': ({ params, user }) => {
      const source = requireContainer(String(params.node), int(params.vmid));
      requireUnlocked(source);
      const newid = int(params.newid);
      if (vmidTaken(newid)) throw new HttpAnswer(500, `unable to create CT ${newid} - CT ${newid} already exists on node '${containers.get(newid)!.node}'`);
      const full = params.full === undefined ? !source.template : bool(params.full);
      if (!full && !source.template) throw new HttpAnswer(500, 'linked clone is only possible for templates (set full=1)');
      const targetNode = params.target !== undefined ? requireNode(String(params.target)).name : source.node;
      if (targetNode !== source.node && !source.sharedStorage) {
        throw new HttpAnswer(500, `unable to clone to node '${targetNode}': CT ${source.vmid} uses local storage, clone on '${source.node}' and migrate instead`);
      }
      const ct: ContractContainer = {
        vmid: newid,
        node: targetNode,
        hostname: typeof params.hostname === 'string' ? params.hostname : `CT${newid}`,
        template: false,
        status: 'stopped',
        memoryMb: source.memoryMb,
        cores: source.cores,
        diskBytes: source.diskBytes,
        sharedStorage: source.sharedStorage,
        lock: 'create',
        startedAt: null,
      };
      containers.set(newid, ct);
      source.lock = 'disk';
      return startTask(source.node, 'vzclone', source.vmid, user, {
        onSuccess: () => {
          ct.lock = null;
          source.lock = null;
        },
        onFailure: () => {
          containers.delete(newid);
          source.lock = null;
        },
      });
    },

    'POST /nodes/{node}/lxc/{vmid}/status/start': ({ params, user }) => {
      const ct = requireContainer(String(params.node), int(params.vmid));
      if (ct.template) throw new HttpAnswer(500, `you can't start a CT if it's a template`);
      requireUnlocked(ct);
      if (ct.status === 'running') throw new HttpAnswer(500, `CT ${ct.vmid} already running`);
      return startTask(ct.node, 'vzstart', ct.vmid, user, {
        onSuccess: () => {
          ct.status = 'running';
          ct.startedAt = Date.now();
        },
      });
    },

    'POST /nodes/{node}/lxc/{vmid}/status/stop': ({ params, user }) => {
      const ct = requireContainer(String(params.node), int(params.vmid));
      if (ct.status !== 'running') throw new HttpAnswer(500, `CT ${ct.vmid} not running`);
      return startTask(ct.node, 'vzstop', ct.vmid, user, {
        onSuccess: () => {
          ct.status = 'stopped';
          ct.startedAt = null;
        },
      });
    },

    'POST /nodes/{node}/lxc/{vmid}/status/shutdown': ({ params, user }) => {
      const ct = requireContainer(String(params.node), int(params.vmid));
      if (ct.status !== 'running') throw new HttpAnswer(500, `CT ${ct.vmid} not running`);
      requireUnlocked(ct);
      return startTask(ct.node, 'vzshutdown', ct.vmid, user, {
        onSuccess: () => {
          ct.status = 'stopped';
          ct.startedAt = null;
        },
      });
    },

    'DELETE /nodes/{node}/lxc/{vmid}': ({ params, user }) => {
      const ct = requireContainer(String(params.node), int(params.vmid));
      requireUnlocked(ct);
      if (ct.status === 'running' && !bool(params.force)) throw new HttpAnswer(500, `CT ${ct.vmid} is running - destroy failed`);
      ct.lock = 'destroyed';
      return startTask(ct.node, 'vzdestroy', ct.vmid, user, {
        onSuccess: () => containers.delete(ct.vmid),
        onFailure: () => {
          ct.lock = null;
        },
      });
    },

    'GET /version': () => ({ version: '9.1.3', release: '9.1', repoid: '1f2c3d4e', console: 'html5' }),

    'GET /nodes/{node}/lxc/{vmid}/status/current': ({ params }) => {
      const ct = requireContainer(String(params.node), int(params.vmid));
      const resource = containerResource(ct);
      return {
        vmid: ct.vmid,
        name: ct.hostname,
        status: ct.status,
        cpu: resource.cpu,
        cpus: ct.cores,
        mem: resource.mem,
        maxmem: resource.maxmem,
        maxswap: 512 * 2 ** 20,
        disk: resource.disk,
        maxdisk: resource.maxdisk,
        uptime: resource.uptime,
        diskread: 0,
        diskwrite: 0,
        netin: 0,
        netout: 0,
        ha: { managed: 0 },
        ...(ct.template ? { template: 1 } : {}),
        ...(ct.lock ? { lock: ct.lock } : {}),
      };
    },

    'GET /nodes/{node}/tasks/{upid}/status': ({ params }) => {
      const nodeName = String(params.node);
      requireNode(nodeName);
      const upid = String(params.upid);
      const parts = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(upid);
      if (!parts) throw new HttpAnswer(400, 'Parameter verification failed.', { upid: 'unable to parse worker upid' });
      const task = tasks.get(upid);
      if (!task || task.node !== nodeName) throw new HttpAnswer(500, `no such task`);
      const answer: Record<string, unknown> = {
        upid: task.upid,
        node: task.node,
        pid: task.pid,
        pstart: task.pstart,
        starttime: task.starttime,
        type: task.type,
        id: task.id,
        user: task.user,
        status: task.exitstatus === null ? 'running' : 'stopped',
      };
      if (task.exitstatus !== null) answer.exitstatus = task.exitstatus;
      return answer;
    },
  };

  // --- the HTTP side: what pveproxy does before and after a handler ---------------------------

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new HttpAnswer(413, 'request too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function authenticate(header: string | undefined): string {
    if (!header || !/^PVEAPIToken[= ]/.test(header)) throw new HttpAnswer(401, 'No ticket');
    const value = header.replace(/^PVEAPIToken[= ]\s*/, '');
    const match = /^([^@\s]+@[^!\s]+)!([^=\s]+)=(\S+)$/.exec(value);
    if (!match) throw new HttpAnswer(401, 'authentication failure');
    if (`${match[1]}!${match[2]}` !== tokenUser || value !== options.token) throw new HttpAnswer(401, 'authentication failure');
    return tokenUser;
  }

  async function collectParams(req: IncomingMessage, url: URL): Promise<Record<string, ParamValue>> {
    const params: Record<string, ParamValue> = {};
    const add = (key: string, value: string) => {
      const existing = params[key];
      if (existing === undefined) params[key] = value;
      else params[key] = Array.isArray(existing) ? [...existing, value] : [String(existing), value];
    };
    for (const [key, value] of url.searchParams) add(key, value);
    if (req.method === 'POST' || req.method === 'PUT') {
      const body = await readBody(req);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (body.length > 0) {
        if (contentType === 'application/x-www-form-urlencoded') {
          for (const [key, value] of new URLSearchParams(body)) add(key, value);
        } else if (contentType === 'application/json') {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            throw new HttpAnswer(400, 'malformed JSON body');
          }
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpAnswer(400, 'JSON body must be an object');
          for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
            if (typeof value === 'boolean') params[key] = value;
            else if (Array.isArray(value)) params[key] = value.map(String);
            else if (value !== null && value !== undefined) params[key] = String(value);
          }
        } else {
          throw new HttpAnswer(415, `unsupported content type '${contentType || '(none)'}'`);
        }
      }
    }
    return params;
  }

  function send(res: ServerResponse, status: number, body: Record<string, unknown>, message?: string) {
    const text = JSON.stringify(body);
    res.statusCode = status;
    if (message) res.statusMessage = message.replace(/[\r\n]+/g, ' ').trim();
    res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const record: ContractRequestRecord = { method, path: url.pathname, status: 0, params: {} };
    requests.push(record);
    void (async () => {
      try {
        if (!url.pathname.startsWith('/api2/json/')) throw new HttpAnswer(501, `Unsupported format or path '${url.pathname}'`);
        const apiPath = url.pathname.slice('/api2/json'.length).replace(/\/+$/, '');
        const user = authenticate(req.headers.authorization);
        const route = findRoute(schema, apiPath);
        const info = route?.node.info?.[method];
        if (!route || !info) throw new HttpAnswer(501, `Method '${method} ${apiPath}' not implemented`);
        if (!info.allowtoken) throw new HttpAnswer(403, `Permission check failed (API tokens are not allowed for '${method} ${route.node.path}')`);
        const params = { ...(await collectParams(req, url)), ...route.pathParams };
        record.params = params;
        const errors = validateParameters(info, params);
        if (Object.keys(errors).length > 0) throw new HttpAnswer(400, 'Parameter verification failed.', errors);
        const handler = handlers[`${method} ${route.node.path}`];
        if (!handler) {
          throw new HttpAnswer(501, `Method '${method} ${route.node.path}' is in the Proxmox VE schema but the contract server does not simulate it`);
        }
        settleTasks();
        const data = handler({ params, user });
        const problems = checkReturn(info.returns as PveReturnSchema | undefined, data);
        if (problems.length > 0) {
          throw new Error(`its answer to ${method} ${route.node.path} does not match the schema: ${problems.join('; ')}`);
        }
        record.status = 200;
        send(res, 200, { data });
      } catch (error) {
        if (error instanceof HttpAnswer) {
          record.status = error.status;
          send(res, error.status, { data: null, message: `${error.message}\n`, ...(error.errors ? { errors: error.errors } : {}) }, error.message);
        } else {
          record.status = 500;
          send(res, 500, { data: null, message: `contract server error: ${(error as Error).message}\n` }, 'contract server error');
        }
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    requests,
    containers: () => {
      settleTasks();
      return [...containers.values()].map((c) => ({ ...c }));
    },
    tasks: () => {
      settleTasks();
      return [...tasks.values()];
    },
    failNextTask(exitstatus = 'command failed') {
      nextTaskFailure = exitstatus;
    },
    setTaskDurationMs(ms) {
      taskDurationMs = ms;
    },
    setNodeStatus(name, status) {
      const node = nodes.get(name);
      if (!node) throw new Error(`Contract server: no node ${name}`);
      node.status = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
