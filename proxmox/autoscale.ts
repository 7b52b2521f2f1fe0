// How many build workers to run, from the build queue, and how to add one on a Proxmox host.
//
// decideWorkerCount is a pure function with hysteresis: it scales up as soon as the jobs
// (waiting + running) need more worker slots than there are, but scales down only when the
// smaller fleet would be at most `scaleDownUtilization` busy and the cooldown since the last
// change has passed — so a queue hovering around a boundary does not make workers flap.
import type { ProxmoxClient } from './client.ts';
import type { HostCapacity } from './inventory.ts';

export interface AutoscaleInput {
  /** Jobs waiting for a worker. */
  queueDepth: number;
  /** Jobs being worked on now. */
  running: number;
  /** Workers running now. */
  current: number;
  min: number;
  max: number;
  /** Jobs one worker runs at once (its concurrency). */
  jobsPerWorker: number;
  /** Scale down only to a fleet that would be at most this busy; default 0.5. */
  scaleDownUtilization?: number;
  /** No scale-down within this long after the last change; default 5 minutes. */
  cooldownMs?: number;
  lastScaledAt?: Date | null;
  now?: Date;
}

export type AutoscaleAction = 'scale-up' | 'scale-down' | 'hold';

export interface AutoscaleDecision {
  target: number;
  action: AutoscaleAction;
  /** Korean, for logs and the ops dashboard. */
  reason: string;
}

export function decideWorkerCount(input: AutoscaleInput): AutoscaleDecision {
  const { queueDepth, running, current, min, max, jobsPerWorker } = input;
  const utilization = input.scaleDownUtilization ?? 0.5;
  const cooldownMs = input.cooldownMs ?? 5 * 60_000;
  for (const [name, value] of Object.entries({ queueDepth, running, current, min, max })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`decideWorkerCount: ${name} must be a non-negative integer, got ${value}`);
  }
  if (!Number.isInteger(jobsPerWorker) || jobsPerWorker < 1) throw new Error(`decideWorkerCount: jobsPerWorker must be a positive integer, got ${jobsPerWorker}`);
  if (max < min) throw new Error(`decideWorkerCount: max (${max}) is below min (${min})`);
  if (!(utilization > 0 && utilization <= 1)) throw new Error(`decideWorkerCount: scaleDownUtilization must be in (0, 1], got ${utilization}`);

  const load = queueDepth + running;
  const required = Math.ceil(load / jobsPerWorker);
  const decide = (target: number, reason: string): AutoscaleDecision => ({
    target,
    action: target > current ? 'scale-up' : target < current ? 'scale-down' : 'hold',
    reason,
  });

  if (current < min) return decide(Math.min(max, Math.max(min, required)), `워커 ${current}대는 최소 ${min}대보다 적습니다`);
  if (current > max) return decide(max, `워커 ${current}대는 최대 ${max}대를 넘습니다`);

  if (required > current) {
    if (current === max) return decide(max, `작업 ${load}건에 워커 ${required}대가 필요하지만 최대 ${max}대에서 멈춥니다`);
    const target = Math.min(max, required);
    return decide(target, `작업 ${load}건(대기 ${queueDepth}, 실행 ${running})에 워커 ${required}대가 필요합니다${target < required ? ` (최대 ${max}대)` : ''}`);
  }

  // Enough workers. Shrink only to a fleet that would be at most `utilization` busy, never
  // below what the running jobs occupy, never below min.
  const keep = Math.max(min, Math.ceil(load / (jobsPerWorker * utilization)), Math.ceil(running / jobsPerWorker));
  if (keep >= current) return decide(current, `작업 ${load}건이 워커 ${current}대의 유지 구간 안에 있습니다`);
  const now = input.now ?? new Date();
  if (input.lastScaledAt && now.getTime() - input.lastScaledAt.getTime() < cooldownMs) {
    const waitS = Math.ceil((cooldownMs - (now.getTime() - input.lastScaledAt.getTime())) / 1000);
    return decide(current, `줄일 수 있지만 마지막 변경 후 대기 시간이 ${waitS}초 남았습니다`);
  }
  return decide(keep, keep === min && load === 0 ? `대기 작업이 없어 최소 ${min}대로 줄입니다` : `작업 ${load}건에는 워커 ${keep}대면 충분합니다`);
}

export interface ProvisionedWorker {
  vmid: number;
  node: string;
  hostname: string;
  cloneUpid: string;
  startUpid: string;
}

export interface ProvisionWorkerOptions {
  /** The node holding the template; default the chosen host's node (one template per node). */
  templateNode?: string;
  /** Linked clone from a template (fast, default) or a full copy. */
  full?: boolean;
  taskIntervalMs?: number;
  taskTimeoutMs?: number;
}

/**
 * Adds one build worker container on `host`: next free VMID → clone the worker template →
 * wait for the clone task → start → wait for the start task. A failed task throws
 * ProxmoxTaskError with the task's exit status.
 */
export async function provisionWorker(
  client: ProxmoxClient,
  host: HostCapacity,
  templateVmid: number,
  options: ProvisionWorkerOptions = {},
): Promise<ProvisionedWorker> {
  if (host.source !== 'proxmox' || !host.node) {
    throw new Error(`provisionWorker: host ${host.name} is not a Proxmox node (embedded mode runs the worker in-process instead)`);
  }
  const node = host.node;
  const templateNode = options.templateNode ?? node;
  const wait = { intervalMs: options.taskIntervalMs ?? 1000, timeoutMs: options.taskTimeoutMs ?? 10 * 60_000 };
  const vmid = await client.nextId();
  const hostname = `ww-worker-${vmid}`;
  const cloneUpid = await client.cloneLxc(templateNode, templateVmid, {
    newid: vmid,
    hostname,
    full: options.full ?? false,
    ...(templateNode !== node ? { target: node } : {}),
  });
  await client.waitForTask(templateNode, cloneUpid, wait);
  const startUpid = await client.startLxc(node, vmid);
  await client.waitForTask(node, startUpid, wait);
  return { vmid, node, hostname, cloneUpid, startUpid };
}

/** Stops a worker container (scale-down); waits for the stop task. */
export async function stopWorker(
  client: ProxmoxClient,
  node: string,
  vmid: number,
  options: { taskIntervalMs?: number; taskTimeoutMs?: number } = {},
): Promise<void> {
  const upid = await client.stopLxc(node, vmid);
  await client.waitForTask(node, upid, { intervalMs: options.taskIntervalMs ?? 1000, timeoutMs: options.taskTimeoutMs ?? 5 * 60_000 });
}
