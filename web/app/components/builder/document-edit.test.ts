import { describe, expect, it } from 'vitest';
import { checkNewPage, checkPageSlug, createSection, createSiteDocument, validateSiteDocument } from '../../../../site/index.ts';
import {
  errorsUnder,
  insertPage,
  insertSection,
  movePageBy,
  moveSectionBy,
  moveSectionTo,
  removePage,
  removeSection,
  updateSection,
  updateSectionText,
} from './document-edit.ts';

const doc = createSiteDocument('cafe', { siteName: '카페 모모' });
const home = doc.pages[0];
const ids = home.sections.map((s) => s.id);

describe('builder document edits', () => {
  it('moves a section up and down with the buttons, and not past either end', () => {
    const down = moveSectionBy(doc, home.id, ids[0], 1);
    expect(down.pages[0].sections.map((s) => s.id)).toEqual([ids[1], ids[0], ...ids.slice(2)]);
    expect(moveSectionBy(doc, home.id, ids[0], -1)).toBe(doc);
    expect(moveSectionBy(doc, home.id, ids.at(-1)!, 1)).toBe(doc);
    expect(doc.pages[0].sections.map((s) => s.id)).toEqual(ids); // the original is untouched
  });

  it('moves a dragged section to the drop position', () => {
    const moved = moveSectionTo(doc, home.id, ids[0], ids.length - 1);
    expect(moved.pages[0].sections.map((s) => s.id)).toEqual([...ids.slice(1), ids[0]]);
  });

  it('adds a section after the selected one and removes it again, keeping the document valid', () => {
    const faq = createSection('faq');
    const added = insertSection(doc, home.id, faq, ids[0]);
    expect(added.pages[0].sections[1].id).toBe(faq.id);
    expect(validateSiteDocument(added).ok).toBe(true);
    expect(removeSection(added, home.id, faq.id).pages[0].sections.map((s) => s.id)).toEqual(ids);
  });

  it('replaces one section’s fields and leaves other pages as they were', () => {
    const first = home.sections[0];
    const changed = updateSection(doc, home.id, first.id, { ...first, heading: '새 제목' } as typeof first);
    expect((changed.pages[0].sections[0] as { heading: string }).heading).toBe('새 제목');
    expect(changed.pages.slice(1)).toEqual(doc.pages.slice(1));
  });

  it('finds the errors of one section by path, without the path prefix in the message', () => {
    const errors = [
      { path: 'pages.0.sections.2.heading', message: 'pages.0.sections.2.heading: 제목을 입력해 주세요.' },
      { path: 'pages.0.sections.20.heading', message: 'other' },
      { path: 'theme.primary', message: 'theme.primary: 대표 색상은 …' },
    ];
    const found = errorsUnder(errors, 'pages.0.sections.2');
    expect([...found]).toEqual([['heading', '제목을 입력해 주세요.']]);
  });
});

describe('builder page edits', () => {
  it('adds a page with a checked title and address, keeping the document valid and the navigation in order', () => {
    const checked = checkNewPage(doc, { title: '단체 주문', slug: 'catering' });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    const added = insertPage(doc, checked.page, home.id);
    expect(added.pages.map((p) => p.slug)).toEqual(['', 'catering', ...doc.pages.slice(1).map((p) => p.slug)]);
    expect(validateSiteDocument(added).ok).toBe(true);
    expect(checked.page.sections).toHaveLength(1);
  });

  it('refuses an empty title, a Korean, upper-case, reserved or taken address with Korean messages', () => {
    const taken = doc.pages[1];
    expect(checkNewPage(doc, { title: ' ', slug: 'ok' })).toEqual({ ok: false, errors: { title: '페이지 제목을 입력해 주세요.' } });
    expect(checkPageSlug(doc, '메뉴')).toMatch(/영문 소문자, 숫자, - 만/);
    expect(checkPageSlug(doc, 'Menu')).toMatch(/소문자로 입력해 주세요/);
    expect(checkPageSlug(doc, 'privacy')).toMatch(/이미 사이트가 쓰고 있습니다/);
    expect(checkPageSlug(doc, '')).toMatch(/홈 페이지만/);
    expect(checkPageSlug(doc, taken.slug)).toContain(`‘${taken.navLabel || taken.title}’ 페이지가 이미`);
    expect(checkPageSlug(doc, taken.slug, taken.id)).toBeNull();
  });

  it('removes a page but never the home page, and moves pages within the menu', () => {
    const second = doc.pages[1];
    expect(removePage(doc, home.id)).toBe(doc);
    expect(removePage(doc, second.id).pages.map((p) => p.id)).not.toContain(second.id);
    expect(movePageBy(doc, second.id, -1).pages.map((p) => p.id).slice(0, 2)).toEqual([second.id, home.id]);
    expect(movePageBy(doc, home.id, -1)).toBe(doc);
    expect(validateSiteDocument(movePageBy(doc, second.id, -1)).ok).toBe(true);
  });

  it('changes one text in place and leaves the document alone for unknown paths', () => {
    const first = home.sections[0];
    const changed = updateSectionText(doc, home.id, first.id, 'heading', '오늘의 원두');
    expect((changed.pages[0].sections[0] as { heading: string }).heading).toBe('오늘의 원두');
    expect(updateSectionText(doc, home.id, first.id, 'id', 'x')).toBe(doc);
    expect(updateSectionText(doc, home.id, 'nope', 'heading', 'x')).toBe(doc);
  });
});
