import { dequal } from 'dequal';
import { describe, expect, it } from 'vitest';
import {
  createSection,
  createSiteDocument,
  listMissingBusinessDetails,
  sectionLabels,
  sectionTypes,
  templates,
  validateSiteDocument,
  validateSiteDocumentReusing,
  type SiteDocument,
  type ReusingValidation,
  type ValidatedBefore,
} from './index.ts';

function cafe(): SiteDocument {
  return createSiteDocument('cafe', { siteName: '골목 커피' });
}

function errorsOf(input: unknown) {
  const result = validateSiteDocument(input);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.errors;
}

describe('site document schema', () => {
  it('offers the eight templates a Korean small business needs', () => {
    expect(templates.map((template) => template.id)).toEqual(['cafe', 'restaurant', 'salon', 'clinic', 'academy', 'shop', 'portfolio', 'startup']);
    for (const template of templates) {
      expect(template.name).toMatch(/[가-힣]/);
      expect(template.description.length).toBeGreaterThan(10);
    }
  });

  it('accepts every template and fills in the business name the owner typed', () => {
    for (const template of templates) {
      const doc = createSiteDocument(template.id, { siteName: '해오름 상점' });
      expect(doc.name).toBe('해오름 상점');
      expect(doc.business.name).toBe('해오름 상점');
      expect(doc.pages.length).toBeGreaterThanOrEqual(2);
      expect(doc.pages.length).toBeLessThanOrEqual(4);
      expect(doc.pages[0]?.slug).toBe('');
      const again = validateSiteDocument(JSON.parse(JSON.stringify(doc)));
      expect(again.ok, template.id).toBe(true);
    }
  });

  it('gives every template its own colour theme', () => {
    const primaries = new Set(templates.map((template) => createSiteDocument(template.id, { siteName: '가게' }).theme.primary));
    expect(primaries.size).toBe(templates.length);
  });

  it('refuses an unknown template with a Korean message listing the choices', () => {
    expect(() => createSiteDocument('bakery', { siteName: '빵집' })).toThrow(/템플릿 'bakery'.*cafe/);
  });

  it('rejects a heading over 80 characters naming the path and the field', () => {
    const doc = cafe();
    const hero = doc.pages[0]!.sections[0]!;
    if (hero.type !== 'hero') throw new Error('cafe starts with a hero');
    hero.heading = '가'.repeat(81);
    const errors = errorsOf(doc);
    expect(errors).toContainEqual({
      path: 'pages.0.sections.0.heading',
      message: 'pages.0.sections.0.heading: 제목은 80자 이내로 입력해 주세요.',
    });
  });

  it.each(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '//evil.example', 'http://user:pw@evil.example'])(
    'rejects the link %s on a button',
    (href) => {
      const doc = cafe();
      const hero = doc.pages[0]!.sections[0]!;
      if (hero.type !== 'hero') throw new Error('cafe starts with a hero');
      hero.button = { label: '보기', href };
      const errors = errorsOf(doc);
      const error = errors.find((candidate) => candidate.path === 'pages.0.sections.0.button.href');
      expect(error?.message).toContain('버튼 링크는');
    },
  );

  it('accepts https, tel, mailto and in-site links', () => {
    for (const href of ['https://example.com/a?b=1', 'tel:02-123-4567', 'mailto:hello@example.com', '/menu/', '#contact']) {
      const doc = cafe();
      const hero = doc.pages[0]!.sections[0]!;
      if (hero.type !== 'hero') throw new Error('cafe starts with a hero');
      hero.button = { label: '보기', href };
      expect(validateSiteDocument(doc).ok, href).toBe(true);
    }
  });

  it('checks the business registration number format', () => {
    const doc = cafe();
    doc.business.registrationNumber = '1234567890';
    expect(errorsOf(doc)).toContainEqual({
      path: 'business.registrationNumber',
      message: 'business.registrationNumber: 사업자등록번호는 000-00-00000 형식으로 입력해 주세요.',
    });
    doc.business.registrationNumber = '123-45-67890';
    expect(validateSiteDocument(doc).ok).toBe(true);
  });

  it('accepts only #rrggbb colours and the curated fonts', () => {
    const doc = cafe() as unknown as { theme: Record<string, string> };
    doc.theme.primary = 'red;}</style><script>alert(1)</script>';
    doc.theme.font = 'Comic Sans';
    const errors = errorsOf(doc);
    expect(errors.find((error) => error.path === 'theme.primary')?.message).toContain('대표 색상은 #12ab34 형식');
    expect(errors.find((error) => error.path === 'theme.font')?.message).toContain('글꼴은');
  });

  it('keeps prices as whole won', () => {
    const doc = cafe();
    const menu = doc.pages[1]!.sections[0]!;
    if (menu.type !== 'menu') throw new Error('cafe menu page has a menu');
    menu.categories[0]!.items[0]!.price = 4500.5;
    expect(errorsOf(doc)[0]?.message).toBe('pages.1.sections.0.categories.0.items.0.price: 가격은 원 단위 정수로 입력해 주세요.');
    menu.categories[0]!.items[0]!.price = -1;
    expect(errorsOf(doc)[0]?.message).toContain('가격은 0원 이상');
  });

  it('requires one home page and unique, lowercase page addresses', () => {
    const doc = cafe();
    doc.pages[1]!.slug = 'Menu';
    expect(errorsOf(doc)[0]?.message).toContain('페이지 주소는 영문 소문자');
    doc.pages[1]!.slug = 'visit';
    expect(errorsOf(doc).some((error) => error.path === 'pages.2.slug' && error.message.includes('이미 다른 페이지'))).toBe(true);
    doc.pages[1]!.slug = 'privacy';
    expect(errorsOf(doc)[0]?.message).toContain('이미 사이트가 쓰고 있습니다');
    const noHome = cafe();
    noHome.pages[0]!.slug = 'home';
    expect(errorsOf(noHome)).toContainEqual({ path: 'pages', message: 'pages: 홈 페이지(주소가 빈 페이지)가 하나 있어야 합니다.' });
  });

  it('names an unknown section type and a missing object in Korean', () => {
    const doc = JSON.parse(JSON.stringify(cafe()));
    doc.pages[0].sections[1] = { id: 'x', type: 'marquee' };
    delete doc.business;
    const errors = errorsOf(doc);
    expect(errors.find((error) => error.path === 'pages.0.sections.1.type')?.message).toContain('섹션 종류(type)는 hero, about');
    expect(errors).toContainEqual({ path: 'business', message: 'business: 사업자 정보가 없습니다. 입력해 주세요.' });
  });

  it('rejects a document that is not an object at all', () => {
    const result = validateSiteDocument('hello');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/[가-힣]/);
  });

  it('creates every section type with valid starter content and a Korean label', () => {
    const doc = cafe();
    for (const type of sectionTypes) {
      const section = createSection(type);
      expect(section.type).toBe(type);
      expect(section.id).toMatch(new RegExp(`^${type}-[0-9a-f]{10}$`));
      expect(sectionLabels[type]).toMatch(/[가-힣]/);
      doc.pages[0]!.sections.push(section);
    }
    expect(validateSiteDocument(doc).ok).toBe(true);
  });

  it('lists the legal business details still missing before publishing', () => {
    const doc = createSiteDocument('startup', { siteName: '예약왕' });
    const missing = listMissingBusinessDetails(doc).map((error) => error.path);
    expect(missing).toEqual([
      'business.representative',
      'business.address',
      'business.phone',
      'business.email',
      'business.registrationNumber',
      'business.privacyOfficer',
    ]);
    Object.assign(doc.business, {
      representative: '김대표',
      address: '서울특별시 중구 세종대로 110',
      phone: '02-120-0000',
      email: 'hello@example.com',
      registrationNumber: '123-45-67890',
      privacyOfficer: '김대표',
    });
    expect(listMissingBusinessDetails(doc)).toEqual([]);
  });

  it('asks a shop that sells online for its mail-order registration number', () => {
    const doc = createSiteDocument('shop', { siteName: '소소한 소품' });
    expect(listMissingBusinessDetails(doc).map((error) => error.path)).toContain('business.mailOrderNumber');
    doc.business.mailOrderNumber = '2025-서울마포-0123';
    expect(listMissingBusinessDetails(doc).map((error) => error.path)).not.toContain('business.mailOrderNumber');
  });
});

