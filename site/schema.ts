import { dequal } from 'dequal';
import { z } from 'zod';
import { withParticle } from './korean.ts';
import { classifyLinkUrl } from './url.ts';

/**
 * The site document: one schema shared by the editor, the renderer, the build worker and
 * the AI draft. Every string has a length limit and every limit has a Korean message that
 * names the field, so whatever rejects a document can show the owner what to fix.
 */

export const SITE_DOCUMENT_VERSION = 1 as const;

export const fonts = [
  {
    id: 'gothic',
    label: '고딕 (깔끔한 기본)',
    stack: 'Pretendard,"Apple SD Gothic Neo","Malgun Gothic","맑은 고딕","Noto Sans KR","Noto Sans CJK KR",NanumGothic,"나눔고딕",system-ui,sans-serif',
  },
  {
    id: 'myeongjo',
    label: '명조 (차분하고 고급스러운)',
    stack: 'NanumMyeongjo,"나눔명조","Noto Serif KR","Noto Serif CJK KR",AppleMyungjo,Batang,"바탕",serif',
  },
  {
    id: 'rounded',
    label: '둥근 고딕 (부드럽고 친근한)',
    stack: 'NanumSquareRound,"나눔스퀘어라운드","Apple SD Gothic Neo","Malgun Gothic","맑은 고딕","Noto Sans KR","Noto Sans CJK KR",sans-serif',
  },
  {
    id: 'system',
    label: '시스템 글꼴 (기기 기본)',
    stack: 'system-ui,-apple-system,"Segoe UI","Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif',
  },
] as const;

export type FontId = (typeof fonts)[number]['id'];
const fontIds = fonts.map((font) => font.id) as [FontId, ...FontId[]];

export const businessTypes = [
  'LocalBusiness',
  'CafeOrCoffeeShop',
  'Restaurant',
  'HairSalon',
  'BeautySalon',
  'MedicalClinic',
  'Dentist',
  'ProfessionalService',
  'Store',
  'ChildCare',
] as const;

// ---------------------------------------------------------------------------
// field builders with Korean messages

function text(label: string, max: number) {
  return z
    .string({
      required_error: `${withParticle(label, '을', '를')} 입력해 주세요.`,
      invalid_type_error: `${withParticle(label, '은', '는')} 글자로 입력해 주세요.`,
    })
    .trim()
    .max(max, `${withParticle(label, '은', '는')} ${max}자 이내로 입력해 주세요.`);
}

function requiredText(label: string, max: number) {
  return text(label, max).min(1, `${withParticle(label, '을', '를')} 입력해 주세요.`);
}

function optionalText(label: string, max: number) {
  return text(label, max).optional().default('');
}

function link(label: string) {
  return text(label, 500).refine((value) => classifyLinkUrl(value) !== null, {
    message: `${withParticle(label, '은', '는')} https://, tel:, mailto: 로 시작하는 주소나 사이트 안의 경로(/…)만 쓸 수 있습니다.`,
  });
}

function optionalLink(label: string) {
  return text(label, 500)
    .refine((value) => value === '' || classifyLinkUrl(value) !== null, {
      message: `${withParticle(label, '은', '는')} https://, tel:, mailto: 로 시작하는 주소나 사이트 안의 경로(/…)만 쓸 수 있습니다.`,
    })
    .optional()
    .default('');
}

function webUrl(label: string) {
  return text(label, 500).refine((value) => value === '' || classifyLinkUrl(value) === 'web', {
    message: `${withParticle(label, '은', '는')} https:// 로 시작하는 주소로 입력해 주세요.`,
  });
}

