// Which hosts WindWalker has and what each can hold. With Proxmox configured the hosts are the
// cluster's nodes (synced into the `hosts` table); in embedded mode this machine is the only host.
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { Sql } from '../db/index.ts';
import type { ProxmoxClient } from './client.ts';

export type HostSource = 'proxmox' | 'local';
export type HostStatus = 'online' | 'offline' | 'unknown' | 'removed';

/** A row of the `hosts` table. */
export interface HostRecord {
  id: number;
  name: string;
  node: string | null;
  source: HostSource;
  cpuCount: number;
  memTotalBytes: number;
  diskTotalBytes: number;
  monthlyCostKrw: number;
  status: HostStatus;
  lastSyncedAt: Date;
}

/** What a host has and uses right now: the input of placement. */
export interface HostCapacity {
  name: string;
  /** The Proxmox node name; null for this machine in embedded mode. */
  node: string | null;
  source: HostSource;
  status: HostStatus;
  cpuCount: number;
  /** Fraction of all CPUs busy, 0..1. */
  cpuUsage: number;
  memTotalBytes: number;
  memUsedBytes: number;
  diskTotalBytes: number;
  diskUsedBytes: number;
}

// --- queries (kept together) -----------------------------------------------------------------

interface HostUpsert {
  name: string;
  node: string | null;
  source: HostSource;
  status: HostStatus;
  cpuCount: number | null;
  memTotalBytes: number | null;
  diskTotalBytes: number | null;
}

/** Inserts or refreshes one host; a null total keeps what was known (an offline node reports none). */
async function upsertHost(sql: Sql, h: HostUpsert): Promise<HostRecord> {
  const [row] = await sql`
    insert into hosts (name, node, source, status, cpu_count, mem_total_bytes, disk_total_bytes, last_synced_at)
    values (${h.name}, ${h.node}, ${h.source}, ${h.status}, ${h.cpuCount ?? 0}, ${h.memTotalBytes ?? 0}, ${h.diskTotalBytes ?? 0}, now())
    on conflict (name) do update set
      node = excluded.node,
      source = excluded.source,
      status = excluded.status,
      cpu_count = coalesce(${h.cpuCount}::integer, hosts.cpu_count),
      mem_total_bytes = coalesce(${h.memTotalBytes}::bigint, hosts.mem_total_bytes),
      disk_total_bytes = coalesce(${h.diskTotalBytes}::bigint, hosts.disk_total_bytes),
      last_synced_at = now()
    returning *`;
  return toHostRecord(row);
}

