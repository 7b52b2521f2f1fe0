// Where a new build worker goes: the online host with the most headroom — free memory first
// (builds are memory-bound and an over-committed host swaps), then free CPU — among the hosts
// that can hold the worker at all.
import type { HostCapacity } from './inventory.ts';

export interface WorkerNeed {
  memBytes: number;
  /** CPUs the worker may keep busy. */
  cpus: number;
  diskBytes?: number;
}

export interface HostHeadroom {
  freeMemBytes: number;
  freeCpus: number;
  freeDiskBytes: number;
}

export type PlacementResult =
  | { ok: true; host: HostCapacity; headroom: HostHeadroom }
  | {
      ok: false;
      /** Korean, for the ops dashboard. */
      message: string;
      rejected: { host: string; reason: string }[];
    };

const GiB = 2 ** 30;
const formatGiB = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

export function headroomOf(host: HostCapacity): HostHeadroom {
  return {
    freeMemBytes: Math.max(0, host.memTotalBytes - host.memUsedBytes),
    freeCpus: Math.max(0, host.cpuCount * (1 - host.cpuUsage)),
    freeDiskBytes: Math.max(0, host.diskTotalBytes - host.diskUsedBytes),
  };
}

export function chooseHostForWorker(hosts: HostCapacity[], need: WorkerNeed): PlacementResult {
  const candidates: { host: HostCapacity; headroom: HostHeadroom }[] = [];
  const rejected: { host: string; reason: string }[] = [];
  for (const host of hosts) {
    const headroom = headroomOf(host);
    if (host.status !== 'online') {
      rejected.push({ host: host.name, reason: `상태가 ${host.status}입니다` });
    } else if (headroom.freeMemBytes < need.memBytes) {
      rejected.push({ host: host.name, reason: `남은 메모리 ${formatGiB(headroom.freeMemBytes)} < 필요 ${formatGiB(need.memBytes)}` });
    } else if (headroom.freeCpus < need.cpus) {
      rejected.push({ host: host.name, reason: `남은 CPU ${headroom.freeCpus.toFixed(1)}개 < 필요 ${need.cpus}개` });
    } else if (need.diskBytes !== undefined && headroom.freeDiskBytes < need.diskBytes) {
      rejected.push({ host: host.name, reason: `남은 디스크 ${formatGiB(headroom.freeDiskBytes)} < 필요 ${formatGiB(need.diskBytes)}` });
    } else {
      candidates.push({ host, headroom });
    }
  }
  if (candidates.length === 0) {
    const needText = `메모리 ${formatGiB(need.memBytes)}, CPU ${need.cpus}개${need.diskBytes !== undefined ? `, 디스크 ${formatGiB(need.diskBytes)}` : ''}`;
    const message =
      hosts.length === 0
        ? '등록된 호스트가 없어 새 빌드 워커를 둘 곳이 없습니다. 호스트 목록을 동기화해 주세요.'
        : `새 빌드 워커(${needText})를 둘 여유가 있는 호스트가 없습니다. 호스트를 추가하거나 실행 중인 워커를 줄여 주세요.`;
    return { ok: false, message, rejected };
  }
  candidates.sort(
    (a, b) =>
      b.headroom.freeMemBytes - a.headroom.freeMemBytes ||
      b.headroom.freeCpus - a.headroom.freeCpus ||
      a.host.name.localeCompare(b.host.name),
  );
  return { ok: true, host: candidates[0].host, headroom: candidates[0].headroom };
}
