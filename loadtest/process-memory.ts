// Peak resident memory of the platform's web and edge processes while k6 runs, for the figures
// the issue asks for (mem.web_peak_mb_under_load). The processes are found by their heartbeats;
// only those on this machine can be read (/proc/<pid>/status), others stay unmeasured (null).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { listProcesses, type Sql } from '../db/index.ts';

export interface ProcessPeaks {
  webPeakRssMb: number | null;
  edgePeakRssMb: number | null;
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

/** Starts sampling every `intervalMs`; stop() returns the peaks (MB, one decimal). */
export async function watchProcessMemory(sql: Sql, intervalMs = 500): Promise<{ stop(): Promise<ProcessPeaks> }> {
  const here = os.hostname();
  const processes = (await listProcesses(sql)).filter((p) => p.alive && p.host === here && (p.kind === 'web' || p.kind === 'edge'));
  const peaks = new Map<'web' | 'edge', number>();
  const sample = async () => {
    for (const p of processes) {
      const mb = await residentMegabytes(p.pid);
      if (mb === null) continue;
      const kind = p.kind as 'web' | 'edge';
      peaks.set(kind, Math.max(peaks.get(kind) ?? 0, mb));
    }
  };
  await sample();
  const timer = setInterval(() => void sample(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
      return { webPeakRssMb: round(peaks.get('web')), edgePeakRssMb: round(peaks.get('edge')) };
    },
  };
}
