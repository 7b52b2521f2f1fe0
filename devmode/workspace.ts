// A site's source workspace: turning developer mode on renders the site's builder document
// (site/ renderSite, the same renderer the build farm runs) into a tree of editable files —
// pages as HTML with each page's CSS in its own file, the images, sitemap and robots — plus a
// small manifest and a README in Korean. The tree is a git repository on this host
// (<DATA_DIR>/devmode/workspaces/<site id>): every save is a commit that can be seen and
// restored, and "going back to the builder" shows the diff from the first commit before it
// discards the code.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, lchown, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mime from 'mime-types';
import { siteUrl } from '../cdn/index.ts';
import { withTenant, type Sql } from '../db/index.ts';
import { renderSite, validateSiteDocument, type RenderedFile, type SiteAsset } from '../site/index.ts';
import { DevmodeError } from './errors.ts';
import { commitAll, git, headCommit, type GitAuthor } from './git.ts';
import { EDITOR_GID, EDITOR_UID } from './image.ts';

export const MANIFEST_FILE = 'windwalker.json';
export const README_FILE = 'README.md';
/** Files of the workspace that are about the workspace, never published. */
export const UNPUBLISHED_FILES = new Set([MANIFEST_FILE, README_FILE, '.gitignore']);

export interface WorkspaceRecord {
  siteId: string;
  tenantId: string;
  host: string;
  /** the source tree the editor sees */
  dir: string;
  /** its git repository (outside the tree) */
  gitDir: string;
  baseCommit: string;
  baseVersionNumber: number | null;
  createdAt: Date;
  lastSavedCommit: string | null;
  lastSavedAt: Date | null;
}

export interface SourceFile {
  /** '/index.html', '/assets/…' */
  path: string;
  contentType: string;
  body: Buffer;
}

export function workspaceDir(dataDir: string, siteId: string): string {
  return path.join(dataDir, 'devmode', 'workspaces', siteId);
}

export function repositoryDir(dataDir: string, siteId: string): string {
  return path.join(dataDir, 'devmode', 'repos', `${siteId}.git`);
}

type WorkspaceRow = {
  site_id: string; tenant_id: string; host: string; base_commit: string; base_version_number: number | null;
  created_at: Date; last_saved_commit: string | null; last_saved_at: Date | null;
};

const toRecord = (row: WorkspaceRow, dataDir: string): WorkspaceRecord => ({
  siteId: row.site_id, tenantId: row.tenant_id, host: row.host, dir: workspaceDir(dataDir, row.site_id), gitDir: repositoryDir(dataDir, row.site_id),
  baseCommit: row.base_commit, baseVersionNumber: row.base_version_number, createdAt: row.created_at,
  lastSavedCommit: row.last_saved_commit, lastSavedAt: row.last_saved_at,
});

export async function getWorkspace(sql: Sql, dataDir: string, tenantId: string, siteId: string): Promise<WorkspaceRecord | null> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<WorkspaceRow[]>`select * from devmode_workspaces where site_id = ${siteId}`);
  return row ? toRecord(row, dataDir) : null;
}

const BLOCK_TAGS = new Set([
  'html', 'head', 'body', 'header', 'footer', 'main', 'nav', 'section', 'article', 'aside', 'div', 'ul', 'ol', 'li', 'dl',
  'dt', 'dd', 'figure', 'figcaption', 'form', 'fieldset', 'table', 'thead', 'tbody', 'tr', 'td', 'th', 'p', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'blockquote', 'picture', 'address', 'details', 'summary', 'meta', 'link', 'title', 'script',
  'style', 'noscript', 'source', 'iframe', 'button', 'select', 'textarea', 'label', 'img', 'input',
]);
const VOID_TAGS = new Set(['meta', 'link', 'source', 'img', 'input', 'br', 'hr']);

/**
 * Puts each block element of the renderer's one-line HTML on its own indented line so people can
 * read and edit it. Text and inline elements stay on their line; <script>, <style>, <pre> and
 * <textarea> keep their content byte for byte.
 */
