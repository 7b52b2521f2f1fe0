// The `docker` executor: every build in a container of its own, of a builder image made on this
// host — FROM scratch with the node binary, the shared libraries `ldd` says it needs, and the
// renderer bundle. Nothing is pulled from any registry. The container has no network, a
// read-only root, a small tmpfs, memory / CPU / pids limits from the tenant's plan, runs as
// nobody with no capabilities, and sees no host path but its own build folder
// (build-container.ts). Containers are started ahead of the builds (warm-pool.ts, decision 121).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { RenderedFile } from '../../site/index.ts';
import {
  BUILD_CONTAINER_NAME_PREFIX,
  NODE_IN_IMAGE,
  removeOrphanedBuildContainers,
  RENDERER_IN_IMAGE,
  startBuildContainer,
  type BuildContainer,
} from './build-container.ts';
import { BuildCancelledError, type Executor, type PreloadRequest, type RenderLimits, type RenderRequest } from './types.ts';
import { WarmContainerPool } from './warm-pool.ts';
import { looksOutOfMemory, memoryExceeded, readRenderOutput, timedOut, writeWorkspaceDocument, writeWorkspaceInput } from './workspace.ts';

const run = promisify(execFile);

export const BUILDER_IMAGE_REPOSITORY = 'windwalker-builder';

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

/** A builder image older than this that no container uses is removed when a worker starts. */
const OLD_BUILDER_IMAGE_MS = 24 * 60 * 60 * 1000;

/**
 * Removes this host's builder images other than `keep` that were built more than a day ago
 * (`olderThanMs`): each renderer or node change builds a new one (~105 MB) and nothing else
 * removes the old. The engine refuses to remove an image a container still uses (a worker of an
 * older version with its warm containers), and that refusal is left alone; the day spares a
 * worker of the previous version that is between builds. Returns the tags removed.
 */
export async function removeOldBuilderImages(
  docker: Docker,
  opts: { keep: string; olderThanMs?: number; now?: number; repository?: string },
): Promise<string[]> {
  const repository = opts.repository ?? BUILDER_IMAGE_REPOSITORY;
  const cutoff = (opts.now ?? Date.now()) - (opts.olderThanMs ?? OLD_BUILDER_IMAGE_MS);
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [repository] }) });
  const removed: string[] = [];
  for (const image of images) {
    if (image.Created * 1000 > cutoff) continue;
    for (const tag of image.RepoTags ?? []) {
      if (tag === opts.keep || !tag.startsWith(`${repository}:`)) continue;
      try {
        await docker.getImage(tag).remove();
        removed.push(tag);
      } catch {
        // In use by a container (409), or removed meanwhile by another worker on this host.
      }
    }
  }
  return removed;
}

export interface DockerExecutorOptions {
  docker: Docker;
  image: string;
  rendererVersion: string;
  /** Warm containers kept ready (0: every build starts its own, as before the pool). */
  warmContainers: number;
  /** Limits to warm containers for before the first build asks (most wanted first). */
  warmProfiles?: RenderLimits[];
}

/**
 * How long a build runs in a warm container before the container is renamed after it. A rename
 * costs the engine ~1.5 ms of CPU and the worker ~1 ms (measured here, decision 153): on a
 * one-page edit (~30 ms on 2 cores) that was CPU taken from the build itself, for a name nobody
 * could have read before the container was removed.
 */
const NAME_AFTER_MS = 250;

/**
 * The docker executor. Removes this host's containers left by dead workers first, then keeps a
 * pool of warm containers (see warm-pool.ts); a build takes one made with its plan's limits or,
 * when there is none, starts its own the same way.
 */
