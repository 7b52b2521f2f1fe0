// The parts of the Proxmox VE API (pve-docs apidata, version 9.1) that WindWalker calls, written
// from the official schema. Field names are the API's own; optional fields are the ones the
// schema marks `optional`. Sizes are bytes, CPU usage is a fraction (0.25 = 25 %).

/** GET /version */
export interface PveVersion {
  version: string;
  release: string;
  repoid: string;
  console?: 'applet' | 'vv' | 'html5' | 'xtermjs';
}

/** GET /nodes — one entry per cluster node. */
export interface PveNodeListEntry {
  node: string;
  status: 'unknown' | 'online' | 'offline';
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  uptime?: number;
  level?: string;
  ssl_fingerprint?: string;
}

/** GET /nodes/{node}/status */
export interface PveNodeStatus {
  cpu: number;
  cpuinfo: { cpus: number; cores: number; sockets: number; model: string };
  memory: { total: number; used: number; free: number; available: number };
  rootfs: { total: number; used: number; free: number; avail: number };
  loadavg: string[];
  pveversion: string;
  uptime?: number;
  'current-kernel'?: { sysname: string; release: string; version: string; machine: string };
  'boot-info'?: { mode: 'efi' | 'legacy-bios'; secureboot?: boolean };
}

export type PveClusterResourceFilter = 'vm' | 'storage' | 'node' | 'sdn';
export type PveClusterResourceType = 'node' | 'storage' | 'pool' | 'qemu' | 'lxc' | 'openvz' | 'sdn' | 'network';

/** GET /cluster/resources — nodes, guests and storages in one list, told apart by `type`. */
export interface PveClusterResource {
  id: string;
  type: PveClusterResourceType;
  node?: string;
  name?: string;
  status?: string;
  vmid?: number;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
  template?: boolean | 0 | 1;
  storage?: string;
  pool?: string;
  tags?: string;
  lock?: string;
}

/** POST /nodes/{node}/lxc — the creation parameters WindWalker sets (the API has many more). */
export interface PveCreateLxcParams {
  vmid: number;
  ostemplate: string;
  hostname?: string;
  cores?: number;
  memory?: number;
  swap?: number;
  /** Property string, e.g. `local-lvm:8` (volume on storage, size in GiB). */
  rootfs?: string;
  storage?: string;
  /** Property strings keyed net0, net1 …, e.g. `name=eth0,bridge=vmbr0,ip=dhcp`. */
  net?: Record<number, string>;
  unprivileged?: boolean;
  start?: boolean;
  onboot?: boolean;
  pool?: string;
  tags?: string;
  description?: string;
  features?: string;
  password?: string;
  'ssh-public-keys'?: string;
}

/** POST /nodes/{node}/lxc/{vmid}/clone */
export interface PveCloneLxcParams {
  newid: number;
  hostname?: string;
  full?: boolean;
  target?: string;
  storage?: string;
  pool?: string;
  description?: string;
  snapname?: string;
}

/** GET /nodes/{node}/lxc/{vmid}/status/current */
export interface PveLxcStatus {
  vmid: number;
  status: 'stopped' | 'running';
  name?: string;
  cpu?: number;
  cpus?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
  lock?: string;
  tags?: string;
  template?: boolean | 0 | 1;
  ha: Record<string, unknown>;
}

/** GET /nodes/{node}/tasks/{upid}/status */
export interface PveTaskStatus {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  status: 'running' | 'stopped';
  /** Present once stopped: 'OK', or the error that ended the task. */
  exitstatus?: string;
}
