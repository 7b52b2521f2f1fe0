// A developer-mode build's source check, run by the process executor from the renderer bundle
// (the docker executor runs the same bundle in a container: devmode/publish-docker.test.ts):
// the snapshot's files come back byte for byte with their hashes, a tree with broken links or
// missing files comes back as a content error listing every problem, and a body that does not
// match its snapshot hash is a machinery failure (retried), never published.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleRenderer } from './executors/bundle.ts';
import { BuildContentError, type Executor } from './executors/index.ts';
import { createProcessExecutor } from './executors/process.ts';
import type { SourceBlob, SourceCheckInput } from './executors/types.ts';
import { prepareWorkspace } from './executors/workspace.ts';

const run = promisify(execFile);
let dataDir: string;
let bundlePath: string;
let executor: Executor;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-source-check-test-'));
  const bundle = await bundleRenderer(dataDir);
  bundlePath = bundle.path;
  executor = createProcessExecutor({ rendererPath: bundle.path, rendererVersion: bundle.sha256 });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** A tree as a snapshot holds it: paths with content types, bodies once by sha256. */
function tree(files: { path: string; contentType: string; body: string | Buffer }[]): { input: SourceCheckInput; source: SourceBlob[] } {
  const blobs = new Map<string, Buffer>();
  const entries = files.map((file) => {
    const body = Buffer.isBuffer(file.body) ? file.body : Buffer.from(file.body);
    blobs.set(sha(body), body);
    return { path: file.path, contentType: file.contentType, sha256: sha(body) };
  });
  return {
    input: { kind: 'source', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', files: entries },
    source: [...blobs].map(([sha256, body]) => ({ sha256, body })),
  };
}

const limits = { memoryMb: 256, cpus: 1, pids: 64, timeoutSeconds: 30 };
const logo = Buffer.alloc(300_000, 7); // streamed, not read whole

describe('the source check', () => {
  it('copies every file of a sound tree back with its bytes, a shared body once in the source folder', async () => {
    const { input, source } = tree([
      { path: '/index.html', contentType: 'text/html; charset=utf-8', body: '<link rel="stylesheet" href="/s.css"><img src="/img/logo.png"><a href="/about/">소개</a>' },
      { path: '/about/index.html', contentType: 'text/html; charset=utf-8', body: '<img src="../img/logo-2.png"><a href="/">홈</a>' },
      { path: '/s.css', contentType: 'text/css; charset=utf-8', body: 'body{background:url(img/logo.png)}' },
      { path: '/img/logo.png', contentType: 'image/png', body: logo },
      { path: '/img/logo-2.png', contentType: 'image/png', body: logo },
    ]);
    expect(source).toHaveLength(4);
    const lines: string[] = [];
    const files = await executor.render({
      buildId: 'source-check-ok', input, source, limits, signal: new AbortController().signal, onOutput: (line) => lines.push(line),
    });
    expect(files.map((f) => f.path)).toEqual(input.files.map((f) => f.path));
    for (const file of files) expect(sha(file.body)).toBe(input.files.find((f) => f.path === file.path)!.sha256);
    expect(files.find((f) => f.path === '/img/logo-2.png')!.body.equals(logo)).toBe(true);
    expect(lines.join('\n')).toMatch(/^소스\(커밋 a1b2c3d\)의 파일 5개\(\d+바이트\)를 복사하고 링크와 파일을 검사했습니다 \(\d+ms\)\.$/m);
  });

  it('gives every broken link and missing file as a content error, and no files', async () => {
    const { input, source } = tree([
      { path: '/about.html', contentType: 'text/html', body: '<a href="/menu">메뉴</a><img src="/missing.jpg">' },
      { path: '/s.css', contentType: 'text/css', body: '@import "fonts.css"; h1{background:url("/bg.webp")}' },
    ]);
    const result = executor.render({ buildId: 'source-check-broken', input, source, limits, signal: new AbortController().signal });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildContentError);
    expect((error as BuildContentError).details).toEqual([
      { path: '/index.html', message: expect.stringContaining('첫 페이지(index.html)가 없습니다') },
      { path: '/about.html', message: '깨진 링크: /menu 가 가리키는 페이지가 없습니다.' },
      { path: '/about.html', message: '빠진 파일: /missing.jpg 이(가) 소스에 없습니다.' },
      { path: '/s.css', message: '빠진 파일: /bg.webp 이(가) 소스에 없습니다.' },
      { path: '/s.css', message: '빠진 파일: fonts.css 이(가) 소스에 없습니다.' },
    ]);
  });

  it('refuses a body that is not the one its snapshot hash names, as a machinery failure', async () => {
    const { input } = tree([{ path: '/index.html', contentType: 'text/html', body: '<p>원본</p>' }]);
    const forged: SourceBlob[] = [{ sha256: input.files[0]!.sha256, body: Buffer.from('<p>바뀐 내용</p>') }];
    const error = await executor.render({ buildId: 'source-check-forged', input, source: forged, limits, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(BuildContentError);
    expect((error as Error).message).toContain('hashes to');
  });

  it('writes the source into the work folder by hash, never by the tenant’s path names', async () => {
    const { input, source } = tree([{ path: '/../../etc/evil.html', contentType: 'text/html', body: '<p>x</p>' }]);
    const workspace = await prepareWorkspace(input, source);
    try {
      const { stdout } = await run(process.execPath, [bundlePath, workspace.dir], { env: { NODE_ENV: 'production' }, cwd: workspace.dir }).catch((e) => e);
      expect(stdout).toContain('문제 2개');
      const errors = JSON.parse(await readFile(path.join(workspace.dir, 'out', 'errors.json'), 'utf8'));
      expect(errors).toEqual(expect.arrayContaining([{ path: '/../../etc/evil.html', message: expect.stringContaining('게시할 수 없는 파일 이름') }]));
      expect(await readdir(path.join(workspace.dir, 'src'))).toEqual([source[0]!.sha256]);
      expect(await readFile(path.join(workspace.dir, 'src', source[0]!.sha256), 'utf8')).toBe('<p>x</p>');
    } finally {
      await workspace.remove();
    }
  });
});
