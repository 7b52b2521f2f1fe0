// What a tenant's plan buys on the build farm: queue priority (paid plans first), how many of
// its builds may run at once, and the resources of each build's container or process.
// Plan codes are tenants.plan_code ('trial' until billing grants a plan).

export interface BuildLimits {
  /** pg-boss job priority and builds.priority: higher is taken first. */
  priority: number;
  /** Builds of one tenant running at the same time, across all workers. */
  concurrentBuilds: number;
  memoryMb: number;
  cpus: number;
  pids: number;
  timeoutSeconds: number;
}

const limitsByPlan: Record<string, BuildLimits> = {
  trial: { priority: 0, concurrentBuilds: 1, memoryMb: 256, cpus: 0.5, pids: 64, timeoutSeconds: 60 },
  basic: { priority: 10, concurrentBuilds: 1, memoryMb: 384, cpus: 1, pids: 64, timeoutSeconds: 120 },
  premium: { priority: 20, concurrentBuilds: 2, memoryMb: 512, cpus: 1, pids: 128, timeoutSeconds: 180 },
  enterprise: { priority: 30, concurrentBuilds: 4, memoryMb: 1024, cpus: 2, pids: 128, timeoutSeconds: 240 },
};

export function buildLimitsForPlan(planCode: string): BuildLimits {
  return limitsByPlan[planCode] ?? limitsByPlan.trial;
}
