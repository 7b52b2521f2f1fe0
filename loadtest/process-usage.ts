// What the machine spent during a run: CPU seconds of k6 and of each platform process (web, edge,
// worker, the embedded PostgreSQL and its backends), the whole machine's busy CPU, and the peak
// resident memory of web and edge (mem.web_peak_mb_under_load). Platform processes are found by
// their heartbeats; only those on this machine can be read (/proc), others stay unmeasured.
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listProcesses, type Sql } from '../db/index.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcessUsage {
  webPeakRssMb: number | null;
  edgePeakRssMb: number | null;
  /** CPU seconds per process group during the run (user + system). */
  cpuSeconds: Record<string, number>;
  /** Busy CPU seconds of the whole machine (all processes, ours or not) and its core count. */
  machineBusySeconds: number;
  cores: number;
  wallSeconds: number;
}

export async function residentMegabytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** utime + stime (ticks) and parent pid of a process, from /proc/<pid>/stat. */
async function processTicks(pid: number): Promise<{ ticks: number; ppid: number } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state ppid … utime is field 14 overall → index 11 here, stime 12.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

async function machineBusyTicks(): Promise<number> {
  const [line] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return user + nice + system + irq + softirq + steal;
}

async function childrenOf(parent: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const result: number[] = [];
  for (const pid of pids) {
    const info = await processTicks(pid);
    if (info?.ppid === parent) result.push(pid);
  }
  return result;
}

async function postmasterPid(dataDir: string): Promise<number | null> {
  try {
    return Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]) || null;
  } catch {
    return null;
  }
}

export interface UsageWatch {
  /** Adds a process to watch under a label (k6 once it is started). */
  add(label: string, pid: number): void;
  stop(): Promise<ProcessUsage>;
}

/**
 * Starts sampling every `intervalMs`. CPU seconds are the growth of each process's ticks between
 * its first and last sample; PostgreSQL backends are re-discovered at each sample.
 */
export async function watchProcessUsage(sql: Sql, options: { platformDataDir?: string | null; intervalMs?: number } = {}): Promise<UsageWatch> {
  const here = os.hostname();
  const watched = new Map<number, { label: string; first: number; last: number }>();
  const peaks = new Map<string, number>();
  const processes = (await listProcesses(sql)).filter((p) => p.alive && p.host === here);
  const postmaster = options.platformDataDir ? await postmasterPid(options.platformDataDir) : null;

  const track = async (label: string, pid: number) => {
    const info = await processTicks(pid);
    if (!info) return;
    const entry = watched.get(pid);
    if (entry) entry.last = info.ticks;
    else watched.set(pid, { label, first: info.ticks, last: info.ticks });
    if (label === 'web' || label === 'edge') {
      const mb = await residentMegabytes(pid);
      if (mb !== null) peaks.set(label, Math.max(peaks.get(label) ?? 0, mb));
    }
  };
  const sample = async () => {
    for (const p of processes) await track(p.kind, p.pid);
    if (postmaster) {
      await track('postgres', postmaster);
      for (const child of await childrenOf(postmaster)) await track('postgres', child);
    }
    for (const [pid, entry] of watched) if (!processes.some((p) => p.pid === pid)) await track(entry.label, pid);
  };

  const startedAt = Date.now();
  const machineStart = await machineBusyTicks();
  await sample();
  let sampling = false;
  const timer = setInterval(() => {
    if (sampling) return;
    sampling = true;
    void sample().finally(() => (sampling = false));
  }, options.intervalMs ?? 1000);

  return {
    add(label, pid) {
      void track(label, pid);
    },
    async stop() {
      clearInterval(timer);
      await sample();
      const machineBusy = (await machineBusyTicks()) - machineStart;
      const cpuSeconds: Record<string, number> = {};
      for (const { label, first, last } of watched.values()) cpuSeconds[label] = (cpuSeconds[label] ?? 0) + (last - first) / TICKS_PER_SECOND;
      for (const key of Object.keys(cpuSeconds)) cpuSeconds[key] = Math.round(cpuSeconds[key] * 10) / 10;
      const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
      return {
        webPeakRssMb: round(peaks.get('web')),
        edgePeakRssMb: round(peaks.get('edge')),
        cpuSeconds,
        machineBusySeconds: Math.round((machineBusy / TICKS_PER_SECOND) * 10) / 10,
        cores: os.cpus().length,
        wallSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      };
    },
  };
}

/** "CPU over 41 s on 2 cores (82 core-s): machine busy 78 s — k6 30.1 s, web 25.3 s, …, others 12.0 s" */
export function formatProcessUsage(usage: ProcessUsage): string {
  const ours = Object.entries(usage.cpuSeconds).sort((a, b) => b[1] - a[1]);
  const counted = ours.reduce((n, [, s]) => n + s, 0);
  const others = Math.max(0, usage.machineBusySeconds - counted);
  const parts = [...ours.map(([label, s]) => `${label} ${s.toFixed(1)} s`), `everything else ${others.toFixed(1)} s`];
  return `CPU over ${usage.wallSeconds.toFixed(0)} s on ${usage.cores} cores (${(usage.wallSeconds * usage.cores).toFixed(0)} core-s): machine busy ${usage.machineBusySeconds.toFixed(1)} s — ${parts.join(', ')}`;
}
