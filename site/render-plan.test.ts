import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createSection,
  createSiteDocument,
  planSiteRender,
  renderSite,
  templates,
  validateSiteDocument,
  validateSiteDocumentReusing,
  type PageHashes,
  type RenderSiteOptions,
  type SiteAsset,
  type SiteDocument,
} from './index.ts';

const HERO_ID = '11111111-1111-4111-8111-111111111111';
const LOGO_ID = '22222222-2222-4222-8222-222222222222';

function photo(id: string, fileName: string, bytes: string, width = 1200, height = 800): SiteAsset {
  const data = Buffer.from(bytes);
  return { id, fileName, contentType: 'image/jpeg', width, height, sha256: createHash('sha256').update(data).digest('hex'), data };
}

/** A cafe site with `pageCount` pages, a logo and a hero photo on the home page. */
function bigSite(pageCount: number): { doc: SiteDocument; options: RenderSiteOptions } {
  const doc = createSiteDocument('cafe', { siteName: '골목 커피' });
  Object.assign(doc.business, { phone: '02-325-1234', address: '서울특별시 마포구 와우산로 94', representative: '김하늘' });
  const hero = doc.pages[0]!.sections.find((section) => section.type === 'hero');
  if (hero?.type !== 'hero') throw new Error('the cafe home page has a hero');
  hero.image = { assetId: HERO_ID, alt: '매장 전경' };
  doc.logo = { assetId: LOGO_ID, alt: '' };
  for (let n = 1; doc.pages.length < pageCount; n++) {
    const copy = structuredClone(doc.pages[0]!);
    copy.sections = copy.sections.map((section, i) => ({ ...section, id: `p${n}-s${i}` }));
    doc.pages.push({ ...copy, id: `page-${n}`, slug: `page-${n}`, title: `페이지 ${n}`, navLabel: `페이지 ${n}` });
  }
  const assets = new Map([
    [HERO_ID, photo(HERO_ID, 'hero.jpg', 'hero-bytes')],
    [LOGO_ID, photo(LOGO_ID, 'logo.jpg', 'logo-bytes', 64, 64)],
  ]);
  return { doc, options: { siteUrl: 'https://golmok.example.kr', hostingProvider: 'WindWalker', assets } };
}

/**
 * What a build with the cache does: outputs whose input hash it saw in the previous build keep
 * that build's bytes, the rest are rendered. Returns the files and the paths it rendered.
 */
function incrementalRender(previous: Map<string, Buffer>, doc: SiteDocument, options: RenderSiteOptions) {
  const rendered: string[] = [];
  const files = planSiteRender(doc, options).map((output) => {
    const cached = previous.get(output.inputHash);
    if (cached) return { path: output.path, contentType: output.contentType, body: cached };
    rendered.push(output.path);
    return { path: output.path, contentType: output.contentType, body: output.render() };
  });
  return { files, rendered };
}

function cacheOf(doc: SiteDocument, options: RenderSiteOptions): Map<string, Buffer> {
  return new Map(planSiteRender(doc, options).map((output) => [output.inputHash, output.render()]));
}

