// The files of a deployment, read back from our content-addressed store. Every deployment, on
// whichever provider, is made from files that passed through the store (the build worker writes
// them there first), and the store keeps every object a ready deployment points at
// (platform.sql.ts selectReferencedObjects) — so a site can be deployed to another provider
// without rendering it again, even while its own provider is down.
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import { readObject } from './object-store.ts';
import type { DeployFile, DeploymentManifest } from './types.ts';

export async function deploymentFiles(
  sql: Sql,
  opts: { tenantId: string; siteId: string; deploymentId: string; dataDir: string },
): Promise<DeployFile[]> {
  const { tenantId, siteId, deploymentId, dataDir } = opts;
  if (!isUuid(siteId) || !isUuid(deploymentId)) throw new CdnError('not_found', '배포를 찾을 수 없습니다. 배포 목록을 새로 고친 뒤 다시 선택해 주세요.');
  const [row] = await withTenant(sql, tenantId, (tx) => tx<{ manifest: DeploymentManifest; status: string }[]>`
    select manifest, status from deployments where id = ${deploymentId} and site_id = ${siteId}`);
  if (!row || row.status === 'deleted') throw new CdnError('not_found', '배포를 찾을 수 없습니다. 배포 목록을 새로 고친 뒤 다시 선택해 주세요.');
  const entries = Object.entries(row.manifest);
  const files: DeployFile[] = [];
  for (const [path, entry] of entries) {
    let body: Buffer;
    try {
      body = await readObject(dataDir, entry.sha256);
    } catch (cause) {
      throw new Error(`deployment ${deploymentId}: ${path} (${entry.sha256.slice(0, 12)}…) is not in the object store; publish the site again to render it`, { cause });
    }
    files.push({ path, contentType: entry.contentType, body });
  }
  return files;
}

/** The files the site serves now (its live deployment), or null when it serves nothing. */
export async function liveSiteFiles(sql: Sql, opts: { tenantId: string; siteId: string; dataDir: string }): Promise<DeployFile[] | null> {
  const [site] = await withTenant(sql, opts.tenantId, (tx) => tx<{ live_deployment_id: string | null }[]>`
    select live_deployment_id from sites where id = ${opts.siteId}`);
  if (!site?.live_deployment_id) return null;
  return deploymentFiles(sql, { ...opts, deploymentId: site.live_deployment_id });
}
