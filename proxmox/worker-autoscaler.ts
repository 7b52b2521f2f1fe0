// One autoscaling round for the build workers on Proxmox, run by the monitor: count the
// running workers, decide the target from the build queue, bring the fleet there, and record
// the change in worker_scaling_events (which also carries the cooldown between processes).
// Only one process runs a round at a time (a PostgreSQL advisory lock), so two monitors
// never both add the same missing worker.
import type { Sql } from '../db/index.ts';
import type { ProxmoxClient } from './client.ts';
import { decideWorkerCount, listWorkers, reconcileWorkers, type AutoscaleDecision } from './autoscale.ts';
import type { WorkerNeed } from './placement.ts';

const AUTOSCALE_LOCK = 6_060_061;

export interface AutoscaleWorkersOptions {
  sql: Sql;
  client: ProxmoxClient;
  templateVmid: number;
  /** Build jobs waiting and running now (e.g. monitoring's buildLoad). */
  load: { queueDepth: number; running: number };
  min: number;
  max: number;
  jobsPerWorker: number;
  need: WorkerNeed;
  cooldownMs?: number;
  scaleDownUtilization?: number;
  taskIntervalMs?: number;
  taskTimeoutMs?: number;
}

export type AutoscaleWorkersResult =
  | { skipped: true; reason: string }
  | {
      skipped: false;
      decision: AutoscaleDecision;
      workersBefore: number;
      workersAfter: number;
      startedVmids: number[];
      retiredVmids: number[];
      problem: string | null;
    };

export interface WorkerScalingEvent {
  id: number;
  at: Date;
  queueDepth: number;
  runningJobs: number;
  workersBefore: number;
  target: number;
  workersAfter: number;
  action: AutoscaleDecision['action'];
  reason: string;
  startedVmids: number[];
  retiredVmids: number[];
  problem: string | null;
}

// --- queries ------------------------------------------------------------------------------------

async function lastFleetChange(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ at: Date }[]>`
    select at from worker_scaling_events
    where workers_after <> workers_before
    order by at desc limit 1`;
  return row?.at ?? null;
}

async function recordScalingEvent(sql: Sql, e: Omit<WorkerScalingEvent, 'id' | 'at'>): Promise<void> {
  await sql`
    insert into worker_scaling_events (queue_depth, running_jobs, workers_before, target, workers_after, action, reason,
                                       started_vmids, retired_vmids, problem)
    values (${e.queueDepth}, ${e.runningJobs}, ${e.workersBefore}, ${e.target}, ${e.workersAfter}, ${e.action}, ${e.reason},
            ${e.startedVmids}::integer[], ${e.retiredVmids}::integer[], ${e.problem})`;
}

export async function listWorkerScalingEvents(sql: Sql, limit = 100): Promise<WorkerScalingEvent[]> {
  const rows = await sql`select * from worker_scaling_events order by at desc, id desc limit ${limit}`;
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at as Date,
    queueDepth: r.queue_depth as number,
    runningJobs: r.running_jobs as number,
    workersBefore: r.workers_before as number,
    target: r.target as number,
    workersAfter: r.workers_after as number,
    action: r.action as AutoscaleDecision['action'],
    reason: r.reason as string,
    startedVmids: (r.started_vmids as number[]) ?? [],
    retiredVmids: (r.retired_vmids as number[]) ?? [],
    problem: (r.problem as string | null) ?? null,
  }));
}

// --- the round ----------------------------------------------------------------------------------

export async function autoscaleWorkers(options: AutoscaleWorkersOptions): Promise<AutoscaleWorkersResult> {
  const { sql, client } = options;
  const lockConnection = await sql.reserve();
  try {
    const [{ locked }] = await lockConnection<{ locked: boolean }[]>`select pg_try_advisory_lock(${AUTOSCALE_LOCK}) as locked`;
    if (!locked) return { skipped: true, reason: 'another process is running an autoscaling round' };
    try {
      const workersBefore = (await listWorkers(client)).filter((w) => w.status === 'running').length;
      const decision = decideWorkerCount({
        queueDepth: options.load.queueDepth,
        running: options.load.running,
        current: workersBefore,
        min: options.min,
        max: options.max,
        jobsPerWorker: options.jobsPerWorker,
        cooldownMs: options.cooldownMs,
        scaleDownUtilization: options.scaleDownUtilization,
        lastScaledAt: await lastFleetChange(sql),
      });
      if (decision.action === 'hold') {
        return { skipped: false, decision, workersBefore, workersAfter: workersBefore, startedVmids: [], retiredVmids: [], problem: null };
      }
      let problem: string | null = null;
      let startedVmids: number[] = [];
      let retiredVmids: number[] = [];
      let workersAfter = workersBefore;
      try {
        const result = await reconcileWorkers({
          client,
          target: decision.target,
          templateVmid: options.templateVmid,
          need: options.need,
          taskIntervalMs: options.taskIntervalMs,
          taskTimeoutMs: options.taskTimeoutMs,
        });
        startedVmids = result.started.map((w) => w.vmid);
        retiredVmids = result.retired.map((w) => w.vmid);
        workersAfter = result.running;
        problem = result.placementProblem;
      } catch (error) {
        // Record what failed (a task's exit status, an unreachable API) and count again.
        problem = (error as Error).message;
        const after = await listWorkers(client).catch(() => null);
        workersAfter = after ? after.filter((w) => w.status === 'running').length : workersBefore;
      }
      await recordScalingEvent(sql, {
        queueDepth: options.load.queueDepth,
        runningJobs: options.load.running,
        workersBefore,
        target: decision.target,
        workersAfter,
        action: decision.action,
        reason: decision.reason,
        startedVmids,
        retiredVmids,
        problem,
      });
      return { skipped: false, decision, workersBefore, workersAfter, startedVmids, retiredVmids, problem };
    } finally {
      await lockConnection`select pg_advisory_unlock(${AUTOSCALE_LOCK})`;
    }
  } finally {
    lockConnection.release();
  }
}
