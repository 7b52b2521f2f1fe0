// One build container: how it is created (no network, read-only root, the plan's limits, only
// its own work folder mounted), how the worker talks to it (output lines out, one "go" line in)
// and how it is found again — by the build it ran and by the worker process that started it.
//
// Every container runs the renderer with --wait: it loads, prints `ready`, and renders when the
// worker writes a line to its stdin. The worker holds the container's stdin through an attach
// connection with StdinOnce, so when the worker process dies the connection closes, stdin
// closes and the renderer exits at once (see render-entry.ts): no build container outlives its
// worker by more than the kernel takes to close a socket. What is left is a stopped container,
// which the next worker on this host removes (removeOrphanedBuildContainers).
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { RenderLimits } from './types.ts';
import { OutputTail, prepareEmptyWorkspace, type Workspace } from './workspace.ts';

/** Every build container carries it; its value is the build id once a build runs in it ('' while warm). */
export const BUILD_CONTAINER_LABEL = 'windwalker.build';
/** `<host>:<pid>:<process start time>` of the worker process that started the container. */
export const BUILD_CONTAINER_OWNER_LABEL = 'windwalker.owner';
/** A build's container is named `ww-build-<build id>-<random>` from the moment the build takes it. */
export const BUILD_CONTAINER_NAME_PREFIX = 'ww-build-';

export const NODE_IN_IMAGE = '/usr/local/bin/node';
export const RENDERER_IN_IMAGE = '/opt/windwalker/renderer.mjs';
const WORK_IN_CONTAINER = '/work';

/** The container settings that differ between plans: one warm pool per profile. */
export function limitsProfile(limits: Pick<RenderLimits, 'memoryMb' | 'cpus' | 'pids'>): string {
  return `${limits.memoryMb}m/${limits.cpus}cpu/${limits.pids}pids`;
}

/** The start time of a process in clock ticks since boot (/proc/<pid>/stat field 22); null when unknown. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall = index 19 after pid and comm
  } catch {
    return null;
  }
}

/** This worker process, as the owner label names it: a pid alone could be reused after a restart. */
export function thisProcessOwner(): string {
  return `${os.hostname()}:${process.pid}:${processStartTime(process.pid) ?? 'unknown'}`;
}

function ownerIsAlive(owner: string): boolean {
  const [host, pidText, started] = owner.split(':');
  if (host !== os.hostname()) return true; // another host's worker: not ours to judge
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user — alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTime(pid);
  return started === 'unknown' || now === null || now === started;
}

/**
 * Removes the build containers left by worker processes on this host that are no longer
 * running (killed with SIGKILL, out of memory, the host rebooted): warm ones never used and
 * builds' stopped ones alike. Containers of live workers — other workers sharing this Docker
 * engine — are left alone. Returns how many were removed.
 */
export async function removeOrphanedBuildContainers(docker: Docker): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [BUILD_CONTAINER_OWNER_LABEL] } });
  let removed = 0;
  for (const info of containers) {
    const owner = info.Labels[BUILD_CONTAINER_OWNER_LABEL] ?? '';
    if (ownerIsAlive(owner)) continue;
    try {
      await docker.getContainer(info.Id).remove({ force: true });
      removed += 1;
    } catch (error) {
      // Already gone (another worker starting at the same moment removed it) is fine.
      if ((error as { statusCode?: number }).statusCode !== 404 && (error as { statusCode?: number }).statusCode !== 409) throw error;
    }
    // Its work folder on this host (the dead worker's; nothing else uses it) goes with it.
    for (const dir of orphanWorkFolders(info)) await rm(dir, { recursive: true, force: true });
  }
  return removed;
}

/** The host folders a build container had mounted at /work, if they are build work folders (prepareEmptyWorkspace). */
export function orphanWorkFolders(info: Docker.ContainerInfo): string[] {
  return (info.Mounts ?? [])
    .filter((mount) => mount.Destination === WORK_IN_CONTAINER && mount.Type === 'bind')
    .map((mount) => mount.Source)
    .filter((source) => path.dirname(source) === os.tmpdir() && path.basename(source).startsWith('ww-build-'));
}

/** The containers a build ran in (normally one; a retried build may have had more). */
export async function listBuildContainers(docker: Docker, buildId: string): Promise<Docker.ContainerInfo[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [BUILD_CONTAINER_LABEL] } });
  const prefix = `/${BUILD_CONTAINER_NAME_PREFIX}${buildId}-`;
  return containers.filter((c) => c.Labels[BUILD_CONTAINER_LABEL] === buildId || c.Names.some((name) => name.startsWith(prefix)));
}

export interface BuildContainer {
  id: string;
  container: Docker.Container;
  workspace: Workspace;
  profile: string;
  /** The renderer loaded (and warmed up, for a pool container) and waits for its go. */
  readonly ready: boolean;
  /** Resolves with the exit code once the container stopped (never rejects). */
  exited: Promise<number>;
  /**
   * Resolves when the renderer reported its exit code (`reported`: its output is complete; the
   * container may still be stopping) or, failing that, when the container stopped.
   */
  finished: Promise<{ code: number; reported: boolean }>;
  readonly running: boolean;
  /** Where output lines go from now on (before: kept only for the error message). */
  setOutput(sink: (line: string, stream: 'stdout' | 'stderr') => void): void;
  /** The last lines it printed. */
  tail: OutputTail;
  /** Tells the renderer to read input.json and render. */
  go(): void;
  kill(): Promise<void>;
  /** Kills and removes the container and its work folder. */
  remove(): Promise<void>;
}