function colour(label: string) {
  return z
    .string({ required_error: `${withParticle(label, '을', '를')} 선택해 주세요.` })
    .regex(/^#[0-9a-fA-F]{6}$/, `${withParticle(label, '은', '는')} #12ab34 형식의 색상 코드로 입력해 주세요.`)
    .transform((value) => value.toLowerCase());
}

function won(label: string) {
  return z
    .number({
      required_error: `${withParticle(label, '을', '를')} 입력해 주세요.`,
      invalid_type_error: `${withParticle(label, '은', '는')} 숫자로 입력해 주세요.`,
    })
    .int(`${withParticle(label, '은', '는')} 원 단위 정수로 입력해 주세요.`)
    .min(0, `${withParticle(label, '은', '는')} 0원 이상이어야 합니다.`)
    .max(100_000_000, `${withParticle(label, '은', '는')} 1억 원 이하로 입력해 주세요.`);
}

function list<T extends z.ZodTypeAny>(label: string, item: T, min: number, max: number) {
  return z
    .array(item, { required_error: `${withParticle(label, '을', '를')} 입력해 주세요.` })
    .min(min, `${withParticle(label, '은', '는')} ${min}개 이상 있어야 합니다.`)
    .max(max, `${withParticle(label, '은', '는')} ${max}개까지 넣을 수 있습니다.`);
}

const idSchema = z
  .string({ required_error: '아이디(id)가 없습니다. 섹션을 다시 추가해 주세요.' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, '아이디(id)는 영문, 숫자, -, _ 로 64자 이내여야 합니다.');

// ---------------------------------------------------------------------------
// images: an uploaded asset or an external https URL, always with alt text

const assetImageSchema = z.object({
  assetId: z.string().uuid('이미지 파일 아이디가 올바르지 않습니다. 이미지를 다시 올려 주세요.'),
  alt: text('이미지 설명(대체 텍스트)', 200),
});

const urlImageSchema = z.object({
  url: webUrl('이미지 주소').refine((value) => value !== '', { message: '이미지 주소를 입력해 주세요.' }),
  alt: text('이미지 설명(대체 텍스트)', 200),
});

export const imageSchema = z.union([assetImageSchema, urlImageSchema], {
  errorMap: () => ({ message: '이미지는 올린 파일(assetId)이나 https:// 주소(url) 중 하나와 설명(alt)이 필요합니다.' }),
});
export type SiteImage = z.infer<typeof imageSchema>;

const buttonSchema = z.object({
  label: requiredText('버튼 글자', 30),
  href: link('버튼 링크'),
});

// ---------------------------------------------------------------------------
// sections

const sectionBase = { id: idSchema };

export const heroSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('hero'),
  heading: requiredText('제목', 80),
  subheading: optionalText('부제목', 200),
  image: imageSchema.optional(),
  button: buttonSchema.optional(),
});

export const aboutSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('about'),
  heading: requiredText('제목', 80),
  body: requiredText('본문', 2000),
  image: imageSchema.optional(),
});

const menuItemSchema = z.object({
  name: requiredText('메뉴 이름', 60),
  description: optionalText('메뉴 설명', 200),
  price: won('가격'),
  badge: optionalText('표시 문구', 12),
});

export const menuSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('menu'),
  heading: requiredText('제목', 80),
  intro: optionalText('소개 글', 300),
  categories: list(
    '메뉴 분류',
    z.object({ name: requiredText('분류 이름', 40), items: list('메뉴', menuItemSchema, 1, 60) }),
    1,
    12,
  ),
  note: optionalText('안내 문구', 200),
});

export const servicesSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('services'),
  heading: requiredText('제목', 80),
  intro: optionalText('소개 글', 300),
  items: list(
    '서비스 항목',
    z.object({
      title: requiredText('서비스 이름', 60),
      description: optionalText('서비스 설명', 400),
      price: won('가격').nullable().optional().default(null),
      priceNote: optionalText('가격 안내', 30),
    }),
    1,
    24,
  ),
});

