import type { Sql } from '../db/index.ts';
import { startHeartbeat } from '../db/index.ts';
import { createHostSampler, recordHostSample, type HostSample } from './host-capacity.ts';

export interface Monitor {
  /** Takes and stores one sample now (the loop also does this every interval). */
  sampleNow(): Promise<HostSample>;
  stop(): Promise<void>;
}

export async function startMonitor(sql: Sql, options: { dataDir: string; intervalSeconds: number }): Promise<Monitor> {
  const sampleHost = createHostSampler(options.dataDir);
  let last: HostSample | undefined;
  const sampleNow = async () => {
    last = await sampleHost(sql);
    await recordHostSample(sql, last);
    return last;
  };
  const heartbeat = await startHeartbeat(sql, {
    kind: 'monitor',
    info: () => (last ? { cpuPercent: last.cpuPercent, queueDepth: last.queueDepth, runningBuilds: last.runningBuilds } : {}),
  });
  await sampleNow();
  const timer = setInterval(() => {
    sampleNow().catch((error) => console.error(`[monitor] host sample failed: ${(error as Error).message}`));
  }, options.intervalSeconds * 1000);
  return {
    sampleNow,
    async stop() {
      clearInterval(timer);
      await heartbeat.stop();
    },
  };
}
