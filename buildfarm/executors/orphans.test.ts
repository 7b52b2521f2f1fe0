// Which host folders go with a dead worker's build container (removeOrphanedBuildContainers):
// only the work folder a build container had mounted at /work, made by prepareEmptyWorkspace —
// never another bind mount, nor a folder elsewhere that happens to be mounted there.
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { orphanWorkFolders } from './build-container.ts';

const container = (mounts: { Type: string; Source: string; Destination: string }[]) =>
  ({ Id: 'x', Mounts: mounts.map((m) => ({ ...m, Mode: 'rw', RW: true, Propagation: 'rprivate' })) }) as unknown as Docker.ContainerInfo;

describe('an orphaned build container', () => {
  it('names its own work folder for removal', () => {
    const work = path.join(os.tmpdir(), 'ww-build-AbC123');
    expect(orphanWorkFolders(container([{ Type: 'bind', Source: work, Destination: '/work' }]))).toEqual([work]);
  });

  it('names nothing else: other mounts, folders outside the temp dir or not made for a build', () => {
    expect(orphanWorkFolders(container([{ Type: 'bind', Source: path.join(os.tmpdir(), 'ww-build-x'), Destination: '/data' }]))).toEqual([]);
    expect(orphanWorkFolders(container([{ Type: 'bind', Source: '/srv/ww-build-x', Destination: '/work' }]))).toEqual([]);
    expect(orphanWorkFolders(container([{ Type: 'bind', Source: path.join(os.tmpdir(), 'other'), Destination: '/work' }]))).toEqual([]);
    expect(orphanWorkFolders(container([{ Type: 'bind', Source: path.join(os.tmpdir(), 'ww-build-x', 'deeper'), Destination: '/work' }]))).toEqual([]);
    expect(orphanWorkFolders(container([{ Type: 'volume', Source: path.join(os.tmpdir(), 'ww-build-x'), Destination: '/work' }]))).toEqual([]);
    expect(orphanWorkFolders({ Id: 'y' } as unknown as Docker.ContainerInfo)).toEqual([]);
  });
});
