// The `docker` executor: every build in a fresh container of a builder image made on this
// host — FROM scratch with the node binary, the shared libraries `ldd` says it needs, and the
// renderer bundle. Nothing is pulled from any registry. The container has no network, a
// read-only root, a small tmpfs, memory / CPU / pids limits from the tenant's plan, runs as
// nobody with no capabilities, and sees no host path but its own build folder.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { RenderedFile } from '../../site/index.ts';
import { BuildCancelledError, type Executor, type RenderRequest } from './types.ts';
import { looksOutOfMemory, memoryExceeded, OutputTail, prepareWorkspace, readRenderOutput, timedOut } from './workspace.ts';

const run = promisify(execFile);

export const BUILDER_IMAGE_REPOSITORY = 'windwalker-builder';
export const BUILD_CONTAINER_LABEL = 'windwalker.build';
const NODE_IN_IMAGE = '/usr/local/bin/node';
const RENDERER_IN_IMAGE = '/opt/windwalker/renderer.mjs';
const WORK_IN_CONTAINER = '/work';

/** True when a Docker engine answers on this host within a second. */
export async function dockerEngineAnswers(docker = new Docker()): Promise<boolean> {
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 5000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** The shared libraries the dynamic loader would map for a binary (absolute host paths). */
async function sharedLibrariesOf(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libraries = new Set<string>();
  for (const line of stdout.split('\n')) {
    const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match) libraries.add(match[1]);
  }
  if (libraries.size === 0) throw new Error(`ldd listed no libraries for ${binary}:\n${stdout}`);
  return [...libraries];
}

/**
 * Makes sure the builder image for this renderer bundle exists, building it when it does not.
 * Its tag is a hash of the node binary's path and version, its libraries and the bundle, so a
 * changed renderer or node gives a new image and an unchanged one is reused.
 */
export async function ensureBuilderImage(
  docker: Docker,
  opts: { dataDir: string; rendererPath: string; rendererSha256: string },
): Promise<string> {
  const libraries = await sharedLibrariesOf(process.execPath);
  const tagHash = createHash('sha256')
    .update([process.execPath, process.version, ...libraries, opts.rendererSha256].join('\n'))
    .digest('hex')
    .slice(0, 16);
  const tag = `${BUILDER_IMAGE_REPOSITORY}:${tagHash}`;
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch {
    // Not built yet on this host: build it below.
  }

  const context = path.join(opts.dataDir, 'buildfarm', `image-${tagHash}`);
  await rm(context, { recursive: true, force: true });
  const entries: string[] = ['Dockerfile'];
  const place = async (from: string, to: string) => {
    const relative = path.posix.join('rootfs', to);
    await mkdir(path.join(context, path.dirname(relative)), { recursive: true });
    await copyFile(from, path.join(context, relative)); // copyFile follows symlinks: real bytes
    entries.push(relative);
  };
  await place(process.execPath, NODE_IN_IMAGE);
  for (const library of libraries) await place(library, library);
  await place(opts.rendererPath, RENDERER_IN_IMAGE);
  await writeFile(
    path.join(context, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY rootfs/ /',
      'USER 65534:65534',
      `ENTRYPOINT ["${NODE_IN_IMAGE}"]`,
      '',
    ].join('\n'),
  );

  const stream = await docker.buildImage({ context, src: entries }, { t: tag, pull: false, rm: true, forcerm: true });
  const output = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, result: unknown[]) => (error ? reject(error) : resolve(result as never)));
  });
  const failure = output.find((line) => line.error);
  await rm(context, { recursive: true, force: true });
  if (failure) throw new Error(`Could not build the builder image ${tag}: ${failure.error}`);
  return tag;
}

export function createDockerExecutor(opts: { docker: Docker; image: string; rendererVersion: string }): Executor {
  const { docker, image } = opts;
  return {
    name: 'docker',
    rendererVersion: opts.rendererVersion,
    async render(request: RenderRequest): Promise<RenderedFile[]> {
      if (request.signal.aborted) throw new BuildCancelledError('build cancelled before it started');
      const workspace = await prepareWorkspace(request.input);
      const memoryBytes = request.limits.memoryMb * 1024 * 1024;
      // V8's heap gets most of the container's memory, leaving room for node itself.
      const heapMb = Math.max(32, Math.floor(request.limits.memoryMb * 0.75));
      let container: Docker.Container | null = null;
      try {
        container = await docker.createContainer({
          Image: image,
          Cmd: [`--max-old-space-size=${heapMb}`, RENDERER_IN_IMAGE, WORK_IN_CONTAINER],
          Env: ['NODE_ENV=production'],
          User: '65534:65534',
          WorkingDir: WORK_IN_CONTAINER,
          NetworkDisabled: true,
          Labels: { [BUILD_CONTAINER_LABEL]: request.buildId },
          HostConfig: {
            NetworkMode: 'none',
            ReadonlyRootfs: true,
            Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
            Binds: [`${workspace.dir}:${WORK_IN_CONTAINER}:rw`],
            Memory: memoryBytes,
            MemorySwap: memoryBytes,
            NanoCpus: Math.round(request.limits.cpus * 1e9),
            PidsLimit: request.limits.pids,
            CapDrop: ['ALL'],
            SecurityOpt: ['no-new-privileges'],
            // Removed by us after its output and exit state are read (AutoRemove would race
            // the inspect that tells an out-of-memory kill from a crash).
            AutoRemove: false,
          },
        });
        const tail = new OutputTail();
        const logs = await container.attach({ stream: true, stdout: true, stderr: true });
        const lineSplitter = (name: 'stdout' | 'stderr') => {
          let pending = '';
          return {
            write(chunk: Buffer) {
              pending += chunk.toString('utf8');
              const lines = pending.split('\n');
              pending = lines.pop() ?? '';
              for (const line of lines) {
                tail.push(line);
                request.onOutput?.(line, name);
              }
            },
          };
        };
        const out = lineSplitter('stdout');
        const err = lineSplitter('stderr');
        docker.modem.demuxStream(logs, { write: (c: Buffer) => out.write(c) } as never, { write: (c: Buffer) => err.write(c) } as never);

        let reason: 'timeout' | 'cancel' | null = null;
        const started = container;
        const kill = (why: 'timeout' | 'cancel') => {
          reason ??= why;
          started.kill({ signal: 'SIGKILL' }).catch(() => {});
        };
        const timer = setTimeout(() => kill('timeout'), request.limits.timeoutSeconds * 1000);
        const onAbort = () => kill('cancel');
        request.signal.addEventListener('abort', onAbort, { once: true });
        let exitCode: number;
        try {
          await container.start();
          if (request.signal.aborted) kill('cancel');
          const result = (await container.wait()) as { StatusCode: number };
          exitCode = result.StatusCode;
        } finally {
          clearTimeout(timer);
          request.signal.removeEventListener('abort', onAbort);
        }
        const state = (await container.inspect()).State;
        if (reason === 'cancel') throw new BuildCancelledError('build cancelled; container killed');
        if (reason === 'timeout') throw timedOut(request.limits.timeoutSeconds);
        if (state.OOMKilled || looksOutOfMemory(tail.text())) throw memoryExceeded(request.limits.memoryMb);
        return await readRenderOutput(workspace.dir, exitCode, tail.text());
      } finally {
        if (container) await container.remove({ force: true }).catch(() => {});
        await workspace.remove();
      }
    },
  };
}
