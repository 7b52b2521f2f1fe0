// The local provider's deployer: a deployment is a row in `deployments` whose manifest maps
// each URL path to an object in the content-addressed store. Deploying writes only objects
// the store lacks; activating flips sites.live_deployment_id in one transaction and notifies
// every edge (pg NOTIFY 'site_live'), which swaps the whole site at once. Activating an older
// ready deployment is the rollback.
//
// Every query here reads or writes tenant rows, so every one runs inside withTenant().
import { randomUUID } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { isUuid, withTenant, type Sql, type TransactionSql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import { objectPath, putObject, sha256Hex, startPutObject } from './object-store.ts';
import type { DeployFile, DeploymentManifest, DeploymentRow, DeploymentStatus, DeployResult } from './types.ts';

export const SITE_LIVE_CHANNEL = 'site_live';
const MAX_FILES = 20_000;
const MAX_PATH_LENGTH = 1024;
const WRITE_CONCURRENCY = 8;
/** Up to this many new objects are written on this thread (see startPutObject); more go through the thread pool, WRITE_CONCURRENCY at a time. */
const SYNC_WRITE_LIMIT = 4;
/** Up to this many stored files are touched synchronously (see addStoredFiles). */
const SYNC_TOUCH_LIMIT = 500;

export interface SiteLiveNotification {
  siteId: string;
  slug: string;
  deploymentId: string;
}

function deploymentNotFound(): CdnError {
  return new CdnError('not_found', '배포를 찾을 수 없습니다. 배포 목록을 새로 고친 뒤 다시 선택해 주세요.');
}

function siteNotFound(): CdnError {
  return new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
}

/** Why a file path is unusable, or null when it is fine. */
export function deployPathProblem(filePath: unknown): string | null {
  if (typeof filePath !== 'string' || filePath.length === 0) return '경로가 비어 있습니다';
  if (filePath.length > MAX_PATH_LENGTH) return `경로가 ${MAX_PATH_LENGTH}자를 넘습니다`;
  if (!filePath.startsWith('/')) return "경로는 '/'로 시작해야 합니다";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(filePath)) return '경로에 제어 문자(NUL 등)가 들어 있습니다';
  if (filePath.includes('\\')) return "경로에 '\\'를 쓸 수 없습니다";
  if (filePath.endsWith('/')) return "파일 경로는 '/'로 끝날 수 없습니다";
  const segments = filePath.slice(1).split('/');
  if (segments.some((s) => s === '')) return "경로에 빈 구간('//')이 있습니다";
  if (segments.some((s) => s === '..' || s === '.')) return "경로에 '..' 또는 '.' 구간을 쓸 수 없습니다";
  return null;
}

function invalidFiles(detail: string): CdnError {
  return new CdnError('invalid_files', `배포할 파일이 올바르지 않습니다: ${detail}. 사이트를 다시 빌드해 주세요.`);
}

/** Checks every file and computes the manifest; throws CdnError('invalid_files') on the first problem. */
export function buildManifest(files: DeployFile[], alsoStored = 0): DeploymentManifest {
  if (!Array.isArray(files) || files.length + alsoStored === 0) throw invalidFiles('파일이 하나도 없습니다');
  if (files.length + alsoStored > MAX_FILES) throw invalidFiles(`파일이 ${files.length + alsoStored}개로 한도 ${MAX_FILES}개를 넘습니다`);
  const manifest: DeploymentManifest = {};
  for (const file of files) {
    const problem = deployPathProblem(file?.path);
    if (problem) throw invalidFiles(`${JSON.stringify(file?.path)} — ${problem}`);
    if (!Buffer.isBuffer(file.body)) throw invalidFiles(`${file.path} — 내용(body)이 Buffer가 아닙니다`);
    if (typeof file.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+(;.*)?$/.test(file.contentType)) {
      throw invalidFiles(`${file.path} — Content-Type ${JSON.stringify(file.contentType)}이(가) 올바르지 않습니다`);
    }
    if (Object.hasOwn(manifest, file.path)) throw invalidFiles(`${file.path} — 같은 경로가 두 번 들어 있습니다`);
    manifest[file.path] = { sha256: sha256Hex(file.body), size: file.body.length, contentType: file.contentType };
  }
  return manifest;
}