export const gallerySectionSchema = z.object({
  ...sectionBase,
  type: z.literal('gallery'),
  heading: requiredText('제목', 80),
  intro: optionalText('소개 글', 300),
  items: list('사진', z.object({ image: imageSchema, caption: optionalText('사진 설명', 120) }), 0, 36),
});

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];
export const weekdayLabels: Record<Weekday, string> = {
  mon: '월요일',
  tue: '화요일',
  wed: '수요일',
  thu: '목요일',
  fri: '금요일',
  sat: '토요일',
  sun: '일요일',
};

const timeSchema = (label: string) =>
  z
    .string({ required_error: `${withParticle(label, '을', '를')} 입력해 주세요.` })
    .regex(/^([01][0-9]|2[0-4]):[0-5][0-9]$/, `${withParticle(label, '은', '는')} 09:30 형식으로 입력해 주세요.`);

const dayHoursSchema = z
  .object({
    day: z.enum(weekdays, { errorMap: () => ({ message: '요일은 mon~sun 중 하나여야 합니다.' }) }),
    closed: z.boolean().default(false),
    open: timeSchema('여는 시간').default('09:00'),
    close: timeSchema('닫는 시간').default('18:00'),
    breakStart: timeSchema('쉬는 시간 시작').or(z.literal('')).optional().default(''),
    breakEnd: timeSchema('쉬는 시간 끝').or(z.literal('')).optional().default(''),
  })
  .refine((day) => (day.breakStart === '') === (day.breakEnd === ''), {
    message: '쉬는 시간은 시작과 끝을 모두 입력하거나 모두 비워 주세요.',
    path: ['breakEnd'],
  });

export const hoursSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('hours'),
  heading: requiredText('제목', 80),
  weekly: list('요일별 영업시간', dayHoursSchema, 7, 7).refine(
    (days) => weekdays.every((day, index) => days[index]?.day === day),
    { message: '요일별 영업시간은 월요일부터 일요일까지 순서대로 7개여야 합니다.' },
  ),
  holidays: list(
    '휴무일',
    z.object({
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '휴무일 날짜는 2025-01-01 형식으로 입력해 주세요.'),
      label: optionalText('휴무 사유', 40),
    }),
    0,
    40,
  ).default([]),
  note: optionalText('휴무 안내', 200),
});

export const locationSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('location'),
  heading: requiredText('제목', 80),
  address: optionalText('주소', 200),
  addressDetail: optionalText('상세 주소', 100),
  directions: optionalText('찾아오는 길', 600),
  parking: optionalText('주차 안내', 200),
});

export const reviewsSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('reviews'),
  heading: requiredText('제목', 80),
  items: list(
    '후기',
    z.object({
      author: requiredText('작성자', 30),
      body: requiredText('후기 내용', 500),
      rating: z
        .number({ invalid_type_error: '별점은 1~5 사이 숫자로 입력해 주세요.' })
        .int('별점은 1~5 사이 정수로 입력해 주세요.')
        .min(1, '별점은 1~5 사이로 입력해 주세요.')
        .max(5, '별점은 1~5 사이로 입력해 주세요.')
        .nullable()
        .optional()
        .default(null),
      source: optionalText('후기 출처', 40),
    }),
    1,
    24,
  ),
});

export const contactSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('contact'),
  heading: requiredText('제목', 80),
  intro: optionalText('소개 글', 300),
  purpose: requiredText('수집 목적', 100).default('문의 내용 확인 및 답변'),
  retentionMonths: z
    .number({ invalid_type_error: '보유 기간은 개월 수(숫자)로 입력해 주세요.' })
    .int('보유 기간은 개월 수(정수)로 입력해 주세요.')
    .min(1, '보유 기간은 1개월 이상이어야 합니다.')
    .max(36, '보유 기간은 36개월 이하로 정해 주세요. 목적을 이루면 지체 없이 파기해야 합니다.')
    .default(6),
  submitLabel: requiredText('보내기 버튼 글자', 20).default('문의 보내기'),
  successMessage: requiredText('접수 완료 안내', 200).default('문의가 접수되었습니다. 곧 연락드리겠습니다.'),
});

