// A client for the Proxmox VE REST API (https://pve.proxmox.com/pve-docs/api-viewer/).
// API-token auth, JSON answers unwrapped from `{ data }`, form-encoded POST bodies, and task
// (UPID) polling. The same code talks to a real cluster and to the contract server in tests;
// only the base URL differs.
import type {
  PveClusterResource,
  PveClusterResourceFilter,
  PveCloneLxcParams,
  PveCreateLxcParams,
  PveLxcStatus,
  PveNodeListEntry,
  PveNodeStatus,
  PveTaskStatus,
  PveVersion,
} from './types.ts';

export interface ProxmoxClientOptions {
  /** e.g. https://pve1.example.com:8006 — the `/api2/json` prefix is added here. */
  baseUrl: string;
  /** `USER@REALM!TOKENID=SECRET`, as shown once when the token is created. */
  token: string;
  fetch?: typeof globalThis.fetch;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** An answer from the API that is not 2xx, or a request that never got an answer (status 0). */
export class ProxmoxError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Per-parameter messages of a 400 "Parameter verification failed." */
  readonly errors: Record<string, string>;

  constructor(
    message: string,
    details: { status: number; method: string; path: string; errors?: Record<string, string> },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProxmoxError';
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.errors = details.errors ?? {};
  }
}

/** A task that ended with an exit status other than OK, or did not end in time. */
export class ProxmoxTaskError extends Error {
  readonly upid: string;
  readonly node: string;
  /** The task's exit status ('OK' never appears here); null when the wait timed out. */
  readonly exitstatus: string | null;

  constructor(message: string, details: { upid: string; node: string; exitstatus: string | null }) {
    super(message);
    this.name = 'ProxmoxTaskError';
    this.upid = details.upid;
    this.node = details.node;
    this.exitstatus = details.exitstatus;
  }
}

export interface WaitForTaskOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

export interface ProxmoxClient {
  readonly baseUrl: string;
  version(): Promise<PveVersion>;
  listNodes(): Promise<PveNodeListEntry[]>;
  nodeStatus(node: string): Promise<PveNodeStatus>;
  clusterResources(type?: PveClusterResourceFilter): Promise<PveClusterResource[]>;
  nextId(): Promise<number>;
  createLxc(node: string, params: PveCreateLxcParams): Promise<string>;
  cloneLxc(node: string, vmid: number, params: PveCloneLxcParams): Promise<string>;
  startLxc(node: string, vmid: number): Promise<string>;
  stopLxc(node: string, vmid: number): Promise<string>;
  /** Clean shutdown (the container's init gets SIGTERM, so a worker inside can drain); forceStop stops it after `timeout` s. */
  shutdownLxc(node: string, vmid: number, options?: { timeout?: number; forceStop?: boolean }): Promise<string>;
  /** Removes a stopped container and its volumes (`purge` also drops it from backup/HA/replication jobs). */
  destroyLxc(node: string, vmid: number, options?: { purge?: boolean; force?: boolean }): Promise<string>;
  lxcStatus(node: string, vmid: number): Promise<PveLxcStatus>;
  taskStatus(node: string, upid: string): Promise<PveTaskStatus>;
  waitForTask(node: string, upid: string, options?: WaitForTaskOptions): Promise<PveTaskStatus>;
}

const TOKEN_FORMAT = /^[^@\s]+@[^!\s]+![^=\s]+=\S+$/;

type FormValue = string | number | boolean | undefined;

/** PVE booleans are 1/0 on the wire; undefined fields are left out. */
export function encodeForm(params: Record<string, FormValue>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    form.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return form;
}

