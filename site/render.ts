import { formatWon, withParticle } from './korean.ts';
import { SafeHtml, escapeXml, html, jsonForScript, paragraphs } from './html.ts';
import {
  weekdayLabels,
  weekdays,
  type BusinessDetails,
  type SectionOf,
  type Section,
  type SiteDocument,
  type SiteImage,
  type SitePage,
} from './schema.ts';
import { siteInputHashes, type PageHashes, type Sha256Hex } from './render-inputs.ts';
import { pageCss, paletteFor } from './styles.ts';
import { ftcBusinessInfoUrl, kakaoMapUrl, naverMapUrl, safeImageUrl, safeLinkUrl, telUrl } from './url.ts';

/**
 * The static renderer: a validated site document in, files out. Pure — no clock, no
 * randomness, no I/O — so the same document always gives byte-identical files, and the
 * editor preview, the build worker and the tests all render the same way.
 */

export interface SiteAsset {
  id: string;
  fileName: string;
  contentType: string;
  width: number | null;
  height: number | null;
  sha256: string;
  data: Buffer;
  /** Resized copies made at upload (e.g. 480/960/1600 wide in AVIF, WebP and JPEG/PNG). */
  variants?: SiteAssetVariant[];
}

export interface SiteAssetVariant {
  width: number;
  height: number;
  contentType: string;
  fileName: string;
  sha256: string;
  data: Buffer;
}

export interface RenderedFile {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface RenderSiteOptions {
  siteUrl: string;
  assets: Map<string, SiteAsset>;
  hostingProvider: string;
  /** How planSiteRender hashes inputs; default pure JavaScript (browser-safe), the build worker passes node:crypto's. */
  sha256Hex?: Sha256Hex;
  /** Page hashes made before (render-inputs.ts RenderInputsOptions.pageHashes). */
  pageHashes?: PageHashes;
}

export interface RenderPreviewOptions {
  siteUrl: string;
  assetUrl: (assetId: string) => string;
  hostingProvider: string;
}

/** The fields every contact form posts, for whoever stores submissions. */
export const contactFormFields = {
  name: { label: '이름', maxLength: 50, required: true },
  phone: { label: '연락처', maxLength: 20, required: true },
  message: { label: '문의 내용', maxLength: 2000, required: true },
} as const;
/** Bots fill this hidden field; a submission with a value in it is spam. */
export const contactFormHoneypotField = 'website';
/** The unticked consent checkbox; a submission without `consent=yes` must be refused. */
export const contactFormConsentField = 'consent';
/** Where a contact section's form posts, relative to the site root. */
export function contactFormAction(sectionId: string): string {
  return `/__forms/${encodeURIComponent(sectionId)}`;
}

export const PRIVACY_SLUG = 'privacy';

const PUBLISHABLE_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif']);

interface ResolvedImage {
  src: string;
  width: number;
  height: number;
  /** modern formats for <picture> (best first) and the fallback's own srcset */
  sources?: { type: string; srcset: string }[];
  srcset?: string;
}

/** Formats a browser picks from <source> in this order; the fallback <img> is the original's kind. */
const MODERN_IMAGE_TYPES = ['image/avif', 'image/webp'];

function variantPath(asset: SiteAsset, variant: SiteAssetVariant): string {
  return assetPath({ ...asset, fileName: variant.fileName, contentType: variant.contentType, sha256: variant.sha256, variants: undefined });
}

/** An asset's publishable variants, narrowest first (same width: by content type). */
function sortedVariants(asset: SiteAsset): SiteAssetVariant[] {
  return [...(asset.variants ?? [])]
    .filter((variant) => PUBLISHABLE_IMAGE_TYPES.has(variant.contentType) && variant.width > 0)
    .sort((a, b) => a.width - b.width || (a.contentType < b.contentType ? -1 : 1));
}

/**
 * The <picture> parts of an uploaded image with variants: one srcset per modern format and the
 * fallback's srcset (the largest fallback variant is its src), widths ascending. Deterministic:
 * the order depends only on the variants themselves.
 */
function pictureSources(asset: SiteAsset): Partial<Pick<ResolvedImage, 'sources' | 'srcset' | 'src'>> | null {
  const variants = sortedVariants(asset);
  if (variants.length === 0) return null;
  const srcsetOf = (type: string) =>
    variants
      .filter((variant) => variant.contentType === type)
      .map((variant) => `${variantPath(asset, variant)} ${variant.width}w`)
      .join(', ');
  const sources = MODERN_IMAGE_TYPES.map((type) => ({ type, srcset: srcsetOf(type) })).filter((source) => source.srcset !== '');
  const fallback = variants.filter((variant) => !MODERN_IMAGE_TYPES.includes(variant.contentType));
  if (fallback.length === 0) return { sources };
  const largest = fallback[fallback.length - 1];
  return { sources, srcset: srcsetOf(largest.contentType), src: variantPath(asset, largest) };
}

interface RenderContext {
  doc: SiteDocument;
  siteUrl: string;
  hostingProvider: string;
  preview: boolean;
  pageHref: (slug: string) => string;
  resolveImage: (image: SiteImage, fallbackSize: [number, number]) => ResolvedImage | null;
  /** absolute URL for Open Graph */
  absoluteImage: (image: SiteImage) => string | null;
  /** set once the first image on a page has been rendered (that one loads eagerly) */
  eagerImageUsed: boolean;
  headingUsed: boolean;
}

// ---------------------------------------------------------------------------
// assets

function assetFileName(asset: SiteAsset): string {
  const extensionFromType: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
    'image/avif': 'avif',
    'image/gif': 'gif',
    'image/svg+xml': 'svg',
  };
  const lower = (asset.fileName.toLowerCase().split(/[\\/]/).pop() ?? '').normalize('NFC');
  const dot = lower.lastIndexOf('.');
  const stem = (dot > 0 ? lower.slice(0, dot) : lower)
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48);
  const ownExtension = dot > 0 ? lower.slice(dot + 1).replace(/[^a-z0-9]/g, '') : '';
  const extension = extensionFromType[asset.contentType] ?? (ownExtension || 'bin');
  return `${stem || 'image'}.${extension}`;
}

