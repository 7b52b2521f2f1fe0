// Picks and prepares the executor a worker runs its builds with.
import Docker from 'dockerode';
import { bundleRenderer } from './bundle.ts';
import { createDockerExecutor, dockerEngineAnswers, ensureBuilderImage, removeOldBuilderImages } from './docker.ts';
import { createProcessExecutor } from './process.ts';
import type { Executor, RenderLimits } from './types.ts';

export type ExecutorChoice = 'docker' | 'process' | 'auto';

/**
 * Bundles the renderer, then: 'process' → child processes; 'docker' → containers (fails
 * loudly when no Docker engine answers); 'auto' → docker when an engine answers, else process.
 */
export interface PrepareExecutorOptions {
  dataDir: string;
  /** Docker only: warm containers kept ready for the next builds (default 0: none). */
  warmContainers?: number;
  /** Docker only: the limits of the builds expected first, most frequent first. */
  warmProfiles?: RenderLimits[];
}

export async function prepareExecutor(choice: ExecutorChoice, opts: PrepareExecutorOptions): Promise<Executor> {
  const bundle = await bundleRenderer(opts.dataDir);
  if (choice === 'process') return createProcessExecutor({ rendererPath: bundle.path, rendererVersion: bundle.sha256 });
  const docker = new Docker();
  const answers = await dockerEngineAnswers(docker);
  if (!answers) {
    if (choice === 'docker') {
      throw new Error(
        'BUILD_EXECUTOR=docker but no Docker engine answers on this host. Start dockerd, or set BUILD_EXECUTOR=process (or auto).',
      );
    }
    return createProcessExecutor({ rendererPath: bundle.path, rendererVersion: bundle.sha256 });
  }
  try {
    const image = await ensureBuilderImage(docker, { dataDir: opts.dataDir, rendererPath: bundle.path, rendererSha256: bundle.sha256 });
    const removed = await removeOldBuilderImages(docker, { keep: image }).catch((error: unknown) => {
      console.error(`[worker] could not list old builder images: ${(error as Error).message}`);
      return [];
    });
    if (removed.length > 0) console.log(`[worker] removed ${removed.length} old builder image(s): ${removed.join(', ')}`);
    return await createDockerExecutor({
      docker, image, rendererVersion: bundle.sha256, warmContainers: opts.warmContainers ?? 0, warmProfiles: opts.warmProfiles,
    });
  } catch (error) {
    if (choice === 'docker') throw error;
    // 'auto': an engine that answers but cannot build our image (no space, a rootless engine
    // without the needed cgroups…) must not stop builds; say so once and use child processes.
    console.error(`[worker] Docker engine answers but the builder image could not be made; using the process executor: ${(error as Error).message}`);
    return createProcessExecutor({ rendererPath: bundle.path, rendererVersion: bundle.sha256 });
  }
}

export { dockerEngineAnswers, BUILDER_IMAGE_REPOSITORY } from './docker.ts';
export {
  BUILD_CONTAINER_LABEL,
  BUILD_CONTAINER_OWNER_LABEL,
  listBuildContainers,
  removeOrphanedBuildContainers,
} from './build-container.ts';
export {
  BuildCancelledError,
  BuildContentError,
  type Executor,
  type ExecutorName,
  type RenderInput,
  type RenderLimits,
  type WarmPoolStatus,
} from './types.ts';
