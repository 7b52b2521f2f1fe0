import { withParticle } from './korean.ts';
import { contactFormConsentField, contactFormFields, contactFormHoneypotField } from './render.ts';
import type { SectionOf, SiteDocument } from './schema.ts';

/**
 * What a published contact form sends, checked the way the form promises: the three fields,
 * the honeypot left empty and the consent box ticked. Whoever receives `POST /__forms/<id>`
 * (the edge or the web app) calls `parseContactSubmission` with the live document and stores
 * the result with its retention period; it never trusts the browser's `required` attributes.
 */

export interface ContactForm {
  sectionId: string;
  pageSlug: string;
  heading: string;
  purpose: string;
  retentionMonths: number;
  successMessage: string;
}

export function listContactForms(doc: SiteDocument): ContactForm[] {
  return doc.pages.flatMap((page) =>
    page.sections
      .filter((section): section is SectionOf<'contact'> => section.type === 'contact')
      .map((section) => ({
        sectionId: section.id,
        pageSlug: page.slug,
        heading: section.heading,
        purpose: section.purpose,
        retentionMonths: section.retentionMonths,
        successMessage: section.successMessage,
      })),
  );
}

export interface ContactSubmission {
  name: string;
  phone: string;
  message: string;
}

export type ContactSubmissionResult =
  | { ok: true; form: ContactForm; submission: ContactSubmission }
  /** `spam`: the honeypot was filled; answer as if it worked and store nothing. */
  | { ok: false; reason: 'spam'; form: ContactForm }
  | { ok: false; reason: 'unknown-form' }
  | { ok: false; reason: 'invalid'; form: ContactForm; errors: { field: string; message: string }[] };

function field(fields: Record<string, string | undefined>, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim() : '';
}

export function parseContactSubmission(doc: SiteDocument, sectionId: string, fields: Record<string, string | undefined>): ContactSubmissionResult {
  const form = listContactForms(doc).find((candidate) => candidate.sectionId === sectionId);
  if (!form) return { ok: false, reason: 'unknown-form' };
  if (field(fields, contactFormHoneypotField) !== '') return { ok: false, reason: 'spam', form };
  const errors: { field: string; message: string }[] = [];
  const submission: ContactSubmission = { name: field(fields, 'name'), phone: field(fields, 'phone'), message: field(fields, 'message') };
  for (const key of ['name', 'phone', 'message'] as const) {
    const spec = contactFormFields[key];
    const value = submission[key];
    if (value === '') errors.push({ field: key, message: `${withParticle(spec.label, '을', '를')} 입력해 주세요.` });
    else if (value.length > spec.maxLength) errors.push({ field: key, message: `${withParticle(spec.label, '은', '는')} ${spec.maxLength}자 이내로 입력해 주세요.` });
  }
  if (submission.phone !== '' && !/^\+?[0-9][0-9 -]{6,18}[0-9]$/.test(submission.phone)) {
    errors.push({ field: 'phone', message: '연락처는 010-1234-5678 처럼 숫자와 - 로 입력해 주세요.' });
  }
  if (field(fields, contactFormConsentField) !== 'yes') {
    errors.push({ field: contactFormConsentField, message: '개인정보 수집·이용에 동의해 주셔야 문의를 보낼 수 있습니다. 동의란에 체크해 주세요.' });
  }
  if (errors.length) return { ok: false, reason: 'invalid', form, errors };
  return { ok: true, form, submission };
}
