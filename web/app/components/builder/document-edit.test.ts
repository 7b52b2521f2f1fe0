import { describe, expect, it } from 'vitest';
import { createSection, createSiteDocument, validateSiteDocument } from '../../../../site/index.ts';
import { errorsUnder, insertSection, moveSectionBy, moveSectionTo, removeSection, updateSection } from './document-edit.ts';

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
