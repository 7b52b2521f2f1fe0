import { describe, expect, it } from 'vitest';
import { createSiteDocument, listContactForms, parseContactSubmission, renderFormResponsePage } from './index.ts';

const doc = createSiteDocument('academy', { siteName: '생각하는 수학' });
const good = { name: '김민지', phone: '010-1234-5678', message: '중2 내신반 상담 원합니다.', consent: 'yes', website: '', page: 'consult' };

describe('contact form submissions', () => {
  it('lists every contact form with its purpose and retention period', () => {
    expect(listContactForms(doc)).toEqual([
      {
        sectionId: 'consult-form',
        pageSlug: 'consult',
        heading: '무료 상담 신청',
        purpose: '학습 상담 및 진단 평가 일정 안내',
        retentionMonths: 6,
        successMessage: '접수되었습니다. 확인 후 남겨 주신 연락처로 연락드리겠습니다.',
      },
    ]);
    expect(listContactForms(createSiteDocument('clinic', { siteName: '하늘내과' }))).toEqual([]);
  });

  it('accepts a complete submission with consent and trims what was typed', () => {
    const result = parseContactSubmission(doc, 'consult-form', { ...good, name: '  김민지 ' });
    expect(result).toMatchObject({ ok: true, submission: { name: '김민지', phone: '010-1234-5678', message: '중2 내신반 상담 원합니다.' }, form: { retentionMonths: 6 } });
  });

  it('refuses a submission without the consent box ticked, naming what to do', () => {
    const result = parseContactSubmission(doc, 'consult-form', { ...good, consent: undefined });
    expect(result.ok).toBe(false);
    if (!result.ok && result.reason === 'invalid') {
      expect(result.errors).toEqual([{ field: 'consent', message: '개인정보 수집·이용에 동의해 주셔야 문의를 보낼 수 있습니다. 동의란에 체크해 주세요.' }]);
    } else {
      throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
    }
  });

  it('names each missing or malformed field in Korean', () => {
    const result = parseContactSubmission(doc, 'consult-form', { consent: 'yes', phone: 'call me', message: 'x'.repeat(2001) });
    if (result.ok || result.reason !== 'invalid') throw new Error('expected invalid');
    expect(result.errors.map((error) => error.message)).toEqual([
      '이름을 입력해 주세요.',
      '문의 내용은 2000자 이내로 입력해 주세요.',
      '연락처는 010-1234-5678 처럼 숫자와 - 로 입력해 주세요.',
    ]);
  });

  it('treats a filled honeypot as spam and an unknown form id as unknown', () => {
    expect(parseContactSubmission(doc, 'consult-form', { ...good, website: 'http://spam.example' })).toMatchObject({ ok: false, reason: 'spam' });
    expect(parseContactSubmission(doc, 'nope', good)).toEqual({ ok: false, reason: 'unknown-form' });
  });

  it('answers in the site design with the thank-you message or the errors, escaped', () => {
    const options = { siteUrl: 'https://math.windwalker.kr', hostingProvider: 'WindWalker' };
    const thanks = renderFormResponsePage(doc, 'consult-form', { ok: true }, options);
    expect(thanks).toContain('<h1>접수되었습니다</h1><p>접수되었습니다. 확인 후 남겨 주신 연락처로 연락드리겠습니다.</p>');
    expect(thanks).toContain('href="/consult/#consult-form"');
    expect(thanks).toContain('<meta name="robots" content="noindex">');
    const problems = renderFormResponsePage(doc, 'consult-form', { ok: false, errors: ['<b>이름</b>을 입력해 주세요.'] }, options);
    expect(problems).toContain('<li>&lt;b&gt;이름&lt;/b&gt;을 입력해 주세요.</li>');
  });
});