export const ctaSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('cta'),
  heading: requiredText('제목', 80),
  body: optionalText('본문', 300),
  phone: optionalText('전화번호', 20),
  callLabel: requiredText('전화 버튼 글자', 30).default('전화하기'),
  kakaoChannelUrl: webUrl('카카오톡 채널 주소').optional().default(''),
  kakaoLabel: requiredText('카카오톡 버튼 글자', 30).default('카카오톡 상담'),
});

export const faqSectionSchema = z.object({
  ...sectionBase,
  type: z.literal('faq'),
  heading: requiredText('제목', 80),
  items: list('질문', z.object({ question: requiredText('질문', 200), answer: requiredText('답변', 1500) }), 1, 30),
});

export const sectionSchema = z.discriminatedUnion(
  'type',
  [
    heroSectionSchema,
    aboutSectionSchema,
    menuSectionSchema,
    servicesSectionSchema,
    gallerySectionSchema,
    hoursSectionSchema,
    locationSectionSchema,
    reviewsSectionSchema,
    contactSectionSchema,
    ctaSectionSchema,
    faqSectionSchema,
  ],
  {
    errorMap: (issue, ctx) =>
      issue.code === 'invalid_union_discriminator'
        ? { message: `섹션 종류(type)는 ${issue.options.join(', ')} 중 하나여야 합니다.` }
        : { message: ctx.defaultError },
  },
);

export type Section = z.infer<typeof sectionSchema>;
export type SectionType = Section['type'];
export type SectionOf<T extends SectionType> = Extract<Section, { type: T }>;

// ---------------------------------------------------------------------------
// pages, business details, theme, SEO

const RESERVED_SLUGS = new Set(['privacy', 'assets', 'sitemap', 'robots', 'favicon', '404', 'api', 'healthz']);

export const pageSchema = z.object({
  id: idSchema,
  slug: z
    .string({ required_error: '페이지 주소를 입력해 주세요.' })
    .max(40, '페이지 주소는 40자 이내로 입력해 주세요.')
    .regex(/^$|^[a-z0-9]+(-[a-z0-9]+)*$/, '페이지 주소는 영문 소문자, 숫자, - 만 쓸 수 있습니다 (예: menu, about-us).')
    .refine((slug) => !RESERVED_SLUGS.has(slug), { message: '이 페이지 주소는 이미 사이트가 쓰고 있습니다. 다른 주소를 정해 주세요.' }),
  title: requiredText('페이지 제목', 60),
  navLabel: optionalText('메뉴 이름', 20),
  description: optionalText('페이지 설명', 160),
  ogImage: imageSchema.optional(),
  sections: list('섹션', sectionSchema, 0, 30),
});
export type SitePage = z.infer<typeof pageSchema>;

const phoneSchema = (label: string) =>
  text(label, 20).refine((value) => value === '' || /^(\+82-?)?0?[0-9]{1,4}-?[0-9]{3,4}-?[0-9]{4}$/.test(value), {
    message: `${withParticle(label, '은', '는')} 02-123-4567 이나 010-1234-5678 형식으로 입력해 주세요.`,
  });

const emailSchema = (label: string) =>
  text(label, 120).refine((value) => value === '' || /^[^\s@<>"'()]+@[^\s@<>"'()]+\.[^\s@<>"'()]+$/.test(value), {
    message: `${withParticle(label, '은', '는')} name@example.com 형식으로 입력해 주세요.`,
  });

