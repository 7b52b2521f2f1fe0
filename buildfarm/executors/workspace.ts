// A build's work folder: input.json in, out/ back. The same folder layout serves the child
// process (a temp dir) and the container (the only host path mounted into it).
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RenderedFile } from '../../site/index.ts';
import { BuildContentError, CONTENT_ERROR_EXIT_CODE, type RenderInput, type RenderManifest, type SourceBlob, type SourceCheckInput } from './types.ts';

export interface Workspace {
  dir: string;
  remove(): Promise<void>;
}

export async function prepareWorkspace(input: RenderInput | SourceCheckInput, source?: SourceBlob[]): Promise<Workspace> {
  const workspace = await prepareEmptyWorkspace();
  await writeWorkspaceInput(workspace.dir, input, source);
  return workspace;
}

/**
 * A work folder with no input yet: a warm container is started on one, and the build that
 * takes the container writes its input.json into it just before the renderer reads it.
 */
export async function prepareEmptyWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ww-build-'));
  await mkdir(path.join(dir, 'out'));
  // A source build's files (a container has it mounted read-only at /work/src).
  await mkdir(path.join(dir, 'src'));
  await chmod(path.join(dir, 'src'), 0o755);
  // The container runs as an unprivileged user (nobody), which must be able to read the input
  // and write the output; the folder holds nothing but this build's own files.
  await chmod(dir, 0o755);
  await chmod(path.join(dir, 'out'), 0o777);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeWorkspaceInput(dir: string, input: RenderInput | SourceCheckInput, source: SourceBlob[] = []): Promise<void> {
  for (const blob of source) {
    if (!/^[0-9a-f]{64}$/.test(blob.sha256)) throw new Error(`source blob with an unexpected name: ${blob.sha256}`);
    const file = path.join(dir, 'src', blob.sha256);
    await writeFile(file, blob.body, { mode: 0o644 });
    await chmod(file, 0o644); // readable by the container's user whatever the umask did
  }
  // Written under another name and renamed into place: a waiting renderer starts the moment
  // input.json appears (render-entry.ts), so it must never see it half written. Synchronous:
  // a few file system calls, each of which would otherwise wait for a thread-pool thread.
  const temporary = path.join(dir, 'input.json.tmp');
  writeFileSync(temporary, JSON.stringify(input), { mode: 0o644 });
  chmodSync(temporary, 0o644); // whatever the umask did
  renameSync(temporary, path.join(dir, 'input.json'));
}

/**
 * Hands a waiting renderer the build's document ahead of its input (Executor.preload), as
 * <work>/document.json, renamed into place like input.json.
 */
export function writeWorkspaceDocument(dir: string, documentJson: string): void {
  const temporary = path.join(dir, 'document.json.tmp');
  writeFileSync(temporary, documentJson, { mode: 0o644 });
  chmodSync(temporary, 0o644); // whatever the umask did
  renameSync(temporary, path.join(dir, 'document.json'));
}

/** Keeps the last lines a renderer printed, for the error message when it fails. */
export class OutputTail {
  private lines: string[] = [];
  constructor(private readonly keep = 20) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export function looksOutOfMemory(output: string): boolean {
  return /heap out of memory|Allocation failed|Reached heap limit/i.test(output);
}

export function memoryExceeded(limitMb: number): BuildContentError {
  return new BuildContentError(
    `빌드가 메모리 한도(${limitMb}MB)를 넘어 중단되었습니다. 페이지나 이미지 수를 줄이거나 더 높은 요금제를 이용해 주세요.`,
  );
}

export function timedOut(limitSeconds: number): BuildContentError {
  return new BuildContentError(
    `빌드가 제한 시간(${limitSeconds}초)을 넘어 중단되었습니다. 페이지나 이미지 수를 줄인 뒤 다시 게시해 주세요.`,
  );
}

/** Turns the renderer's exit into files, or the error that says why there are none. */
export async function readRenderOutput(dir: string, exitCode: number, tail: string): Promise<RenderedFile[]> {
  const outDir = path.join(dir, 'out');
  if (exitCode === CONTENT_ERROR_EXIT_CODE) {
    const errors = JSON.parse(await readFile(path.join(outDir, 'errors.json'), 'utf8')) as { path: string; message: string }[];
    const first = errors[0];
    const message = !first
      ? '사이트 문서가 올바르지 않습니다. 편집기에서 고친 뒤 다시 게시해 주세요.'
      : first.path === 'document'
        ? first.message // the renderer's own sentence, already naming the thing and the next step
        : `사이트 문서에 고칠 곳이 있습니다 (${first.path}: ${first.message}). 편집기에서 고친 뒤 다시 게시해 주세요.`;
    throw new BuildContentError(message, errors);
  }
  if (exitCode !== 0) {
    throw new Error(`renderer exited with code ${exitCode}${tail ? `:\n${tail}` : ''}`);
  }
  // Synchronous, as the input was written: each call would otherwise wait for a thread-pool thread.
  const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as RenderManifest;
  const files: RenderedFile[] = [];
  for (const entry of manifest.files) {
    if (!/^\d{6}$/.test(entry.file)) throw new Error(`renderer manifest names an unexpected file: ${entry.file}`);
    files.push({ path: entry.path, contentType: entry.contentType, body: readFileSync(path.join(outDir, 'files', entry.file)) });
  }
  return files;
}
