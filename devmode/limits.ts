// What a plan gives one developer-mode session: its container's memory, CPU and process limits.
// Developer mode is a plan feature (plans.devmode: 프리미엄 and up). One editor with a site open
// used about 460 MiB on this machine, so the smallest limit is 1 GiB.
export interface SessionLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
}

const limitsByPlan: Record<string, SessionLimits> = {
  premium: { memoryMb: 1024, cpus: 1, pids: 256 },
  enterprise: { memoryMb: 2048, cpus: 2, pids: 512 },
};

/** The limits of a plan that includes developer mode; premium's for a plan not listed. */
export function sessionLimitsForPlan(planCode: string): SessionLimits {
  return limitsByPlan[planCode] ?? limitsByPlan.premium;
}
