// Builds from source (developer mode): a site version that carries a source snapshot
// (site_versions.source_snapshot_id, written by devmode/ when the owner publishes from the code
// editor) is published from the snapshot's files instead of rendering the builder document.
// The files are copied and checked where renders run — in the build's container (no network,
// read-only root, the plan's limits, the files mounted read-only) or child process — by the
// renderer bundle's source check (source-check-entry.ts), through the same executor call and
// warm containers as a render. A page or stylesheet that points at a file the snapshot does not
// have (a broken link, a missing image) fails the build with every problem listed, and the live
// site stays as it was.
import { createHash } from 'node:crypto';
import { withTenant, type Sql } from '../db/index.ts';
import type { RenderedFile } from '../site/index.ts';
import { appendBuildLog, type LogLevel } from './build-events.ts';
import { BuildContentError, type Executor, type RenderLimits } from './executors/index.ts';
import type { SourceBlob, SourceCheckInput } from './executors/types.ts';

export { checkSourceFiles, type SourceProblem } from './source-check-entry.ts';

/** The source snapshot a version publishes from, or null for a version rendered from its document. */
export async function sourceSnapshotOfVersion(sql: Sql, tenantId: string, versionId: string): Promise<string | null> {
  const [row] = await withTenant(sql, tenantId, (tx) => tx<{ source_snapshot_id: string | null }[]>`
    select source_snapshot_id from site_versions where id = ${versionId}`);
  return row?.source_snapshot_id ?? null;
}

/** A line the check printed, as a build log line (written by the worker with the upload stage). */
interface OutputLine {
  stage: string;
  level: LogLevel;
  message: string;
}

/**
 * The files of a source build, copied and checked by the executor (see the top of this file);
 * the same shape the worker's render step gives, so upload and switch stay one path. Throws
 * BuildContentError (the owner fixes the code; never retried) listing the problems, each also
 * in the build log; a cancel, a timeout or the memory limit end it as they end a render.
 */
export async function sourceBuildOutputs(
  sql: Sql,
  opts: {
    tenantId: string; siteId: string; buildId: string; snapshotId: string;
    executor: Executor; limits: RenderLimits; signal: AbortSignal; slowRenderMs?: number;
    /** The build's end (RenderRequest.buildEnded). */
    buildEnded?: Promise<unknown>;
  },
) {
  const loaded = await withTenant(sql, opts.tenantId, async (tx) => {
    const [snapshot] = await tx<{ commit: string }[]>`select commit from site_source_snapshots where id = ${opts.snapshotId} and site_id = ${opts.siteId}`;
    if (!snapshot) return null;
    const [files, blobs] = await Promise.all([
      tx<{ path: string; content_type: string; sha256: string }[]>`
        select path, content_type, sha256 from site_source_files where snapshot_id = ${opts.snapshotId} order by path`.execute(),
      // Each body once, however many paths share it.
      tx<{ sha256: string; data: Buffer }[]>`
        select b.sha256, b.data from site_source_blobs b
        where b.site_id = ${opts.siteId}
          and b.sha256 in (select f.sha256 from site_source_files f where f.snapshot_id = ${opts.snapshotId})`.execute(),
    ]);
    return { commit: snapshot.commit, files, blobs };
  });
  if (!loaded) throw new Error(`source snapshot ${opts.snapshotId} of build ${opts.buildId} is missing`);
  const input: SourceCheckInput = {
    kind: 'source',
    commit: loaded.commit,
    files: loaded.files.map((row) => ({ path: row.path, contentType: row.content_type, sha256: row.sha256 })),
    ...(opts.slowRenderMs ? { slowRenderMs: opts.slowRenderMs } : {}),
  };
  const source: SourceBlob[] = loaded.blobs.map((row) => ({ sha256: row.sha256, body: row.data }));
  const output: OutputLine[] = [];
  let files: RenderedFile[];
  try {
    files = await opts.executor.render({
      buildId: opts.buildId,
      input,
      source,
      limits: opts.limits,
      signal: opts.signal,
      buildEnded: opts.buildEnded,
      onOutput: (line, stream) => {
        if (line.trim()) output.push({ stage: 'render', message: line.slice(0, 4000), level: stream === 'stderr' ? 'warn' : 'info' });
      },
    });
  } catch (error) {
    // What the check printed (its summary, or why it stopped) is written before the build ends.
    const problems = error instanceof BuildContentError ? error.details : [];
    await withTenant(sql, opts.tenantId, async (tx) => {
      for (const line of output) await appendBuildLog(tx, { tenantId: opts.tenantId, buildId: opts.buildId, ...line });
      for (const problem of problems.slice(0, 50)) {
        await appendBuildLog(tx, { tenantId: opts.tenantId, buildId: opts.buildId, stage: 'render', level: 'error', message: `${problem.path}: ${problem.message}` });
      }
    }).catch(() => {});
    if (problems.length) {
      const first = problems.slice(0, 3).map((p) => `${p.path} — ${p.message}`).join(' / ');
      throw new BuildContentError(
        `소스에 고칠 곳이 ${problems.length}개 있어 게시하지 않았습니다 (${first}${problems.length > 3 ? ' …' : ''}). 공개 중인 사이트는 그대로입니다. 코드 편집기에서 고친 뒤 다시 게시해 주세요.`,
        problems,
      );
    }
    throw error;
  }
  // Exactly the snapshot, byte for byte, or nothing goes live.
  const expected = new Map(input.files.map((file) => [file.path, file]));
  const mismatch = files.length !== expected.size
    ? `${files.length} files where the snapshot has ${expected.size}`
    : files.map((file) => {
        const want = expected.get(file.path);
        if (!want) return `${file.path} is not in the snapshot`;
        if (want.contentType !== file.contentType) return `${file.path} came back as ${file.contentType}`;
        return createHash('sha256').update(file.body).digest('hex') === want.sha256 ? null : `${file.path} came back with other bytes`;
      }).find(Boolean);
  if (mismatch) throw new Error(`the source check of build ${opts.buildId} returned ${mismatch}`);
  const pages = files.filter((file) => file.contentType.startsWith('text/html')).length;
  return { files, reused: [], fresh: [], pageCount: pages, renderedPages: pages, outputCount: files.length, output };
}
