// Builds from source (developer mode): a site version that carries a source snapshot
// (site_versions.source_snapshot_id, written by devmode/ when the owner publishes from the code
// editor) is published from the snapshot's files instead of rendering the builder document.
// The files are checked first — a page or stylesheet that points at a file the snapshot does
// not have (a broken link, a missing image) fails the build with every problem listed, and the
// live site stays as it was.
import path from 'node:path';
import { withTenant, type Sql } from '../db/index.ts';
import type { RenderedFile } from '../site/index.ts';
import { appendBuildLog } from './build-events.ts';
import { BuildContentError } from './executors/index.ts';

export interface SourceProblem {
  /** the file that refers (e.g. /about/index.html) */
  path: string;
  message: string;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

/** Every local reference of an HTML or CSS file: [attribute or 'url()', target]. */
function referencesOf(file: RenderedFile): { kind: 'link' | 'asset'; target: string }[] {
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
export function checkSourceFiles(files: RenderedFile[]): SourceProblem[] {
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

/** The source snapshot a version publishes from, or null for a version rendered from its document. */
export async function sourceSnapshotOfVersion(sql: Sql, tenantId: string, versionId: string): Promise<string | null> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<{ source_snapshot_id: string | null }[]>`
    select source_snapshot_id from site_versions where id = ${versionId}`);
  return row?.source_snapshot_id ?? null;
}

/**
 * The files of a source build, copied out of the snapshot and checked; the same shape the
 * worker's render step gives, so upload and switch stay one path. Throws BuildContentError
 * (the owner fixes the code; never retried) listing the problems, each also in the build log.
 */
export async function sourceBuildOutputs(sql: Sql, opts: { tenantId: string; siteId: string; buildId: string; snapshotId: string }) {
  const loaded = await withTenant(sql, opts.tenantId, async (tx) => {
    const [snapshot] = await tx<{ commit: string }[]>`select commit from site_source_snapshots where id = ${opts.snapshotId} and site_id = ${opts.siteId}`;
    if (!snapshot) return null;
    const rows = await tx<{ path: string; content_type: string; data: Buffer }[]>`
      select f.path, f.content_type, b.data
      from site_source_files f join site_source_blobs b on b.site_id = f.site_id and b.sha256 = f.sha256
      where f.snapshot_id = ${opts.snapshotId}
      order by f.path`;
    return { commit: snapshot.commit, rows };
  });
  if (!loaded) throw new Error(`source snapshot ${opts.snapshotId} of build ${opts.buildId} is missing`);
  const files: RenderedFile[] = loaded.rows.map((row) => ({ path: row.path, contentType: row.content_type, body: row.data }));
  const problems = checkSourceFiles(files);
  await withTenant(sql, opts.tenantId, async (tx) => {
    await appendBuildLog(tx, {
      tenantId: opts.tenantId, buildId: opts.buildId, stage: 'render',
      message: `소스(커밋 ${loaded.commit.slice(0, 7)})의 파일 ${files.length}개를 복사하고 링크와 파일을 검사했습니다${problems.length ? `: 문제 ${problems.length}개` : ''}.`,
    });
    for (const problem of problems.slice(0, 50)) {
      await appendBuildLog(tx, { tenantId: opts.tenantId, buildId: opts.buildId, stage: 'render', level: 'error', message: `${problem.path}: ${problem.message}` });
    }
  });
  if (problems.length) {
    const first = problems.slice(0, 3).map((p) => `${p.path} — ${p.message}`).join(' / ');
    throw new BuildContentError(
      `소스에 고칠 곳이 ${problems.length}개 있어 게시하지 않았습니다 (${first}${problems.length > 3 ? ' …' : ''}). 공개 중인 사이트는 그대로입니다. 코드 편집기에서 고친 뒤 다시 게시해 주세요.`,
      problems,
    );
  }
  const pages = files.filter((file) => file.contentType.startsWith('text/html')).length;
  return { files, reused: [], fresh: [], pageCount: pages, renderedPages: pages, outputCount: files.length };
}