/**
 * A file whose body is already in the object store (a build cache reusing an earlier build's
 * output): named by its sha256 instead of carried as bytes.
 */
export interface StoredDeployFile {
  path: string;
  contentType: string;
  sha256: string;
  size: number;
}

/**
 * Adds files already in the store to a manifest. Each object's mtime is refreshed, as putObject
 * does for an object it finds, so garbage collection spares it while this deployment is made;
 * a missing object is CdnError('invalid_files') (the caller renders that file again). `touched`:
 * the refresh was started before (touchStoredObjectsSoon) and is waited for instead.
 */
async function addStoredFiles(
  manifest: DeploymentManifest, stored: StoredDeployFile[], dataDir: string, touched?: Promise<void>,
): Promise<void> {
  for (const file of stored) {
    const problem = deployPathProblem(file?.path);
    if (problem) throw invalidFiles(`${JSON.stringify(file?.path)} — ${problem}`);
    if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) throw invalidFiles(`${file.path} — sha256가 올바르지 않습니다`);
    if (!Number.isInteger(file.size) || file.size < 0) throw invalidFiles(`${file.path} — 크기(size)가 올바르지 않습니다`);
    if (typeof file.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+(;.*)?$/.test(file.contentType)) {
      throw invalidFiles(`${file.path} — Content-Type ${JSON.stringify(file.contentType)}이(가) 올바르지 않습니다`);
    }
    if (Object.hasOwn(manifest, file.path)) throw invalidFiles(`${file.path} — 같은 경로가 두 번 들어 있습니다`);
    manifest[file.path] = { sha256: file.sha256, size: file.size, contentType: file.contentType };
  }
  await (touched ?? touchStoredObjects(dataDir, stored));
}

/**
 * touchStoredObjects on the event loop's next turn. A build worker starts it as it hands its
 * render to the executor: the system calls (one per reused file, 54 for a one-page edit of a
 * 50-page site) then run while the container renders instead of after it.
 */
export function touchStoredObjectsSoon(dataDir: string, stored: StoredDeployFile[]): Promise<void> {
  const touched = new Promise<void>((resolve) => setImmediate(resolve)).then(() => touchStoredObjects(dataDir, stored));
  touched.catch(() => {}); // awaited by addStoredFiles; this only keeps a failure from being unhandled meanwhile
  return touched;
}

/** Refreshes each stored object's mtime; a missing one is CdnError('invalid_files'). */
async function touchStoredObjects(dataDir: string, stored: StoredDeployFile[]): Promise<void> {
  const missing = (file: StoredDeployFile, error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
    return invalidFiles(`${file.path} — 저장소에 내용(${file.sha256.slice(0, 12)}…)이 없습니다`);
  };
  const now = new Date();
  if (stored.length <= SYNC_TOUCH_LIMIT) {
    // A site's worth of files: one syscall each on this thread (well under a millisecond for a
    // few hundred) costs less than as many trips through libuv's thread pool.
    for (const file of stored) {
      try {
        utimesSync(objectPath(dataDir, file.sha256), now, now);
      } catch (error) {
        throw missing(file, error);
      }
    }
    return;
  }
  await Promise.all(
    stored.map(async (file) => {
      try {
        await utimes(objectPath(dataDir, file.sha256), now, now);
      } catch (error) {
        throw missing(file, error);
      }
    }),
  );
}

