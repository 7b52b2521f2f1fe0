// How many build workers to run, from the build queue, and how to add one on a Proxmox host.
//
// decideWorkerCount is a pure function with hysteresis: it scales up as soon as the jobs
// (waiting + running) need more worker slots than there are, but scales down only when the
// smaller fleet would be at most `scaleDownUtilization` busy and the cooldown since the last
// change has passed — so a queue hovering around a boundary does not make workers flap.
import type { ProxmoxClient } from './client.ts';
import { proxmoxHostCapacities, type HostCapacity } from './inventory.ts';
import { chooseHostForWorker, type WorkerNeed } from './placement.ts';

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

/** Build worker containers are named `ww-worker-<vmid>`; that is how the fleet is found again. */
export const WORKER_HOSTNAME_PREFIX = 'ww-worker-';

export interface ProvisionedWorker {
  vmid: number;
  node: string;
  hostname: string;
  cloneUpid: string;
  startUpid: string;
}

export interface ProvisionWorkerOptions {
  /** The node holding the template; looked up in /cluster/resources when not given. */
  templateNode?: string;
  /**
   * Full copy instead of a linked clone. Default: linked when the template sits on the chosen
   * node (fast, thin), full when cloning to another node (the template must be on shared storage).
   */
  full?: boolean;
  taskIntervalMs?: number;
  taskTimeoutMs?: number;
}

async function findTemplateNode(client: ProxmoxClient, templateVmid: number): Promise<string> {
  const guests = await client.clusterResources('vm');
  const template = guests.find((g) => g.type === 'lxc' && g.vmid === templateVmid);
  if (!template?.node) {
    throw new Error(`The worker template CT ${templateVmid} is not in the Proxmox cluster (PROXMOX_WORKER_TEMPLATE_VMID)`);
  }
  return template.node;
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
  const templateNode = options.templateNode ?? (await findTemplateNode(client, templateVmid));
  const wait = { intervalMs: options.taskIntervalMs ?? 1000, timeoutMs: options.taskTimeoutMs ?? 10 * 60_000 };
  const vmid = await client.nextId();
  const hostname = `${WORKER_HOSTNAME_PREFIX}${vmid}`;
  const cloneUpid = await client.cloneLxc(templateNode, templateVmid, {
    newid: vmid,
    hostname,
    full: options.full ?? templateNode !== node,
    ...(templateNode !== node ? { target: node } : {}),
  });
  // The clone task runs on the node that holds the template.
  await client.waitForTask(templateNode, cloneUpid, wait);
  const startUpid = await client.startLxc(node, vmid);
  await client.waitForTask(node, startUpid, wait);
  return { vmid, node, hostname, cloneUpid, startUpid };
}

/** Stops a worker container at once; waits for the stop task. */
export async function stopWorker(
  client: ProxmoxClient,
  node: string,
  vmid: number,
  options: { taskIntervalMs?: number; taskTimeoutMs?: number } = {},
): Promise<void> {
  const upid = await client.stopLxc(node, vmid);
  await client.waitForTask(node, upid, { intervalMs: options.taskIntervalMs ?? 1000, timeoutMs: options.taskTimeoutMs ?? 5 * 60_000 });
}

export interface WorkerContainer {
  vmid: number;
  node: string;
  hostname: string;
  status: string;
}

/** The build worker containers in the cluster (templates excluded), lowest VMID first. */
export async function listWorkers(client: ProxmoxClient): Promise<WorkerContainer[]> {
  const guests = await client.clusterResources('vm');
  return guests
    .filter((g) => g.type === 'lxc' && g.vmid !== undefined && g.node && g.name?.startsWith(WORKER_HOSTNAME_PREFIX) && !g.template)
    .map((g) => ({ vmid: g.vmid!, node: g.node!, hostname: g.name!, status: g.status ?? 'unknown' }))
    .sort((a, b) => a.vmid - b.vmid);
}

export interface ReconcileWorkersOptions {
  client: ProxmoxClient;
  /** Running workers wanted (decideWorkerCount's target). */
  target: number;
  templateVmid: number;
  need: WorkerNeed;
  /** Seconds a retiring worker gets to finish its jobs before it is stopped; default 120. */
  shutdownTimeoutS?: number;
  taskIntervalMs?: number;
  taskTimeoutMs?: number;
}

export interface ReconcileWorkersResult {
  running: number;
  started: ProvisionedWorker[];
  retired: { vmid: number; node: string }[];
  /** Why fewer workers were started than wanted (Korean, from placement), or null. */
  placementProblem: string | null;
}

/**
 * Brings the number of running workers to `target`: places and provisions missing ones one at
 * a time (each placement sees the previous worker's memory), or retires the newest ones — a
 * clean shutdown so the worker inside can finish its jobs, then the container is destroyed.
 */
export async function reconcileWorkers(options: ReconcileWorkersOptions): Promise<ReconcileWorkersResult> {
  const { client, target, templateVmid, need } = options;
  const tasks = { intervalMs: options.taskIntervalMs ?? 1000, timeoutMs: options.taskTimeoutMs ?? 10 * 60_000 };
  const running = (await listWorkers(client)).filter((w) => w.status === 'running');
  const started: ProvisionedWorker[] = [];
  const retired: { vmid: number; node: string }[] = [];
  let placementProblem: string | null = null;

  for (let count = running.length; count < target; count++) {
    const placement = chooseHostForWorker(await proxmoxHostCapacities(client), need);
    if (!placement.ok) {
      placementProblem = placement.message;
      break;
    }
    started.push(
      await provisionWorker(client, placement.host, templateVmid, { taskIntervalMs: tasks.intervalMs, taskTimeoutMs: tasks.timeoutMs }),
    );
  }

  // `running` is sorted by VMID, so the ones past `target` are the newest; retire those first.
  const surplus = running.slice(Math.max(0, target)).reverse();
  for (const worker of surplus) {
    const shutdown = await client.shutdownLxc(worker.node, worker.vmid, { timeout: options.shutdownTimeoutS ?? 120, forceStop: true });
    await client.waitForTask(worker.node, shutdown, tasks);
    const destroy = await client.destroyLxc(worker.node, worker.vmid, { purge: true });
    await client.waitForTask(worker.node, destroy, tasks);
    retired.push({ vmid: worker.vmid, node: worker.node });
  }

  return { running: running.length + started.length - retired.length, started, retired, placementProblem };
}