export interface StartBuildContainerOptions {
  image: string;
  limits: Pick<RenderLimits, 'memoryMb' | 'cpus' | 'pids'>;
  /** Render every template once in memory before waiting (a warm pool container). */
  warmUp: boolean;
  /** Known when a build starts its own container; a warm one gets it when a build takes it. */
  buildId?: string;
  name?: string;
}

/** Creates, attaches to and starts a build container on a fresh work folder. */
export async function startBuildContainer(docker: Docker, opts: StartBuildContainerOptions): Promise<BuildContainer> {
  const workspace = await prepareEmptyWorkspace();
  const memoryBytes = opts.limits.memoryMb * 1024 * 1024;
  // V8's heap gets most of the container's memory, leaving room for node itself.
  const heapMb = Math.max(32, Math.floor(opts.limits.memoryMb * 0.75));
  let container: Docker.Container | null = null;
  try {
    container = await docker.createContainer({
      ...(opts.name ? { name: opts.name } : {}),
      Image: opts.image,
      Cmd: [`--max-old-space-size=${heapMb}`, RENDERER_IN_IMAGE, '--wait', ...(opts.warmUp ? ['--warm-up'] : []), WORK_IN_CONTAINER],
      Env: ['NODE_ENV=production'],
      User: '65534:65534',
      WorkingDir: WORK_IN_CONTAINER,
      NetworkDisabled: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: true,
      // Stdin closes when the worker's attach connection does: the renderer stops with it.
      StdinOnce: true,
      Tty: false,
      Labels: { [BUILD_CONTAINER_LABEL]: opts.buildId ?? '', [BUILD_CONTAINER_OWNER_LABEL]: thisProcessOwner() },
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
        // The work folder, and inside it the source folder read-only (a source build's files).
        Binds: [`${workspace.dir}:${WORK_IN_CONTAINER}:rw`, `${path.join(workspace.dir, 'src')}:${WORK_IN_CONTAINER}/src:ro`],
        Memory: memoryBytes,
        MemorySwap: memoryBytes,
        NanoCpus: Math.round(opts.limits.cpus * 1e9),
        PidsLimit: opts.limits.pids,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        // Removed by us after its output and exit state are read (AutoRemove would race the
        // inspect that tells an out-of-memory kill from a crash).
        AutoRemove: false,
      },
    });
    const created = container;
    const stream = (await created.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    stream.on('error', () => {}); // a killed container's connection may reset; its exit says why

    const tail = new OutputTail();
    let ready = false;
    let reportDone: (code: number) => void = () => {};
    const doneLine = new Promise<number>((resolve) => {
      reportDone = resolve;
    });
    let sink: ((line: string, stream: 'stdout' | 'stderr') => void) | null = null;
    const lineSplitter = (name: 'stdout' | 'stderr') => {
      let pending = '';
      return {
        write(chunk: Buffer) {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            // The renderer's own signals, not build output: loaded, and rendered with this code.
            if (!ready && name === 'stdout' && line === 'ready') {
              ready = true;
              continue;
            }
            const done = name === 'stdout' ? /^done (\d+)$/.exec(line) : null;
            if (done) {
              reportDone(Number(done[1]));
              continue;
            }
            tail.push(line);
            sink?.(line, name);
          }
        },
      };
    };
    const out = lineSplitter('stdout');
    const err = lineSplitter('stderr');
    docker.modem.demuxStream(stream, { write: (c: Buffer) => out.write(c) } as never, { write: (c: Buffer) => err.write(c) } as never);

    await created.start();
    let running = true;
    const exited = created
      .wait()
      .then((result: { StatusCode: number }) => result.StatusCode)
      .catch(() => 137) // removed while waited on: it is gone either way
      .finally(() => {
        running = false;
        stream.destroy();
      });
    const finished = Promise.race([
      doneLine.then((code) => ({ code, reported: true })),
      exited.then((code) => ({ code, reported: false })),
    ]);
    let removal: Promise<void> | null = null;
    return {
      id: created.id,
      container: created,
      workspace,
      profile: limitsProfile(opts.limits),
      get ready() {
        return ready;
      },
      exited,
      finished,
      get running() {
        return running;
      },
      setOutput(next) {
        sink = next;
      },
      tail,
      go() {
        stream.write('go\n');
      },
      async kill() {
        await created.kill({ signal: 'SIGKILL' }).catch(() => {});
      },
      remove() {
        removal ??= (async () => {
          await created.remove({ force: true }).catch(() => {});
          await exited;
          await workspace.remove();
        })();
        return removal;
      },
    };
  } catch (error) {
    if (container) await container.remove({ force: true }).catch(() => {});
    await workspace.remove();
    throw error;
  }
}
