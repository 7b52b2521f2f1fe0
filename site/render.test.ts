import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  collectAssetIds,
  contrastRatio,
  createSiteDocument,
  renderPagePreview,
  renderSite,
  templates,
  type RenderedFile,
  type SiteAsset,
  type SiteDocument,
} from './index.ts';

const siteUrl = 'https://gol-mok.windwalker.kr';
const hostingProvider = 'WindWalker 주식회사';

function withBusiness(doc: SiteDocument): SiteDocument {
  Object.assign(doc.business, {
    representative: '김하늘',
    address: '서울특별시 마포구 와우산로 94',
    phone: '02-325-1234',
    email: 'hello@golmok.kr',
    registrationNumber: '105-87-12345',
    mailOrderNumber: '2025-서울마포-0123',
    privacyOfficer: '김하늘',
    kakaoChannelUrl: 'https://pf.kakao.com/_xabcd',
  });
  return doc;
}

function render(doc: SiteDocument, assets = new Map<string, SiteAsset>()): Map<string, string> {
  const files = renderSite(doc, { siteUrl, assets, hostingProvider });
  return new Map(files.map((file) => [file.path, file.body.toString('utf8')]));
}

function photo(id: string, fileName: string, bytes: string, width = 1200, height = 800): SiteAsset {
  const data = Buffer.from(bytes);
  return { id, fileName, contentType: 'image/jpeg', width, height, sha256: createHash('sha256').update(data).digest('hex'), data };
}

const HERO_ID = '11111111-1111-4111-8111-111111111111';
const ABOUT_ID = '22222222-2222-4222-8222-222222222222';
const GALLERY_ID = '33333333-3333-4333-8333-333333333333';

function cafeWithPhotos(): { doc: SiteDocument; assets: Map<string, SiteAsset> } {
  const doc = withBusiness(createSiteDocument('cafe', { siteName: '골목 커피' }));
  const [hero, about] = doc.pages[0]!.sections;
  if (hero?.type !== 'hero' || about?.type !== 'about') throw new Error('cafe home starts with hero and about');
  hero.image = { assetId: HERO_ID, alt: '창가 자리에서 본 매장' };
  about.image = { assetId: ABOUT_ID, alt: '원두를 볶는 로스터' };
  doc.pages[0]!.sections.push({
    id: 'photos',
    type: 'gallery',
    heading: '매장 사진',
    intro: '',
    items: [
      { image: { assetId: GALLERY_ID, alt: '라떼 아트' }, caption: '' },
      { image: { assetId: HERO_ID, alt: '창가 자리' }, caption: '같은 사진 한 번 더' },
    ],
  });
  const assets = new Map([
    [HERO_ID, photo(HERO_ID, '매장 전경 (1).JPG', 'hero-bytes')],
    [ABOUT_ID, photo(ABOUT_ID, 'roaster.jpg', 'about-bytes', 800, 1000)],
    [GALLERY_ID, photo(GALLERY_ID, '../../etc/passwd', 'gallery-bytes', 640, 640)],
  ]);
  return { doc, assets };
}

