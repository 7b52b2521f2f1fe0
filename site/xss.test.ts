import { describe, expect, it } from 'vitest';
import { createSection, createSiteDocument, renderPagePreview, renderSite, sectionTypes, templates, validateSiteDocument, type SiteDocument } from './index.ts';

/**
 * Whatever an owner (or a compromised editor, or a malformed AI answer that skipped
 * validation) puts into a document must come out of the renderer as inert text: never as
 * markup, never as an event handler, never as a script or javascript: link.
 */

const payloads = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '<svg/onload=alert(1)>',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  '&#106;avascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'vbscript:msgbox(1)',
  '</style><script>alert(1)</script>',
  '</script><script>alert(1)</script>',
  '{{constructor.constructor("alert(1)")()}}',
  '${alert(1)}',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '" onmouseover="alert(1)',
  "' onfocus='alert(1)' autofocus '",
  '<!--<script>-->',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '\u2028\u2029</script>',
  'red;}</style><script>alert(1)</script>',
  'url(javascript:alert(1))',
];

/** Fields whose value selects behaviour rather than being shown; they stay as they are. */
const structuralKeys = new Set(['type', 'slug', 'day', 'version']);

function fillEveryString(value: unknown, payload: string): unknown {
  if (typeof value === 'string') return payload;
  if (Array.isArray(value)) return value.map((item) => fillEveryString(item, payload));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, structuralKeys.has(key) ? inner : fillEveryString(inner, payload)]),
    );
  }
  return value;
}

/** A document with every section type and every optional field present, images as URLs. */
function everythingDocument(templateId: string): SiteDocument {
  const doc = createSiteDocument(templateId, { siteName: '모든 필드' });
  Object.assign(doc.business, {
    representative: '가',
    address: '가',
    phone: '02-123-4567',
    email: 'a@b.kr',
    registrationNumber: '123-45-67890',
    mailOrderNumber: '가',
    privacyOfficer: '가',
    privacyOfficerContact: '가',
    kakaoChannelUrl: 'https://pf.kakao.com/_x',
  });
  const image = { url: 'https://images.example.com/a.jpg', alt: '가' };
  doc.logo = image;
  doc.seo = { titleSuffix: '가', description: '가', ogImage: image, naverVerification: 'a', googleVerification: 'b' };
  const home = doc.pages[0]!;
  home.ogImage = image;
  for (const type of sectionTypes) {
    const section = createSection(type, `all-${type}`);
    if (section.type === 'hero') {
      section.image = image;
      section.button = { label: '가', href: 'https://example.com' };
    }
    if (section.type === 'about') section.image = image;
    if (section.type === 'gallery') section.items = [{ image, caption: '가' }];
    if (section.type === 'hours') section.holidays = [{ date: '2025-01-01', label: '가' }];
    if (section.type === 'services') section.items[0]!.priceNote = '가';
    if (section.type === 'menu') section.categories[0]!.items[0]!.badge = '가';
    if (section.type === 'reviews') section.items[0]!.source = '가';
    if (section.type === 'location') Object.assign(section, { address: '가', addressDetail: '가', directions: '가', parking: '가' });
    if (section.type === 'cta') Object.assign(section, { body: '가', phone: '02-123-4567', kakaoChannelUrl: 'https://pf.kakao.com/_x' });
    home.sections.push(section);
  }
  expect(validateSiteDocument(doc).ok).toBe(true);
  return doc;
}

