// Contact forms of published sites, received by the edge: POST /__forms/<sectionId> on a live
// site (application/x-www-form-urlencoded, at most 16 KB). The form is checked with
// parseContactSubmission against the document the LIVE deployment was built from
// (deployments.build_id → builds.version_id → site_versions.document), never against the
// draft, so a visitor can only send what the published page shows. A valid submission is stored
// in contact_submissions with the retention period the form promised and the owner is told by
// webhook and/or e-mail; a filled honeypot gets the same thank-you page and nothing is stored.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { env } from '../config/env.ts';
import { withTenant, type Sql } from '../db/index.ts';
import { parseContactSubmission, renderFormResponsePage, validateSiteDocument, type SiteDocument } from '../site/index.ts';
import { siteUrl } from './site-url.ts';

export const FORM_PATH_PREFIX = '/__forms/';
export const FORM_BODY_LIMIT_BYTES = 16 * 1024;
export const EMAIL_NOT_CONFIGURED_MESSAGE =
  '메일 서버(SMTP)가 설정되지 않아 이메일 알림을 보내지 못했습니다. 문의는 저장되었습니다. 웹훅 알림을 쓰시거나 관리자에게 메일 서버 설정을 요청해 주세요.';

export interface FormSite {
  siteId: string;
  tenantId: string;
  slug: string;
  deploymentId: string;
}

export interface ContactFormReceiver {
  /** Answers the POST; resolves when the answer is sent and the owner's notice has been tried. */
  handle(req: IncomingMessage, res: ServerResponse, site: FormSite, sectionId: string, securityHeaders: OutgoingHttpHeaders): Promise<void>;
}

interface LiveForms {
  document: SiteDocument;
  provider: string;
}

export function createContactFormReceiver(opts: { sql: Sql }): ContactFormReceiver {
  const { sql } = opts;
  // The documents of live deployments, by deployment id: immutable, so cached (bounded).
  const documents = new Map<string, Promise<LiveForms | null>>();

  function liveDocument(site: FormSite): Promise<LiveForms | null> {
    let cached = documents.get(site.deploymentId);
    if (!cached) {
      cached = selectDeploymentDocument(sql, site).then((row) => {
        if (!row) return null;
        const checked = validateSiteDocument(row.document);
        if (!checked.ok) throw new Error(`The document of deployment ${site.deploymentId} does not validate: ${checked.errors[0]?.message}`);
        return { document: checked.document, provider: row.provider };
      });
      cached.catch(() => documents.delete(site.deploymentId));
      if (documents.size >= 500) documents.delete(documents.keys().next().value as string);
      documents.set(site.deploymentId, cached);
    }
    return cached;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, site: FormSite, sectionId: string, securityHeaders: OutgoingHttpHeaders): Promise<void> {
    const answer = (status: number, body: string, extra: OutgoingHttpHeaders = {}) => {
      const buffer = Buffer.from(body);
      res.writeHead(status, {
        ...securityHeaders,
        'content-type': 'text/html; charset=utf-8',
        'content-length': buffer.length,
        'cache-control': 'no-store',
        ...extra,
      });
      res.end(buffer);
    };
    const plain = (status: number, title: string, message: string, extra: OutgoingHttpHeaders = {}) =>
      answer(status, `<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1><p>${message}</p></main></body></html>`, extra);

    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      req.resume();
      return plain(415, '보낼 수 없는 형식입니다', '문의 양식은 사이트의 양식에서 보내 주세요.');
    }
    const body = await readLimited(req, FORM_BODY_LIMIT_BYTES);
    if (body === null) {
      return plain(413, '내용이 너무 깁니다', '문의 내용이 16KB를 넘습니다. 내용을 줄여 다시 보내 주세요.', { connection: 'close' });
    }
    const live = await liveDocument(site);
    if (!live) return plain(503, '지금은 문의를 받을 수 없습니다', '사이트를 다시 게시하는 중입니다. 잠시 후 다시 보내 주세요.');
    const params = new URLSearchParams(body.toString('utf8'));
    const fields: Record<string, string> = {};
    for (const [key, value] of params) if (!(key in fields)) fields[key] = value;

    const result = parseContactSubmission(live.document, sectionId, fields);
    const pageOptions = { siteUrl: siteUrl(site.slug), hostingProvider: live.provider };
    if (!result.ok && result.reason === 'unknown-form') {
      return plain(404, '문의 양식을 찾을 수 없습니다', '이 사이트에는 그런 문의 양식이 없습니다. 사이트에서 다시 보내 주세요.');
    }
    if (!result.ok && result.reason === 'invalid') {
      return answer(400, renderFormResponsePage(live.document, sectionId, { ok: false, errors: result.errors.map((e) => e.message) }, pageOptions));
    }
    if (!result.ok) {
      // spam: the same thank-you page, nothing stored, no notice
      return answer(200, renderFormResponsePage(live.document, sectionId, { ok: true }, pageOptions));
    }
    const stored = await insertSubmission(sql, {
      site,
      sectionId,
      pageSlug: result.form.pageSlug,
      fields: { ...result.submission },
      retentionMonths: result.form.retentionMonths,
      ipHash: hashAddress(site.siteId, req.socket.remoteAddress ?? ''),
    });
    answer(200, renderFormResponsePage(live.document, sectionId, { ok: true }, pageOptions));
    if (stored) await notifyOwner(sql, site, stored);
  }

  return { handle };
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An HMAC of the sender's address (keyed by ENCRYPTION_KEY when set), never the address. */
function hashAddress(siteId: string, address: string): string | null {
  if (!address) return null;
  const key = env().ENCRYPTION_KEY ?? `contact-form:${siteId}`;
  return createHmac('sha256', key).update(`${siteId}|${address}`).digest('hex').slice(0, 32);
}