export const businessSchema = z.object({
  name: requiredText('상호', 60),
  type: z.enum(businessTypes, { errorMap: () => ({ message: '업종 종류가 올바르지 않습니다.' }) }).default('LocalBusiness'),
  representative: optionalText('대표자', 30),
  address: optionalText('주소', 200),
  phone: phoneSchema('전화번호').optional().default(''),
  email: emailSchema('이메일').optional().default(''),
  registrationNumber: text('사업자등록번호', 12)
    .refine((value) => value === '' || /^\d{3}-\d{2}-\d{5}$/.test(value), {
      message: '사업자등록번호는 000-00-00000 형식으로 입력해 주세요.',
    })
    .optional()
    .default(''),
  mailOrderNumber: optionalText('통신판매업 신고번호', 40),
  privacyOfficer: optionalText('개인정보 보호책임자', 30),
  privacyOfficerContact: optionalText('개인정보 보호책임자 연락처', 120),
  kakaoChannelUrl: webUrl('카카오톡 채널 주소')
    .refine((value) => value === '' || /^https:\/\/(pf\.kakao\.com|open\.kakao\.com)\//.test(value), {
      message: '카카오톡 채널 주소는 https://pf.kakao.com/ 으로 시작해야 합니다.',
    })
    .optional()
    .default(''),
});
export type BusinessDetails = z.infer<typeof businessSchema>;

export const themeSchema = z.object({
  primary: colour('대표 색상'),
  background: colour('배경 색상'),
  text: colour('글자 색상'),
  accent: colour('강조 색상'),
  font: z.enum(fontIds, { errorMap: () => ({ message: `글꼴은 ${fontIds.join(', ')} 중 하나를 골라 주세요.` }) }),
});
export type SiteTheme = z.infer<typeof themeSchema>;

const verificationCode = (label: string) =>
  text(label, 100)
    .refine((value) => /^[A-Za-z0-9_-]*$/.test(value), {
      message: `${withParticle(label, '은', '는')} 영문, 숫자, -, _ 만 입력해 주세요 (content="…" 안의 값만 붙여 넣기).`,
    })
    .optional()
    .default('');

export const seoSchema = z.object({
  titleSuffix: optionalText('제목 뒤에 붙일 문구', 40),
  description: optionalText('사이트 설명', 160),
  ogImage: imageSchema.optional(),
  naverVerification: verificationCode('네이버 사이트 확인 코드'),
  googleVerification: verificationCode('구글 사이트 확인 코드'),
});

/** Everything of a document but its pages. */
const siteFieldsSchema = z.object({
  version: z.literal(SITE_DOCUMENT_VERSION, {
    errorMap: () => ({ message: `문서 버전(version)은 ${SITE_DOCUMENT_VERSION}이어야 합니다.` }),
  }),
  name: requiredText('사이트 이름', 60),
  logo: imageSchema.optional(),
  theme: themeSchema,
  business: businessSchema,
  seo: seoSchema.default({}),
});

// The schema's cap is the largest plan's (enterprise: 100); each plan's own limit is
// enforced on save (billing's pagesPerSite), where the owner is told how to upgrade.
const MIN_PAGES = 1;
const MAX_PAGES = 100;
const pagesSchema = list('페이지', pageSchema, MIN_PAGES, MAX_PAGES);

/** What no single page can check: slugs and ids unique across pages, and a home page. */
function issuesAcrossPages(doc: { pages: Pick<SitePage, 'id' | 'slug' | 'sections'>[] }): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const slugs = new Map<string, number>();
  const pageIds = new Set<string>();
  const sectionIds = new Set<string>();
  doc.pages.forEach((page, pageIndex) => {
    if (slugs.has(page.slug)) {
      issues.push({
        path: ['pages', pageIndex, 'slug'],
        message: `페이지 주소 '${page.slug || '(홈)'}'가 이미 다른 페이지에 쓰였습니다. 다른 주소를 정해 주세요.`,
      });
    }
    slugs.set(page.slug, pageIndex);
    if (pageIds.has(page.id)) issues.push({ path: ['pages', pageIndex, 'id'], message: '페이지 아이디(id)가 겹칩니다.' });
    pageIds.add(page.id);
    page.sections.forEach((section, sectionIndex) => {
      if (sectionIds.has(section.id)) {
        issues.push({
          path: ['pages', pageIndex, 'sections', sectionIndex, 'id'],
          message: '섹션 아이디(id)가 다른 섹션과 겹칩니다. 섹션을 다시 추가해 주세요.',
        });
      }
      sectionIds.add(section.id);
    });
  });
  if (!slugs.has('')) issues.push({ path: ['pages'], message: '홈 페이지(주소가 빈 페이지)가 하나 있어야 합니다.' });
  return issues;
}

