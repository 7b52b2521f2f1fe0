// The owner's contact-form submissions (stored by the edge, cdn/contact-forms.ts): list, delete
// one, and where new ones are announced (webhook URL and/or e-mail, stored on the site). Every
// query runs inside withTenant; a site of another workspace comes back as null (the route 404s).
import { isUuid, withTenant, type Sql } from '../../db/index.ts';
import type { FieldError } from './sites.server.ts';

export interface ContactSubmissionRow {
  id: string;
  sectionId: string;
  pageSlug: string;
  fields: { name?: string; phone?: string; message?: string };
  createdAt: Date;
  expiresAt: Date;
  notifiedAt: Date | null;
  notifyError: string | null;
}

export interface FormNotifySettings {
  webhookUrl: string;
  email: string;
}

export async function listSubmissions(sql: Sql, tenantId: string, siteId: string): Promise<ContactSubmissionRow[] | null> {
  if (!isUuid(siteId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx`select 1 from sites where id = ${siteId}`;
    if (!site) return null;
    const rows = await tx<ContactSubmissionRow[]>`
      select id, section_id as "sectionId", page_slug as "pageSlug", fields, created_at as "createdAt", expires_at as "expiresAt",
             notified_at as "notifiedAt", notify_error as "notifyError"
      from contact_submissions where site_id = ${siteId} and expires_at > now()
      order by created_at desc limit 500`;
    return [...rows];
  });
}

/** True when it was deleted; false when no such submission is in this site of this workspace. */
export async function deleteSubmission(sql: Sql, tenantId: string, siteId: string, submissionId: string): Promise<boolean> {
  if (!isUuid(siteId) || !isUuid(submissionId)) return false;
  return withTenant(sql, tenantId, async (tx) => {
    const rows = await tx`delete from contact_submissions where id = ${submissionId} and site_id = ${siteId} returning id`;
    return rows.length === 1;
  });
}

export async function getFormNotifySettings(sql: Sql, tenantId: string, siteId: string): Promise<FormNotifySettings | null> {
  if (!isUuid(siteId)) return null;
  return withTenant(sql, tenantId, async (tx) => {
    const [row] = await tx<{ webhookUrl: string | null; email: string | null }[]>`
      select form_notify_webhook_url as "webhookUrl", form_notify_email as "email" from sites where id = ${siteId}`;
    return row ? { webhookUrl: row.webhookUrl ?? '', email: row.email ?? '' } : null;
  });
}

export type SaveNotifyResult = { ok: true } | { ok: false; errors: FieldError[] } | null;

export async function saveFormNotifySettings(sql: Sql, tenantId: string, siteId: string, input: FormNotifySettings): Promise<SaveNotifyResult> {
  if (!isUuid(siteId)) return null;
  const webhookUrl = input.webhookUrl.trim();
  const email = input.email.trim();
  const errors: FieldError[] = [];
  if (webhookUrl !== '') {
    let url: URL | null = null;
    try {
      url = new URL(webhookUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || webhookUrl.length > 500) {
      errors.push({ field: 'webhookUrl', message: '웹훅 주소는 https:// 로 시작하는 500자 이내의 주소로 입력해 주세요.' });
    }
  }
  if (email !== '' && (!/^[^\s@<>"'()]+@[^\s@<>"'()]+\.[^\s@<>"'()]+$/.test(email) || email.length > 120)) {
    errors.push({ field: 'email', message: '알림 받을 이메일은 name@example.com 형식으로 입력해 주세요.' });
  }
  if (errors.length) return { ok: false, errors };
  return withTenant(sql, tenantId, async (tx) => {
    const rows = await tx`
      update sites set form_notify_webhook_url = ${webhookUrl || null}, form_notify_email = ${email || null}
      where id = ${siteId} returning id`;
    return rows.length ? { ok: true as const } : null;
  });
}
