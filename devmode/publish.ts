// Publish from code: save the workspace (a commit), copy its publishable files into a source
// snapshot in PostgreSQL (bodies stored once per site and sha256), and publish through the same
// build queue as the builder (buildfarm publishSite with the snapshot). A worker on any host
// reads the snapshot and hands it to its build container (or child process), which copies the
// files and checks links and assets (buildfarm/source-build.ts, source-check-entry.ts); only a
// tree with no problems is deployed, the usual way: nothing is half-live.
import type PgBoss from 'pg-boss';
import { publishSite, type PublishResult } from '../buildfarm/index.ts';
import { withTenant, type Sql } from '../db/index.ts';
import { DevmodeError } from './errors.ts';
import type { GitAuthor } from './git.ts';
import { assertPlanAllowsDevmode } from './sessions.ts';
import { getWorkspace, headCommit, readSourceFiles, saveWorkspace, sha256Of } from './workspace.ts';

/** A source snapshot may hold this much (the site's own files; images included). */
export const MAX_SOURCE_BYTES = 200 * 1024 * 1024;
export const MAX_SOURCE_FILES = 5000;

export interface SourcePublishResult extends PublishResult {
  commit: string;
  snapshotId: string;
  fileCount: number;
}

export async function publishFromSource(
  sql: Sql,
  boss: PgBoss,
  opts: { dataDir: string; hostName: string; tenantId: string; siteId: string; user: { id: string | null } & GitAuthor },
): Promise<SourcePublishResult> {
  await assertPlanAllowsDevmode(sql, opts.tenantId);
  const workspace = await getWorkspace(sql, opts.dataDir, opts.tenantId, opts.siteId);
  if (!workspace) throw new DevmodeError('NO_WORKSPACE', '이 사이트는 개발자 모드가 아닙니다. 빌더에서 게시해 주세요.');
  await saveWorkspace(sql, workspace, { hostName: opts.hostName, message: '게시: 저장된 파일로 사이트 게시', author: opts.user });
  const commit = await headCommit(workspace);
  const files = await readSourceFiles(workspace);
  const total = files.reduce((sum, file) => sum + file.body.length, 0);
  if (files.length > MAX_SOURCE_FILES || total > MAX_SOURCE_BYTES) {
    throw new DevmodeError('INVALID_DOCUMENT', `소스가 너무 큽니다 (파일 ${files.length.toLocaleString('ko-KR')}개, ${Math.round(total / 2 ** 20)}MB). 파일 ${MAX_SOURCE_FILES.toLocaleString('ko-KR')}개, ${MAX_SOURCE_BYTES / 2 ** 20}MB 안으로 줄여 주세요.`);
  }
  const hashed = files.map((file) => ({ ...file, sha256: sha256Of(file.body) }));

  const snapshotId = await withTenant(sql, opts.tenantId, async (tx) => {
    const known = new Set(
      (await tx<{ sha256: string }[]>`
        select sha256 from site_source_blobs where site_id = ${opts.siteId} and sha256 in ${tx(hashed.map((f) => f.sha256))}`).map((r) => r.sha256),
    );
    for (const file of hashed) {
      if (known.has(file.sha256)) continue;
      known.add(file.sha256);
      await tx`
        insert into site_source_blobs (tenant_id, site_id, sha256, size, data)
        values (${opts.tenantId}, ${opts.siteId}, ${file.sha256}, ${file.body.length}, ${file.body})
        on conflict do nothing`;
    }
    const [snapshot] = await tx<{ id: string }[]>`
      insert into site_source_snapshots (tenant_id, site_id, commit, file_count, total_bytes, created_by)
      values (${opts.tenantId}, ${opts.siteId}, ${commit}, ${files.length}, ${total}, ${opts.user.id})
      returning id`;
    const rows = hashed.map((file) => ({
      snapshot_id: snapshot.id, tenant_id: opts.tenantId, site_id: opts.siteId, path: file.path, content_type: file.contentType, sha256: file.sha256,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await tx`insert into site_source_files ${tx(rows.slice(i, i + 500), 'snapshot_id', 'tenant_id', 'site_id', 'path', 'content_type', 'sha256')}`;
    }
    return snapshot.id;
  });
  const published = await publishSite(sql, boss, { tenantId: opts.tenantId, siteId: opts.siteId, userId: opts.user.id, sourceSnapshotId: snapshotId });
  return { ...published, commit, snapshotId, fileCount: files.length };
}