export const siteDocumentSchema = siteFieldsSchema
  .extend({ pages: pagesSchema })
  .superRefine((doc, ctx) => {
    for (const issue of issuesAcrossPages(doc)) ctx.addIssue({ code: z.ZodIssueCode.custom, ...issue });
  });

export type SiteDocument = z.infer<typeof siteDocumentSchema>;
/** What the editor or the AI may send before defaults are filled in. */
export type SiteDocumentInput = z.input<typeof siteDocumentSchema>;

// ---------------------------------------------------------------------------
// validation with Korean messages for the generic cases zod would word in English

const fieldLabels: Record<string, string> = {
  version: '문서 버전',
  name: '이름',
  theme: '테마',
  business: '사업자 정보',
  seo: '검색 노출 설정',
  pages: '페이지',
  sections: '섹션',
  items: '항목',
  categories: '메뉴 분류',
  weekly: '요일별 영업시간',
  holidays: '휴무일',
  image: '이미지',
  logo: '로고',
  button: '버튼',
  closed: '휴무 여부',
  price: '가격',
};

const HANGUL = /[\uac00-\ud7a3]/;

const koreanErrorMap: z.ZodErrorMap = (issue, ctx) => {
  // Messages written on the schema itself are already Korean and name the field.
  if (HANGUL.test(ctx.defaultError)) return { message: ctx.defaultError };
  const key = [...issue.path].reverse().find((part): part is string => typeof part === 'string');
  const label = key ? fieldLabels[key] ?? key : '값';
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return { message: `${withParticle(label, '이', '가')} 없습니다. 입력해 주세요.` };
      return { message: `${label}의 형식이 올바르지 않습니다 (${issue.expected}이어야 하는데 ${issue.received}입니다).` };
    case z.ZodIssueCode.invalid_literal:
      return { message: `${withParticle(label, '은', '는')} ${JSON.stringify(issue.expected)}이어야 합니다.` };
    case z.ZodIssueCode.invalid_enum_value:
      return { message: `${withParticle(label, '은', '는')} ${issue.options.join(', ')} 중 하나여야 합니다.` };
    case z.ZodIssueCode.too_big:
      return { message: `${withParticle(label, '이', '가')} 너무 깁니다 (최대 ${String(issue.maximum)}).` };
    case z.ZodIssueCode.too_small:
      return { message: `${withParticle(label, '이', '가')} 너무 짧습니다 (최소 ${String(issue.minimum)}).` };
    default:
      return { message: `${withParticle(label, '이', '가')} 올바르지 않습니다.` };
  }
};

export interface SiteDocumentError {
  path: string;
  message: string;
}

export function validateSiteDocument(
  input: unknown,
): { ok: true; document: SiteDocument } | { ok: false; errors: SiteDocumentError[] } {
  const result = siteDocumentSchema.safeParse(input, { errorMap: koreanErrorMap });
  if (result.success) return { ok: true, document: result.data };
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  }));
  return { ok: false, errors };
}

/** A document validated before (`input` as given, `document` as validateSiteDocument returned it). */
export interface ValidatedBefore {
  input: { pages: unknown[] };
  document: SiteDocument;
  /** For each page, whether validating it changed nothing (no default filled in, no field dropped). */
  pagesAsInput: boolean[];
}

/**
 * validateSiteDocument's result, and whether the document is its input unchanged (`asInput`,
 * dequal): a renderer that already has the input may render it as it is.
 */
export type ReusingValidation =
  | { ok: true; document: SiteDocument; asInput: boolean; pagesAsInput: boolean[] }
  | { ok: false; errors: SiteDocumentError[] };

