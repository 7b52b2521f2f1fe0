// No lock-in: the owner downloads the published site as a zip of its static files (exactly the
// bytes the live deployment serves, read from the content-addressed store) and the site's
// document as JSON, and can import a document back — validated with the same schema, saved as
// a new version (reason 'import') so the previous state stays one click away in the history.
import { zipSync, type Zippable } from 'fflate';
import { assertPagesWithinPlan, BillingError, UPGRADE_URL } from '../../billing/index.ts';
import { env } from '../../config/env.ts';
import { readObject, type DeploymentManifest } from '../../cdn/index.ts';
import { isUuid, withTenant, type Sql } from '../../db/index.ts';
import { validateSiteDocument, type SiteDocument, type SiteDocumentError } from '../../site/index.ts';

/** An exported document is a few hundred KB at most; 2 MB like the editor's autosave. */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;

export interface DocumentExport {
  format: 'windwalker-site';
  exportedAt: string;
  site: { name: string; slug: string };
  document: SiteDocument;
}

export type SiteZipResult = { ok: true; fileName: string; zip: Uint8Array; fileCount: number } | { ok: false; status: 404 | 409 | 500; message: string };

export async function exportPublishedSiteZip(sql: Sql, tenantId: string, siteId: string, dataDir = env().dataDir): Promise<SiteZipResult> {
  if (!isUuid(siteId)) return { ok: false, status: 404, message: '사이트를 찾을 수 없습니다.' };
  const row = await withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx<{ slug: string; manifest: DeploymentManifest | null }[]>`
      select s.slug, d.manifest from sites s left join deployments d on d.id = s.live_deployment_id and d.status = 'ready'
      where s.id = ${siteId}`;
    return site;
  });
  if (!row) return { ok: false, status: 404, message: '사이트를 찾을 수 없습니다.' };
  if (!row.manifest) return { ok: false, status: 409, message: '아직 게시된 버전이 없습니다. 편집기에서 ‘게시하기’를 누른 뒤 다시 내려받아 주세요.' };
  const files: Zippable = {};
  const entries = Object.entries(row.manifest).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [filePath, entry] of entries) {
    let body: Buffer;
    try {
      body = await readObject(dataDir, entry.sha256);
    } catch (cause) {
      console.error(`[export] site ${siteId}: object ${entry.sha256} of ${filePath} is missing`, cause);
      return { ok: false, status: 500, message: '게시된 파일 일부를 읽지 못했습니다. 다시 게시한 뒤 내려받아 주세요.' };
    }
    // Already-compressed images are stored, text is deflated.
    files[filePath.replace(/^\/+/, '')] = [new Uint8Array(body), { level: /^image\/(?!svg)/.test(entry.contentType) ? 0 : 6, mtime: new Date('2020-01-01T00:00:00Z') }];
  }
  return { ok: true, fileName: `${row.slug}-site.zip`, zip: zipSync(files), fileCount: entries.length };
}

export async function exportSiteDocument(sql: Sql, tenantId: string, siteId: string): Promise<DocumentExport | null> {
  if (!isUuid(siteId)) return null;
  const row = await withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx<{ name: string; slug: string; document: SiteDocument }[]>`select name, slug, document from sites where id = ${siteId}`;
    return site;
  });
  if (!row) return null;
  return { format: 'windwalker-site', exportedAt: new Date().toISOString(), site: { name: row.name, slug: row.slug }, document: row.document };
}

export type ImportResult =
  | { ok: true; revision: number; versionNumber: number }
  | { ok: false; status: 400 | 403 | 404 | 413; message: string; errors: SiteDocumentError[]; upgradeUrl?: string };

/** Accepts an export file ({ format, document }) or a bare document. */
export async function importSiteDocument(sql: Sql, input: { tenantId: string; siteId: string; userId: string | null; text: string }): Promise<ImportResult> {
  if (!isUuid(input.siteId)) return { ok: false, status: 404, message: '사이트를 찾을 수 없습니다.', errors: [] };
  if (Buffer.byteLength(input.text) > IMPORT_MAX_BYTES) {
    return { ok: false, status: 413, message: '파일이 2MB를 넘습니다. WindWalker에서 내려받은 사이트 문서(JSON) 파일을 올려 주세요.', errors: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.text);
  } catch {
    return { ok: false, status: 400, message: '파일이 JSON 형식이 아닙니다. WindWalker에서 내려받은 사이트 문서(.json) 파일을 올려 주세요.', errors: [] };
  }
  const candidate = parsed && typeof parsed === 'object' && (parsed as { format?: unknown }).format === 'windwalker-site' ? (parsed as { document?: unknown }).document : parsed;
  const checked = validateSiteDocument(candidate);
  if (!checked.ok) {
    return { ok: false, status: 400, message: `가져오지 못했습니다: ${checked.errors[0]?.message ?? '문서 형식이 올바르지 않습니다.'} 사이트는 그대로입니다.`, errors: checked.errors };
  }
  const document = checked.document;
  type Outcome = { kind: 'missing' } | { kind: 'refused'; message: string } | { kind: 'saved'; revision: number; versionNumber: number };
  const result = await withTenant(sql, input.tenantId, async (tx): Promise<Outcome> => {
    // The plan's page limit (a document already over it may keep its size, never grow).
    const [stored] = await tx<{ pages: number }[]>`
      select coalesce(jsonb_array_length(case when jsonb_typeof(document->'pages') = 'array' then document->'pages' end), 0) as pages
      from sites where id = ${input.siteId} for update`;
    if (!stored) return { kind: 'missing' };
    try {
      await assertPagesWithinPlan(tx, document.pages.length, stored.pages);
    } catch (error) {
      if (!(error instanceof BillingError)) throw error;
      return { kind: 'refused', message: error.message };
    }
    const [saved] = await tx<{ revision: number }[]>`
      update sites set document = ${tx.json(document as never)}, revision = revision + 1, updated_at = now()
      where id = ${input.siteId} returning revision`;
    if (!saved) return { kind: 'missing' };
    const [version] = await tx<{ number: number }[]>`
      insert into site_versions (tenant_id, site_id, number, document, reason, created_by)
      select ${input.tenantId}, ${input.siteId}, coalesce(max(number), 0) + 1, ${tx.json(document as never)}, 'import', ${input.userId}
      from site_versions where site_id = ${input.siteId}
      returning number`;
    return { kind: 'saved', revision: saved.revision, versionNumber: version.number };
  });
  if (result.kind === 'missing') return { ok: false, status: 404, message: '사이트를 찾을 수 없습니다.', errors: [] };
  if (result.kind === 'refused') {
    return { ok: false, status: 403, message: `가져오지 못했습니다: ${result.message} 사이트는 그대로입니다.`, errors: [{ path: 'pages', message: result.message }], upgradeUrl: UPGRADE_URL };
  }
  return { ok: true, revision: result.revision, versionNumber: result.versionNumber };
}