export interface DeploySiteOptions {
  tenantId: string;
  siteId: string;
  buildId: string | null;
  files: DeployFile[];
  /** Files already in the store; deploySite checks each object is there and never rewrites it. */
  stored?: StoredDeployFile[];
  /** The stored objects' check and refresh, started already (touchStoredObjectsSoon with the same `stored`). */
  storedTouched?: Promise<void>;
  dataDir: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A deployment whose files are in the store and whose 'ready' row is not written yet: its id is
 * chosen here, the row is written by insertDeploymentInTransaction (deploySite does both).
 */
export interface StoredDeployment extends DeployResult {
  tenantId: string;
  siteId: string;
  buildId: string | null;
  manifest: DeploymentManifest;
  /**
   * Resolves once every object this deploy wrote is flushed and under its name (see
   * startPutObject). The row must not commit before: deploySite waits for it, the build worker
   * within the switch's transaction.
   */
  durable: Promise<void>;
}

/**
 * Stores a rendered site as a new deployment (status 'ready' when it returns). Nothing goes
 * live: call activateDeployment for that. When the objects cannot be written a 'failed' row
 * records the attempt and the error is rethrown; objects already written stay for garbage
 * collection, which removes them once no deployment refers to them (another deploy may be
 * relying on them already).
 */
export async function deploySite(sql: Sql, opts: DeploySiteOptions): Promise<DeployResult> {
  const stored = await storeDeploymentFiles(sql, opts);
  try {
    await stored.durable;
  } catch (cause) {
    throw await recordFailedDeployment(sql, stored, cause);
  }
  await withTenant(sql, opts.tenantId, (tx) => insertDeploymentInTransaction(tx, stored));
  const { deploymentId, fileCount, totalBytes, uploadedFiles, uploadedBytes } = stored;
  return { deploymentId, fileCount, totalBytes, uploadedFiles, uploadedBytes };
}

/**
 * deploySite's first half: writes the objects the store lacks and checks those it should have.
 * The build worker writes the row in the transaction that makes the build live (one transaction
 * fewer on a build's path); anyone else calls deploySite.
 *
 * Objects written before their row exists are safe from garbage collection: it spares every
 * object touched within its grace period (an hour), and putObject refreshes the mtime of an
 * object it finds. A deploy that cannot write is recorded as a 'failed' row.
 */
export async function storeDeploymentFiles(sql: Sql, opts: DeploySiteOptions): Promise<StoredDeployment> {
  const { tenantId, siteId, buildId, files, dataDir } = opts;
  if (!isUuid(siteId)) throw siteNotFound();
  if (buildId !== null && !isUuid(buildId)) throw new Error(`deploySite: buildId must be a uuid or null, got ${JSON.stringify(buildId)}`);
  const stored = opts.stored ?? [];
  const manifest = buildManifest(files, stored.length);
  await addStoredFiles(manifest, stored, dataDir, opts.storedTouched);
  const fileCount = files.length + stored.length;
  const entries = Object.values(manifest);
  const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);

  let uploadedFiles = 0;
  let uploadedBytes = 0;
  let durable: Promise<void> = Promise.resolve();
  try {
    // One write per distinct body: two paths with the same content share one object.
    const bodies = new Map<string, Buffer>();
    for (const file of files) bodies.set(manifest[file.path].sha256, file.body);
    const pending = [...bodies];
    let done = 0;
    const total = pending.length;
    const counted = (written: boolean, body: Buffer) => {
      if (written) {
        uploadedFiles += 1;
        uploadedBytes += body.length;
      }
      opts.onProgress?.(++done, total);
    };
    if (total <= SYNC_WRITE_LIMIT) {
      const flushes: Promise<void>[] = [];
      for (const [sha256, body] of pending) {
        const put = startPutObject(dataDir, sha256, body);
        flushes.push(put.durable);
        counted(put.written, body);
      }
      durable = Promise.all(flushes).then(() => {});
      durable.catch(() => {}); // awaited by whoever writes the row
    } else {
      const writeNext = async (): Promise<void> => {
        for (let next = pending.shift(); next; next = pending.shift()) {
          const [sha256, body] = next;
          counted(await putObject(dataDir, sha256, body), body);
        }
      };
      await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, total) }, writeNext));
    }
  } catch (cause) {
    const failed: StoredDeployment = {
      tenantId, siteId, buildId, manifest, deploymentId: randomUUID(), fileCount, totalBytes, uploadedFiles, uploadedBytes, durable,
    };
    throw await recordFailedDeployment(sql, failed, cause);
  }
  return { tenantId, siteId, buildId, manifest, deploymentId: randomUUID(), fileCount, totalBytes, uploadedFiles, uploadedBytes, durable };
}

