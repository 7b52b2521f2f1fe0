// The owner's sites: create from a template, list, read, autosave the document with optimistic
// concurrency, version history and restore, and image uploads. Every query runs inside
// withTenant(), so Row-Level Security hides other workspaces' rows even from a guessed id.
// Functions take the postgres.js client as their first argument (routes pass the app's pool,
// tests a fresh database). Owner-facing failures come back as values with Korean messages;
// a site that is not in the workspace comes back as null and the route answers 404.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadSharp } from './sharp.server.ts';
import { env } from '../../config/env.ts';
import { assertCanCreateSite, assertPagesWithinPlan, assertStorageWithinPlan, assertWithinPlanLimit, BillingError, getTenantPlan, UPGRADE_URL } from '../../billing/index.ts';
import { isUuid, withTenant, type Sql, type TransactionSql } from '../../db/index.ts';
import { createSiteDocument, templates, validateSiteDocument, type SiteDocument } from '../../site/index.ts';
import { makeImageVariants } from './image-variants.server.ts';

export type FieldError = { field: string; message: string };

export interface SiteSummary {
  id: string;
  name: string;
  slug: string;
  template: string;
  revision: number;
  liveDeploymentId: string | null;
  lastPublishedAt: Date | null;
  latestBuild: { id: string; status: BuildStatus; queuedAt: Date; finishedAt: Date | null } | null;
  createdAt: Date;
  updatedAt: Date;
}

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'superseded';

export interface SiteRecord extends SiteSummary {
  document: SiteDocument;
  cdnProvider: string;
}

export interface VersionSummary {
  id: string;
  number: number;
  reason: 'create' | 'autosave' | 'publish' | 'restore' | 'import';
  createdAt: Date;
  createdByName: string | null;
}

export interface AssetSummary {
  id: string;
  siteId: string;
  fileName: string;
  contentType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  sha256: string;
  createdAt: Date;
}