export function assetPath(asset: SiteAsset): string {
  if (!/^[0-9a-f]{16,}$/i.test(asset.sha256)) {
    throw new Error(`Asset ${asset.id} has no valid sha256 (got ${JSON.stringify(asset.sha256)})`);
  }
  return `/assets/${asset.sha256.slice(0, 16).toLowerCase()}-${assetFileName(asset)}`;
}

/** Asset ids referenced by any image in the document (logo, Open Graph images, sections). */
export function collectAssetIds(doc: SiteDocument): string[] {
  const ids = new Set<string>();
  const add = (image: SiteImage | undefined) => {
    if (image && 'assetId' in image) ids.add(image.assetId);
  };
  add(doc.logo);
  add(doc.seo.ogImage);
  for (const page of doc.pages) {
    add(page.ogImage);
    for (const section of page.sections) {
      if (section.type === 'hero' || section.type === 'about') add(section.image);
      if (section.type === 'gallery') section.items.forEach((item) => add(item.image));
    }
  }
  return [...ids].sort();
}

// ---------------------------------------------------------------------------
// small pieces

function img(ctx: RenderContext, image: SiteImage | undefined, fallbackSize: [number, number], className = '', sizes = '100vw'): SafeHtml {
  if (!image) return html``;
  const resolved = ctx.resolveImage(image, fallbackSize);
  if (!resolved) return html``;
  const eager = !ctx.eagerImageUsed;
  ctx.eagerImageUsed = true;
  const tag = html`<img${className ? html` class="${className}"` : ''} src="${resolved.src}"${
    resolved.srcset ? html` srcset="${resolved.srcset}" sizes="${sizes}"` : ''
  } width="${resolved.width}" height="${resolved.height}" alt="${image.alt}"${eager ? html` fetchpriority="high"` : html` loading="lazy"`} decoding="async">`;
  if (!resolved.sources?.length) return tag;
  return html`<picture>${resolved.sources.map((source) => html`<source type="${source.type}" srcset="${source.srcset}" sizes="${sizes}">`)}${tag}</picture>`;
}