/** Records a deploy whose objects could not be written as a 'failed' row; returns the error to throw. */
async function recordFailedDeployment(sql: Sql, deployment: StoredDeployment, cause: unknown): Promise<Error> {
  await withTenant(sql, deployment.tenantId, (tx) => insertDeploymentInTransaction(tx, deployment, 'failed')).catch(
    (markError) => console.error(`[cdn] could not record the failed deployment of site ${deployment.siteId}: ${(markError as Error).message}`),
  );
  return new Error(`Deploying site ${deployment.siteId} failed: ${(cause as Error).message}`, { cause });
}

/**
 * Writes a stored deployment's row (with its chosen id) in the caller's transaction (withTenant
 * of its tenant), checked in the same statement: not_found when the site or the build is not
 * the tenant's. The statement is sent when this is called, so a caller may pipeline it.
 */
export async function insertDeploymentInTransaction(
  tx: TransactionSql, deployment: StoredDeployment, status: 'ready' | 'failed' = 'ready',
): Promise<void> {
  const { tenantId, siteId, buildId } = deployment;
  const [inserted] = await tx<{ id: string }[]>`
    insert into deployments (id, tenant_id, site_id, build_id, provider, status, manifest, file_count, total_bytes, uploaded_bytes)
    select ${deployment.deploymentId}, ${tenantId}, s.id, ${buildId}, 'local', ${status}, ${tx.json(deployment.manifest as never)},
           ${deployment.fileCount}, ${deployment.totalBytes}, ${deployment.uploadedBytes}
    from sites s
    where s.id = ${siteId}
      and (${buildId}::uuid is null or exists (select 1 from builds b where b.id = ${buildId}::uuid and b.site_id = s.id))
    returning id`.execute();
  if (inserted) return;
  const [site] = await tx`select id from sites where id = ${siteId}`;
  if (!site) throw siteNotFound();
  throw new CdnError('not_found', '빌드를 찾을 수 없습니다. 다시 게시해 주세요.');
}

export interface ActivateDeploymentOptions {
  tenantId: string;
  siteId: string;
  deploymentId: string;
}

/**
 * Makes a ready deployment the one the site serves, in one transaction, and notifies every
 * edge (the NOTIFY is delivered at commit, so no edge hears of a switch that did not happen).
 * Activating an earlier ready deployment is how a site is rolled back.
 */
export async function activateDeployment(sql: Sql, opts: ActivateDeploymentOptions): Promise<void> {
  if (!isUuid(opts.siteId) || !isUuid(opts.deploymentId)) throw deploymentNotFound();
  await withTenant(sql, opts.tenantId, (tx) => activateDeploymentInTransaction(tx, opts));
}

/**
 * activateDeployment inside a transaction of the caller (withTenant of the same tenant): the
 * build worker makes the site live in the same transaction that marks its build succeeded, so
 * the two never disagree. The site row is locked until the caller commits; edges hear of the
 * switch at that commit. One statement, sent when this is called (a caller may pipeline it);
 * only when it changes nothing is the reason read.
 */
