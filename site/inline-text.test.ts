import { describe, expect, it } from 'vitest';
import { createSection, createSiteDocument, renderPagePreview, renderSite, sectionTextAt, templates, withSectionText, type Section } from './index.ts';
import { hostingProviderName } from './render.ts';

const options = { siteUrl: 'https://momo.windwalker.kr', assetUrl: (id: string) => `/assets/${id}`, hostingProvider: 'WindWalker' };

/** Every `data-edit` mark in a page preview, with the id of the section it sits in. */
function editMarks(htmlText: string): { sectionId: string; path: string }[] {
  const marks: { sectionId: string; path: string }[] = [];
  const sectionOpen = /<section class="[^"]*" id="([^"]+)"|data-edit="([^"]+)"/g;
  let current = '';
  for (const match of htmlText.matchAll(sectionOpen)) {
    if (match[1]) current = match[1];
    else marks.push({ sectionId: current, path: match[2] });
  }
  return marks;
}

describe('inline text editing marks', () => {
  it('marks only text that exists in the section, in every page of every template', () => {
    for (const template of templates) {
      const doc = createSiteDocument(template.id, { siteName: '모모' });
      for (const page of doc.pages) {
        const marks = editMarks(renderPagePreview(doc, page.slug, options));
        expect(marks.length, `${template.id} /${page.slug}`).toBeGreaterThan(0);
        for (const mark of marks) {
          const section = page.sections.find((s) => s.id === mark.sectionId);
          expect(section, `${template.id} ${mark.sectionId}`).toBeDefined();
          expect(sectionTextAt(section as Section, mark.path), `${template.id} ${mark.sectionId} ${mark.path}`).not.toBeNull();
        }
      }
    }
  });

  it('never marks the published pages', () => {
    for (const template of templates) {
      const files = renderSite(createSiteDocument(template.id, { siteName: '모모' }), { siteUrl: options.siteUrl, assets: new Map(), hostingProvider: 'WindWalker' });
      for (const file of files) expect(file.body.toString('utf8'), file.path).not.toContain('data-edit');
    }
  });
});

describe('sectionTextAt / withSectionText', () => {
  const services = createSection('services');

  it('replaces the string at a path in a copy and leaves the original untouched', () => {
    const next = withSectionText(services, 'items.0.title', '커트 & 드라이');
    expect(sectionTextAt(next, 'items.0.title')).toBe('커트 & 드라이');
    expect(sectionTextAt(services, 'items.0.title')).toBe('서비스 이름');
    expect(withSectionText(services, 'heading', services.heading)).toBe(services);
  });

  it('refuses paths to ids, types, numbers, missing items and prototype keys', () => {
    for (const path of ['id', 'type', 'items.0.price', 'items.5.title', 'items.-1.title', 'items', '__proto__.polluted', 'constructor', 'items.0.nope', '', 'heading.']) {
      expect(sectionTextAt(services, path), path).toBeNull();
      expect(withSectionText(services, path, 'x'), path).toBe(services);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the legal footer’s hosting provider', () => {
  it('names the company for each CDN provider id the build passes, and keeps any other name as given', () => {
    const doc = createSiteDocument('cafe', { siteName: '모모' });
    const home = renderSite(doc, { siteUrl: options.siteUrl, assets: new Map(), hostingProvider: 'local' }).find((file) => file.path === 'index.html' || file.path === '/index.html');
    expect(home?.body.toString('utf8')).toContain('<dt>호스팅 제공자</dt><dd>WindWalker</dd>');
    expect(hostingProviderName('cloudfront')).toBe('WindWalker (Amazon Web Services, Inc.)');
    expect(hostingProviderName('WindWalker 주식회사')).toBe('WindWalker 주식회사');
  });
});