export function formatHtml(html: string): string {
  const tokens = html.match(/<(script|style|pre|textarea)\b[^>]*>[\s\S]*?<\/\1>|<!--[\s\S]*?-->|<[^>]+>|[^<]+/gi) ?? [];
  let out = '';
  let depth = 0;
  let lineHasContent = false;
  const newline = () => {
    out += `\n${'  '.repeat(Math.max(0, depth))}`;
    lineHasContent = false;
  };
  for (const token of tokens) {
    const tag = /^<\/?([a-z][a-z0-9]*)/i.exec(token)?.[1]?.toLowerCase();
    const closing = token.startsWith('</');
    if (!tag || !BLOCK_TAGS.has(tag) || token.startsWith('<!')) {
      if (token.startsWith('<!doctype') || token.startsWith('<!DOCTYPE')) {
        out += token;
        lineHasContent = true;
        continue;
      }
      out += token;
      lineHasContent = true;
      continue;
    }
    if (closing) {
      depth -= 1;
      // Short elements whose content stayed on the line close on the same line.
      if (lineHasContent && !out.endsWith('>') ? true : lineHasContent && !/^<\/(html|head|body|header|footer|main|nav|section|article|aside|div|ul|ol|dl|table|thead|tbody|tr|form|fieldset|figure|picture|details|blockquote)>$/i.test(token)) {
        out += token;
      } else {
        newline();
        out += token;
      }
      lineHasContent = true;
      continue;
    }
    if (out) newline();
    out += token;
    lineHasContent = true;
    const selfContained = /^<(script|style|pre|textarea)\b/i.test(token) || VOID_TAGS.has(tag) || token.endsWith('/>');
    if (!selfContained) {
      depth += 1;
      lineHasContent = false;
    }
  }
  return `${out.trim()}\n`;
}

/** One declaration per line and an indent per block, for the renderer's one-line CSS (strings and url() kept). */
export function formatCss(css: string): string {
  let out = '';
  let depth = 0;
  let quote: string | null = null;
  let parens = 0;
  const newline = () => {
    out = out.replace(/[ \t]+$/, '');
    out += `\n${'  '.repeat(Math.max(0, depth))}`;
  };
  for (const ch of css) {
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    if (ch === '(') parens += 1;
    if (ch === ')') parens -= 1;
    if (parens > 0 || quote) {
      out += ch;
      continue;
    }
    if (ch === '{') {
      out += ' {';
      depth += 1;
      newline();
    } else if (ch === ';') {
      out += ';';
      newline();
    } else if (ch === '}') {
      depth -= 1;
      newline();
      out += '}';
      newline();
    } else {
      out += ch;
    }
  }
  return `${out.replace(/\n\s*\n/g, '\n').trim()}\n`;
}