export interface StoredAsset extends AssetSummary {
  data: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Site addresses

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/;

/** Sub-domains the platform keeps for itself or that would mislead a visitor. */
export const RESERVED_SLUGS = new Set([
  'www', 'admin', 'api', 'app', 'mail', 'ops', 'smtp', 'imap', 'pop', 'ftp', 'ns1', 'ns2', 'cdn',
  'edge', 'static', 'assets', 'status', 'dashboard', 'login', 'signup', 'logout', 'billing',
  'help', 'support', 'docs', 'dev', 'code', 'root', 'system', 'windwalker', 'localhost',
]);

/** Checks the form of an address (no database). Returns a Korean message or null when it is fine. */
export function slugProblem(slug: string): string | null {
  if (slug.length === 0) return '사이트 주소를 입력해 주세요.';
  if (/[A-Z]/.test(slug)) return '사이트 주소에는 영문 소문자만 쓸 수 있습니다.';
  if (!/^[a-z0-9-]+$/.test(slug)) return '사이트 주소에는 영문 소문자, 숫자, 하이픈(-)만 쓸 수 있습니다.';
  if (slug.length < 3) return '사이트 주소는 3자 이상이어야 합니다.';
  if (slug.length > 40) return '사이트 주소는 40자 이하로 입력해 주세요.';
  if (slug.startsWith('-') || slug.endsWith('-')) return '사이트 주소는 하이픈(-)으로 시작하거나 끝날 수 없습니다.';
  if (!SLUG_PATTERN.test(slug)) return '사이트 주소 형식이 올바르지 않습니다.';
  if (RESERVED_SLUGS.has(slug)) return `‘${slug}’는 예약된 주소라 쓸 수 없습니다. 다른 주소를 입력해 주세요.`;
  return null;
}

export const SLUG_TAKEN_MESSAGE = '이미 사용 중인 주소입니다. 다른 주소를 입력해 주세요.';

/** Live validation for the create form: the form problem, or whether another site holds it. */
export async function checkSlug(sql: Sql, tenantId: string, slug: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const problem = slugProblem(slug);
  if (problem) return { ok: false, message: problem };
  const taken = await withTenant(sql, tenantId, (tx) => slugTaken(tx, slug));
  return taken ? { ok: false, message: SLUG_TAKEN_MESSAGE } : { ok: true };
}

async function slugTaken(tx: TransactionSql, slug: string): Promise<boolean> {
  const [row] = await tx<{ taken: boolean }[]>`select site_slug_taken(${slug}) as taken`;
  return row.taken;
}

// ---------------------------------------------------------------------------------------------
// Sites

/** `upgradeUrl` is set when the plan's limit refused the site (field 'plan'): the page links to it. */
export type CreateSiteResult = { ok: true; site: SiteRecord } | { ok: false; errors: FieldError[]; upgradeUrl?: string };

export async function createSite(
  sql: Sql,
  input: {
    tenantId: string;
    userId: string | null;
    name: string;
    slug: string;
    templateId: string;
    /** A ready document (an AI draft or an import) instead of the template's starter document. */
    document?: SiteDocument;
  },
): Promise<CreateSiteResult> {
  const name = input.name.trim();
  const slug = input.slug.trim();
  const errors: FieldError[] = [];
  if (name.length === 0) errors.push({ field: 'name', message: '사이트 이름을 입력해 주세요.' });
  else if (name.length > 100) errors.push({ field: 'name', message: '사이트 이름은 100자 이하로 입력해 주세요.' });
  const problem = slugProblem(slug);
  if (problem) errors.push({ field: 'slug', message: problem });
  if (!input.document && !templates.some((t) => t.id === input.templateId)) {
    errors.push({ field: 'template', message: '템플릿을 하나 골라 주세요.' });
  }
  if (errors.length > 0) return { ok: false, errors };

  const document = input.document ?? createSiteDocument(input.templateId, { siteName: name });
  const checked = validateSiteDocument(document);
  if (!checked.ok) {
    if (input.document) return { ok: false, errors: checked.errors.map((e) => ({ field: 'document', message: e.message })) };
    throw new Error(`Template ${input.templateId} produced an invalid document: ${JSON.stringify(checked.errors)}`);
  }

  try {
    return await withTenant(sql, input.tenantId, async (tx): Promise<CreateSiteResult> => {
      // The plan's site and page limits, counted under the workspace row's lock (race-safe).
      try {
        await assertCanCreateSite(tx, input.tenantId, { pages: checked.document.pages.length });
      } catch (error) {
        if (!(error instanceof BillingError)) throw error;
        return { ok: false, errors: [{ field: 'plan', message: error.message }], upgradeUrl: UPGRADE_URL };
      }
      if (await slugTaken(tx, slug)) return { ok: false, errors: [{ field: 'slug', message: SLUG_TAKEN_MESSAGE }] };
      const [row] = await tx<{ id: string }[]>`
        insert into sites (tenant_id, name, slug, template, document)
        values (${input.tenantId}, ${name}, ${slug}, ${input.templateId}, ${tx.json(checked.document as never)})
        returning id`;
      await tx`
        insert into site_versions (tenant_id, site_id, number, document, reason, created_by)
        values (${input.tenantId}, ${row.id}, 1, ${tx.json(checked.document as never)}, 'create', ${input.userId})`;
      const site = await selectSite(tx, row.id);
      if (!site) throw new Error(`Site ${row.id} vanished right after it was created`);
      return { ok: true, site } satisfies CreateSiteResult;
    });
  } catch (error) {
    // Two owners racing for the same address: the unique index decides, the loser is told why.
    if (isUniqueViolation(error, 'sites_slug_key')) return { ok: false, errors: [{ field: 'slug', message: SLUG_TAKEN_MESSAGE }] };
    throw error;
  }
}

/**
 * For the create pages, before the owner types anything: the plan's message when the workspace
 * already has as many sites as its plan allows (createSite checks again, under a lock).
 */
export async function siteLimitReached(sql: Sql, tenantId: string): Promise<{ message: string; upgradeUrl: string } | null> {
  const plan = await getTenantPlan(sql, tenantId);
  const sites = await withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<{ n: number }[]>`select count(*)::int as n from sites`;
    return row.n;
  });
  try {
    assertWithinPlanLimit(plan, 'sites', sites);
    return null;
  } catch (error) {
    if (!(error instanceof BillingError)) throw error;
    return { message: error.message, upgradeUrl: UPGRADE_URL };
  }
}