/**
 * validateSiteDocument, reusing what an earlier validation of a document of the same site made of
 * its pages: a page equal (dequal) to the page at the same place in `before.input` is taken as
 * validated then; the other pages, the site-wide fields and the checks across pages are run now.
 * Validation is a pure function of its input, and a document is validated field by field into an
 * object of the schema's key order, so the result is the one validateSiteDocument gives (a
 * test compares them byte for byte). Anything that fails is validated again whole, so errors
 * read exactly as validateSiteDocument words them. Whether validation changed anything is
 * likewise known from before for a reused page and compared now for the rest.
 */
export function validateSiteDocumentReusing(input: unknown, before: ValidatedBefore | null): ReusingValidation {
  const pages = (input as { pages?: unknown } | null)?.pages;
  if (!before || !Array.isArray(pages)) return validateWhole(input);
  const fields = siteFieldsSchema.safeParse(input, { errorMap: koreanErrorMap });
  if (!fields.success || pages.length < MIN_PAGES || pages.length > MAX_PAGES) return validateWhole(input);
  const validatedPages: SitePage[] = [];
  const pagesAsInput: boolean[] = [];
  for (let index = 0; index < pages.length; index++) {
    if (index < before.input.pages.length && dequal(pages[index], before.input.pages[index])) {
      validatedPages.push(before.document.pages[index]!);
      pagesAsInput.push(before.pagesAsInput[index]!);
      continue;
    }
    const page = pageSchema.safeParse(pages[index], { errorMap: koreanErrorMap });
    if (!page.success) return validateWhole(input);
    validatedPages.push(page.data);
    pagesAsInput.push(dequal(page.data, pages[index]));
  }
  const document: SiteDocument = { ...fields.data, pages: validatedPages };
  if (issuesAcrossPages(document).length > 0) return validateWhole(input);
  return { ok: true, document, asInput: pagesAsInput.every(Boolean) && siteFieldsAsInput(document, input), pagesAsInput };
}

function validateWhole(input: unknown): ReusingValidation {
  const validated = validateSiteDocument(input);
  if (!validated.ok) return validated;
  const pages = (input as { pages: unknown[] }).pages;
  const pagesAsInput = validated.document.pages.map((page, index) => dequal(page, pages[index]));
  return { ...validated, asInput: pagesAsInput.every(Boolean) && siteFieldsAsInput(validated.document, input), pagesAsInput };
}

/** Whether everything but the pages came out of validation as it went in. */
function siteFieldsAsInput(document: SiteDocument, input: unknown): boolean {
  const { pages: _validatedPages, ...validated } = document;
  const { pages: _inputPages, ...given } = input as Record<string, unknown>;
  return dequal(validated, given);
}

/**
 * Legal details a site should have before it is published. Not a schema error (an owner may
 * save a draft without them), but the builder shows these next to the publish button.
 */
export function listMissingBusinessDetails(doc: SiteDocument): SiteDocumentError[] {
  const missing: SiteDocumentError[] = [];
  const need = (key: keyof BusinessDetails, label: string) => {
    if (!doc.business[key]) {
      missing.push({ path: `business.${key}`, message: `business.${key}: ${withParticle(label, '을', '를')} 입력해 주세요. 사이트 아래쪽 사업자 정보에 표시됩니다.` });
    }
  };
  need('representative', '대표자');
  need('address', '주소');
  need('phone', '전화번호');
  need('email', '이메일');
  need('registrationNumber', '사업자등록번호');
  const collects = doc.pages.some((page) => page.sections.some((section) => section.type === 'contact'));
  if (collects) need('privacyOfficer', '개인정보 보호책임자');
  if (doc.business.type === 'Store' && !doc.business.mailOrderNumber) {
    missing.push({
      path: 'business.mailOrderNumber',
      message: 'business.mailOrderNumber: 온라인으로 판매하신다면 통신판매업 신고번호를 입력해 주세요 (전자상거래법 제12조).',
    });
  }
  return missing;
}