/** Moves each page's inline <style> into its own CSS file so HTML and CSS are edited apart. */
function splitPageStyles(files: RenderedFile[]): RenderedFile[] {
  const out: RenderedFile[] = [];
  for (const file of files) {
    if (!file.contentType.startsWith('text/html')) {
      out.push(file);
      continue;
    }
    const html = file.body.toString('utf8');
    const match = /<style>([\s\S]*?)<\/style>/.exec(html);
    if (!match) {
      out.push(file);
      continue;
    }
    const name = file.path === '/index.html' ? 'home' : file.path.replace(/^\//, '').replace(/\/index\.html$|\.html$/, '').replace(/\//g, '-');
    const cssPath = `/styles/${name}.css`;
    const css = match[1].replace(/<\\\//g, '</');
    out.push({ path: cssPath, contentType: 'text/css; charset=utf-8', body: Buffer.from(formatCss(css), 'utf8') });
    out.push({ ...file, body: Buffer.from(formatHtml(html.replace(match[0], `<link rel="stylesheet" href="${cssPath}">`)), 'utf8') });
  }
  return out;
}

function readme(siteName: string, url: string): string {
  return `# ${siteName} — 소스 (개발자 모드)

이 폴더는 WindWalker가 빌더 문서에서 만든 사이트의 소스입니다. 여기의 파일이 그대로
${url} 에 게시됩니다.

- 페이지: \`index.html\`, \`<페이지 주소>/index.html\` — HTML을 직접 고치세요.
- 스타일: \`styles/<페이지>.css\` — 페이지마다 하나씩 있습니다.
- 이미지: \`assets/\` — 새 이미지를 넣고 HTML에서 \`/assets/파일이름\`으로 쓰세요.
- 게시: 왼쪽 아래 상태 표시줄의 **사이트 게시** 단추, 또는 명령 팔레트(F1)에서
  "WindWalker: 사이트 게시". 게시할 때 빠진 파일과 깨진 링크를 검사하고, 문제가 있으면
  게시하지 않고 알려 드립니다. 공개 중인 사이트는 새 빌드가 끝날 때까지 그대로입니다.
- 저장 기록: 게시할 때와 편집기를 닫을 때 자동으로 저장(커밋)되며, 웹 앱의 코드 편집기
  페이지에서 이전 저장으로 되돌릴 수 있습니다.
- 이 컨테이너는 인터넷에 연결되어 있지 않습니다 (npm 설치, 외부 요청 불가).

\`${MANIFEST_FILE}\`, \`${README_FILE}\`, \`.gitignore\`는 게시되지 않습니다.
`;
}

/** Writes files under `dir`, refusing any path that would leave it. */
async function writeTree(dir: string, files: { path: string; body: Buffer }[]): Promise<void> {
  for (const file of files) {
    const target = path.join(dir, file.path);
    if (!target.startsWith(dir + path.sep)) throw new Error(`refusing to write ${file.path} outside the workspace`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.body);
  }
}

/** Gives the tree to the editor's user inside the container (uid 1000), when we may. */
export async function handTreeToEditor(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const walk = async (at: string) => {
    const info = await lstat(at);
    // A link the owner made in the editor is given over itself, never the file it points at
    // (chown follows links: this runs as root on the host).
    if (info.isSymbolicLink()) return lchown(at, EDITOR_UID, EDITOR_GID);
    await chown(at, EDITOR_UID, EDITOR_GID);
    if (!info.isDirectory()) return;
    for (const entry of await readdir(at)) await walk(path.join(at, entry));
  };
  await walk(dir);
}

/**
 * Turns developer mode on for a site: renders its current builder document into a new source
 * workspace (first commit) and records it. Returns the existing workspace when there is one.
 */
export async function createSourceWorkspace(
  sql: Sql,
  opts: { dataDir: string; hostName: string; tenantId: string; siteId: string; user: { id: string } & GitAuthor },
): Promise<{ workspace: WorkspaceRecord; created: boolean }> {
  const existing = await getWorkspace(sql, opts.dataDir, opts.tenantId, opts.siteId);
  if (existing) return { workspace: existing, created: false };

  const loaded = await withTenant(sql, opts.tenantId, async (tx) => {
    const [site] = await tx<{ name: string; slug: string; cdn_provider: string; document: unknown }[]>`
      select name, slug, cdn_provider, document from sites where id = ${opts.siteId}`;
    if (!site) return null;
    const [version] = await tx<{ number: number }[]>`select max(number)::int as number from site_versions where site_id = ${opts.siteId}`;
    const assets = await tx<{ id: string; parent_id: string | null; file_name: string; content_type: string; width: number | null; height: number | null; sha256: string; data: Buffer }[]>`
      select id, parent_id, file_name, content_type, width, height, sha256, data from assets
      where site_id = ${opts.siteId} order by variant_width nulls first, content_type`;
    return { site, versionNumber: version?.number ?? null, assets };
  });
  if (!loaded) throw new DevmodeError('NOT_FOUND', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
  const validated = validateSiteDocument(loaded.site.document);
  if (!validated.ok) {
    const first = validated.errors[0];
    throw new DevmodeError('INVALID_DOCUMENT', `빌더 문서에 고칠 곳이 있어 소스를 만들 수 없습니다 (${first?.path ?? '문서'}: ${first?.message ?? '형식 오류'}). 빌더에서 고친 뒤 다시 시도해 주세요.`);
  }
  const assets = new Map<string, SiteAsset>();
  for (const a of loaded.assets.filter((row) => row.parent_id === null)) {
    assets.set(a.id, {
      id: a.id, fileName: a.file_name, contentType: a.content_type, width: a.width, height: a.height, sha256: a.sha256, data: a.data,
      variants: loaded.assets.filter((v) => v.parent_id === a.id).map((v) => ({
        width: v.width ?? 0, height: v.height ?? 0, contentType: v.content_type, fileName: v.file_name, sha256: v.sha256, data: v.data,
      })),
    });
  }
  const url = siteUrl(loaded.site.slug);
  const rendered = splitPageStyles(renderSite(validated.document, { siteUrl: url, hostingProvider: loaded.site.cdn_provider, assets }));

  const dir = workspaceDir(opts.dataDir, opts.siteId);
  const gitDir = repositoryDir(opts.dataDir, opts.siteId);
  const repo = { dir, gitDir };
  // A folder left by an earlier attempt that never reached the database is not anyone's work.
  await rm(dir, { recursive: true, force: true });
  await rm(gitDir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(gitDir, { recursive: true });
  const manifest = {
    windwalker: 1,
    site: { id: opts.siteId, name: loaded.site.name, url },
    source: { from: 'builder', versionNumber: loaded.versionNumber, createdAt: new Date().toISOString() },
    publish: { root: '/', notPublished: [...UNPUBLISHED_FILES] },
    pages: rendered.filter((f) => f.contentType.startsWith('text/html')).map((f) => f.path),
  };
  await writeTree(dir, [
    ...rendered,
    { path: `/${MANIFEST_FILE}`, body: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { path: `/${README_FILE}`, body: Buffer.from(readme(loaded.site.name, url)) },
    { path: '/.gitignore', body: Buffer.from('.vscode/\n') },
  ]);
  await git(repo, ['init', '--quiet']);
  const base = await commitAll(repo, `개발자 모드 시작: 빌더 문서${loaded.versionNumber ? ` (버전 ${loaded.versionNumber})` : ''}에서 만든 소스`, opts.user);
  if (!base) throw new Error(`the first commit of ${dir} recorded nothing`);
  await handTreeToEditor(dir);

  try {
    const [row] = await withTenant(sql, opts.tenantId, (tx) => tx<WorkspaceRow[]>`
      insert into devmode_workspaces (site_id, tenant_id, host, base_commit, base_version_number, created_by, last_saved_commit, last_saved_at)
      values (${opts.siteId}, ${opts.tenantId}, ${opts.hostName}, ${base}, ${loaded.versionNumber}, ${opts.user.id}, ${base}, now())
      returning *`);
    await withTenant(sql, opts.tenantId, (tx) => tx`
      insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${opts.tenantId}, ${opts.user.id}, 'site.devmode.enable', ${opts.siteId}, ${tx.json({ baseCommit: base, files: rendered.length })})`);
    return { workspace: toRecord(row, opts.dataDir), created: true };
  } catch (error) {
    // Someone else turned it on at the same moment: theirs stands, this folder was theirs too.
    if ((error as { code?: string }).code === '23505') {
      const theirs = await getWorkspace(sql, opts.dataDir, opts.tenantId, opts.siteId);
      if (theirs) return { workspace: theirs, created: false };
    }
    throw error;
  }
}

function assertOnThisHost(workspace: WorkspaceRecord, hostName: string): void {
  if (workspace.host !== hostName) {
    throw new DevmodeError('WRONG_HOST', `이 사이트의 소스는 호스트 ${workspace.host}에 있습니다. 그 호스트의 웹 서버에서 열어 주세요.`);
  }
  if (!existsSync(path.join(workspace.gitDir, 'HEAD')) || !existsSync(workspace.dir)) {
    throw new DevmodeError('WORKSPACE_MISSING', `이 사이트의 소스 폴더(${workspace.dir})가 이 서버에 없습니다. 운영팀에 문의해 주세요.`);
  }
}

/** Commits what the editor saved; returns the new commit or null when nothing changed. */
/**
 * What runs before every save: devmode/sessions.ts takes the tree of a running editor from its
 * host into this copy (decision 145), so a save holds what the owner sees in the editor.
 */
type BeforeSave = (sql: Sql, workspace: WorkspaceRecord) => Promise<void>;
let beforeSave: BeforeSave | null = null;
export function setBeforeSave(hook: BeforeSave): void {
  beforeSave = hook;
}

export async function saveWorkspace(sql: Sql, workspace: WorkspaceRecord, opts: { hostName: string; message: string; author?: GitAuthor }): Promise<string | null> {
  assertOnThisHost(workspace, opts.hostName);
  await beforeSave?.(sql, workspace);
  const commit = await commitAll(workspace, opts.message, opts.author);
  if (commit) {
    await withTenant(sql, workspace.tenantId, (tx) => tx`
      update devmode_workspaces set last_saved_commit = ${commit}, last_saved_at = now() where site_id = ${workspace.siteId}`);
  }
  return commit;
}

export interface WorkspaceSave {
  commit: string;
  message: string;
  author: string;
  at: string;
  changedFiles: number;
}

export async function listSaves(workspace: WorkspaceRecord, limit = 50): Promise<WorkspaceSave[]> {
  const out = await git(workspace, ['log', `-${limit}`, '--format=%x1e%H%x1f%s%x1f%an%x1f%aI', '--shortstat']);
  return out.split('\x1e').filter(Boolean).map((chunk) => {
    const [head, ...rest] = chunk.split('\n');
    const [commit, message, author, at] = head.split('\x1f');
    const files = /(\d+) files? changed/.exec(rest.join('\n'));
    return { commit, message, author, at, changedFiles: files ? Number(files[1]) : 0 };
  });
}

export interface LostChange {
  path: string;
  /** added, modified, deleted (relative to what the builder made) */
  change: 'added' | 'modified' | 'deleted';
  added: number;
  removed: number;
}

/**
 * What going back to the builder would lose: every file that differs from the tree the builder
 * made (saved or not yet saved), with line counts, and the diff text (cut at `maxDiffBytes`).
 */
export async function changesSinceBuilder(workspace: WorkspaceRecord, maxDiffBytes = 20_000): Promise<{ files: LostChange[]; diff: string; truncated: boolean }> {
  // Includes files the editor saved but nobody committed yet: diff the index after `add`.
  await git(workspace, ['add', '--all']);
  const nameStatus = await git(workspace, ['diff', '--cached', '--name-status', '--no-renames', workspace.baseCommit]);
  const numstat = await git(workspace, ['diff', '--cached', '--numstat', '--no-renames', workspace.baseCommit]);
  const counts = new Map<string, { added: number; removed: number }>();
  for (const line of numstat.split('\n').filter(Boolean)) {
    const [added, removed, file] = line.split('\t');
    counts.set(file, { added: Number(added) || 0, removed: Number(removed) || 0 });
  }
  const files: LostChange[] = nameStatus.split('\n').filter(Boolean).map((line) => {
    const [status, file] = line.split('\t');
    const change = status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified';
    return { path: file, change, ...(counts.get(file) ?? { added: 0, removed: 0 }) };
  });
  const diff = await git(workspace, ['diff', '--cached', '--no-renames', '--no-color', workspace.baseCommit, '--', '.', ':(exclude)assets']);
  const truncated = Buffer.byteLength(diff) > maxDiffBytes;
  return { files, diff: truncated ? diff.slice(0, maxDiffBytes) : diff, truncated };
}

/** Puts the tree back as it was at `commit` and records that as a new save (nothing is lost). */
export async function restoreSave(sql: Sql, workspace: WorkspaceRecord, opts: { hostName: string; commit: string; author?: GitAuthor }): Promise<string | null> {
  assertOnThisHost(workspace, opts.hostName);
  // The editor works on its host's copy, which would write its files over the restored ones.
  const open = await withTenant(sql, workspace.tenantId, (tx) => tx`
    select 1 from devmode_sessions where site_id = ${workspace.siteId} and status in ('starting', 'running', 'stopping')`);
  if (open.length) throw new DevmodeError('SESSION_OPEN', '코드 편집기가 열려 있습니다. 편집기를 먼저 닫은 뒤 저장 기록을 되돌려 주세요.');
  if (!/^[0-9a-f]{40}$/.test(opts.commit)) throw new DevmodeError('NOT_FOUND', '되돌릴 저장 기록을 찾을 수 없습니다.');
  const known = await git(workspace, ['cat-file', '-t', opts.commit]).catch(() => '');
  if (known.trim() !== 'commit') throw new DevmodeError('NOT_FOUND', '되돌릴 저장 기록을 찾을 수 없습니다.');
  await commitAll(workspace, '되돌리기 전 자동 저장', opts.author);
  await git(workspace, ['read-tree', '-u', '--reset', opts.commit]);
  const restored = await saveWorkspace(sql, workspace, { hostName: opts.hostName, message: `${opts.commit.slice(0, 7)} 저장으로 되돌림`, author: opts.author });
  await handTreeToEditor(workspace.dir);
  return restored;
}

/** The publishable files of the tree as it is on disk now (after a save). */
export async function readSourceFiles(workspace: WorkspaceRecord): Promise<SourceFile[]> {
  const listed = await git(workspace, ['ls-files', '-z']);
  const files: SourceFile[] = [];
  for (const relative of listed.split('\0').filter(Boolean)) {
    if (UNPUBLISHED_FILES.has(relative)) continue;
    // Only regular files: a link made in the editor could point at any file of this host.
    const info = await lstat(path.join(workspace.dir, relative));
    if (!info.isFile()) {
      throw new DevmodeError('INVALID_DOCUMENT', `${relative}: 링크나 특수 파일은 게시할 수 없습니다. 일반 파일로 바꾼 뒤 다시 게시해 주세요.`);
    }
    const body = await readFile(path.join(workspace.dir, relative));
    const type = mime.lookup(relative);
    const contentType = type ? (/^text\/|javascript|json|xml|svg/.test(type) ? `${type}; charset=utf-8` : type) : 'application/octet-stream';
    files.push({ path: `/${relative}`, contentType, body });
  }
  return files;
}

export const sha256Of = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/**
 * Back to the builder: the source tree is discarded (moved aside under devmode/discarded/ so an
 * operator can still recover it) and the site publishes from its builder document again.
 */
export async function discardWorkspace(sql: Sql, workspace: WorkspaceRecord, opts: { hostName: string; userId: string }): Promise<void> {
  const open = await withTenant(sql, workspace.tenantId, (tx) => tx`
    select 1 from devmode_sessions where site_id = ${workspace.siteId} and status in ('starting', 'running', 'stopping')`);
  if (open.length) throw new DevmodeError('SESSION_OPEN', '코드 편집기가 열려 있습니다. 편집기를 먼저 닫은 뒤 빌더로 돌아가 주세요.');
  const aside = path.join(path.dirname(path.dirname(workspace.dir)), 'discarded', `${workspace.siteId}-${Date.now()}`);
  await mkdir(aside, { recursive: true });
  if (existsSync(workspace.dir)) await rename(workspace.dir, path.join(aside, 'source'));
  if (existsSync(workspace.gitDir)) await rename(workspace.gitDir, path.join(aside, 'repo.git'));
  await withTenant(sql, workspace.tenantId, async (tx) => {
    await tx`delete from devmode_workspaces where site_id = ${workspace.siteId}`;
    await tx`
      insert into audit_log (tenant_id, user_id, action, target, detail)
      values (${workspace.tenantId}, ${opts.userId}, 'site.devmode.discard', ${workspace.siteId}, ${tx.json({ baseCommit: workspace.baseCommit })})`;
  });
}

export { headCommit };