describe('renderSite', () => {
  it.each(templates.map((template) => template.id))('renders every page of the %s template with head, landmarks and the legal footer', (templateId) => {
    const doc = withBusiness(createSiteDocument(templateId, { siteName: '골목 상점' }));
    const files = render(doc);
    const pagePaths = doc.pages.map((page) => (page.slug === '' ? '/index.html' : `/${page.slug}/index.html`));
    for (const path of [...pagePaths, '/privacy/index.html', '/404.html', '/sitemap.xml', '/robots.txt', '/favicon.svg']) {
      expect(files.has(path), path).toBe(true);
    }
    for (const path of [...pagePaths, '/privacy/index.html']) {
      const page = files.get(path)!;
      expect(page.startsWith('<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">')).toBe(true);
      expect(page).toMatch(/<title>[^<]*골목 상점[^<]*<\/title>/);
      expect(page).toMatch(/<meta name="description" content="[^"]+">/);
      const canonical = path === '/index.html' ? `${siteUrl}/` : `${siteUrl}${path.replace('index.html', '')}`;
      expect(page).toContain(`<link rel="canonical" href="${canonical}">`);
      expect(page).toContain(`<meta property="og:url" content="${canonical}">`);
      expect(page).toContain('<meta property="og:title"');
      expect(page).toContain('<a class="skip" href="#main">본문 바로가기</a>');
      expect(page).toContain('<header class="site-header">');
      expect(page).toContain('<nav class="nav" aria-label="주 메뉴">');
      expect(page).toContain('<main id="main">');
      expect(page.match(/<h1[ >]/g)?.length, `${path} has one h1`).toBe(1);
      expect(page).toMatch(/<style>[^<]+<\/style>/);
      for (const nav of doc.pages) expect(page).toContain(`href="${nav.slug === '' ? '/' : `/${nav.slug}/`}"`);
      const footer = page.slice(page.indexOf('<footer'));
      for (const expected of [
        '<dt>상호</dt><dd>골목 상점</dd>',
        '<dt>대표자</dt><dd>김하늘</dd>',
        '<dt>주소</dt><dd>서울특별시 마포구 와우산로 94</dd>',
        '<dt>전화</dt><dd>02-325-1234</dd>',
        '<dt>이메일</dt><dd>hello@golmok.kr</dd>',
        '<dt>사업자등록번호</dt><dd>105-87-12345</dd>',
        '<dt>통신판매업 신고번호</dt><dd>2025-서울마포-0123</dd>',
        '<dt>개인정보 보호책임자</dt><dd>김하늘</dd>',
        '<dt>호스팅 제공자</dt><dd>WindWalker 주식회사</dd>',
        'href="/privacy/"',
        'href="https://www.ftc.go.kr/bizCommPop.do?wrkr_no=1058712345" target="_blank" rel="noopener noreferrer"',
      ]) {
        expect(footer, `${path}: ${expected}`).toContain(expected);
      }
    }
    const sitemap = files.get('/sitemap.xml')!;
    for (const page of doc.pages) expect(sitemap).toContain(`<loc>${siteUrl}${page.slug === '' ? '/' : `/${page.slug}/`}</loc>`);
    expect(sitemap).toContain(`<loc>${siteUrl}/privacy/</loc>`);
    expect(files.get('/robots.txt')).toBe(`User-agent: *\nAllow: /\n\nSitemap: ${siteUrl}/sitemap.xml\n`);
    expect(files.get('/404.html')).toContain('<meta name="robots" content="noindex">');
  });

  it.each(templates.map((template) => template.id))('keeps the %s home page under 30 KB with its CSS inline', (templateId) => {
    const home = render(withBusiness(createSiteDocument(templateId, { siteName: '골목 상점' }))).get('/index.html')!;
    expect(Buffer.byteLength(home)).toBeLessThan(30 * 1024);
    expect(home).not.toContain('<link rel="stylesheet"');
    expect(home).not.toMatch(/<script(?! type="application\/ld\+json")/);
  });

  it('describes the business as LocalBusiness structured data on the home page', () => {
    const doc = withBusiness(createSiteDocument('cafe', { siteName: '골목 커피' }));
    const home = render(doc).get('/index.html')!;
    const json = /<script type="application\/ld\+json">(.*?)<\/script>/.exec(home)?.[1];
    const data = JSON.parse(json!);
    expect(data).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'CafeOrCoffeeShop',
      name: '골목 커피',
      telephone: '02-325-1234',
      url: `${siteUrl}/`,
      address: { '@type': 'PostalAddress', streetAddress: '서울특별시 마포구 와우산로 94', addressCountry: 'KR' },
    });
    expect(data.openingHoursSpecification).toContainEqual({ '@type': 'OpeningHoursSpecification', dayOfWeek: 'Saturday', opens: '10:00', closes: '21:00' });
  });

  it('writes the verification codes the owner entered', () => {
    const doc = createSiteDocument('shop', { siteName: '소소한 소품' });
    doc.seo.naverVerification = 'a1b2c3d4e5';
    doc.seo.googleVerification = 'Zx_9-abc';
    const home = render(doc).get('/index.html')!;
    expect(home).toContain('<meta name="naver-site-verification" content="a1b2c3d4e5">');
    expect(home).toContain('<meta name="google-site-verification" content="Zx_9-abc">');
  });

  it('shows prices as won with thousands separators', () => {
    const menu = render(createSiteDocument('cafe', { siteName: '골목 커피' })).get('/menu/index.html')!;
    expect(menu).toContain('<span class="mi-price">4,500원</span>');
    expect(menu).toContain('<span class="mi-price">13,000원</span>');
  });

  it('links the location to Naver Map and Kakao Map without loading their scripts', () => {
    const doc = withBusiness(createSiteDocument('cafe', { siteName: '골목 커피' }));
    const visit = render(doc).get('/visit/index.html')!;
    const encoded = encodeURIComponent('서울특별시 마포구 와우산로 94');
    expect(visit).toContain(`href="https://map.naver.com/p/search/${encoded}"`);
    expect(visit).toContain(`href="https://map.kakao.com/?q=${encoded}"`);
    expect(visit).not.toContain('<iframe');
  });

  it('renders call and KakaoTalk buttons from the business details', () => {
    const home = render(withBusiness(createSiteDocument('salon', { siteName: '머리하는 날' }))).get('/index.html')!;
    expect(home).toContain('href="tel:023251234"');
    expect(home).toContain('class="btn kakao" href="https://pf.kakao.com/_xabcd"');
  });

  it('renders the contact form with honeypot, privacy notice and an unticked required consent box', () => {
    const doc = withBusiness(createSiteDocument('academy', { siteName: '생각하는 수학' }));
    const consult = render(doc).get('/consult/index.html')!;
    expect(consult).toContain('<form class="form" method="post" action="/__forms/consult-form">');
    expect(consult).toContain('<input type="hidden" name="page" value="consult">');
    expect(consult).toMatch(/<div class="hp" aria-hidden="true"><label for="consult-form-website">[^<]+<\/label><input type="text" id="consult-form-website" name="website" tabindex="-1" autocomplete="off"><\/div>/);
    for (const field of ['name', 'phone', 'message']) {
      expect(consult).toContain(`<label for="consult-form-${field}">`);
      expect(consult).toContain(`id="consult-form-${field}" name="${field}" required`);
    }
    expect(consult).toContain('<dt>수집 목적</dt><dd>학습 상담 및 진단 평가 일정 안내</dd>');
    expect(consult).toContain('<dt>수집 항목</dt><dd>이름, 연락처, 문의 내용</dd>');
    expect(consult).toContain('<dt>보유 기간</dt><dd>수집일로부터 6개월');
    expect(consult).toContain('동의하지 않을 권리가 있으며');
    const consent = /<input type="checkbox"[^>]*>/.exec(consult)?.[0] ?? '';
    expect(consent).toContain('name="consent"');
    expect(consent).toContain(' required');
    expect(consent).not.toContain('checked');
  });

  it('writes a privacy policy from what the site collects', () => {
    const withForm = render(withBusiness(createSiteDocument('academy', { siteName: '생각하는 수학' }))).get('/privacy/index.html')!;
    expect(withForm).toContain('<h1>개인정보처리방침</h1>');
    expect(withForm).toContain('<td>학습 상담 및 진단 평가 일정 안내</td><td>이름, 연락처, 문의 내용 (필수)</td><td>수집일로부터 6개월</td>');
    expect(withForm).toContain('WindWalker 주식회사에 위탁');
    expect(withForm).toContain('성명: 김하늘');
    const withoutForm = render(withBusiness(createSiteDocument('clinic', { siteName: '하늘내과의원' }))).get('/privacy/index.html')!;
    expect(withoutForm).toContain('하늘내과의원은 이 사이트에서 이용자의 개인정보를 수집하지 않습니다.');
    expect(withoutForm).not.toContain('수집 항목');
  });

  it('publishes referenced images under content-addressed names with dimensions and lazy loading', () => {
    const { doc, assets } = cafeWithPhotos();
    expect(collectAssetIds(doc)).toEqual([HERO_ID, ABOUT_ID, GALLERY_ID].sort());
    const files = renderSite(doc, { siteUrl, assets, hostingProvider });
    const assetFiles = files.filter((file) => file.path.startsWith('/assets/'));
    const hero = assets.get(HERO_ID)!;
    const gallery = assets.get(GALLERY_ID)!;
    expect(assetFiles.map((file) => file.path).sort()).toEqual(
      [`/assets/${hero.sha256.slice(0, 16)}-1.jpg`, `/assets/${assets.get(ABOUT_ID)!.sha256.slice(0, 16)}-roaster.jpg`, `/assets/${gallery.sha256.slice(0, 16)}-passwd.jpg`].sort(),
    );
    expect(assetFiles.find((file) => file.path.endsWith('-1.jpg'))?.body.equals(hero.data)).toBe(true);
    const home = files.find((file) => file.path === '/index.html')!.body.toString();
    const images = home.match(/<img [^>]*>/g) ?? [];
    expect(images).toHaveLength(4);
    expect(images[0]).toContain(`src="/assets/${hero.sha256.slice(0, 16)}-1.jpg" width="1200" height="800" alt="창가 자리에서 본 매장" fetchpriority="high" decoding="async"`);
    for (const image of images.slice(1)) {
      expect(image).toContain('loading="lazy"');
      expect(image).toContain('decoding="async"');
      expect(image).toMatch(/ width="\d+" height="\d+" alt="[^"]+"/);
    }
    expect(home).toContain(`<meta property="og:image" content="${siteUrl}/assets/${hero.sha256.slice(0, 16)}-1.jpg">`);
  });

  it('fails loudly when an image file is missing from the assets', () => {
    const { doc } = cafeWithPhotos();
    expect(() => renderSite(doc, { siteUrl, assets: new Map(), hostingProvider })).toThrow(/이미지 파일\(11111111-1111-4111-8111-111111111111\)을 찾을 수 없습니다/);
  });

  it('refuses to publish an SVG or non-image asset, which could run script on the site', () => {
    const { doc, assets } = cafeWithPhotos();
    assets.set(HERO_ID, { ...assets.get(HERO_ID)!, fileName: 'logo.svg', contentType: 'image/svg+xml' });
    expect(() => renderSite(doc, { siteUrl, assets, hostingProvider })).toThrow('이미지 파일(logo.svg)의 형식(image/svg+xml)은 게시할 수 없습니다.');
  });

  it('is deterministic: the same document gives byte-identical files in path order', () => {
    const { doc, assets } = cafeWithPhotos();
    const first = renderSite(doc, { siteUrl, assets, hostingProvider });
    const second = renderSite(structuredClone(doc), { siteUrl: `${siteUrl}/`, assets: new Map([...assets].reverse()), hostingProvider });
    const digest = (files: RenderedFile[]) => files.map((file) => `${file.path} ${createHash('sha256').update(file.body).digest('hex')}`);
    expect(digest(second)).toEqual(digest(first));
    expect(first.map((file) => file.path)).toEqual([...first.map((file) => file.path)].sort());
  });

  it('refuses a page slug that would write outside its folder', () => {
    const doc = createSiteDocument('cafe', { siteName: '골목 커피' });
    doc.pages[1]!.slug = '../../etc';
    expect(() => renderSite(doc, { siteUrl, assets: new Map(), hostingProvider })).toThrow(/invalid slug/);
  });
});

