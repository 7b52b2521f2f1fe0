// Picks and prepares the executor a worker runs its builds with.
import Docker from 'dockerode';
import { bundleRenderer } from './bundle.ts';
import { createDockerExecutor, dockerEngineAnswers, ensureBuilderImage } from './docker.ts';
import { createProcessExecutor } from './process.ts';
import type { Executor } from './types.ts';

export type ExecutorChoice = 'docker' | 'process' | 'auto';

/**
 * Bundles the renderer, then: 'process' → child processes; 'docker' → containers (fails
 * loudly when no Docker engine answers); 'auto' → docker when an engine answers, else process.
 */
export async function prepareExecutor(choice: ExecutorChoice, opts: { dataDir: string }): Promise<Executor> {
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
    return createDockerExecutor({ docker, image, rendererVersion: bundle.sha256 });
  } catch (error) {
    if (choice === 'docker') throw error;
    // 'auto': an engine that answers but cannot build our image (no space, a rootless engine
    // without the needed cgroups…) must not stop builds; say so once and use child processes.
    console.error(`[worker] Docker engine answers but the builder image could not be made; using the process executor: ${(error as Error).message}`);
    return createProcessExecutor({ rendererPath: bundle.path, rendererVersion: bundle.sha256 });
  }
}

export { dockerEngineAnswers, BUILD_CONTAINER_LABEL, BUILDER_IMAGE_REPOSITORY } from './docker.ts';
export { BuildCancelledError, BuildContentError, type Executor, type ExecutorName, type RenderInput, type RenderLimits } from './types.ts';