/** An owner link: internal paths become page links (or `?page=` in the preview), others pass the allow-list. */
function ownerHref(ctx: RenderContext, raw: string): string | null {
  const safe = safeLinkUrl(raw);
  if (!safe) return null;
  if (safe.startsWith('/') && ctx.preview) {
    const slug = safe.replace(/^\/+|\/+$/g, '').split(/[/?#]/)[0] ?? '';
    return ctx.doc.pages.some((page) => page.slug === slug) || slug === PRIVACY_SLUG ? ctx.pageHref(slug) : '#';
  }
  return safe;
}

function isExternal(href: string): boolean {
  return /^https?:/i.test(href);
}

function linkAttrs(href: string): SafeHtml {
  return isExternal(href) ? html` href="${href}" target="_blank" rel="noopener noreferrer"` : html` href="${href}"`;
}

/**
 * In the editor's preview only: marks owner text the builder lets the owner edit in place, with
 * the field's path inside its section (e.g. `heading`, `items.2.title`). Published pages never
 * carry it.
 */
function editable(ctx: RenderContext, path: string): SafeHtml {
  return ctx.preview ? html` data-edit="${path}"` : html``;
}

/** <h1> or <h2> with an escaped id and text; the tag name is never owner input. */
function headingElement(tag: 'h1' | 'h2', id: string, text: string, extra: SafeHtml = html``): SafeHtml {
  const open = tag === 'h1' ? html`<h1 id="${id}"${extra}>` : html`<h2 id="${id}"${extra}>`;
  return html`${open}${text}${new SafeHtml(tag === 'h1' ? '</h1>' : '</h2>')}`;
}

function sectionHeading(ctx: RenderContext, section: Section, heading: string): SafeHtml {
  const tag = ctx.headingUsed ? 'h2' : 'h1';
  ctx.headingUsed = true;
  return html`<span class="eyebrow" aria-hidden="true"></span>${headingElement(tag, `${section.id}-title`, heading, editable(ctx, 'heading'))}`;
}

function timeRange(open: string, close: string): string {
  return `${open} – ${close}`;
}

// ---------------------------------------------------------------------------
// sections

function renderHero(ctx: RenderContext, section: SectionOf<'hero'>): SafeHtml {
  const image = section.image ? img(ctx, section.image, [1600, 900], 'hero-bg') : html``;
  const hasImage = image.value !== '';
  const href = section.button ? ownerHref(ctx, section.button.href) : null;
  const headingTag = ctx.headingUsed ? 'h2' : 'h1';
  ctx.headingUsed = true;
  return html`<section class="hero${hasImage ? ' img' : ''}" id="${section.id}" aria-labelledby="${section.id}-title">${image}<div class="wrap">${headingElement(headingTag, `${section.id}-title`, section.heading, editable(ctx, 'heading'))}${section.subheading ? html`<p${editable(ctx, 'subheading')}>${section.subheading}</p>` : ''}${
    section.button && href ? html`<div class="btns"><a class="btn"${linkAttrs(href)}>${section.button.label}</a></div>` : ''
  }</div></section>`;
}

function renderAbout(ctx: RenderContext, section: SectionOf<'about'>): SafeHtml {
  const image = img(ctx, section.image, [1200, 900], '', '(min-width: 768px) 50vw, 100vw');
  return html`<div class="about${image.value ? ' has-img' : ''}"><div>${sectionHeading(ctx, section, section.heading)}<div class="body"${editable(ctx, 'body')}>${paragraphs(
    section.body,
  )}</div></div>${image}</div>`;
}

function renderMenu(ctx: RenderContext, section: SectionOf<'menu'>): SafeHtml {
  return html`${sectionHeading(ctx, section, section.heading)}${section.intro ? html`<p class="lead"${editable(ctx, 'intro')}>${section.intro}</p>` : ''}<div class="menu-cats${section.categories.length === 1 ? ' one' : ''}">${section.categories.map(
    (category, c) =>
      html`<div><h3${editable(ctx, `categories.${c}.name`)}>${category.name}</h3><ul class="menu-list">${category.items.map(
        (item, i) =>
          html`<li><div class="mi"><span class="mi-name"${editable(ctx, `categories.${c}.items.${i}.name`)}>${item.name}</span>${item.badge ? html`<span class="badge">${item.badge}</span>` : ''}<span class="mi-fill"></span><span class="mi-price">${formatWon(
            item.price,
          )}</span></div>${item.description ? html`<p class="mi-desc"${editable(ctx, `categories.${c}.items.${i}.description`)}>${item.description}</p>` : ''}</li>`,
      )}</ul></div>`,
  )}</div>${section.note ? html`<p class="note"${editable(ctx, 'note')}>${section.note}</p>` : ''}`;
}

function renderServices(ctx: RenderContext, section: SectionOf<'services'>): SafeHtml {
  return html`${sectionHeading(ctx, section, section.heading)}${section.intro ? html`<p class="lead"${editable(ctx, 'intro')}>${section.intro}</p>` : ''}<ul class="cards">${section.items.map(
    (item, i) =>
      html`<li class="card"><h3${editable(ctx, `items.${i}.title`)}>${item.title}</h3>${item.description ? html`<p${editable(ctx, `items.${i}.description`)}>${item.description}</p>` : ''}${
        item.price !== null && item.price !== undefined
          ? html`<span class="price">${formatWon(item.price)}${item.priceNote ? html` <small>${item.priceNote}</small>` : ''}</span>`
          : item.priceNote
            ? html`<span class="price">${item.priceNote}</span>`
            : ''
      }</li>`,
  )}</ul>`;
}

function renderGallery(ctx: RenderContext, section: SectionOf<'gallery'>): SafeHtml | null {
  if (section.items.length === 0 && !ctx.preview) return null;
  return html`${sectionHeading(ctx, section, section.heading)}${section.intro ? html`<p class="lead"${editable(ctx, 'intro')}>${section.intro}</p>` : ''}${
    section.items.length === 0
      ? html`<p class="empty">사진을 추가하면 여기에 보입니다.</p>`
      : html`<ul class="gallery">${section.items.map(
          (item, i) =>
            html`<li><figure>${img(ctx, item.image, [800, 800], '', '(min-width: 768px) 33vw, 100vw')}${item.caption ? html`<figcaption${editable(ctx, `items.${i}.caption`)}>${item.caption}</figcaption>` : ''}</figure></li>`,
        )}</ul>`
  }`;
}

function renderHours(ctx: RenderContext, section: SectionOf<'hours'>): SafeHtml {
  const rows = section.weekly.map((day) => {
    const label = weekdayLabels[day.day];
    if (day.closed) return html`<tr class="off"><th scope="row">${label}</th><td>휴무</td></tr>`;
    return html`<tr><th scope="row">${label}</th><td>${timeRange(day.open, day.close)}${
      day.breakStart ? html`<small>쉬는 시간 ${timeRange(day.breakStart, day.breakEnd)}</small>` : ''
    }</td></tr>`;
  });
  const hasAside = section.holidays.length > 0 || section.note;
  return html`${sectionHeading(ctx, section, section.heading)}<div class="hours"><table><caption class="sr-only">요일별 영업시간</caption><tbody>${rows}</tbody></table>${
    hasAside
      ? html`<div class="holidays"><h3>휴무 안내</h3>${section.note ? html`<p${editable(ctx, 'note')}>${section.note}</p>` : ''}${
          section.holidays.length
            ? html`<ul>${section.holidays.map((holiday) => html`<li><time datetime="${holiday.date}">${holiday.date}</time>${holiday.label ? ` ${holiday.label}` : ''}</li>`)}</ul>`
            : ''
        }</div>`
      : ''
  }</div>`;
}

function renderLocation(ctx: RenderContext, section: SectionOf<'location'>): SafeHtml {
  const address = section.address || ctx.doc.business.address;
  const details: SafeHtml[] = [];
  if (section.directions) details.push(html`<dt>찾아오는 길</dt><dd>${paragraphs(section.directions)}</dd>`);
  if (section.parking) details.push(html`<dt>주차</dt><dd>${section.parking}</dd>`);
  if (ctx.doc.business.phone) details.push(html`<dt>전화</dt><dd>${ctx.doc.business.phone}</dd>`);
  return html`${sectionHeading(ctx, section, section.heading)}<div class="loc"><div>${
    address
      ? html`<p class="addr">${address}${section.addressDetail ? ` ${section.addressDetail}` : ''}</p><div class="btns"><a class="btn map"${linkAttrs(
          naverMapUrl(address),
        )}>네이버 지도<span class="sr-only"> (새 창)</span></a><a class="btn map"${linkAttrs(kakaoMapUrl(address))}>카카오맵<span class="sr-only"> (새 창)</span></a></div>`
      : ctx.preview
        ? html`<p class="empty">사업자 정보에 주소를 입력하면 지도 바로가기가 생깁니다.</p>`
        : ''
  }</div>${details.length ? html`<dl>${details}</dl>` : ''}</div>`;
}

function renderReviews(ctx: RenderContext, section: SectionOf<'reviews'>): SafeHtml {
  return html`${sectionHeading(ctx, section, section.heading)}<ul class="cards">${section.items.map(
    (item, i) =>
      html`<li><figure class="card">${
        item.rating ? html`<div class="stars" role="img" aria-label="별점 5점 만점에 ${item.rating}점">${'★'.repeat(item.rating)}${'☆'.repeat(5 - item.rating)}</div>` : ''
      }<blockquote${editable(ctx, `items.${i}.body`)}>${paragraphs(item.body)}</blockquote><figcaption>${item.author}${item.source ? html` <span>· ${item.source}</span>` : ''}</figcaption></figure></li>`,
  )}</ul>`;
}

function renderContact(ctx: RenderContext, section: SectionOf<'contact'>, page: SitePage): SafeHtml {
  const id = section.id;
  const action = ctx.preview ? '#' : contactFormAction(id);
  const items = Object.values(contactFormFields)
    .map((field) => field.label)
    .join(', ');
  return html`${sectionHeading(ctx, section, section.heading)}${section.intro ? html`<p class="lead"${editable(ctx, 'intro')}>${section.intro}</p>` : ''}<form class="form" method="post" action="${action}"><input type="hidden" name="page" value="${page.slug}"><div class="hp" aria-hidden="true"><label for="${id}-website">이 칸은 비워 두세요</label><input type="text" id="${id}-website" name="${contactFormHoneypotField}" tabindex="-1" autocomplete="off"></div><div><label for="${id}-name">이름 <span class="req">(필수)</span></label><input type="text" id="${id}-name" name="name" required maxlength="${contactFormFields.name.maxLength}" autocomplete="name"></div><div><label for="${id}-phone">연락처 <span class="req">(필수)</span></label><input type="tel" id="${id}-phone" name="phone" required maxlength="${contactFormFields.phone.maxLength}" autocomplete="tel" inputmode="tel"></div><div><label for="${id}-message">문의 내용 <span class="req">(필수)</span></label><textarea id="${id}-message" name="message" required maxlength="${contactFormFields.message.maxLength}" rows="5"></textarea></div><div class="notice" id="${id}-notice"><h3>개인정보 수집·이용 안내</h3><dl><dt>수집 목적</dt><dd>${section.purpose}</dd><dt>수집 항목</dt><dd>${items}</dd><dt>보유 기간</dt><dd>수집일로부터 ${section.retentionMonths}개월 (기간이 끝나면 지체 없이 파기)</dd></dl><p>개인정보 수집·이용에 동의하지 않을 권리가 있으며, 동의하지 않으시면 문의를 접수할 수 없습니다. 자세한 내용은 <a href="${ctx.pageHref(
    PRIVACY_SLUG,
  )}">개인정보처리방침</a>을 확인해 주세요.</p></div><label class="consent" for="${id}-consent"><input type="checkbox" id="${id}-consent" name="${contactFormConsentField}" value="yes" required aria-describedby="${id}-notice"><span>위 개인정보 수집·이용에 동의합니다. <span class="req">(필수)</span></span></label><div><button class="btn" type="submit">${section.submitLabel}</button></div></form>`;
}

function renderCta(ctx: RenderContext, section: SectionOf<'cta'>): SafeHtml {
  const phone = section.phone || ctx.doc.business.phone;
  const tel = phone ? telUrl(phone) : null;
  const kakao = safeLinkUrl(section.kakaoChannelUrl || ctx.doc.business.kakaoChannelUrl);
  return html`<div class="cta"><h2 id="${section.id}-title"${editable(ctx, 'heading')}>${section.heading}</h2>${section.body ? html`<p${editable(ctx, 'body')}>${section.body}</p>` : ''}${
    tel || kakao
      ? html`<div class="btns">${tel ? html`<a class="btn" href="${tel}">${section.callLabel}<span class="sr-only"> ${phone}</span></a>` : ''}${
          kakao ? html`<a class="btn kakao"${linkAttrs(kakao)}>${section.kakaoLabel}<span class="sr-only"> (새 창)</span></a>` : ''
        }</div>`
      : ctx.preview
        ? html`<p>사업자 정보에 전화번호나 카카오톡 채널 주소를 넣으면 버튼이 생깁니다.</p>`
        : ''
  }</div>`;
}

function renderFaq(ctx: RenderContext, section: SectionOf<'faq'>): SafeHtml {
  return html`${sectionHeading(ctx, section, section.heading)}<div class="faq">${section.items.map(
    (item, i) => html`<details><summary>${item.question}</summary><div class="answer"${editable(ctx, `items.${i}.answer`)}>${paragraphs(item.answer)}</div></details>`,
  )}</div>`;
}

function renderSection(ctx: RenderContext, section: Section, page: SitePage, alt: boolean): SafeHtml {
  if (section.type === 'hero') return renderHero(ctx, section);
  let inner: SafeHtml | null;
  switch (section.type) {
    case 'about':
      inner = renderAbout(ctx, section);
      break;
    case 'menu':
      inner = renderMenu(ctx, section);
      break;
    case 'services':
      inner = renderServices(ctx, section);
      break;
    case 'gallery':
      inner = renderGallery(ctx, section);
      break;
    case 'hours':
      inner = renderHours(ctx, section);
      break;
    case 'location':
      inner = renderLocation(ctx, section);
      break;
    case 'reviews':
      inner = renderReviews(ctx, section);
      break;
    case 'contact':
      inner = renderContact(ctx, section, page);
      break;
    case 'cta':
      inner = renderCta(ctx, section);
      break;
    case 'faq':
      inner = renderFaq(ctx, section);
      break;
  }
  if (!inner) return html``;
  return html`<section class="sec${alt && section.type !== 'cta' ? ' alt' : ''}" id="${section.id}" aria-labelledby="${section.id}-title"><div class="wrap">${inner}</div></section>`;
}

// ---------------------------------------------------------------------------
// page frame: head, header, footer

function pageTitle(doc: SiteDocument, page: SitePage | null, fallbackTitle: string): string {
  const suffix = doc.seo.titleSuffix ? ` - ${doc.seo.titleSuffix}` : '';
  if (page && page.slug === '') return `${page.title === doc.name ? doc.name : `${doc.name} | ${page.title}`}${suffix}`;
  return `${page ? page.title : fallbackTitle} | ${doc.name}${suffix}`;
}

function businessJsonLd(ctx: RenderContext): SafeHtml {
  const { doc } = ctx;
  const business = doc.business;
  const data: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': business.type,
    name: business.name,
    url: `${ctx.siteUrl}/`,
  };
  if (doc.seo.description) data.description = doc.seo.description;
  if (business.phone) data.telephone = business.phone;
  if (business.email) data.email = business.email;
  if (business.address) data.address = { '@type': 'PostalAddress', streetAddress: business.address, addressCountry: 'KR' };
  const image = doc.logo ?? doc.seo.ogImage;
  const imageUrl = image ? ctx.absoluteImage(image) : null;
  if (imageUrl) data.image = imageUrl;
  const hours = doc.pages.flatMap((page) => page.sections).find((section): section is SectionOf<'hours'> => section.type === 'hours');
  if (hours) {
    const dayNames: Record<string, string> = {
      mon: 'Monday',
      tue: 'Tuesday',
      wed: 'Wednesday',
      thu: 'Thursday',
      fri: 'Friday',
      sat: 'Saturday',
      sun: 'Sunday',
    };
    data.openingHoursSpecification = hours.weekly
      .filter((day) => !day.closed)
      .map((day) => ({ '@type': 'OpeningHoursSpecification', dayOfWeek: dayNames[day.day], opens: day.open, closes: day.close }));
  }
  const sameAs = [business.kakaoChannelUrl].filter(Boolean);
  if (sameAs.length) data.sameAs = sameAs;
  return html`<script type="application/ld+json">${new SafeHtml(jsonForScript(data))}</script>`;
}

function head(ctx: RenderContext, options: { title: string; description: string; path: string; css: string; ogImage: SiteImage | undefined; jsonLd: boolean; noindex?: boolean }): SafeHtml {
  const { doc } = ctx;
  const canonical = `${ctx.siteUrl}${options.path}`;
  const ogImageUrl = options.ogImage ? ctx.absoluteImage(options.ogImage) : null;
  const palette = paletteFor(doc.theme);
  const logo = doc.logo ? ctx.resolveImage(doc.logo, [64, 64]) : null;
  return html`<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${options.title}</title><meta name="description" content="${options.description}">${
    options.noindex ? html`<meta name="robots" content="noindex">` : html`<link rel="canonical" href="${canonical}">`
  }<meta property="og:type" content="website"><meta property="og:locale" content="ko_KR"><meta property="og:site_name" content="${doc.name}"><meta property="og:title" content="${options.title}"><meta property="og:description" content="${options.description}"><meta property="og:url" content="${canonical}">${
    ogImageUrl ? html`<meta property="og:image" content="${ogImageUrl}"><meta name="twitter:card" content="summary_large_image">` : html`<meta name="twitter:card" content="summary">`
  }${doc.seo.naverVerification ? html`<meta name="naver-site-verification" content="${doc.seo.naverVerification}">` : ''}${
    doc.seo.googleVerification ? html`<meta name="google-site-verification" content="${doc.seo.googleVerification}">` : ''
  }<meta name="theme-color" content="${palette.primary}">${
    logo ? html`<link rel="icon" href="${logo.src}">` : html`<link rel="icon" href="${ctx.preview ? 'data:,' : '/favicon.svg'}" type="image/svg+xml">`
  }<style>${new SafeHtml(options.css.replace(/<\//g, '<\\/'))}</style>${options.jsonLd ? businessJsonLd(ctx) : ''}</head>`;
}

function header(ctx: RenderContext, currentSlug: string | null): SafeHtml {
  const { doc } = ctx;
  const logo = doc.logo ? ctx.resolveImage(doc.logo, [72, 72]) : null;
  return html`<a class="skip" href="#main">본문 바로가기</a><header class="site-header"><div class="wrap bar"><a class="brand" href="${ctx.pageHref('')}">${
    logo ? html`<img src="${logo.src}" width="36" height="36" alt="" decoding="async">` : ''
  }<span>${doc.name}</span></a>${
    doc.pages.length > 1
      ? html`<nav class="nav" aria-label="주 메뉴"><ul>${doc.pages.map(
          (page) =>
            html`<li><a href="${ctx.pageHref(page.slug)}"${page.slug === currentSlug ? html` aria-current="page"` : ''}>${page.navLabel || page.title}</a></li>`,
        )}</ul></nav>`
      : ''
  }</div></header>`;
}

/**
 * The name the legal footer gives for whoever hosts the site (전자상거래법: 호스팅서비스 제공자).
 * The build passes the CDN provider's id; a visitor should read a company, not 'local'.
 */
const HOSTING_PROVIDER_NAMES: Record<string, string> = {
  local: 'WindWalker',
  cloudflare: 'WindWalker (Cloudflare, Inc.)',
  vercel: 'WindWalker (Vercel Inc.)',
  cloudfront: 'WindWalker (Amazon Web Services, Inc.)',
};

export function hostingProviderName(provider: string): string {
  return HOSTING_PROVIDER_NAMES[provider] ?? provider;
}

function footer(ctx: RenderContext): SafeHtml {
  const business: BusinessDetails = ctx.doc.business;
  const rows: [string, string][] = [
    ['상호', business.name],
    ['대표자', business.representative],
    ['주소', business.address],
    ['전화', business.phone],
    ['이메일', business.email],
    ['사업자등록번호', business.registrationNumber],
    ['통신판매업 신고번호', business.mailOrderNumber],
    ['개인정보 보호책임자', business.privacyOfficer],
    ['호스팅 제공자', hostingProviderName(ctx.hostingProvider)],
  ];
  const ftc = business.registrationNumber ? ftcBusinessInfoUrl(business.registrationNumber) : null;
  return html`<footer class="site-footer"><div class="wrap"><p class="f-name">${business.name}</p><dl class="legal">${rows
    .filter(([, value]) => value)
    .map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl><ul class="f-links"><li><a href="${ctx.pageHref(PRIVACY_SLUG)}">개인정보처리방침</a></li>${
    ftc ? html`<li><a${linkAttrs(ftc)}>사업자정보확인<span class="sr-only"> (공정거래위원회, 새 창)</span></a></li>` : ''
  }</ul><p>© ${business.name}. All rights reserved.</p></div></footer>`;
}

function documentHtml(headHtml: SafeHtml, body: SafeHtml): string {
  return `<!doctype html><html lang="ko">${headHtml.value}<body>${body.value}</body></html>\n`;
}

function pageDescription(doc: SiteDocument, page: SitePage): string {
  if (page.description) return page.description;
  if (doc.seo.description) return doc.seo.description;
  const hero = page.sections.find((section): section is SectionOf<'hero'> => section.type === 'hero');
  if (hero?.subheading) return hero.subheading.slice(0, 160);
  return `${doc.name} - ${page.title}`.slice(0, 160);
}

function firstHeroImage(page: SitePage): SiteImage | undefined {
  for (const section of page.sections) {
    if (section.type === 'hero' && section.image) return section.image;
  }
  return undefined;
}

function pagePath(slug: string): string {
  return slug === '' ? '/' : `/${slug}/`;
}

function renderPageHtml(ctx: RenderContext, page: SitePage): string {
  ctx.eagerImageUsed = false;
  ctx.headingUsed = false;
  const startsWithHero = page.sections[0]?.type === 'hero';
  const sectionsHtml: SafeHtml[] = [];
  let titleBand = html``;
  // A page that does not open with a hero gets a title band with the <h1>, unless its first
  // section already says the same thing, in which case that section's heading becomes the <h1>.
  const first = page.sections[0];
  const firstRepeatsTitle = first !== undefined && first.type !== 'cta' && first.heading === page.title;
  if (!startsWithHero && !firstRepeatsTitle) {
    ctx.headingUsed = true;
    titleBand = html`<div class="page-title"><div class="wrap"><h1>${page.title}</h1>${page.description ? html`<p>${page.description}</p>` : ''}</div></div>`;
  }
  let alt = false;
  for (const section of page.sections) {
    sectionsHtml.push(renderSection(ctx, section, page, alt));
    if (section.type !== 'hero') alt = !alt;
  }
  const css = pageCss(
    ctx.doc.theme,
    page.sections.map((section) => section.type),
  );
  const headHtml = head(ctx, {
    title: pageTitle(ctx.doc, page, page.title),
    description: pageDescription(ctx.doc, page),
    path: pagePath(page.slug),
    css,
    ogImage: page.ogImage ?? ctx.doc.seo.ogImage ?? firstHeroImage(page) ?? ctx.doc.logo,
    jsonLd: page.slug === '',
  });
  return documentHtml(headHtml, html`${header(ctx, page.slug)}<main id="main">${titleBand}${sectionsHtml}</main>${footer(ctx)}`);
}

// ---------------------------------------------------------------------------
// generated pages: privacy policy, 404

function renderPrivacyHtml(ctx: RenderContext): string {
  ctx.eagerImageUsed = false;
  const { doc } = ctx;
  const business = doc.business;
  const forms = doc.pages.flatMap((page) =>
    page.sections
      .filter((section): section is SectionOf<'contact'> => section.type === 'contact')
      .map((section) => ({ page, section })),
  );
  const items = Object.values(contactFormFields)
    .map((field) => field.label)
    .join(', ');
  const owner = withParticle(business.name, '은', '는');
  const officer = business.privacyOfficer || business.representative;
  const officerContact = business.privacyOfficerContact || [business.phone, business.email].filter(Boolean).join(', ');
  const body = forms.length
    ? html`<p>${owner} 「개인정보 보호법」에 따라 이용자의 개인정보를 보호하고 관련 고충을 원활하게 처리하기 위하여 다음과 같이 개인정보처리방침을 둡니다. 이 사이트는 아래 문의 양식으로 받는 정보 외에는 개인정보를 수집하지 않으며, 쿠키나 방문 분석 도구를 쓰지 않습니다.</p>
<h2>1. 처리하는 개인정보의 항목, 목적, 보유 기간</h2>
<table><thead><tr><th scope="col">수집 위치</th><th scope="col">목적</th><th scope="col">항목</th><th scope="col">보유 기간</th></tr></thead><tbody>${forms.map(
        ({ page, section }) =>
          html`<tr><td>${page.title} › ${section.heading}</td><td>${section.purpose}</td><td>${items} (필수)</td><td>수집일로부터 ${section.retentionMonths}개월</td></tr>`,
      )}</tbody></table>
<p>개인정보는 이용자가 문의 양식에 직접 입력하고 수집·이용에 동의한 경우에만 수집합니다. 동의를 거부할 권리가 있으며, 거부하시면 문의를 접수할 수 없습니다.</p>
<h2>2. 개인정보의 파기</h2>
<p>보유 기간이 끝난 개인정보는 자동으로 지체 없이 삭제합니다. 전자적 파일 형태의 정보는 복구할 수 없는 방법으로 삭제합니다.</p>
<h2>3. 개인정보의 제3자 제공</h2>
<p>이용자의 개인정보를 제3자에게 제공하지 않습니다. 다만 법령에 특별한 규정이 있는 경우는 예외로 합니다.</p>
<h2>4. 개인정보 처리의 위탁</h2>
<p>문의 내용의 저장과 사이트 운영(호스팅)을 ${ctx.hostingProvider}에 위탁하고 있습니다. 위탁받은 자는 위탁 목적 외로 개인정보를 처리하지 않습니다.</p>
<h2>5. 정보주체의 권리와 행사 방법</h2>
<p>이용자는 언제든지 자신의 개인정보 열람, 정정, 삭제, 처리 정지를 요구할 수 있습니다. 아래 개인정보 보호책임자에게 전화나 이메일로 요청하시면 지체 없이 조치하겠습니다.</p>
<h2>6. 개인정보의 안전성 확보 조치</h2>
<p>개인정보는 암호화된 연결(HTTPS)로만 전송되며, 접근 권한이 있는 담당자만 열람할 수 있습니다.</p>
<h2>7. 개인정보 보호책임자</h2>
<p>성명: ${officer || '사업자 정보에 개인정보 보호책임자를 입력해 주세요.'}${officerContact ? html`<br>연락처: ${officerContact}` : ''}</p>
<h2>8. 권익침해 구제 방법</h2>
<p>개인정보 침해에 대한 신고나 상담은 개인정보침해신고센터(국번 없이 118), 개인정보분쟁조정위원회(1833-6972), 대검찰청(국번 없이 1301), 경찰청(국번 없이 182)에 문의하실 수 있습니다.</p>`
    : html`<p>${owner} 이 사이트에서 이용자의 개인정보를 수집하지 않습니다. 회원 가입, 문의 양식, 쿠키, 방문 분석 도구가 없으며, 사이트를 보는 데 개인정보를 입력할 필요가 없습니다.</p>
<p>사이트는 ${ctx.hostingProvider}에서 호스팅되며, 서버는 보안과 장애 대응을 위해 접속 기록(IP 주소, 접속 시각, 요청한 주소)을 일시적으로 남길 수 있습니다.</p>
<h2>개인정보 보호책임자</h2>
<p>성명: ${officer || business.name}${officerContact ? html`<br>연락처: ${officerContact}` : ''}</p>
<p>개인정보 침해에 대한 신고나 상담은 개인정보침해신고센터(국번 없이 118)에 문의하실 수 있습니다.</p>`;
  const headHtml = head(ctx, {
    title: pageTitle(doc, null, '개인정보처리방침'),
    description: `${business.name}의 개인정보처리방침`,
    path: pagePath(PRIVACY_SLUG),
    css: pageCss(doc.theme, []),
    ogImage: doc.seo.ogImage ?? doc.logo,
    jsonLd: false,
  });
  return documentHtml(
    headHtml,
    html`${header(ctx, PRIVACY_SLUG)}<main id="main"><div class="page-title"><div class="wrap"><h1>개인정보처리방침</h1></div></div><section class="sec" aria-label="개인정보처리방침 본문"><div class="wrap prose">${body}</div></section></main>${footer(ctx)}`,
  );
}

function renderNotFoundHtml(ctx: RenderContext): string {
  const headHtml = head(ctx, {
    title: pageTitle(ctx.doc, null, '페이지를 찾을 수 없습니다'),
    description: '요청하신 페이지를 찾을 수 없습니다.',
    path: '/404.html',
    css: pageCss(ctx.doc.theme, []),
    ogImage: undefined,
    jsonLd: false,
    noindex: true,
  });
  return documentHtml(
    headHtml,
    html`${header(ctx, null)}<main id="main"><div class="page-title"><div class="wrap"><h1>페이지를 찾을 수 없습니다</h1><p>주소가 바뀌었거나 삭제된 페이지입니다.</p><div class="btns"><a class="btn" href="${ctx.pageHref('')}">홈으로 가기</a></div></div></div></main>${footer(ctx)}`,
  );
}

function faviconSvg(doc: SiteDocument): string {
  const palette = paletteFor(doc.theme);
  const initial = Array.from(doc.name.trim())[0] ?? 'W';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${palette.primary}"/><text x="32" y="44" font-size="34" font-family="sans-serif" font-weight="700" text-anchor="middle" fill="${palette.onPrimary}">${escapeXml(initial)}</text></svg>\n`;
}

// ---------------------------------------------------------------------------
// entry points

function normaliseSiteUrl(siteUrl: string): string {
  let url: URL;
  try {
    url = new URL(siteUrl);
  } catch (cause) {
    throw new Error(`siteUrl must be an absolute http(s) URL, got ${JSON.stringify(siteUrl)}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`siteUrl must be http(s), got ${JSON.stringify(siteUrl)}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** What a planned output is, for counting ("50개 페이지 중 1개") and for finding an asset's bytes. */
export type PlannedOutputKind = 'page' | 'privacy' | 'not-found' | 'sitemap' | 'robots' | 'favicon' | 'asset';

/**
 * One file of the published site, not yet rendered. `inputHash` is the sha256 of everything
 * its bytes depend on except the renderer's own code (see render-inputs.ts): a caller that
 * rendered an output with the same hash and the same renderer may reuse those bytes.
 */
export interface PlannedOutput {
  path: string;
  contentType: string;
  kind: PlannedOutputKind;
  inputHash: string;
  /** For 'asset' outputs: the asset whose data is the file. */
  assetId?: string;
  /** Renders this file alone; the same bytes renderSite gives for it. Throws what renderSite would. */
  render(): Buffer;
}

/** Input hashes are computed when first read: the renderer in a build container never needs them. */
const computedHashes = new WeakMap<object, string>();
function lazyHash(output: object, compute: () => string): string {
  let hash = computedHashes.get(output);
  if (hash === undefined) {
    hash = compute();
    computedHashes.set(output, hash);
  }
  return hash;
}

function publishContext(doc: SiteDocument, siteUrl: string, options: RenderSiteOptions): RenderContext {
  return {
    doc,
    siteUrl,
    hostingProvider: options.hostingProvider,
    preview: false,
    pageHref: pagePath,
    resolveImage: (image, [fallbackWidth, fallbackHeight]) => {
      if ('assetId' in image) {
        const asset = options.assets.get(image.assetId);
        if (!asset) {
          throw new Error(`이미지 파일(${image.assetId})을 찾을 수 없습니다. 이미지를 다시 올리거나 섹션에서 지운 뒤 다시 게시해 주세요.`);
        }
        if (!PUBLISHABLE_IMAGE_TYPES.has(asset.contentType)) {
          // SVG can carry scripts that would run on the site's own origin; other types are not images.
          throw new Error(`이미지 파일(${asset.fileName})의 형식(${asset.contentType})은 게시할 수 없습니다. JPG, PNG, WebP, AVIF, GIF 파일로 다시 올려 주세요.`);
        }
        return { src: assetPath(asset), ...pictureSources(asset), width: asset.width ?? fallbackWidth, height: asset.height ?? fallbackHeight };
      }
      const src = safeImageUrl(image.url);
      return src ? { src, width: fallbackWidth, height: fallbackHeight } : null;
    },
    absoluteImage: (image) => {
      if ('assetId' in image) {
        const asset = options.assets.get(image.assetId);
        return asset ? `${siteUrl}${assetPath(asset)}` : null;
      }
      return safeImageUrl(image.url);
    },
    eagerImageUsed: false,
    headingUsed: false,
  };
}

/**
 * The published site as a list of outputs, each rendered on its own and carrying the hash of
 * its inputs, sorted by path. Every image the document refers to (logo, Open Graph images,
 * hero, about and gallery images) that is among `assets` is published as a file.
 */
export function planSiteRender(doc: SiteDocument, options: RenderSiteOptions): PlannedOutput[] {
  const siteUrl = normaliseSiteUrl(options.siteUrl);
  for (const page of doc.pages) {
    // Slugs become file paths; one that skipped validation must not write outside its folder.
    if (!/^$|^[a-z0-9]+(-[a-z0-9]+)*$/.test(page.slug) || page.slug === PRIVACY_SLUG) {
      throw new Error(`Page ${JSON.stringify(page.id)} has an invalid slug ${JSON.stringify(page.slug)}; validate the document with validateSiteDocument before rendering`);
    }
  }
  // Each output renders with a context of its own, so outputs do not depend on render order.
  const context = () => publishContext(doc, siteUrl, options);
  const hashes = siteInputHashes(doc, {
    siteUrl, hostingProvider: options.hostingProvider, assets: options.assets, sha256Hex: options.sha256Hex, pageHashes: options.pageHashes,
  });
  const htmlType = 'text/html; charset=utf-8';
  const outputs: PlannedOutput[] = [];
  for (const page of doc.pages) {
    outputs.push({
      path: page.slug === '' ? '/index.html' : `/${page.slug}/index.html`,
      contentType: htmlType,
      kind: 'page',
      get inputHash() {
        return lazyHash(this, () => hashes.page(page));
      },
      render: () => utf8(renderPageHtml(context(), page)),
    });
  }
  outputs.push({
    path: `/${PRIVACY_SLUG}/index.html`,
    contentType: htmlType,
    kind: 'privacy',
    get inputHash() {
        return lazyHash(this, () => hashes.privacy());
      },
    render: () => utf8(renderPrivacyHtml(context())),
  });
  outputs.push({
    path: '/404.html',
    contentType: htmlType,
    kind: 'not-found',
    get inputHash() {
        return lazyHash(this, () => hashes.notFound());
      },
    render: () => utf8(renderNotFoundHtml(context())),
  });
  outputs.push({
    path: '/sitemap.xml',
    contentType: 'application/xml; charset=utf-8',
    kind: 'sitemap',
    get inputHash() {
        return lazyHash(this, () => hashes.sitemap());
      },
    render: () => {
      const sitemapPaths = [...doc.pages.map((page) => pagePath(page.slug)), pagePath(PRIVACY_SLUG)];
      return utf8(
        `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${sitemapPaths
          .map((path) => `  <url><loc>${escapeXml(siteUrl + path)}</loc></url>\n`)
          .join('')}</urlset>\n`,
      );
    },
  });
  outputs.push({
    path: '/robots.txt',
    contentType: 'text/plain; charset=utf-8',
    kind: 'robots',
    get inputHash() {
        return lazyHash(this, () => hashes.robots());
      },
    render: () => utf8(`User-agent: *\nAllow: /\n\nSitemap: ${siteUrl}/sitemap.xml\n`),
  });
  outputs.push({
    path: '/favicon.svg',
    contentType: 'image/svg+xml',
    kind: 'favicon',
    get inputHash() {
        return lazyHash(this, () => hashes.favicon());
      },
    render: () => utf8(faviconSvg(doc)),
  });
  for (const id of collectAssetIds(doc)) {
    const asset = options.assets.get(id);
    if (!asset) continue; // the page that shows it fails its render with a sentence for the owner
    outputs.push({
      path: assetPath(asset),
      contentType: asset.contentType,
      kind: 'asset',
      assetId: asset.id,
      get inputHash() {
        return lazyHash(this, () => hashes.asset(asset));
      },
      render: () => asset.data,
    });
    for (const variant of sortedVariants(asset)) {
      outputs.push({
        path: variantPath(asset, variant),
        contentType: variant.contentType,
        kind: 'asset',
        assetId: asset.id,
        get inputHash() {
        return lazyHash(this, () => hashes.asset(variant));
      },
        render: () => variant.data,
      });
    }
  }
  return outputs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function renderSite(doc: SiteDocument, options: RenderSiteOptions): RenderedFile[] {
  return planSiteRender(doc, options).map((output) => ({ path: output.path, contentType: output.contentType, body: output.render() }));
}

export interface FormResponseOptions {
  siteUrl: string;
  hostingProvider: string;
  /** assets for the logo; a missing one is left out rather than failing the answer */
  assets?: Map<string, SiteAsset>;
}

/**
 * The page a visitor sees after sending a contact form, in the site's own design: the
 * section's thank-you message, or what to fix with a link back to the form.
 */
export function renderFormResponsePage(
  doc: SiteDocument,
  sectionId: string,
  outcome: { ok: true } | { ok: false; errors: string[] },
  options: FormResponseOptions,
): string {
  const siteUrl = normaliseSiteUrl(options.siteUrl);
  const ctx: RenderContext = {
    doc,
    siteUrl,
    hostingProvider: options.hostingProvider,
    preview: false,
    pageHref: pagePath,
    resolveImage: (image, [width, height]) => {
      if ('assetId' in image) {
        const asset = options.assets?.get(image.assetId);
        return asset ? { src: assetPath(asset), width: asset.width ?? width, height: asset.height ?? height } : null;
      }
      const src = safeImageUrl(image.url);
      return src ? { src, width, height } : null;
    },
    absoluteImage: () => null,
    eagerImageUsed: false,
    headingUsed: true,
  };
  let form: { page: SitePage; section: SectionOf<'contact'> } | undefined;
  for (const page of doc.pages) {
    for (const section of page.sections) {
      if (section.type === 'contact' && section.id === sectionId) form = { page, section };
    }
  }
  const back = form ? `${pagePath(form.page.slug)}#${encodeURIComponent(sectionId)}` : pagePath('');
  const title = outcome.ok ? '접수되었습니다' : '입력한 내용을 확인해 주세요';
  const body = outcome.ok
    ? html`<p>${form?.section.successMessage ?? '접수되었습니다.'}</p>`
    : html`<ul>${outcome.errors.map((error) => html`<li>${error}</li>`)}</ul><p>뒤로 돌아가 입력한 내용을 고친 뒤 다시 보내 주세요.</p>`;
  const headHtml = head(ctx, {
    title: pageTitle(doc, null, title),
    description: title,
    path: back,
    css: pageCss(doc.theme, []),
    ogImage: undefined,
    jsonLd: false,
    noindex: true,
  });
  return documentHtml(
    headHtml,
    html`${header(ctx, null)}<main id="main"><div class="page-title"><div class="wrap prose"><h1>${title}</h1>${body}<div class="btns"><a class="btn" href="${back}">${
      outcome.ok ? '돌아가기' : '양식으로 돌아가기'
    }</a></div></div></div></main>${footer(ctx)}`,
  );
}

/**
 * The HTML of one page for the editor's preview iframe: the same markup as the published
 * page, with images from `assetUrl` and links between pages as `?page=<slug>`. The form does
 * not post anywhere. `pageSlug` may also be 'privacy' for the generated privacy page.
 */
export function renderPagePreview(doc: SiteDocument, pageSlug: string, options: RenderPreviewOptions): string {
  const siteUrl = normaliseSiteUrl(options.siteUrl);
  const ctx: RenderContext = {
    doc,
    siteUrl,
    hostingProvider: options.hostingProvider,
    preview: true,
    pageHref: (slug) => `?page=${encodeURIComponent(slug)}`,
    resolveImage: (image, [width, height]) => {
      if ('assetId' in image) {
        const src = safeLinkUrl(options.assetUrl(image.assetId));
        return src ? { src, width, height } : null;
      }
      const src = safeImageUrl(image.url);
      return src ? { src, width, height } : null;
    },
    absoluteImage: (image) => ('assetId' in image ? null : safeImageUrl(image.url)),
    eagerImageUsed: false,
    headingUsed: false,
  };
  const page = doc.pages.find((candidate) => candidate.slug === pageSlug);
  const out = pageSlug === PRIVACY_SLUG ? renderPrivacyHtml(ctx) : page ? renderPageHtml(ctx, page) : renderNotFoundHtml(ctx);
  // Each link to another page also carries data-page="<slug>" so the editor can switch pages on click.
  return out.replace(/ href="\?page=([^"]*)"/g, ' href="?page=$1" data-page="$1"');
}
