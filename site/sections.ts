import { sectionSchema, type Section, type SectionOf, type SectionType } from './schema.ts';

/** Section types in the order the builder's "섹션 추가" menu lists them. */
export const sectionTypes: SectionType[] = [
  'hero',
  'about',
  'menu',
  'services',
  'gallery',
  'hours',
  'location',
  'reviews',
  'contact',
  'cta',
  'faq',
];

export const sectionLabels: Record<SectionType, string> = {
  hero: '대표 배너',
  about: '소개',
  menu: '메뉴·가격표',
  services: '서비스',
  gallery: '갤러리',
  hours: '영업시간',
  location: '오시는 길',
  reviews: '고객 후기',
  contact: '문의하기',
  cta: '전화·카카오톡 버튼',
  faq: '자주 묻는 질문',
};

export const sectionDescriptions: Record<SectionType, string> = {
  hero: '사이트 맨 위의 큰 제목과 사진, 버튼',
  about: '가게나 회사를 소개하는 글과 사진',
  menu: '메뉴와 가격을 분류별로 보여 주는 표',
  services: '제공하는 서비스와 가격을 카드로 보여 주기',
  gallery: '사진을 격자로 보여 주기',
  hours: '요일별 영업시간과 휴무일',
  location: '주소와 네이버 지도·카카오맵 바로가기',
  reviews: '손님이 남긴 후기',
  contact: '이름·연락처·문의 내용을 받는 양식 (개인정보 수집 동의 포함)',
  cta: '전화 걸기와 카카오톡 채널 버튼',
  faq: '자주 묻는 질문과 답변',
};

function newSectionId(type: SectionType): string {
  // getRandomValues works in every browser context (randomUUID needs a secure context).
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(5));
  const random = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${type}-${random}`;
}

const defaultContent: { [T in SectionType]: Omit<SectionOf<T>, 'id' | 'type'> } = {
  hero: {
    heading: '우리 가게에 오신 것을 환영합니다',
    subheading: '한 줄로 가게를 소개해 주세요.',
    button: { label: '문의하기', href: '#contact' },
  },
  about: {
    heading: '소개',
    body: '가게를 시작한 이야기, 자랑하고 싶은 점, 손님께 드리는 약속을 적어 주세요.',
  },
  menu: {
    heading: '메뉴',
    intro: '',
    categories: [{ name: '대표 메뉴', items: [{ name: '메뉴 이름', description: '', price: 10000, badge: '' }] }],
    note: '',
  },
  services: {
    heading: '서비스',
    intro: '',
    items: [{ title: '서비스 이름', description: '어떤 서비스인지 적어 주세요.', price: null, priceNote: '' }],
  },
  gallery: { heading: '갤러리', intro: '', items: [] },
  hours: {
    heading: '영업시간',
    weekly: [
      { day: 'mon', closed: false, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
      { day: 'tue', closed: false, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
      { day: 'wed', closed: false, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
      { day: 'thu', closed: false, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
      { day: 'fri', closed: false, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
      { day: 'sat', closed: false, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
      { day: 'sun', closed: true, open: '10:00', close: '20:00', breakStart: '', breakEnd: '' },
    ],
    holidays: [],
    note: '',
  },
  location: { heading: '오시는 길', address: '', addressDetail: '', directions: '', parking: '' },
  reviews: {
    heading: '고객 후기',
    items: [{ author: '손님', body: '손님이 남긴 후기를 적어 주세요.', rating: 5, source: '' }],
  },
  contact: {
    heading: '문의하기',
    intro: '궁금한 점을 남겨 주시면 연락드리겠습니다.',
    purpose: '문의 내용 확인 및 답변',
    retentionMonths: 6,
    submitLabel: '문의 보내기',
    successMessage: '문의가 접수되었습니다. 곧 연락드리겠습니다.',
  },
  cta: {
    heading: '지금 바로 문의하세요',
    body: '',
    phone: '',
    callLabel: '전화하기',
    kakaoChannelUrl: '',
    kakaoLabel: '카카오톡 상담',
  },
  faq: { heading: '자주 묻는 질문', items: [{ question: '질문을 적어 주세요.', answer: '답변을 적어 주세요.' }] },
};

/** A new section of `type` with starter content, ready for the builder's "섹션 추가". */
export function createSection<T extends SectionType>(type: T, id: string = newSectionId(type)): SectionOf<T> {
  const content = structuredClone(defaultContent[type]);
  return sectionSchema.parse({ id, type, ...content }) as SectionOf<T>;
}

export type { Section };