export async function listSites(sql: Sql, tenantId: string): Promise<SiteSummary[]> {
  return withTenant(sql, tenantId, async (tx) => {
    const rows = await tx<SiteRow[]>`${siteColumns(tx, false)} order by s.updated_at desc`;
    return rows.map(toSummary);
  });
}

/** The site with its document, or null when the id is not a site of this workspace. */
export async function getSite(sql: Sql, tenantId: string, siteId: string): Promise<SiteRecord | null> {
  if (!isUuid(siteId)) return null;
  return withTenant(sql, tenantId, (tx) => selectSite(tx, siteId));
}

async function selectSite(tx: TransactionSql, siteId: string): Promise<SiteRecord | null> {
  const [row] = await tx<SiteRow[]>`${siteColumns(tx, true)} where s.id = ${siteId}`;
  return row ? toRecord(row) : null;
}

export async function renameSite(
  sql: Sql,
  input: { tenantId: string; siteId: string; name: string },
): Promise<{ ok: true } | { ok: false; errors: FieldError[] } | null> {
  if (!isUuid(input.siteId)) return null;
  const name = input.name.trim();
  if (name.length === 0) return { ok: false, errors: [{ field: 'name', message: '사이트 이름을 입력해 주세요.' }] };
  if (name.length > 100) return { ok: false, errors: [{ field: 'name', message: '사이트 이름은 100자 이하로 입력해 주세요.' }] };
  const updated = await withTenant(sql, input.tenantId, (tx) => tx`
    update sites set name = ${name}, updated_at = now() where id = ${input.siteId}`);
  return updated.count === 1 ? { ok: true } : null;
}

// ---------------------------------------------------------------------------------------------
// Saving the document

/** At most one autosave version per site in this window; the latest state is always in sites.document. */
export const AUTOSAVE_VERSION_INTERVAL_SECONDS = 60;

export type SaveDocumentResult =
  | { ok: true; revision: number; savedAt: Date; versionCreated: boolean }
  | { ok: false; kind: 'invalid'; message: string; errors: { path: string; message: string }[]; upgradeUrl?: string }
  | { ok: false; kind: 'conflict'; message: string; currentRevision: number; currentDocument: SiteDocument };

export const SAVE_CONFLICT_MESSAGE =
  '다른 창이나 다른 구성원이 이 사이트를 먼저 저장했습니다. 지금 편집 중인 내용은 그대로 있으니, 내 내용으로 덮어쓸지 최신 내용을 불러올지 골라 주세요.';

/**
 * Stores the owner's edited document when `baseRevision` is the revision it was edited from.
 * A stale revision changes nothing and returns the stored document so the editor can offer
 * to overwrite or reload; an invalid document changes nothing and names the fields.
 */