const ALLOWED_TAGS = new Set(
  'html head meta title link style script body a header div span nav ul li main section h1 h2 h3 p br img figure figcaption blockquote table caption tbody thead tr th td dl dt dd details summary form input label textarea button footer time small'.split(' '),
);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'srcset', 'poster', 'data', 'xlink:href']);

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Checks one HTML document; returns what is wrong with it (empty when it is safe). */
function problemsIn(page: string): string[] {
  const problems: string[] = [];
  // 1. the only scripts are JSON-LD blocks, and their content is JSON that cannot close the tag
  const withoutJsonLd = page.replace(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g, (_match, json: string) => {
    try {
      JSON.parse(json);
    } catch {
      problems.push(`JSON-LD does not parse: ${json.slice(0, 80)}`);
    }
    if (/[<>]/.test(json)) problems.push('JSON-LD contains a raw < or >');
    return '';
  });
  if (/<script/i.test(withoutJsonLd)) problems.push('a <script> other than JSON-LD');
  // 2. the style block is ours only: exactly one, and nothing owner-typed in it
  const styles = withoutJsonLd.match(/<style>[\s\S]*?<\/style>/g) ?? [];
  if (styles.length !== 1) problems.push(`expected one <style>, found ${styles.length}`);
  for (const style of styles) {
    const css = style.slice('<style>'.length, -'</style>'.length);
    if (/alert|javascript|</i.test(css)) problems.push(`owner text inside <style>: ${css.slice(0, 80)}`);
  }
  const markup = withoutJsonLd.replace(/<style>[\s\S]*?<\/style>/g, '');
  // 3. every tag is one we write, no attribute is an event handler, no URL attribute is a script URL
  const tagPattern = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
  const attributePattern = /\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const match of markup.matchAll(tagPattern)) {
    const tag = match[2]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) problems.push(`unexpected <${tag}>`);
    for (const attribute of (match[3] ?? '').matchAll(attributePattern)) {
      const name = attribute[1]!.toLowerCase();
      const value = decodeEntities(attribute[2] ?? attribute[3] ?? attribute[4] ?? '');
      if (name.startsWith('on')) problems.push(`event handler ${name} on <${tag}>`);
      if (name === 'style') problems.push(`style attribute on <${tag}>`);
      if (URL_ATTRIBUTES.has(name)) {
        const normalised = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
        if (/^(javascript|vbscript|data:text|data:application)/.test(normalised)) problems.push(`${name}="${value}" on <${tag}>`);
      }
      if (tag === 'meta' && /og:url|og:image/.test(match[0]) && name === 'content' && !/^https?:\/\//.test(value)) {
        problems.push(`meta ${name}="${value}"`);
      }
    }
  }
  // 4. after removing our tags, no '<' is left: owner text never became markup
  const text = markup.replace(tagPattern, '').replace(/^<!doctype html>/i, '');
  if (text.includes('<')) problems.push(`raw < in text: …${text.slice(Math.max(0, text.indexOf('<') - 30), text.indexOf('<') + 50)}…`);
  return problems;
}

describe('owner input in the published site', () => {
  it('accepts this document shape before the payloads go in', () => {
    expect(everythingDocument('cafe').pages[0]!.sections.length).toBeGreaterThan(11);
  });

  it.each(payloads)('rejects %j in link and image fields at validation', (payload) => {
    const doc = everythingDocument('cafe');
    const home = doc.pages[0]!;
    const hero = home.sections.find((section) => section.type === 'hero' && section.id === 'all-hero');
    if (hero?.type !== 'hero') throw new Error('hero present');
    hero.button = { label: '가', href: payload };
    hero.image = { url: payload, alt: '가' };
    doc.business.kakaoChannelUrl = payload;
    const result = validateSiteDocument(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const paths = result.errors.map((error) => error.path);
      expect(paths).toContain(`pages.0.sections.${home.sections.indexOf(hero)}.button.href`);
      expect(paths).toContain('business.kakaoChannelUrl');
    }
  });

  for (const template of templates) {
    it(`keeps every payload inert in every field of the ${template.id} site, published and in the preview`, () => {
      const base = everythingDocument(template.id);
      for (const payload of payloads) {
        // Skip validation on purpose: the renderer must be safe even for a document that never passed the schema.
        const doc = fillEveryString(base, payload) as SiteDocument;
        const files = renderSite(doc, { siteUrl: 'https://x.windwalker.kr', assets: new Map(), hostingProvider: payload });
        const htmlFiles = files.filter((file) => file.path.endsWith('.html'));
        expect(htmlFiles.length).toBe(doc.pages.length + 2);
        for (const file of htmlFiles) {
          expect(problemsIn(file.body.toString('utf8')), `${template.id} ${file.path} ${JSON.stringify(payload)}`).toEqual([]);
        }
        for (const file of files.filter((candidate) => !candidate.path.endsWith('.html'))) {
          const body = file.body.toString('utf8');
          expect(body, `${file.path} ${JSON.stringify(payload)}`).not.toMatch(/<script|onload|onerror|javascript:/i);
        }
        for (const page of [...doc.pages.map((candidate) => candidate.slug), 'privacy']) {
          const preview = renderPagePreview(doc, page, { siteUrl: 'https://x.windwalker.kr', hostingProvider: payload, assetUrl: () => payload });
          expect(problemsIn(preview), `preview ${template.id} /${page} ${JSON.stringify(payload)}`).toEqual([]);
        }
        // the payload is shown to visitors as the text the owner typed
        const home = files.find((file) => file.path === '/index.html')!.body.toString('utf8');
        if (payload === '<script>alert(1)</script>') expect(home).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      }
    });
  }
});
