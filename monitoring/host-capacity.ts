// What this machine has and uses right now: the monitor records it every minute into
// host_samples, which the ops dashboard and worker placement read.
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { Sql } from '../db/index.ts';

export interface HostSample {
  host: string;
  cpuCount: number;
  cpuPercent: number;
  load1: number;
  memTotalBytes: number;
  memUsedBytes: number;
  diskTotalBytes: number;
  diskUsedBytes: number;
  runningBuilds: number;
  queueDepth: number;
}
// Developer-mode sessions run on agent hosts (devmode_hosts), sampled per agent host by
// devmode-hosts.ts; host_samples.devmode_* (migration 135) are left at 0.

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** CPU busy share between two readings, 0–100. */
export function cpuPercentBetween(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.round((1 - (after.idle - before.idle) / total) * 10_000) / 100;
}

/** Memory in use as the kernel sees it: total minus MemAvailable (page cache is not "used"). */
async function memoryUsedBytes(): Promise<number> {
  try {
    const meminfo = await readFile('/proc/meminfo', 'utf8');
    const available = /MemAvailable:\s+(\d+) kB/.exec(meminfo);
    if (available) return os.totalmem() - Number(available[1]) * 1024;
  } catch {
    // not Linux: fall back to free memory, which counts cache as used
  }
  return os.totalmem() - os.freemem();
}

/** Builds running and waiting across all tenants (a platform figure, read without a tenant scope). */
export async function buildLoad(sql: Sql): Promise<{ runningBuilds: number; queueDepth: number }> {
  const [row] = await sql<{ running: number; queued: number }[]>`
    select count(*) filter (where status = 'running')::int as running,
           count(*) filter (where status = 'queued')::int as queued
    from builds where status in ('running', 'queued')`;
  return { runningBuilds: row.running, queueDepth: row.queued };
}

export function createHostSampler(dataDir: string, host = os.hostname()) {
  let previous = cpuTimes();
  return async function sampleHost(sql: Sql): Promise<HostSample> {
    const current = cpuTimes();
    const cpuPercent = cpuPercentBetween(previous, current);
    previous = current;
    const disk = await statfs(dataDir);
    const load = await buildLoad(sql);
    return {
      host,
      cpuCount: os.cpus().length,
      cpuPercent,
      load1: Math.round(os.loadavg()[0] * 100) / 100,
      memTotalBytes: os.totalmem(),
      memUsedBytes: await memoryUsedBytes(),
      diskTotalBytes: disk.blocks * disk.bsize,
      diskUsedBytes: (disk.blocks - disk.bavail) * disk.bsize,
      ...load,
    };
  };
}

export async function recordHostSample(sql: Sql, s: HostSample): Promise<void> {
  await sql`
    insert into host_samples (host, cpu_count, cpu_percent, load1, mem_total_bytes, mem_used_bytes,
                              disk_total_bytes, disk_used_bytes, running_builds, queue_depth)
    values (${s.host}, ${s.cpuCount}, ${s.cpuPercent}, ${s.load1}, ${s.memTotalBytes}, ${s.memUsedBytes},
            ${s.diskTotalBytes}, ${s.diskUsedBytes}, ${s.runningBuilds}, ${s.queueDepth})`;
}

export interface StoredHostSample extends HostSample {
  at: Date;
}

export async function latestHostSamples(sql: Sql, limit = 60): Promise<StoredHostSample[]> {
  const rows = await sql`
    select host, at, cpu_count, cpu_percent, load1, mem_total_bytes, mem_used_bytes,
           disk_total_bytes, disk_used_bytes, running_builds, queue_depth
    from host_samples order by at desc limit ${limit}`;
  return rows.map((r) => ({
    host: r.host,
    at: r.at,
    cpuCount: r.cpu_count,
    cpuPercent: Number(r.cpu_percent),
    load1: Number(r.load1),
    memTotalBytes: r.mem_total_bytes,
    memUsedBytes: r.mem_used_bytes,
    diskTotalBytes: r.disk_total_bytes,
    diskUsedBytes: r.disk_used_bytes,
    runningBuilds: r.running_builds,
    queueDepth: r.queue_depth,
  }));
}