describe('colour contrast', () => {
  function cssVariable(page: string, name: string): string {
    return new RegExp(`--${name}:(#[0-9a-f]{6})`).exec(page)?.[1] ?? '';
  }

  it('puts dark text on a light brand colour and white text on a dark one', () => {
    const doc = createSiteDocument('startup', { siteName: '노랑' });
    doc.theme.primary = '#ffe14d';
    let home = render(doc).get('/index.html')!;
    expect(cssVariable(home, 'on-primary')).toBe('#111111');
    doc.theme.primary = '#1a237e';
    home = render(doc).get('/index.html')!;
    expect(cssVariable(home, 'on-primary')).toBe('#ffffff');
  });

  it('replaces body text that would be unreadable on the background and keeps links AA', () => {
    const doc = createSiteDocument('cafe', { siteName: '연한 글씨' });
    doc.theme.background = '#ffffff';
    doc.theme.text = '#dddddd';
    doc.theme.primary = '#ffd54f';
    const home = render(doc).get('/index.html')!;
    const text = cssVariable(home, 'text');
    expect(contrastRatio(text, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(cssVariable(home, 'brand'), cssVariable(home, 'surface'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(cssVariable(home, 'muted'), cssVariable(home, 'surface'))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(templates.map((template) => template.id))('meets AA for every text colour pair in the %s theme', (templateId) => {
    const home = render(createSiteDocument(templateId, { siteName: '가게' })).get('/index.html')!;
    const v = (name: string) => cssVariable(home, name);
    expect(contrastRatio(v('text'), v('bg'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('text'), v('surface'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('muted'), v('surface'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('muted'), v('bg'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('brand'), v('bg'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('on-primary'), v('primary'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('on-primary'), v('hero-end'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(v('on-accent'), v('accent'))).toBeGreaterThanOrEqual(4.5);
  });
});

describe('renderPagePreview', () => {
  it('renders the same page with editor image URLs and ?page= links, and a form that posts nowhere', () => {
    const { doc } = cafeWithPhotos();
    doc.pages[2]!.sections.push({
      id: 'ask',
      type: 'contact',
      heading: '문의',
      intro: '',
      purpose: '문의 답변',
      retentionMonths: 3,
      submitLabel: '보내기',
      successMessage: '접수되었습니다.',
    });
    const preview = renderPagePreview(doc, '', { siteUrl, hostingProvider, assetUrl: (id) => `/sites/abc/assets/${id}` });
    expect(preview.startsWith('<!doctype html><html lang="ko">')).toBe(true);
    expect(preview).toContain(`src="/sites/abc/assets/${HERO_ID}"`);
    expect(preview).toContain('href="?page=menu" data-page="menu"');
    expect(preview).toContain('href="?page=privacy" data-page="privacy"');
    expect(preview).toContain('<a class="btn" href="?page=menu" data-page="menu">메뉴 보기</a>');
    expect(preview).not.toMatch(/href="\/(menu|visit)\/"/);
    const visit = renderPagePreview(doc, 'visit', { siteUrl, hostingProvider, assetUrl: (id) => `/sites/abc/assets/${id}` });
    expect(visit).toContain('<form class="form" method="post" action="#">');
    expect(visit).toContain('aria-current="page">오시는 길</a>');
    expect(renderPagePreview(doc, 'privacy', { siteUrl, hostingProvider, assetUrl: () => '' })).toContain('<h1>개인정보처리방침</h1>');
    expect(renderPagePreview(doc, 'nope', { siteUrl, hostingProvider, assetUrl: () => '' })).toContain('페이지를 찾을 수 없습니다');
  });

  it('shows the editor where an empty gallery will appear, and leaves it out of the published site', () => {
    const doc = createSiteDocument('portfolio', { siteName: '스튜디오 담' });
    const preview = renderPagePreview(doc, 'work', { siteUrl, hostingProvider, assetUrl: () => '' });
    expect(preview).toContain('사진을 추가하면 여기에 보입니다.');
    expect(render(doc).get('/work/index.html')).not.toContain('id="gallery"');
  });
});
