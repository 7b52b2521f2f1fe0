// Pure edits of a site document for the builder: each returns a new document and leaves the
// old one untouched, so the editor's state, undo and autosave can compare by reference.
import { withSectionText, type Section, type SiteDocument, type SitePage } from '../../../../site/index.ts';

export function findPage(doc: SiteDocument, pageId: string): SitePage | undefined {
  return doc.pages.find((page) => page.id === pageId);
}

function mapPage(doc: SiteDocument, pageId: string, change: (page: SitePage) => SitePage): SiteDocument {
  return { ...doc, pages: doc.pages.map((page) => (page.id === pageId ? change(page) : page)) };
}

export function updatePage(doc: SiteDocument, pageId: string, patch: Partial<Omit<SitePage, 'id' | 'sections'>>): SiteDocument {
  return mapPage(doc, pageId, (page) => ({ ...page, ...patch }));
}

export function updateSection(doc: SiteDocument, pageId: string, sectionId: string, next: Section): SiteDocument {
  return mapPage(doc, pageId, (page) => ({
    ...page,
    sections: page.sections.map((section) => (section.id === sectionId ? next : section)),
  }));
}

/** Moves a section to `toIndex` (clamped to the page), e.g. after a drop. */
export function moveSectionTo(doc: SiteDocument, pageId: string, sectionId: string, toIndex: number): SiteDocument {
  return mapPage(doc, pageId, (page) => {
    const from = page.sections.findIndex((section) => section.id === sectionId);
    if (from < 0) return page;
    const sections = [...page.sections];
    const [moved] = sections.splice(from, 1);
    const target = Math.max(0, Math.min(sections.length, toIndex));
    sections.splice(target, 0, moved);
    return { ...page, sections };
  });
}

/** Moves a section one place up (-1) or down (+1); at either end nothing changes. */
export function moveSectionBy(doc: SiteDocument, pageId: string, sectionId: string, delta: -1 | 1): SiteDocument {
  const page = findPage(doc, pageId);
  const from = page ? page.sections.findIndex((section) => section.id === sectionId) : -1;
  if (!page || from < 0) return doc;
  const to = from + delta;
  if (to < 0 || to >= page.sections.length) return doc;
  return moveSectionTo(doc, pageId, sectionId, to);
}

/** Inserts a section after `afterSectionId`, or at the end when it is null or not on the page. */
export function insertSection(doc: SiteDocument, pageId: string, section: Section, afterSectionId: string | null): SiteDocument {
  return mapPage(doc, pageId, (page) => {
    const sections = [...page.sections];
    const after = afterSectionId ? sections.findIndex((s) => s.id === afterSectionId) : -1;
    sections.splice(after >= 0 ? after + 1 : sections.length, 0, section);
    return { ...page, sections };
  });
}

export function removeSection(doc: SiteDocument, pageId: string, sectionId: string): SiteDocument {
  return mapPage(doc, pageId, (page) => ({ ...page, sections: page.sections.filter((s) => s.id !== sectionId) }));
}

/** Adds a page after `afterPageId` (or at the end). */
export function insertPage(doc: SiteDocument, page: SitePage, afterPageId: string | null): SiteDocument {
  const pages = [...doc.pages];
  const after = afterPageId ? pages.findIndex((p) => p.id === afterPageId) : -1;
  pages.splice(after >= 0 ? after + 1 : pages.length, 0, page);
  return { ...doc, pages };
}

/** Removes a page; the home page (empty address) is never removed. */
export function removePage(doc: SiteDocument, pageId: string): SiteDocument {
  const page = findPage(doc, pageId);
  if (!page || page.slug === '') return doc;
  return { ...doc, pages: doc.pages.filter((p) => p.id !== pageId) };
}

/** Moves a page one place up (-1) or down (+1) in the menu; at either end nothing changes. */
export function movePageBy(doc: SiteDocument, pageId: string, delta: -1 | 1): SiteDocument {
  const from = doc.pages.findIndex((p) => p.id === pageId);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= doc.pages.length) return doc;
  const pages = [...doc.pages];
  const [moved] = pages.splice(from, 1);
  pages.splice(to, 0, moved);
  return { ...doc, pages };
}

/** Replaces the text at `path` inside a section (inline editing in the preview). */
export function updateSectionText(doc: SiteDocument, pageId: string, sectionId: string, path: string, text: string): SiteDocument {
  const page = findPage(doc, pageId);
  const section = page?.sections.find((s) => s.id === sectionId);
  if (!page || !section) return doc;
  const next = withSectionText(section, path, text);
  return next === section ? doc : updateSection(doc, pageId, sectionId, next);
}

export function updateTheme(doc: SiteDocument, patch: Partial<SiteDocument['theme']>): SiteDocument {
  return { ...doc, theme: { ...doc.theme, ...patch } };
}

export function updateBusiness(doc: SiteDocument, patch: Partial<SiteDocument['business']>): SiteDocument {
  return { ...doc, business: { ...doc.business, ...patch } };
}

/** The errors whose path starts with `prefix` (e.g. 'pages.0.sections.2'), keyed by the rest of the path. */
export function errorsUnder(errors: { path: string; message: string }[], prefix: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const error of errors) {
    if (error.path === prefix || error.path.startsWith(`${prefix}.`)) {
      const rest = error.path.slice(prefix.length).replace(/^\./, '');
      if (!found.has(rest)) found.set(rest, error.message.replace(/^[\w.]+: /, ''));
    }
  }
  return found;
}