describe('validating a document again, reusing its unchanged pages', () => {
  /** The same result as validateSiteDocument, byte for byte (key order included: the build cache hashes it). */
  /**
   * Also whether validation changed nothing, for the document and for each page, as comparing the
   * whole validation's result with its input tells.
   */
  function expectSameAsWhole(input: unknown, before: ValidatedBefore) {
    const reusing = validateSiteDocumentReusing(input, before);
    const whole = validateSiteDocument(input);
    const { asInput, pagesAsInput, ...validation } = reusing.ok ? reusing : { ...reusing, asInput: undefined, pagesAsInput: undefined };
    expect(JSON.stringify(validation)).toBe(JSON.stringify(whole));
    if (whole.ok) {
      const pages = (input as SiteDocument).pages;
      expect(asInput).toBe(dequal(whole.document, input));
      expect(pagesAsInput).toEqual(whole.document.pages.map((page, index) => dequal(page, pages[index])));
    }
    return reusing;
  }

  function validatedBefore(input: SiteDocument): ValidatedBefore {
    const validated = validateSiteDocumentReusing(structuredClone(input), null);
    if (!validated.ok) throw new Error('the template should be valid');
    return { input: structuredClone(input), document: validated.document, pagesAsInput: validated.pagesAsInput };
  }

  it('gives what validateSiteDocument gives, whatever was edited', () => {
    for (const template of templates) {
      const original = createSiteDocument(template.id, { siteName: '다시 검사' });
      const before = validatedBefore(original);
      const edits: ((doc: SiteDocument & Record<string, unknown>) => void)[] = [
        () => {},
        (doc) => { doc.pages[0]!.title = '한 단어'; },
        (doc) => { doc.name = '새 이름'; },
        (doc) => { doc.pages.push({ ...structuredClone(doc.pages[0]!), id: 'new-page', slug: 'new-page', sections: [] }); },
        (doc) => { doc.pages.reverse(); },
        (doc) => { if (doc.pages.length > 1) doc.pages.pop(); },
        // validation fills in defaults and drops unknown fields, on the site and on a page
        (doc) => { delete (doc as Record<string, unknown>).seo; },
        (doc) => { (doc.pages[0] as Record<string, unknown>).unknownField = 1; },
        (doc) => { delete (doc.pages[0] as Record<string, unknown>).navLabel; },
        // refused: on a changed page, across pages, on the site
        (doc) => { doc.pages[0]!.slug = 'Not A Slug'; },
        (doc) => { doc.pages.push(structuredClone(doc.pages[0]!)); },
        (doc) => { doc.name = ''; },
        (doc) => { doc.pages = []; },
      ];
      for (const edit of edits) {
        const edited = structuredClone(original) as SiteDocument & Record<string, unknown>;
        edit(edited);
        expectSameAsWhole(edited, before);
      }
    }
  });

  it('takes an unchanged page as validated before, and validates a changed one', () => {
    const original = createSiteDocument('restaurant', { siteName: '재사용' });
    const before = validatedBefore(original);
    const edited = structuredClone(original);
    edited.pages[edited.pages.length - 1]!.title = '바뀐 제목';
    const result = expectSameAsWhole(edited, before);
    if (!result.ok) throw new Error('expected the edited document to be valid');
    expect(result.document.pages[0]).toBe(before.document.pages[0]);
    expect(result.document.pages.at(-1)).not.toBe(before.document.pages.at(-1));
    // A page reused by its place only: the same page moved elsewhere is validated again.
    const moved = structuredClone(original);
    moved.pages.reverse();
    const movedResult = expectSameAsWhole(moved, before);
    if (!movedResult.ok) throw new Error('expected the reordered document to be valid');
    if (original.pages.length > 1) expect(movedResult.document.pages[0]).not.toBe(before.document.pages[0]);
  });

  it('says whether validation changed anything, also for a page validated before', () => {
    const original = createSiteDocument('cafe', { siteName: '그대로' });
    const before = validatedBefore(original);
    expect(before.pagesAsInput.every(Boolean)).toBe(true);
    const filled = structuredClone(original);
    delete (filled.pages[1] as Partial<SiteDocument['pages'][number]>).navLabel; // validation fills it in
    const withDefault = validateSiteDocumentReusing(filled, before);
    if (!withDefault.ok) throw new Error('expected a page without a navLabel to be valid');
    expect(withDefault.asInput).toBe(false);
    expect(withDefault.pagesAsInput[1]).toBe(false);
    // The same document built again: page 1 is reused, and it still was not as given.
    const again = validateSiteDocumentReusing(structuredClone(filled), {
      input: structuredClone(filled), document: withDefault.document, pagesAsInput: withDefault.pagesAsInput,
    });
    if (!again.ok) throw new Error('expected the same document to be valid again');
    expect(again.document.pages[1]).toBe(withDefault.document.pages[1]);
    expect(again.asInput).toBe(false);
    expect(expectSameAsWhole(structuredClone(original), before)).toMatchObject({ asInput: true });
  });

  it('validates whole without anything from before', () => {
    const { asInput, pagesAsInput, ...validation } = validateSiteDocumentReusing(cafe(), null) as Extract<ReusingValidation, { ok: true }>;
    expect(JSON.stringify(validation)).toBe(JSON.stringify(validateSiteDocument(cafe())));
    expect(asInput).toBe(true);
    expect(pagesAsInput.every(Boolean)).toBe(true);
    expect(validateSiteDocumentReusing({ pages: 'none' }, validatedBefore(cafe()))).toEqual(validateSiteDocument({ pages: 'none' }));
  });
});