export async function activateDeploymentInTransaction(tx: TransactionSql, opts: ActivateDeploymentOptions): Promise<void> {
  const { siteId, deploymentId } = opts;
  if (!isUuid(siteId) || !isUuid(deploymentId)) throw deploymentNotFound();
  // A deployment on a hosted CDN is activated by its provider (cdn/providers/remote.ts): only a
  // ready deployment of the edge ('local') of this site is switched to here.
  const [switched] = await tx<{ site_id: string }[]>`
    with switched as (
      update sites s set live_deployment_id = ${deploymentId}, cdn_provider = 'local'
      where s.id = ${siteId}
        and exists (
          select 1 from deployments d
          where d.id = ${deploymentId} and d.site_id = s.id and d.status = 'ready' and d.provider = 'local')
      returning s.id, s.slug
    ), stamped as (
      update deployments set activated_at = now()
      where id = ${deploymentId} and exists (select 1 from switched)
      returning id
    )
    select switched.id as site_id, pg_notify(${SITE_LIVE_CHANNEL}, json_build_object(
      'siteId', switched.id, 'slug', switched.slug, 'deploymentId', stamped.id)::text)
    from switched, stamped`.execute();
  if (switched) return;
  const [[site], [deployment]] = await Promise.all([
    tx<{ id: string }[]>`select id from sites where id = ${siteId}`.execute(),
    tx<{ status: DeploymentStatus; provider: string }[]>`
      select status, provider from deployments where id = ${deploymentId} and site_id = ${siteId}`.execute(),
  ]);
  if (!site) throw siteNotFound();
  if (!deployment || deployment.provider !== 'local') throw deploymentNotFound();
  throw new CdnError('not_ready', `이 배포는 '${deployment.status}' 상태라 게시할 수 없습니다. 준비된(ready) 배포를 선택해 주세요.`);
}

/** A site's deployments, newest first, with the live one flagged. */
export async function listDeployments(sql: Sql, tenantId: string, siteId: string): Promise<DeploymentRow[]> {
  if (!isUuid(siteId)) throw siteNotFound();
  return withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx<{ live_deployment_id: string | null }[]>`select live_deployment_id from sites where id = ${siteId}`;
    if (!site) throw siteNotFound();
    const rows = await tx<
      {
        id: string; site_id: string; build_id: string | null; provider: string; status: DeploymentStatus;
        file_count: number; total_bytes: number; uploaded_bytes: number; created_at: Date; activated_at: Date | null;
      }[]
    >`
      select id, site_id, build_id, provider, status, file_count, total_bytes, uploaded_bytes, created_at, activated_at
      from deployments where site_id = ${siteId}
      order by created_at desc, id desc`;
    return rows.map((r) => ({
      id: r.id,
      siteId: r.site_id,
      buildId: r.build_id,
      provider: r.provider,
      status: r.status,
      fileCount: r.file_count,
      totalBytes: r.total_bytes,
      uploadedBytes: r.uploaded_bytes,
      createdAt: r.created_at,
      activatedAt: r.activated_at,
      live: r.id === site.live_deployment_id,
    }));
  });
}

/**
 * Marks a deployment deleted (it can no longer be activated). The live deployment cannot be
 * deleted: activate another one first. Its objects are removed by garbage collection once no
 * other deployment refers to them.
 */
export async function deleteDeployment(sql: Sql, opts: ActivateDeploymentOptions): Promise<void> {
  const { tenantId, siteId, deploymentId } = opts;
  if (!isUuid(siteId) || !isUuid(deploymentId)) throw deploymentNotFound();
  await withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx<{ live_deployment_id: string | null }[]>`
      select live_deployment_id from sites where id = ${siteId} for update`;
    if (!site) throw siteNotFound();
    if (site.live_deployment_id === deploymentId) {
      throw new CdnError('live_deployment', '지금 게시 중인 배포는 삭제할 수 없습니다. 다른 배포를 먼저 게시해 주세요.');
    }
    const updated = await tx`
      update deployments set status = 'deleted', manifest = '{}'
      where id = ${deploymentId} and site_id = ${siteId} and status <> 'uploading'`;
    if (updated.count === 0) {
      const [exists] = await tx`select 1 from deployments where id = ${deploymentId} and site_id = ${siteId}`;
      if (!exists) throw deploymentNotFound();
      throw new CdnError('not_ready', '업로드 중인 배포는 삭제할 수 없습니다. 업로드가 끝난 뒤 다시 시도해 주세요.');
    }
  });
}