describe('planSiteRender', () => {
  it.each(templates.map((template) => template.id))('renders the %s template to the same bytes as renderSite, output by output', (templateId) => {
    const doc = createSiteDocument(templateId, { siteName: '골목 상점' });
    const options: RenderSiteOptions = { siteUrl: 'https://shop.example.kr', hostingProvider: 'WindWalker', assets: new Map() };
    const planned = planSiteRender(doc, options);
    const full = renderSite(doc, options);
    expect(planned.map((output) => output.path)).toEqual(full.map((file) => file.path));
    // Rendered alone and in reverse order: no output depends on another having rendered first.
    for (const output of [...planned].reverse()) {
      const file = full.find((candidate) => candidate.path === output.path)!;
      expect(output.contentType).toBe(file.contentType);
      expect(output.render().equals(file.body), output.path).toBe(true);
    }
  });

  it('publishes the logo and photos as asset outputs whose bytes are the uploaded data', () => {
    const { doc, options } = bigSite(3);
    const assets = planSiteRender(doc, options).filter((output) => output.kind === 'asset');
    expect(assets.map((output) => output.assetId).sort()).toEqual([HERO_ID, LOGO_ID].sort());
    for (const output of assets) expect(output.render().equals(options.assets.get(output.assetId!)!.data)).toBe(true);
  });

  it('gives every output the same input hash when nothing changed', () => {
    const { doc, options } = bigSite(5);
    const first = planSiteRender(doc, options).map((output) => output.inputHash);
    const again = planSiteRender(structuredClone(doc), options).map((output) => output.inputHash);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('gives the same input hashes whether the platform’s sha256 or the pure JavaScript one makes them', () => {
    const { doc, options } = bigSite(5);
    const inJs = planSiteRender(doc, options).map((output) => output.inputHash);
    const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(planSiteRender(doc, { ...options, sha256Hex }).map((output) => output.inputHash)).toEqual(inJs);
  });

  it('gives the same input hashes whatever the key order the document was stored in, once validated', () => {
    const { doc, options } = bigSite(3);
    const reordered = JSON.parse(JSON.stringify(doc, (_key, value: unknown) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).reverse())
        : value)) as unknown;
    const hashes = (stored: unknown) => {
      const validated = validateSiteDocument(stored);
      if (!validated.ok) throw new Error(validated.errors.map((error) => error.message).join('; '));
      return planSiteRender(validated.document, options).map((output) => output.inputHash);
    };
    expect(hashes(reordered)).toEqual(hashes(doc));
  });

  it('re-renders only the edited page after a one-word change on a 50-page site', () => {
    const { doc, options } = bigSite(50);
    const previous = cacheOf(doc, options);
    const edited = structuredClone(doc);
    const page = edited.pages[37]!;
    const hero = page.sections[0]!;
    if (hero.type !== 'hero') throw new Error('pages start with a hero');
    hero.heading = `${hero.heading} 오늘`;
    const { files, rendered } = incrementalRender(previous, edited, options);
    expect(rendered).toEqual([`/${page.slug}/index.html`]);
    expect(files).toEqual(renderSite(edited, options));
  });

  // Each edit changes something some outputs read from outside their own page; reusing files by
  // input hash must still give exactly what a full render gives (no stale navigation, footer…).
  const edits: [string, (doc: SiteDocument, options: RenderSiteOptions) => RenderSiteOptions | void, string[] | null][] = [
    ['a page title (navigation on every page, sitemap unchanged)', (doc) => void (doc.pages[3]!.title = '새 제목'), null],
    ['a navigation label', (doc) => void (doc.pages[2]!.navLabel = '새 메뉴 이름'), null],
    ['a page slug (navigation and sitemap)', (doc) => void (doc.pages[4]!.slug = 'new-place'), null],
    ['the order of pages', (doc) => void doc.pages.splice(1, 0, doc.pages.splice(5, 1)[0]!), null],
    ['a page removed', (doc) => void doc.pages.splice(3, 1), null],
    ['the business phone (footer and call buttons)', (doc) => void (doc.business.phone = '02-000-0000'), null],
    ['the theme colours', (doc) => void (doc.theme.primary = '#224466'), null],
    ['the site name (title, header, favicon)', (doc) => void (doc.name = '새 골목 커피'), null],
    ['the SEO title suffix', (doc) => void (doc.seo.titleSuffix = '마포 카페'), null],
    ['hours on another page (the home page JSON-LD)', (doc) => {
      const hours = doc.pages[2]!.sections.find((section) => section.type === 'hours');
      if (hours?.type !== 'hours') throw new Error('cafe pages have hours');
      hours.weekly[0]!.open = '07:00';
    }, null],
    ['a contact form added to one page (the privacy policy)', (doc) => void doc.pages[6]!.sections.push({ ...createSection('contact'), id: 'new-contact' }), ['/page-4/index.html', '/privacy/index.html']],
    ['the logo image replaced by a new upload', (doc, options) => {
      const assets = new Map(options.assets);
      assets.set(LOGO_ID, photo(LOGO_ID, 'logo.jpg', 'new-logo-bytes', 64, 64));
      return { ...options, assets };
    }, null],
    ['the hosting provider (footer)', (_doc, options) => ({ ...options, hostingProvider: 'Cloudflare' }), null],
    ['the site address', (_doc, options) => ({ ...options, siteUrl: 'https://www.golmok.kr' }), null],
  ];
  it.each(edits)('stays exact when the edit is %s', (_name, edit, expectedRendered) => {
    const { doc, options } = bigSite(8);
    const previous = cacheOf(doc, options);
    const edited = structuredClone(doc);
    const editedOptions = edit(edited, options) ?? options;
    const { files, rendered } = incrementalRender(previous, edited, editedOptions);
    expect(files).toEqual(renderSite(edited, editedOptions));
    if (expectedRendered) expect(rendered).toEqual(expectedRendered);
    // Whatever was rendered, something was: every one of these edits changes some output.
    expect(rendered.length).toBeGreaterThan(0);
  });

  // The build worker keeps page hashes by page object (validateSiteDocumentReusing hands an
  // unchanged page on as the same object): they must be exactly the hashes made afresh.
  it.each(edits)('gives the hashes made afresh from page hashes made before when the edit is %s', (_name, edit) => {
    const { doc, options } = bigSite(8);
    const pageHashes: PageHashes = new WeakMap();
    const first = validateSiteDocument(structuredClone(doc));
    if (!first.ok) throw new Error('the site should be valid');
    planSiteRender(first.document, { ...options, pageHashes }).forEach((output) => output.inputHash);
    const edited = structuredClone(doc);
    const editedOptions = edit(edited, options) ?? options;
    const second = validateSiteDocumentReusing(edited, {
      input: structuredClone(doc), document: first.document, pagesAsInput: first.document.pages.map(() => true),
    });
    if (!second.ok) throw new Error('the edited site should be valid');
    const fromBefore = planSiteRender(second.document, { ...editedOptions, pageHashes }).map((output) => output.inputHash);
    expect(fromBefore).toEqual(planSiteRender(second.document, editedOptions).map((output) => output.inputHash));
  });

  it('does not write out and hash an unchanged page again', () => {
    const { doc, options } = bigSite(50);
    const validated = validateSiteDocument(doc);
    if (!validated.ok) throw new Error('the site should be valid');
    const pageHashes: PageHashes = new WeakMap();
    let hashed = 0;
    const sha256Hex = (text: string) => {
      hashed += 1;
      return createHash('sha256').update(text).digest('hex');
    };
    const hashesOf = () => planSiteRender(validated.document, { ...options, sha256Hex, pageHashes }).map((output) => output.inputHash);
    const first = hashesOf();
    const firstCount = hashed;
    hashed = 0;
    expect(hashesOf()).toEqual(first);
    expect(firstCount - hashed).toBe(50);
  });
});
