import { createSection } from './sections.ts';
import { pageSchema, type SiteDocument, type SitePage } from './schema.ts';

/**
 * Pages of a site for the builder: a new page's title and address checked against the
 * schema and the pages already there, with Korean messages per field, before it is added.
 */

export interface NewPageInput {
  title: string;
  slug: string;
}

export type NewPageCheck =
  | { ok: true; page: SitePage }
  | { ok: false; errors: { title?: string; slug?: string } };

function newPageId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(5));
  return `page-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Checks a page address on its own and against the site's other pages (`exceptPageId` is the
 * page being renamed). Returns a Korean message, or null when the address can be used.
 */
export function checkPageSlug(doc: SiteDocument, slug: string, exceptPageId: string | null = null): string | null {
  const trimmed = slug.trim();
  if (trimmed === '') return '페이지 주소를 입력해 주세요 (예: menu, about-us). 빈 주소는 홈 페이지만 씁니다.';
  if (/[A-Z]/.test(trimmed) && /^[A-Za-z0-9-]+$/.test(trimmed)) return '페이지 주소는 영문 소문자로 입력해 주세요 (대문자는 쓸 수 없습니다).';
  const parsed = pageSchema.shape.slug.safeParse(trimmed);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? '페이지 주소가 올바르지 않습니다.';
  const other = doc.pages.find((page) => page.slug === trimmed && page.id !== exceptPageId);
  if (other) return `‘${other.navLabel || other.title}’ 페이지가 이미 이 주소(/${trimmed}/)를 씁니다. 다른 주소를 정해 주세요.`;
  return null;
}

/** A new page with the given title and address, starting with one about section. */
export function checkNewPage(doc: SiteDocument, input: NewPageInput): NewPageCheck {
  const errors: { title?: string; slug?: string } = {};
  const title = input.title.trim();
  const titleCheck = pageSchema.shape.title.safeParse(title);
  if (!titleCheck.success) errors.title = titleCheck.error.issues[0]?.message ?? '페이지 제목을 입력해 주세요.';
  const slugProblem = checkPageSlug(doc, input.slug);
  if (slugProblem) errors.slug = slugProblem;
  if (errors.title || errors.slug) return { ok: false, errors };
  const about = createSection('about');
  const page = pageSchema.parse({
    id: newPageId(),
    slug: input.slug.trim(),
    title,
    navLabel: title.slice(0, 20),
    description: '',
    sections: [{ ...about, heading: title.slice(0, 80) }],
  });
  return { ok: true, page };
}
