import { readFileSync } from 'node:fs';

/** Peak resident memory (VmHWM) of a live process in MB, from /proc. */
export function peakResidentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** Samples the resident memory of processes while `work` runs; returns each one's peak in MB. */
export async function withPeakMemory<T>(pids: Record<string, number>, work: () => Promise<T>): Promise<{ result: T; peakMb: Record<string, number> }> {
  const peak: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
        peak[name] = Math.max(peak[name] ?? 0, rss);
      } catch {
        // process gone; keep what we saw
      }
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    const result = await work();
    sample();
    return { result, peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}
