// The source check of a developer-mode build, run where renders run: inside the build's
// container (docker executor) or child process (process executor), from the same renderer
// bundle (render-entry.ts hands it an input with kind 'source'). The worker writes the
// snapshot's files into <work>/src, each body once and named by its sha256 (a container has
// that folder mounted read-only); this copies each published path's body into <work>/out/files,
// hashing it on the way, and checks the tree: a home page, plain paths, and every local link
// and asset an HTML page or stylesheet names. The result goes back to the worker the way a
// render's does — <work>/out/manifest.json (the files with their sha256), or exit code 2 and
// <work>/out/errors.json (every problem, in Korean) — so nothing is published that was not
// checked here, and a tree with problems publishes nothing.
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { CONTENT_ERROR_EXIT_CODE, type RenderInput, type RenderManifest, type SourceCheckInput } from './executors/types.ts';

/** A work folder's input is a source check (not a render). */
export function isSourceCheck(input: RenderInput | SourceCheckInput): input is SourceCheckInput {
  return (input as SourceCheckInput).kind === 'source';
}

/** A file of the tree as the check sees it (only HTML and CSS bodies are read). */
export interface SourceFileToCheck {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface SourceProblem {
  /** the file that refers (e.g. /about/index.html) */
  path: string;
  message: string;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

/** Every local reference of an HTML or CSS file: [attribute or 'url()', target]. */
function referencesOf(file: SourceFileToCheck): { kind: 'link' | 'asset'; target: string }[] {
  const text = file.body.toString('utf8');
  const refs: { kind: 'link' | 'asset'; target: string }[] = [];
  if (file.contentType.startsWith('text/html')) {
    const withoutScripts = text.replace(/<script\b[\s\S]*?<\/script>/gi, '').replace(/<!--[\s\S]*?-->/g, '');
    for (const match of withoutScripts.matchAll(/<([a-z][a-z0-9]*)\b([^>]*)>/gi)) {
      const tag = match[1].toLowerCase();
      const attributes = match[2];
      for (const attr of attributes.matchAll(/\s(href|src|srcset|poster)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
        const name = attr[1].toLowerCase();
        const value = (attr[3] ?? attr[4] ?? attr[5] ?? '').replace(/&amp;/g, '&').trim();
        if (!value) continue;
        // <link rel=canonical|alternate> and <a> are links; everything else is loaded by the page.
        const kind = tag === 'a' || (tag === 'link' && /rel\s*=\s*["']?(canonical|alternate|prev|next)/i.test(attributes)) ? 'link' : 'asset';
        if (name === 'srcset') {
          for (const candidate of value.split(',')) {
            const url = candidate.trim().split(/\s+/)[0];
            if (url) refs.push({ kind: 'asset', target: url });
          }
        } else {
          refs.push({ kind, target: value });
        }
      }
    }
    for (const style of withoutScripts.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) refs.push(...cssUrls(style[1]));
  } else if (file.contentType.startsWith('text/css')) {
    refs.push(...cssUrls(text));
  }
  return refs;
}

function cssUrls(css: string): { kind: 'asset'; target: string }[] {
  const out: { kind: 'asset'; target: string }[] = [];
  for (const match of css.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/gi)) {
    const value = (match[1] ?? match[2] ?? match[3] ?? '').trim();
    if (value) out.push({ kind: 'asset', target: value });
  }
  for (const match of css.matchAll(/@import\s+(?:"([^"]+)"|'([^']+)')/gi)) out.push({ kind: 'asset', target: match[1] ?? match[2] });
  return out;
}

/** The published paths a local reference may mean ('/about' → /about, /about/index.html, /about.html). */
function candidatesFor(from: string, target: string): string[] | null {
  if (EXTERNAL.test(target)) return null;
  const bare = target.split('#')[0].split('?')[0];
  if (!bare) return null;
  let decoded: string;
  try {
    decoded = decodeURI(bare);
  } catch {
    decoded = bare;
  }
  // Form posts to /__forms/… are answered by the platform's edge, not a file.
  if (decoded.startsWith('/__forms/')) return null;
  const resolved = path.posix.resolve(path.posix.dirname(from), decoded);
  if (decoded.endsWith('/')) return [path.posix.join(resolved, 'index.html')];
  return [resolved, path.posix.join(resolved, 'index.html'), `${resolved}.html`];
}

/**
 * Checks a source tree before it goes live: there is a home page, paths are plain, and every
 * local link and asset that an HTML page or stylesheet names exists. Pure (files in, problems out).
 */
export function checkSourceFiles(files: SourceFileToCheck[]): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const present = new Set(files.map((file) => file.path));
  if (!present.has('/index.html')) problems.push({ path: '/index.html', message: '첫 페이지(index.html)가 없습니다. 사이트 맨 위 폴더에 index.html을 만들어 주세요.' });
  for (const file of files) {
    if (!/^\/[^\s\\]+$/.test(file.path) || file.path.split('/').some((part) => part === '..' || part.startsWith('.'))) {
      problems.push({ path: file.path, message: '게시할 수 없는 파일 이름입니다 (공백, 역슬래시, 점으로 시작하는 이름은 쓸 수 없습니다).' });
    }
    for (const ref of referencesOf(file)) {
      const candidates = candidatesFor(file.path, ref.target);
      if (!candidates || candidates.some((candidate) => present.has(candidate))) continue;
      problems.push({
        path: file.path,
        message: ref.kind === 'link' ? `깨진 링크: ${ref.target} 가 가리키는 페이지가 없습니다.` : `빠진 파일: ${ref.target} 이(가) 소스에 없습니다.`,
      });
    }
  }
  return problems;
}

/** HTML and CSS: the bodies the check reads. */
const isChecked = (contentType: string) => contentType.startsWith('text/html') || contentType.startsWith('text/css');

/**
 * Copies and checks a source tree in <workDir> (see the top of this file). Returns the exit
 * code: 0 checked and copied, 2 problems (errors.json), 1 the worker's input does not match
 * its files (a machinery failure, retried).
 */
export async function copyAndCheckSource(workDir: string, input: SourceCheckInput): Promise<number> {
  const started = Date.now();
  if (input.slowRenderMs) await new Promise((resolve) => setTimeout(resolve, input.slowRenderMs));
  const srcDir = path.join(workDir, 'src');
  const outDir = path.join(workDir, 'out');
  await mkdir(path.join(outDir, 'files'), { recursive: true });
  const manifest: RenderManifest = { files: [], renderMs: 0 };
  const checked: SourceFileToCheck[] = [];
  let bytes = 0;
  let n = 0;
  for (const file of input.files) {
    if (!/^[0-9a-f]{64}$/.test(file.sha256)) {
      console.error(`source file ${file.path} names an unexpected body: ${file.sha256}`);
      return 1;
    }
    const from = path.join(srcDir, file.sha256);
    const name = String(++n).padStart(6, '0');
    const to = path.join(outDir, 'files', name);
    let body = Buffer.alloc(0);
    let sha256: string;
    let size: number;
    if (isChecked(file.contentType)) {
      // Pages and stylesheets are read whole: the check needs their text.
      body = await readFile(from);
      await writeFile(to, body);
      sha256 = createHash('sha256').update(body).digest('hex');
      size = body.length;
    } else {
      // Images, fonts, scripts…: streamed, so a large file never sits in memory.
      const hash = createHash('sha256');
      await pipeline(
        createReadStream(from),
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        }),
        createWriteStream(to),
      );
      sha256 = hash.digest('hex');
      size = (await stat(to)).size;
    }
    if (sha256 !== file.sha256) {
      console.error(`source file ${file.path}: its body hashes to ${sha256}, not ${file.sha256}`);
      return 1;
    }
    bytes += size;
    checked.push({ path: file.path, contentType: file.contentType, body });
    manifest.files.push({ path: file.path, contentType: file.contentType, file: name, bytes: size, sha256 });
  }
  const problems = checkSourceFiles(checked);
  const summary =
    `소스(커밋 ${input.commit.slice(0, 7)})의 파일 ${input.files.length}개(${bytes}바이트)를 복사하고 링크와 파일을 검사했습니다` +
    `${problems.length ? `: 문제 ${problems.length}개` : ''} (${Date.now() - started}ms).`;
  if (problems.length) {
    await writeFile(path.join(outDir, 'errors.json'), JSON.stringify(problems));
    console.log(summary);
    return CONTENT_ERROR_EXIT_CODE;
  }
  manifest.renderMs = Date.now() - started;
  await writeFile(path.join(outDir, 'manifest.json'), JSON.stringify(manifest));
  console.log(summary);
  return 0;
}
