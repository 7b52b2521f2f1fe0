// The `process` executor, for machines without Docker: each build is a fresh `node` child
// process running the renderer bundle, with a V8 heap limit, a wall-clock timeout, an empty
// environment, and SIGKILL on timeout or cancel.
import { spawn } from 'node:child_process';
import type { RenderedFile } from '../../site/index.ts';
import { BuildCancelledError, type Executor, type RenderRequest } from './types.ts';
import { looksOutOfMemory, memoryExceeded, OutputTail, prepareWorkspace, readRenderOutput, timedOut } from './workspace.ts';

export function createProcessExecutor(opts: { rendererPath: string; rendererVersion: string }): Executor {
  return {
    name: 'process',
    rendererVersion: opts.rendererVersion,
    async render(request: RenderRequest): Promise<RenderedFile[]> {
      if (request.signal.aborted) throw new BuildCancelledError('build cancelled before it started');
      const workspace = await prepareWorkspace(request.input, request.source);
      try {
        const tail = new OutputTail();
        const child = spawn(
          process.execPath,
          [`--max-old-space-size=${request.limits.memoryMb}`, opts.rendererPath, workspace.dir],
          // No inherited environment: the renderer needs no secrets, and gets none.
          { stdio: ['ignore', 'pipe', 'pipe'], env: { NODE_ENV: 'production' }, cwd: workspace.dir },
        );
        let reason: 'timeout' | 'cancel' | null = null;
        const kill = (why: 'timeout' | 'cancel') => {
          reason ??= why;
          child.kill('SIGKILL');
        };
        const timer = setTimeout(() => kill('timeout'), request.limits.timeoutSeconds * 1000);
        const onAbort = () => kill('cancel');
        request.signal.addEventListener('abort', onAbort, { once: true });
        for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
          let pending = '';
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => {
            pending += chunk;
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines) {
              tail.push(line);
              request.onOutput?.(line, name);
            }
          });
          stream.on('end', () => {
            if (pending) {
              tail.push(pending);
              request.onOutput?.(pending, name);
            }
          });
        }
        const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
          child.once('error', reject);
          child.once('close', (code, signal) => resolve({ code, signal }));
        }).finally(() => {
          clearTimeout(timer);
          request.signal.removeEventListener('abort', onAbort);
        });
        if (reason === 'cancel') throw new BuildCancelledError('build cancelled; renderer process killed');
        if (reason === 'timeout') throw timedOut(request.limits.timeoutSeconds);
        if (looksOutOfMemory(tail.text())) throw memoryExceeded(request.limits.memoryMb);
        return await readRenderOutput(workspace.dir, exit.code ?? 128, tail.text());
      } finally {
        await workspace.remove();
      }
    },
  };
}
