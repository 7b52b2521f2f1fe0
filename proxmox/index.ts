// proxmox/: the Proxmox VE API client, host inventory, worker placement and autoscaling.
// In embedded mode (no PROXMOX_URL) this machine is the only host.
import type { Env } from '../config/index.ts';
import { createProxmoxClient, type ProxmoxClient } from './client.ts';

export {
  createProxmoxClient,
  encodeForm,
  ProxmoxError,
  ProxmoxTaskError,
  type ProxmoxClient,
  type ProxmoxClientOptions,
  type WaitForTaskOptions,
} from './client.ts';
export type {
  PveClusterResource,
  PveClusterResourceFilter,
  PveClusterResourceType,
  PveCloneLxcParams,
  PveCreateLxcParams,
  PveLxcStatus,
  PveNodeListEntry,
  PveNodeStatus,
  PveTaskStatus,
  PveVersion,
} from './types.ts';
export {
  syncHosts,
  syncLocalHost,
  listHosts,
  setHostMonthlyCost,
  localHost,
  proxmoxHostCapacities,
  currentHostCapacities,
  type HostRecord,
  type HostCapacity,
  type HostSource,
  type HostStatus,
  type SyncHostsResult,
} from './inventory.ts';
export { chooseHostForWorker, headroomOf, type WorkerNeed, type HostHeadroom, type PlacementResult } from './placement.ts';
export {
  decideWorkerCount,
  provisionWorker,
  stopWorker,
  listWorkers,
  reconcileWorkers,
  WORKER_HOSTNAME_PREFIX,
  type WorkerContainer,
  type ReconcileWorkersOptions,
  type ReconcileWorkersResult,
  type AutoscaleInput,
  type AutoscaleDecision,
  type AutoscaleAction,
  type ProvisionedWorker,
  type ProvisionWorkerOptions,
} from './autoscale.ts';
export {
  autoscaleWorkers,
  listWorkerScalingEvents,
  type AutoscaleWorkersOptions,
  type AutoscaleWorkersResult,
  type WorkerScalingEvent,
} from './worker-autoscaler.ts';

/**
 * The Proxmox client the environment configures, or null in embedded mode. Setting only one
 * of PROXMOX_URL / PROXMOX_TOKEN is a configuration mistake and throws, naming the other.
 */
export function proxmoxClientFromEnv(env: Pick<Env, 'PROXMOX_URL' | 'PROXMOX_TOKEN'>): ProxmoxClient | null {
  if (!env.PROXMOX_URL && !env.PROXMOX_TOKEN) return null;
  if (!env.PROXMOX_URL) throw new Error('PROXMOX_TOKEN is set but PROXMOX_URL is not: set both (https://host:8006) or neither (embedded mode)');
  if (!env.PROXMOX_TOKEN) throw new Error('PROXMOX_URL is set but PROXMOX_TOKEN is not: set both (USER@REALM!TOKENID=SECRET) or neither (embedded mode)');
  return createProxmoxClient({ baseUrl: env.PROXMOX_URL, token: env.PROXMOX_TOKEN });
}