export async function saveDocument(
  sql: Sql,
  input: { tenantId: string; siteId: string; userId: string | null; document: unknown; baseRevision: number },
): Promise<SaveDocumentResult | null> {
  if (!isUuid(input.siteId)) return null;
  const checked = validateSiteDocument(input.document);
  if (!checked.ok) {
    const first = checked.errors[0];
    return {
      ok: false,
      kind: 'invalid',
      message: `저장하지 못했습니다: ${first ? first.message : '문서 형식이 올바르지 않습니다.'} 편집 내용은 그대로 있으니 해당 항목을 고친 뒤 다시 시도해 주세요.`,
      errors: checked.errors,
    };
  }
  const document = checked.document;
  const plan = await getTenantPlan(sql, input.tenantId);
  return withTenant(sql, input.tenantId, async (tx): Promise<SaveDocumentResult | null> => {
    // The plan's page limit (the schema allows the largest plan's). A document already over it
    // (after a downgrade) may still be saved as long as it does not grow.
    const [stored] = await tx<{ pages: number }[]>`
      select coalesce(jsonb_array_length(document->'pages'), 0) as pages from sites where id = ${input.siteId}`;
    if (stored && document.pages.length > Math.max(plan.maxPagesPerSite, stored.pages)) {
      try {
        assertWithinPlanLimit(plan, 'pagesPerSite', document.pages.length, 0);
      } catch (error) {
        if (!(error instanceof BillingError)) throw error;
        return {
          ok: false,
          kind: 'invalid',
          message: `저장하지 못했습니다: ${error.message}`,
          errors: [{ path: 'pages', message: error.message }],
          upgradeUrl: '/billing',
        };
      }
    }
    const [saved] = await tx<{ revision: number; updated_at: Date }[]>`
      update sites set document = ${tx.json(document as never)}, revision = revision + 1, updated_at = now()
      where id = ${input.siteId} and revision = ${input.baseRevision}
      returning revision, updated_at`;
    if (!saved) {
      const [current] = await tx<{ revision: number; document: SiteDocument }[]>`
        select revision, document from sites where id = ${input.siteId}`;
      if (!current) return null;
      return { ok: false, kind: 'conflict', message: SAVE_CONFLICT_MESSAGE, currentRevision: current.revision, currentDocument: current.document };
    }
    // The update above holds the site's row lock, so version numbers cannot race here.
    const [latest] = await tx<{ reason: string; recent: boolean }[]>`
      select reason, created_at > now() - make_interval(secs => ${AUTOSAVE_VERSION_INTERVAL_SECONDS}) as recent
      from site_versions where site_id = ${input.siteId} order by number desc limit 1`;
    const versionCreated = !latest || latest.reason !== 'autosave' || !latest.recent;
    if (versionCreated) await insertVersion(tx, input.tenantId, input.siteId, document, 'autosave', input.userId);
    return { ok: true, revision: saved.revision, savedAt: saved.updated_at, versionCreated };
  });
}

