import { describe, expect, it } from 'vitest';
import { chooseHostForWorker, type HostCapacity } from './index.ts';

const GiB = 2 ** 30;

function host(name: string, over: Partial<HostCapacity>): HostCapacity {
  return {
    name,
    node: name,
    source: 'proxmox',
    status: 'online',
    cpuCount: 16,
    cpuUsage: 0.25,
    memTotalBytes: 64 * GiB,
    memUsedBytes: 32 * GiB,
    diskTotalBytes: 1000 * GiB,
    diskUsedBytes: 100 * GiB,
    ...over,
  };
}

const need = { memBytes: 4 * GiB, cpus: 2, diskBytes: 20 * GiB };

describe('chooseHostForWorker', () => {
  it('puts the worker on the host with the most free memory', () => {
    const result = chooseHostForWorker(
      [host('pve1', { memUsedBytes: 40 * GiB }), host('pve2', { memUsedBytes: 10 * GiB }), host('pve3', { memUsedBytes: 20 * GiB })],
      need,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.host.name).toBe('pve2');
    expect(result.headroom.freeMemBytes).toBe(54 * GiB);
  });

  it('breaks a tie in free memory by free CPU', () => {
    const result = chooseHostForWorker([host('pve1', { cpuUsage: 0.8 }), host('pve2', { cpuUsage: 0.1 })], need);
    expect(result.ok && result.host.name).toBe('pve2');
  });

  it('skips hosts that are offline or lack memory, CPU or disk for the worker', () => {
    const result = chooseHostForWorker(
      [
        host('big-but-offline', { status: 'offline', memUsedBytes: 0 }),
        host('full-memory', { memUsedBytes: 62 * GiB }),
        host('busy-cpu', { cpuCount: 4, cpuUsage: 0.9, memUsedBytes: 1 * GiB }),
        host('full-disk', { diskUsedBytes: 990 * GiB, memUsedBytes: 2 * GiB }),
        host('fits', { memUsedBytes: 50 * GiB }),
      ],
      need,
    );
    expect(result.ok && result.host.name).toBe('fits');
  });

  it('says no host has room, with each host\'s reason, when none can take the worker', () => {
    const result = chooseHostForWorker(
      [host('pve1', { memUsedBytes: 62 * GiB }), host('pve2', { status: 'offline' }), host('pve3', { cpuCount: 2, cpuUsage: 0.5 })],
      need,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain('여유가 있는 호스트가 없습니다');
    expect(result.message).toContain('메모리 4.0 GiB');
    expect(result.rejected).toEqual([
      { host: 'pve1', reason: '남은 메모리 2.0 GiB < 필요 4.0 GiB' },
      { host: 'pve2', reason: '상태가 offline입니다' },
      { host: 'pve3', reason: '남은 CPU 1.0개 < 필요 2개' },
    ]);
  });

  it('says to sync the host list when there are no hosts at all', () => {
    const result = chooseHostForWorker([], need);
    expect(result).toMatchObject({ ok: false, rejected: [] });
    expect(!result.ok && result.message).toContain('호스트 목록을 동기화해 주세요');
  });
});