function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createProxmoxClient(options: ProxmoxClientOptions): ProxmoxClient {
  if (!TOKEN_FORMAT.test(options.token)) {
    throw new Error('Proxmox API token must look like USER@REALM!TOKENID=SECRET (PROXMOX_TOKEN)');
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const apiRoot = `${baseUrl}/api2/json`;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const authorization = `PVEAPIToken=${options.token}`;

  async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params?: Record<string, FormValue>): Promise<T> {
    let url = `${apiRoot}${path}`;
    const headers: Record<string, string> = { Authorization: authorization, Accept: 'application/json' };
    let body: string | undefined;
    const form = params ? encodeForm(params) : undefined;
    if (form && [...form.keys()].length > 0) {
      if (method === 'GET' || method === 'DELETE') {
        url += `?${form.toString()}`;
      } else {
        body = form.toString();
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
      }
    }
    let response: Response;
    try {
      response = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      const reason = (cause as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause as Error).message;
      throw new ProxmoxError(`Proxmox API ${method} ${path} failed: ${reason}`, { status: 0, method, path }, { cause });
    }
    const text = await response.text();
    let parsed: { data?: unknown; errors?: Record<string, string>; message?: string } | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const apiMessage = (parsed?.message ?? response.statusText ?? '').trim() || `HTTP ${response.status}`;
      const errors = parsed?.errors ?? {};
      const detail = Object.entries(errors).map(([param, msg]) => `${param}: ${String(msg).trim()}`);
      const message = `Proxmox API ${method} ${path} answered ${response.status}: ${apiMessage}${detail.length ? ` (${detail.join('; ')})` : ''}`;
      throw new ProxmoxError(message, { status: response.status, method, path, errors });
    }
    if (!parsed || !('data' in parsed)) {
      throw new ProxmoxError(`Proxmox API ${method} ${path} answered ${response.status} without a JSON { data } body`, {
        status: response.status,
        method,
        path,
      });
    }
    return parsed.data as T;
  }

  const client: ProxmoxClient = {
    baseUrl,
    version: () => request<PveVersion>('GET', '/version'),
    listNodes: () => request<PveNodeListEntry[]>('GET', '/nodes'),
    nodeStatus: (node) => request<PveNodeStatus>('GET', `/nodes/${segment(node)}/status`),
    clusterResources: (type) => request<PveClusterResource[]>('GET', '/cluster/resources', { type }),
    async nextId() {
      // The API documents an integer; real clusters send it as a string ("100").
      const id = Number(await request<number | string>('GET', '/cluster/nextid'));
      if (!Number.isInteger(id)) throw new Error(`Proxmox /cluster/nextid answered something that is not a VMID`);
      return id;
    },
    createLxc(node, params) {
      const { net, ...rest } = params;
      const fields: Record<string, FormValue> = { ...rest };
      for (const [index, value] of Object.entries(net ?? {})) fields[`net${index}`] = value;
      return request<string>('POST', `/nodes/${segment(node)}/lxc`, fields);
    },
    cloneLxc: (node, vmid, params) =>
      request<string>('POST', `/nodes/${segment(node)}/lxc/${segment(vmid)}/clone`, { ...params }),
    startLxc: (node, vmid) => request<string>('POST', `/nodes/${segment(node)}/lxc/${segment(vmid)}/status/start`),
    stopLxc: (node, vmid) => request<string>('POST', `/nodes/${segment(node)}/lxc/${segment(vmid)}/status/stop`),
    shutdownLxc: (node, vmid, shutdownOptions = {}) =>
      request<string>('POST', `/nodes/${segment(node)}/lxc/${segment(vmid)}/status/shutdown`, { ...shutdownOptions }),
    destroyLxc: (node, vmid, destroyOptions = {}) =>
      request<string>('DELETE', `/nodes/${segment(node)}/lxc/${segment(vmid)}`, { ...destroyOptions }),
    lxcStatus: (node, vmid) => request<PveLxcStatus>('GET', `/nodes/${segment(node)}/lxc/${segment(vmid)}/status/current`),
    taskStatus: (node, upid) => request<PveTaskStatus>('GET', `/nodes/${segment(node)}/tasks/${segment(upid)}/status`),
    async waitForTask(node, upid, waitOptions = {}) {
      const intervalMs = waitOptions.intervalMs ?? 1000;
      const timeoutMs = waitOptions.timeoutMs ?? 10 * 60_000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await client.taskStatus(node, upid);
        if (status.status === 'stopped') {
          if (status.exitstatus === 'OK') return status;
          const exit = status.exitstatus ?? '(no exit status)';
          throw new ProxmoxTaskError(`Proxmox task ${status.type} ${status.id} on ${node} failed: ${exit}`, {
            upid,
            node,
            exitstatus: exit,
          });
        }
        if (Date.now() + intervalMs > deadline) {
          throw new ProxmoxTaskError(`Proxmox task ${upid} on ${node} was still running after ${timeoutMs} ms`, {
            upid,
            node,
            exitstatus: null,
          });
        }
        await sleep(intervalMs);
      }
    },
  };
  return client;
}