async function insertVersion(
  tx: TransactionSql,
  tenantId: string,
  siteId: string,
  document: SiteDocument,
  reason: VersionSummary['reason'],
  userId: string | null,
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into site_versions (tenant_id, site_id, number, document, reason, created_by)
    select ${tenantId}, ${siteId}, coalesce(max(number), 0) + 1, ${tx.json(document as never)}, ${reason}, ${userId}
    from site_versions where site_id = ${siteId}
    returning id`;
  return row.id;
}

// ---------------------------------------------------------------------------------------------
// Version history

export async function listVersions(sql: Sql, tenantId: string, siteId: string, limit = 50): Promise<VersionSummary[] | null> {
  if (!isUuid(siteId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx`select 1 from sites where id = ${siteId}`;
    if (!site) return null;
    const rows = await tx<{ id: string; number: number; reason: VersionSummary['reason']; created_at: Date; created_by_name: string | null }[]>`
      select v.id, v.number, v.reason, v.created_at,
             nullif(coalesce(nullif(u.display_name, ''), u.email), '') as created_by_name
      from site_versions v left join users u on u.id = v.created_by
      where v.site_id = ${siteId}
      order by v.number desc
      limit ${limit}`;
    return rows.map((r) => ({ id: r.id, number: r.number, reason: r.reason, createdAt: r.created_at, createdByName: r.created_by_name }));
  });
}

/** One version's document (for a preview before restoring), or null when not this workspace's. */
export async function getVersionDocument(sql: Sql, tenantId: string, siteId: string, versionId: string): Promise<SiteDocument | null> {
  if (!isUuid(siteId) || !isUuid(versionId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<{ document: SiteDocument }[]>`
      select document from site_versions where id = ${versionId} and site_id = ${siteId}`;
    return row?.document ?? null;
  });
}

export type RestoreVersionResult =
  | { ok: true; revision: number; document: SiteDocument; versionNumber: number }
  | { ok: false; message: string; upgradeUrl?: string };

/**
 * Makes an earlier version the current document. The current state is first kept as a version
 * of its own (when no version holds it yet), so restoring never loses the owner's latest edits.
 */
export async function restoreVersion(
  sql: Sql,
  input: { tenantId: string; siteId: string; versionId: string; userId: string | null },
): Promise<RestoreVersionResult | null> {
  if (!isUuid(input.siteId) || !isUuid(input.versionId)) return null;
  return withTenant(sql, input.tenantId, async (tx) => {
    const [site] = await tx<{ document: SiteDocument }[]>`select document from sites where id = ${input.siteId} for update`;
    if (!site) return null;
    const [version] = await tx<{ document: unknown; number: number }[]>`
      select document, number from site_versions where id = ${input.versionId} and site_id = ${input.siteId}`;
    if (!version) return null;
    const checked = validateSiteDocument(version.document);
    if (!checked.ok) {
      return { ok: false, message: `${version.number}번 버전은 지금의 편집기와 맞지 않아 되돌릴 수 없습니다: ${checked.errors[0]?.message ?? ''}` };
    }
    try {
      await assertPagesWithinPlan(tx, checked.document.pages.length, Array.isArray(site.document?.pages) ? site.document.pages.length : 0);
    } catch (error) {
      if (!(error instanceof BillingError)) throw error;
      return { ok: false, message: `${version.number}번 버전으로 되돌리지 못했습니다: ${error.message}`, upgradeUrl: UPGRADE_URL };
    }
    const [latest] = await tx<{ same: boolean }[]>`
      select document::jsonb = ${tx.json(site.document as never)}::jsonb as same
      from site_versions where site_id = ${input.siteId} order by number desc limit 1`;
    if (!latest?.same) await insertVersion(tx, input.tenantId, input.siteId, site.document, 'autosave', input.userId);
    await insertVersion(tx, input.tenantId, input.siteId, checked.document, 'restore', input.userId);
    const [saved] = await tx<{ revision: number }[]>`
      update sites set document = ${tx.json(checked.document as never)}, revision = revision + 1, updated_at = now()
      where id = ${input.siteId} returning revision`;
    return { ok: true, revision: saved.revision, document: checked.document, versionNumber: version.number };
  });
}

// ---------------------------------------------------------------------------------------------
// Images

/** Formats an owner may upload; SVG is refused because it can carry script. */
const IMAGE_FORMATS: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

/** Longest side of a stored image; larger uploads are scaled down (the renderer makes smaller sizes). */
export const MAX_IMAGE_DIMENSION = 2000;

export function uploadTooLargeMessage(maxBytes = env().UPLOAD_MAX_BYTES): string {
  const mb = maxBytes / (1024 * 1024);
  const label = Number.isInteger(mb) ? `${mb}MB` : `${mb.toFixed(1)}MB`;
  return `이미지가 ${label}를 넘습니다. 더 작은 파일을 올려 주세요.`;
}

export const NOT_AN_IMAGE_MESSAGE = '이미지 파일이 아닙니다. JPG, PNG, WebP, GIF, AVIF 파일을 올려 주세요.';

export type UploadAssetResult = { ok: true; asset: AssetSummary } | { ok: false; message: string; upgradeUrl?: string };

/**
 * Stores an uploaded image for a site. The real format is read from the bytes (sharp), never
 * from the browser's mime header; oversized files and non-images are refused and nothing is stored.
 */
export async function uploadAsset(
  sql: Sql,
  input: { tenantId: string; siteId: string; userId: string | null; fileName: string; data: Buffer },
): Promise<UploadAssetResult | null> {
  if (!isUuid(input.siteId)) return null;
  const exists = await withTenant(sql, input.tenantId, (tx) => tx`select 1 from sites where id = ${input.siteId}`);
  if (exists.length === 0) return null;
  if (input.data.length > env().UPLOAD_MAX_BYTES) return { ok: false, message: uploadTooLargeMessage() };
  if (input.data.length === 0) return { ok: false, message: '빈 파일입니다. 이미지 파일을 골라 주세요.' };

  let prepared: { data: Buffer; format: string; width: number; height: number };
  try {
    prepared = await prepareImage(input.data);
  } catch {
    return { ok: false, message: NOT_AN_IMAGE_MESSAGE };
  }
  const contentType = IMAGE_FORMATS[prepared.format];
  if (!contentType) return { ok: false, message: NOT_AN_IMAGE_MESSAGE };

  const sha256 = createHash('sha256').update(prepared.data).digest('hex');
  const fileName = cleanFileName(input.fileName, prepared.format);
  // Resized AVIF / WebP / JPEG-or-PNG copies for <picture srcset> (image-variants.server.ts).
  const variants = await makeImageVariants(prepared.data, { ...prepared, fileName });
  return withTenant(sql, input.tenantId, async (tx) => {
    // Checked again inside the writing transaction: the foreign key alone would accept
    // another workspace's site id, because constraint checks do not see RLS.
    const [site] = await tx`select 1 from sites where id = ${input.siteId}`;
    if (!site) return null;
    try {
      await assertStorageWithinPlan(tx, input.tenantId, prepared.data.length + variants.reduce((n, v) => n + v.data.length, 0));
    } catch (error) {
      if (!(error instanceof BillingError)) throw error;
      return { ok: false, message: `이미지를 올리지 못했습니다: ${error.message}`, upgradeUrl: UPGRADE_URL };
    }
    const [row] = await tx<AssetRow[]>`
      insert into assets (tenant_id, site_id, file_name, content_type, bytes, width, height, sha256, data, created_by)
      values (${input.tenantId}, ${input.siteId}, ${fileName}, ${contentType}, ${prepared.data.length},
              ${prepared.width}, ${prepared.height}, ${sha256}, ${prepared.data}, ${input.userId})
      returning id, site_id, file_name, content_type, bytes, width, height, sha256, created_at`;
    for (const v of variants) {
      await tx`
        insert into assets (tenant_id, site_id, parent_id, variant_width, format, file_name, content_type, bytes, width, height, sha256, data, created_by)
        values (${input.tenantId}, ${input.siteId}, ${row.id}, ${v.width}, ${v.format}, ${v.fileName}, ${v.contentType}, ${v.data.length},
                ${v.width}, ${v.height}, ${v.sha256}, ${v.data}, ${input.userId})`;
    }
    return { ok: true, asset: toAsset(row) };
  });
}

async function prepareImage(data: Buffer): Promise<{ data: Buffer; format: string; width: number; height: number }> {
  const sharp = await loadSharp();
  const meta = await sharp(data).metadata();
  const format = meta.format ?? '';
  if (!(format in IMAGE_FORMATS) || !meta.width || !meta.height) throw new Error(`Not an accepted image format: ${format}`);
  const rotated = (meta.orientation ?? 1) >= 5; // EXIF orientations 5–8 swap width and height
  const width = rotated ? meta.height : meta.width;
  const height = rotated ? meta.width : meta.height;
  const animated = (meta.pages ?? 1) > 1;
  if (Math.max(width, height) <= MAX_IMAGE_DIMENSION && (meta.orientation ?? 1) === 1) {
    return { data, format, width, height };
  }
  const { data: out, info } = await sharp(data, { animated })
    .rotate()
    .resize({ width: MAX_IMAGE_DIMENSION, height: MAX_IMAGE_DIMENSION, fit: 'inside', withoutEnlargement: true })
    .toFormat(format as Parameters<ReturnType<typeof sharp>['toFormat']>[0])
    .toBuffer({ resolveWithObject: true });
  return { data: out, format, width: info.width, height: animated && info.pageHeight ? info.pageHeight : info.height };
}

function cleanFileName(name: string, format: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const fallback = `image.${format === 'jpeg' ? 'jpg' : format}`;
  return (base || fallback).slice(0, 200);
}

export async function listAssets(sql: Sql, tenantId: string, siteId: string): Promise<AssetSummary[] | null> {
  if (!isUuid(siteId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx`select 1 from sites where id = ${siteId}`;
    if (!site) return null;
    const rows = await tx<AssetRow[]>`
      select id, site_id, file_name, content_type, bytes, width, height, sha256, created_at
      from assets where site_id = ${siteId} and parent_id is null order by created_at desc`;
    return rows.map(toAsset);
  });
}

/** The image bytes for the editor's preview, or null when the id is not this workspace's. */
export async function getAsset(sql: Sql, tenantId: string, assetId: string): Promise<StoredAsset | null> {
  if (!isUuid(assetId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<(AssetRow & { data: Buffer })[]>`
      select id, site_id, file_name, content_type, bytes, width, height, sha256, created_at, data
      from assets where id = ${assetId}`;
    return row ? { ...toAsset(row), data: row.data } : null;
  });
}

// ---------------------------------------------------------------------------------------------
// Rows

interface SiteRow {
  id: string;
  name: string;
  slug: string;
  template: string;
  revision: number;
  live_deployment_id: string | null;
  cdn_provider: string;
  created_at: Date;
  updated_at: Date;
  last_published_at: Date | null;
  build_id: string | null;
  build_status: BuildStatus | null;
  build_queued_at: Date | null;
  build_finished_at: Date | null;
  document?: SiteDocument;
}

function siteColumns(tx: TransactionSql, withDocument: boolean) {
  return tx`
    select s.id, s.name, s.slug, s.template, s.revision, s.live_deployment_id, s.cdn_provider,
           s.created_at, s.updated_at, ${withDocument ? tx`s.document,` : tx``}
           d.activated_at as last_published_at,
           b.id as build_id, b.status as build_status, b.queued_at as build_queued_at, b.finished_at as build_finished_at
    from sites s
    left join deployments d on d.id = s.live_deployment_id
    left join lateral (
      select id, status, queued_at, finished_at from builds where site_id = s.id order by queued_at desc limit 1
    ) b on true`;
}

function toSummary(row: SiteRow): SiteSummary {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    template: row.template,
    revision: row.revision,
    liveDeploymentId: row.live_deployment_id,
    lastPublishedAt: row.last_published_at,
    latestBuild: row.build_id
      ? { id: row.build_id, status: row.build_status as BuildStatus, queuedAt: row.build_queued_at as Date, finishedAt: row.build_finished_at }
      : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRecord(row: SiteRow): SiteRecord {
  return { ...toSummary(row), document: row.document as SiteDocument, cdnProvider: row.cdn_provider };
}

interface AssetRow {
  id: string;
  site_id: string;
  file_name: string;
  content_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  sha256: string;
  created_at: Date;
}

function toAsset(row: AssetRow): AssetSummary {
  return {
    id: row.id,
    siteId: row.site_id,
    fileName: row.file_name,
    contentType: row.content_type,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    sha256: row.sha256,
    createdAt: row.created_at,
  };
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint_name?: string };
  return e?.code === '23505' && e.constraint_name === constraint;
}

// ---------------------------------------------------------------------------------------------
// Templates for the create-site picker

export interface TemplateCard {
  id: string;
  name: string;
  description: string;
  colors: { primary: string; accent: string; background: string; text: string };
  sectionCount: number;
  pageCount: number;
}

/** The templates with their colours (for the picker's swatch), read from the document each makes. */
export function listTemplateCards(): TemplateCard[] {
  return templates.map((template) => {
    const document = createSiteDocument(template.id, { siteName: template.name });
    const { primary, accent, background, text } = document.theme;
    return {
      id: template.id,
      name: template.name,
      description: template.description,
      colors: { primary, accent, background, text },
      pageCount: document.pages.length,
      sectionCount: document.pages.reduce((sum, page) => sum + page.sections.length, 0),
    };
  });
}