async function markMissingProxmoxHosts(sql: Sql, present: string[]): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    update hosts set status = 'removed', last_synced_at = now()
    where source = 'proxmox' and status <> 'removed' and not (name = any(${present}::text[]))
    returning name`;
  return rows.map((r) => r.name).sort();
}

export async function listHosts(sql: Sql): Promise<HostRecord[]> {
  const rows = await sql`select * from hosts order by source, name`;
  return rows.map(toHostRecord);
}

/** Ops sets what a host costs per month (hardware amortised + power + operation), in KRW. */
export async function setHostMonthlyCost(sql: Sql, name: string, monthlyCostKrw: number): Promise<void> {
  if (!Number.isInteger(monthlyCostKrw) || monthlyCostKrw < 0) {
    throw new Error(`호스트 월 비용은 0 이상의 정수(원)여야 합니다: ${monthlyCostKrw}`);
  }
  const rows = await sql`update hosts set monthly_cost_krw = ${monthlyCostKrw} where name = ${name} returning id`;
  if (rows.length === 0) throw new Error(`호스트 '${name}'을(를) 찾을 수 없습니다. 먼저 호스트 목록을 동기화해 주세요.`);
}

function toHostRecord(row: Record<string, unknown>): HostRecord {
  return {
    id: Number(row.id),
    name: row.name as string,
    node: (row.node as string | null) ?? null,
    source: row.source as HostSource,
    cpuCount: row.cpu_count as number,
    memTotalBytes: Number(row.mem_total_bytes),
    diskTotalBytes: Number(row.disk_total_bytes),
    monthlyCostKrw: row.monthly_cost_krw as number,
    status: row.status as HostStatus,
    lastSyncedAt: row.last_synced_at as Date,
  };
}

// --- Proxmox ------------------------------------------------------------------------------------

export interface SyncHostsResult {
  hosts: HostRecord[];
  /** Proxmox hosts known before that the cluster no longer lists (now status 'removed'). */
  removed: string[];
  /** Nodes listed online whose status could not be read (kept with status 'unknown'). */
  unreachable: { node: string; error: string }[];
}

/** Reads the cluster's nodes and their status and upserts them into `hosts`. */
export async function syncHosts(sql: Sql, client: ProxmoxClient): Promise<SyncHostsResult> {
  const nodes = await client.listNodes();
  const hosts: HostRecord[] = [];
  const unreachable: SyncHostsResult['unreachable'] = [];
  for (const entry of nodes) {
    const base = { name: entry.node, node: entry.node, source: 'proxmox' as const };
    if (entry.status !== 'online') {
      hosts.push(
        await upsertHost(sql, {
          ...base,
          status: entry.status === 'offline' ? 'offline' : 'unknown',
          cpuCount: entry.maxcpu ?? null,
          memTotalBytes: entry.maxmem ?? null,
          diskTotalBytes: null,
        }),
      );
      continue;
    }
    try {
      const status = await client.nodeStatus(entry.node);
      hosts.push(
        await upsertHost(sql, {
          ...base,
          status: 'online',
          cpuCount: status.cpuinfo.cpus,
          memTotalBytes: status.memory.total,
          diskTotalBytes: status.rootfs.total,
        }),
      );
    } catch (error) {
      unreachable.push({ node: entry.node, error: (error as Error).message });
      hosts.push(
        await upsertHost(sql, {
          ...base,
          status: 'unknown',
          cpuCount: entry.maxcpu ?? null,
          memTotalBytes: entry.maxmem ?? null,
          diskTotalBytes: null,
        }),
      );
    }
  }
  const removed = await markMissingProxmoxHosts(
    sql,
    nodes.map((n) => n.node),
  );
  return { hosts, removed, unreachable };
}

/** Current capacity of every Proxmox node, from one /cluster/resources call. */
export async function proxmoxHostCapacities(client: ProxmoxClient): Promise<HostCapacity[]> {
  const resources = await client.clusterResources('node');
  return resources
    .filter((r) => r.type === 'node' && r.node)
    .map((r) => ({
      name: r.node!,
      node: r.node!,
      source: 'proxmox' as const,
      status: r.status === 'online' ? 'online' : r.status === 'offline' ? 'offline' : 'unknown',
      cpuCount: Math.round(r.maxcpu ?? 0),
      cpuUsage: r.cpu ?? 0,
      memTotalBytes: r.maxmem ?? 0,
      memUsedBytes: r.mem ?? 0,
      diskTotalBytes: r.maxdisk ?? 0,
      diskUsedBytes: r.disk ?? 0,
    }));
}

// --- this machine (embedded mode) -------------------------------------------------------------

/** Memory in use as the kernel sees it: total minus MemAvailable (page cache is not "used"). */
async function memoryUsedBytes(): Promise<number> {
  try {
    const meminfo = await readFile('/proc/meminfo', 'utf8');
    const available = /MemAvailable:\s+(\d+) kB/.exec(meminfo);
    if (available) return Math.max(0, os.totalmem() - Number(available[1]) * 1024);
  } catch {
    // not Linux: free memory counts page cache as used, which errs on the safe side
  }
  return os.totalmem() - os.freemem();
}

/**
 * This machine as a host: CPUs and load from `os`, memory from /proc/meminfo, disk from the
 * file system holding `dataDir` (where builds and the local CDN write). Its name is the
 * host name, the same one the monitor records in host_samples.
 */
export async function localHost(dataDir = '.'): Promise<HostCapacity> {
  const cpuCount = os.cpus().length || 1;
  const disk = await statfs(dataDir);
  return {
    name: os.hostname(),
    node: null,
    source: 'local',
    status: 'online',
    cpuCount,
    cpuUsage: Math.min(1, Math.max(0, os.loadavg()[0] / cpuCount)),
    memTotalBytes: os.totalmem(),
    memUsedBytes: await memoryUsedBytes(),
    diskTotalBytes: disk.blocks * disk.bsize,
    diskUsedBytes: (disk.blocks - disk.bavail) * disk.bsize,
  };
}

/** Records this machine in `hosts` (embedded mode, where it is the only host). */
export async function syncLocalHost(sql: Sql, dataDir = '.'): Promise<HostRecord> {
  const host = await localHost(dataDir);
  return upsertHost(sql, {
    name: host.name,
    node: null,
    source: 'local',
    status: 'online',
    cpuCount: host.cpuCount,
    memTotalBytes: host.memTotalBytes,
    diskTotalBytes: host.diskTotalBytes,
  });
}

/** The hosts placement may choose from: the Proxmox nodes when a client is given, else this machine. */
export async function currentHostCapacities(client: ProxmoxClient | null, dataDir = '.'): Promise<HostCapacity[]> {
  return client ? proxmoxHostCapacities(client) : [await localHost(dataDir)];
}