// ---------------------------------------------------------------------------------------------
// SQL (the edge is a platform process: it reads the live deployment's document directly; it
// writes a submission through withTenant so RLS checks the row belongs to that site's tenant)

async function selectDeploymentDocument(sql: Sql, site: FormSite): Promise<{ document: unknown; provider: string } | undefined> {
  const [row] = await sql<{ document: unknown; provider: string }[]>`
    select v.document, d.provider
    from deployments d
      join builds b on b.id = d.build_id
      join site_versions v on v.id = b.version_id
    where d.id = ${site.deploymentId} and d.site_id = ${site.siteId} and v.site_id = ${site.siteId}`;
  return row;
}

interface StoredSubmission {
  id: string;
  sectionId: string;
  pageSlug: string;
  fields: Record<string, string>;
  createdAt: Date;
  webhookUrl: string | null;
  email: string | null;
}

async function insertSubmission(
  sql: Sql,
  input: { site: FormSite; sectionId: string; pageSlug: string; fields: Record<string, string>; retentionMonths: number; ipHash: string | null },
): Promise<StoredSubmission | null> {
  return withTenant(sql, input.site.tenantId, async (tx) => {
    const [row] = await tx<{ id: string; created_at: Date; form_notify_webhook_url: string | null; form_notify_email: string | null }[]>`
      insert into contact_submissions (tenant_id, site_id, section_id, page_slug, deployment_id, fields, consent_at, expires_at, ip_hash)
      select s.tenant_id, s.id, ${input.sectionId}, ${input.pageSlug}, ${input.site.deploymentId}, ${tx.json(input.fields)}, now(),
             now() + make_interval(months => ${input.retentionMonths}), ${input.ipHash}
      from sites s where s.id = ${input.site.siteId}
      returning id, created_at,
        (select form_notify_webhook_url from sites where id = ${input.site.siteId}),
        (select form_notify_email from sites where id = ${input.site.siteId})`;
    if (!row) return null;
    return {
      id: row.id,
      sectionId: input.sectionId,
      pageSlug: input.pageSlug,
      fields: input.fields,
      createdAt: row.created_at,
      webhookUrl: row.form_notify_webhook_url,
      email: row.form_notify_email,
    };
  });
}

/**
 * Tells the owner about a new submission: a JSON POST to their webhook, and an e-mail when one
 * is set — which fails with a clear, recorded reason because no mail server is configured (we
 * never pretend to have sent it). The outcome is stored on the submission for the owner's list.
 */
async function notifyOwner(sql: Sql, site: FormSite, submission: StoredSubmission): Promise<void> {
  if (!submission.webhookUrl && !submission.email) return;
  const problems: string[] = [];
  let delivered = false;
  if (submission.webhookUrl) {
    try {
      const response = await fetch(submission.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'WindWalker-Forms/1' },
        body: JSON.stringify({
          type: 'contact_submission',
          siteId: site.siteId,
          submissionId: submission.id,
          sectionId: submission.sectionId,
          pageSlug: submission.pageSlug,
          fields: submission.fields,
          createdAt: submission.createdAt.toISOString(),
        }),
        redirect: 'error',
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) delivered = true;
      else problems.push(`웹훅 주소가 ${response.status} 상태로 답해 알림을 전하지 못했습니다. 웹훅 주소를 확인해 주세요.`);
    } catch (error) {
      problems.push(`웹훅 주소에 연결하지 못해 알림을 전하지 못했습니다 (${(error as Error).message}). 웹훅 주소를 확인해 주세요.`);
    }
  }
  if (submission.email) {
    problems.push(EMAIL_NOT_CONFIGURED_MESSAGE);
    console.error(`[edge] contact form ${site.siteId}/${submission.sectionId}: e-mail notice to the owner not sent: no SMTP server is configured`);
  }
  await withTenant(sql, site.tenantId, (tx) => tx`
    update contact_submissions
    set notified_at = ${delivered ? new Date() : null}, notify_error = ${problems.length ? problems.join(' ') : null}
    where id = ${submission.id}`);
}

/**
 * Deletes every submission whose retention period has ended (all tenants; the monitor runs it
 * daily). Returns how many were deleted.
 */
export async function deleteExpiredSubmissions(sql: Sql): Promise<number> {
  const rows = await sql`delete from contact_submissions where expires_at <= now() returning id`;
  return rows.length;
}