export async function createDockerExecutor(opts: DockerExecutorOptions): Promise<Executor & { pool: WarmContainerPool }> {
  const { docker, image } = opts;
  const orphans = await removeOrphanedBuildContainers(docker);
  if (orphans > 0) console.log(`[worker] removed ${orphans} build container(s) left by stopped workers on this host`);
  const pool = new WarmContainerPool(docker, { image, size: opts.warmContainers });
  pool.prime(opts.warmProfiles ?? []);
  /** Containers of finished builds being removed (off the build's path; waited for on close). */
  const removals = new Set<Promise<void>>();
  const removeLater = (container: BuildContainer, after: Promise<unknown> = Promise.resolve()) => {
    const remove = () => container.remove();
    const removal = after.then(remove, remove).finally(() => removals.delete(removal));
    removals.add(removal);
  };

  /** Warm containers taken by builds that have not asked for their render yet, with their document. */
  const preloaded = new Map<string, { container: BuildContainer; renaming: Promise<void> }>();
  /**
   * Named after the build (`docker ps` shows which build runs where) once it has run for
   * NAME_AFTER_MS; a build that ends sooner leaves it unnamed. Resolves when the engine answered
   * the rename, or at the build's end when there was none (the container's removal waits for it:
   * the engine would refuse one or the other). Not waited for before the render: a container that
   * died since it was taken fails the render, which is retried like any engine failure.
   */
  const nameForBuild = (container: BuildContainer, buildId: string, buildEnded: Promise<unknown>) =>
    new Promise<void>((resolve) => {
      let renamed: Promise<unknown> | null = null;
      const timer = setTimeout(() => {
        renamed = container.container.rename({ name: `${BUILD_CONTAINER_NAME_PREFIX}${buildId}-${randomBytes(3).toString('hex')}` });
        void renamed.then(() => resolve(), () => resolve());
      }, NAME_AFTER_MS);
      const ended = () => {
        if (renamed) return;
        clearTimeout(timer);
        resolve();
      };
      void buildEnded.then(ended, ended);
    });

  return {
    name: 'docker',
    rendererVersion: opts.rendererVersion,
    pool,
    preload({ buildId, limits, documentJson, buildEnded }: PreloadRequest): boolean {
      if (preloaded.has(buildId)) return false;
      const warm = pool.take(limits, buildEnded); // only running ones
      if (!warm) return false;
      const renaming = nameForBuild(warm, buildId, buildEnded);
      try {
        writeWorkspaceDocument(warm.workspace.dir, documentJson);
      } catch {
        removeLater(warm, Promise.all([renaming, buildEnded])); // its work folder is gone: the render starts one
        return false;
      }
      const entry = { container: warm, renaming };
      preloaded.set(buildId, entry);
      // A build that ends without rendering (its claim lost, its document refused, cancelled)
      // leaves its container here: it held the build's document, so it is removed, never reused.
      const forget = () => {
        if (preloaded.get(buildId) !== entry) return;
        preloaded.delete(buildId);
        removeLater(warm, renaming);
      };
      void buildEnded.then(forget, forget);
      return true;
    },
    async render(request: RenderRequest): Promise<RenderedFile[]> {
      if (request.signal.aborted) throw new BuildCancelledError('build cancelled before it started');
      let reason: 'timeout' | 'cancel' | null = null;
      let current: BuildContainer | null = null;
      let renaming: Promise<void> = Promise.resolve();
      let renderEnded = () => {};
      const buildEnded = request.buildEnded ?? new Promise<void>((resolve) => {
        renderEnded = resolve;
      });
      const kill = (why: 'timeout' | 'cancel') => {
        reason ??= why;
        void current?.kill();
      };
      const timer = setTimeout(() => kill('timeout'), request.limits.timeoutSeconds * 1000);
      const onAbort = () => kill('cancel');
      request.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const early = preloaded.get(request.buildId);
        preloaded.delete(request.buildId);
        if (early && 'document' in request.input) {
          renaming = early.renaming;
          try {
            // The renderer has the document already (preload): everything else, without it.
            const input = request.documentAsPreloaded ? { ...request.input, document: null, documentPreloaded: true } : request.input;
            await writeWorkspaceInput(early.container.workspace.dir, input, request.source);
            current = early.container;
          } catch {
            removeLater(early.container, renaming); // its work folder is gone: start one below
          }
        } else {
          if (early) removeLater(early.container, early.renaming); // a source build does not use a document
          const warm = pool.take(request.limits, buildEnded); // only running ones
          if (warm) {
            renaming = nameForBuild(warm, request.buildId, buildEnded);
            try {
              await writeWorkspaceInput(warm.workspace.dir, request.input, request.source);
              current = warm;
            } catch {
              removeLater(warm); // its work folder is gone: start one below
            }
          }
        }
        if (!current) {
          const name = `${BUILD_CONTAINER_NAME_PREFIX}${request.buildId}-${randomBytes(3).toString('hex')}`;
          current = await startBuildContainer(docker, { image, limits: request.limits, warmUp: false, buildId: request.buildId, name });
          await writeWorkspaceInput(current.workspace.dir, request.input, request.source);
        }
        const container = current;
        if (reason) await container.kill();
        container.setOutput((line, stream) => request.onOutput?.(line, stream));
        container.go();
        const { code: exitCode, reported } = await container.finished;
        if (reason === 'cancel') throw new BuildCancelledError('build cancelled; container killed');
        if (reason === 'timeout') throw timedOut(request.limits.timeoutSeconds);
        const tail = container.tail.text();
        // Killed before it could report (the kernel's OOM killer among others): ask the engine why.
        const oomKilled = !reported && (await container.container.inspect()).State.OOMKilled;
        if (oomKilled || looksOutOfMemory(tail)) throw memoryExceeded(request.limits.memoryMb);
        return await readRenderOutput(container.workspace.dir, exitCode, tail);
      } finally {
        clearTimeout(timer);
        renderEnded();
        request.signal.removeEventListener('abort', onAbort);
        // Removed once its rename is answered (the engine would refuse one or the other) and the
        // build has ended (the engine's work would compete with the build's own).
        if (current) removeLater(current, Promise.all([renaming, buildEnded]));
      }
    },
    warmPoolStatus: () => pool.status(),
    async close() {
      for (const { container, renaming } of preloaded.values()) removeLater(container, renaming);
      preloaded.clear();
      await pool.close();
      await Promise.all([...removals]);
    },
  };
}
