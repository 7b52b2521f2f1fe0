import { withParticle } from './korean.ts';
import { validateSiteDocument, weekdays, type SiteDocument, type SiteDocumentInput, type Weekday } from './schema.ts';

/**
 * Starter sites for common Korean small businesses. The content is written as a real shop
 * would write it, so the owner edits rather than starts from a blank page. Business details
 * that only the owner knows (대표자, 사업자등록번호, 주소, 전화) start empty and the builder
 * asks for them before publishing.
 */

export interface SiteTemplate {
  id: string;
  name: string;
  description: string;
}

type Hours = [string, string] | 'closed' | [string, string, string, string];

function week(hours: Partial<Record<Weekday, Hours>>, fallback: Hours = 'closed') {
  return weekdays.map((day) => {
    const value = hours[day] ?? fallback;
    if (value === 'closed') return { day, closed: true, open: '09:00', close: '18:00', breakStart: '', breakEnd: '' };
    return { day, closed: false, open: value[0], close: value[1], breakStart: value[2] ?? '', breakEnd: value[3] ?? '' };
  });
}

function business(name: string, type: SiteDocumentInput['business']['type']) {
  return {
    name,
    type,
    representative: '',
    address: '',
    phone: '',
    email: '',
    registrationNumber: '',
    mailOrderNumber: '',
    privacyOfficer: '',
    privacyOfficerContact: '',
    kakaoChannelUrl: '',
  };
}

const contact = (id: string, heading: string, intro: string, purpose: string, retentionMonths: number) => ({
  id,
  type: 'contact' as const,
  heading,
  intro,
  purpose,
  retentionMonths,
  submitLabel: '보내기',
  successMessage: '접수되었습니다. 확인 후 남겨 주신 연락처로 연락드리겠습니다.',
});

const builders: Record<string, { template: SiteTemplate; build: (name: string) => SiteDocumentInput }> = {
  cafe: {
    template: { id: 'cafe', name: '카페', description: '직접 볶은 원두와 디저트를 소개하는 동네 카페. 메뉴판, 영업시간, 오시는 길.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#6b4226', background: '#fffaf3', text: '#2b211b', accent: '#e9c46a', font: 'gothic' },
      business: business(name, 'CafeOrCoffeeShop'),
      seo: { description: `${name} — 매일 아침 직접 볶는 스페셜티 커피와 수제 디저트` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '매일 볶는 스페셜티 커피',
          navLabel: '홈',
          description: `${withParticle(name, '은', '는')} 매일 아침 소량씩 직접 로스팅한 원두로 커피를 내립니다.`,
          sections: [
            {
              id: 'hero',
              type: 'hero',
              heading: '오늘 아침 볶은 원두로, 천천히 내린 한 잔',
              subheading: '동네 골목의 작은 로스터리 카페. 산미가 고운 싱글 오리진과 매일 굽는 디저트를 준비합니다.',
              button: { label: '메뉴 보기', href: '/menu/' },
            },
            {
              id: 'about',
              type: 'about',
              heading: '작은 로스터리의 약속',
              body: '생두는 산지와 수확 시기를 확인하고 들여와 일주일에 세 번, 한 번에 5kg씩만 볶습니다.\n\n볶은 지 2주가 지난 원두는 매장에서 쓰지 않습니다. 디저트는 매일 아침 매장에서 직접 굽고, 우유는 지역 목장의 저온 살균 우유를 씁니다.',
            },
            {
              id: 'signature',
              type: 'menu',
              heading: '시그니처 메뉴',
              intro: '처음 오셨다면 이 세 가지를 먼저 드셔 보세요.',
              categories: [
                {
                  name: '바리스타 추천',
                  items: [
                    { name: '오늘의 핸드드립', description: '그날 가장 맛있는 싱글 오리진을 골라 드립니다.', price: 6000, badge: '추천' },
                    { name: '흑당 크림 라떼', description: '직접 졸인 흑당 시럽과 부드러운 크림', price: 6500, badge: '' },
                    { name: '바스크 치즈케이크', description: '겉은 진하게 그을리고 속은 촉촉하게', price: 7000, badge: '인기' },
                  ],
                },
              ],
              note: '',
            },
            {
              id: 'reviews',
              type: 'reviews',
              heading: '다녀가신 분들의 이야기',
              items: [
                { author: '김*은', body: '드립 커피 산미가 정말 깔끔해요. 원두 설명도 친절하게 해 주셔서 단골이 됐습니다.', rating: 5, source: '네이버 리뷰' },
                { author: '박*준', body: '치즈케이크가 진하고 커피랑 잘 어울려요. 창가 자리가 조용해서 책 읽기 좋습니다.', rating: 5, source: '네이버 리뷰' },
                { author: '이*서', body: '원두를 사 갔는데 집에서 내려도 매장 맛이 나요. 분쇄도 맞춰 주십니다.', rating: 4, source: '카카오맵' },
              ],
            },
            { id: 'cta', type: 'cta', heading: '원두 주문·단체 주문 문의', body: '원두 200g부터 포장 판매하고, 회의용 커피는 하루 전까지 주문받습니다.', phone: '', callLabel: '전화로 문의', kakaoChannelUrl: '', kakaoLabel: '카카오톡 문의' },
          ],
        },
        {
          id: 'menu',
          slug: 'menu',
          title: '메뉴',
          navLabel: '메뉴',
          description: '커피, 논커피, 디저트 메뉴와 가격',
          sections: [
            {
              id: 'menu-board',
              type: 'menu',
              heading: '메뉴판',
              intro: '모든 커피는 디카페인 원두로 바꿀 수 있습니다 (+500원).',
              categories: [
                {
                  name: '커피',
                  items: [
                    { name: '아메리카노', description: '고소한 하우스 블렌드', price: 4500, badge: '' },
                    { name: '카페 라떼', description: '', price: 5000, badge: '' },
                    { name: '플랫 화이트', description: '리스트레토 두 샷과 얇은 우유 거품', price: 5500, badge: '' },
                    { name: '오늘의 핸드드립', description: '싱글 오리진, 매일 바뀝니다', price: 6000, badge: '추천' },
                    { name: '흑당 크림 라떼', description: '', price: 6500, badge: '' },
                  ],
                },
                {
                  name: '논커피',
                  items: [
                    { name: '유자 에이드', description: '고흥 유자청을 직접 담급니다', price: 6000, badge: '' },
                    { name: '말차 라떼', description: '제주 유기농 말차', price: 6000, badge: '' },
                    { name: '캐모마일 티', description: '', price: 5000, badge: '' },
                  ],
                },
                {
                  name: '디저트',
                  items: [
                    { name: '바스크 치즈케이크', description: '', price: 7000, badge: '인기' },
                    { name: '버터 스콘', description: '클로티드 크림과 딸기잼 곁들임', price: 4500, badge: '' },
                    { name: '휘낭시에 (2개)', description: '', price: 5000, badge: '' },
                  ],
                },
                {
                  name: '원두',
                  items: [
                    { name: '하우스 블렌드 200g', description: '견과류, 다크초콜릿', price: 13000, badge: '' },
                    { name: '에티오피아 예가체프 200g', description: '자스민, 레몬, 홍차', price: 17000, badge: '' },
                  ],
                },
              ],
              note: '디저트는 당일 만든 수량만큼만 판매합니다. 알레르기가 있으시면 주문할 때 말씀해 주세요.',
            },
          ],
        },
        {
          id: 'visit',
          slug: 'visit',
          title: '오시는 길',
          navLabel: '오시는 길',
          description: '영업시간, 휴무일, 위치와 주차 안내',
          sections: [
            { id: 'hours', type: 'hours', heading: '영업시간', weekly: week({ tue: ['08:00', '20:00'], wed: ['08:00', '20:00'], thu: ['08:00', '20:00'], fri: ['08:00', '21:00'], sat: ['10:00', '21:00'], sun: ['10:00', '19:00'] }), holidays: [], note: '매주 월요일은 로스팅하는 날이라 쉽니다. 마지막 주문은 문 닫기 30분 전까지입니다.' },
            { id: 'location', type: 'location', heading: '오시는 길', address: '', addressDetail: '1층', directions: '지하철역에서 걸어서 5분 거리입니다. 골목 안 초록색 문을 찾아 주세요.', parking: '전용 주차장이 없어 근처 공영주차장을 이용해 주세요.' },
            {
              id: 'faq',
              type: 'faq',
              heading: '자주 묻는 질문',
              items: [
                { question: '반려동물과 함께 가도 되나요?', answer: '테라스 자리에서는 함께하실 수 있습니다. 실내는 다른 손님을 위해 양해 부탁드립니다.' },
                { question: '노트북 작업을 해도 되나요?', answer: '평일에는 편하게 이용하셔도 됩니다. 주말 오후에는 2시간 이용을 부탁드립니다.' },
                { question: '원두를 택배로 받을 수 있나요?', answer: '카카오톡 채널로 주문해 주시면 로스팅 다음 날 발송합니다.' },
              ],
            },
          ],
        },
      ],
    }),
  },

  restaurant: {
    template: { id: 'restaurant', name: '음식점', description: '한식 식당을 위한 메뉴판, 단체 예약 문의, 영업시간과 주차 안내.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#a4161a', background: '#ffffff', text: '#1f1a17', accent: '#f4a261', font: 'myeongjo' },
      business: business(name, 'Restaurant'),
      seo: { description: `${name} — 매일 새벽 장을 봐서 끓이는 정직한 한식` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '정성껏 끓인 한 그릇',
          navLabel: '홈',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '새벽 장에서 고른 재료로, 오늘 끓인 한 그릇', subheading: '24시간 우린 사골 육수와 직접 담근 김치. 가족 모임과 회식도 편하게 모십니다.', button: { label: '메뉴 보기', href: '/menu/' } },
            { id: 'about', type: 'about', heading: '3대째 이어 온 손맛', body: '할머니가 시장 골목에서 시작한 국밥집을 어머니를 거쳐 지금은 손자가 이어 가고 있습니다.\n\n육수는 조미료 없이 사골과 양지로만 24시간 우리고, 김치와 깍두기는 매주 매장에서 직접 담급니다. 쌀은 국내산, 고춧가루는 경북 영양산을 씁니다.' },
            { id: 'popular', type: 'menu', heading: '많이 찾는 메뉴', intro: '', categories: [{ name: '대표 메뉴', items: [{ name: '한우 곰탕', description: '맑고 깊은 국물, 수육 듬뿍', price: 13000, badge: '대표' }, { name: '수육 (중)', description: '2~3인분, 부추무침 곁들임', price: 32000, badge: '' }, { name: '육전', description: '', price: 22000, badge: '' }] }], note: '' },
            { id: 'reviews', type: 'reviews', heading: '손님 후기', items: [{ author: '정*호', body: '국물이 정말 맑고 진해요. 부모님 모시고 갔는데 두 분 다 만족하셨습니다.', rating: 5, source: '네이버 리뷰' }, { author: '최*아', body: '수육이 부드럽고 김치가 맛있어요. 회식 장소로 예약했는데 룸이 넓어서 좋았어요.', rating: 5, source: '네이버 리뷰' }] },
            { id: 'cta', type: 'cta', heading: '단체 예약은 전화로 편하게', body: '최대 30명까지 룸 예약이 가능합니다.', phone: '', callLabel: '예약 전화하기', kakaoChannelUrl: '', kakaoLabel: '카카오톡 예약' },
          ],
        },
        {
          id: 'menu',
          slug: 'menu',
          title: '메뉴',
          navLabel: '메뉴',
          description: '식사, 요리, 주류 메뉴와 가격',
          sections: [
            {
              id: 'menu-board',
              type: 'menu',
              heading: '메뉴',
              intro: '모든 식사에는 밥과 김치, 깍두기, 제철 반찬이 함께 나갑니다.',
              categories: [
                { name: '식사', items: [{ name: '한우 곰탕', description: '', price: 13000, badge: '대표' }, { name: '특 곰탕', description: '고기 두 배', price: 17000, badge: '' }, { name: '육개장', description: '대파와 고사리를 듬뿍', price: 12000, badge: '' }, { name: '비빔밥', description: '제철 나물 여섯 가지', price: 11000, badge: '' }] },
                { name: '요리', items: [{ name: '수육 (중)', description: '2~3인분', price: 32000, badge: '' }, { name: '수육 (대)', description: '4~5인분', price: 45000, badge: '' }, { name: '육전', description: '', price: 22000, badge: '' }, { name: '해물파전', description: '', price: 18000, badge: '' }] },
                { name: '주류·음료', items: [{ name: '소주', description: '', price: 5000, badge: '' }, { name: '맥주', description: '', price: 5000, badge: '' }, { name: '막걸리', description: '지역 양조장 생막걸리', price: 6000, badge: '' }, { name: '음료수', description: '', price: 2000, badge: '' }] },
              ],
              note: '원산지: 쌀(국내산), 소고기(한우), 배추·고춧가루(국내산). 포장 주문은 전화로 받습니다.',
            },
          ],
        },
        {
          id: 'reserve',
          slug: 'reservation',
          title: '예약·오시는 길',
          navLabel: '예약·오시는 길',
          description: '영업시간, 단체 예약 문의, 주차 안내',
          sections: [
            { id: 'hours', type: 'hours', heading: '영업시간', weekly: week({ mon: ['11:00', '21:30', '15:00', '17:00'], tue: ['11:00', '21:30', '15:00', '17:00'], wed: ['11:00', '21:30', '15:00', '17:00'], thu: ['11:00', '21:30', '15:00', '17:00'], fri: ['11:00', '21:30', '15:00', '17:00'], sat: ['11:00', '21:00'] }), holidays: [], note: '일요일과 설·추석 당일은 쉽니다. 마지막 주문은 21시입니다.' },
            { id: 'location', type: 'location', heading: '오시는 길', address: '', addressDetail: '', directions: '', parking: '건물 뒤편 전용 주차장 8대, 식사 시 2시간 무료' },
            contact('reservation', '단체 예약 문의', '10명 이상 모임은 예약해 주시면 룸과 상차림을 미리 준비해 드립니다. 날짜, 인원, 원하시는 메뉴를 남겨 주세요.', '단체 예약 확인 및 안내 연락', 3),
          ],
        },
      ],
    }),
  },

  salon: {
    template: { id: 'salon', name: '미용실', description: '헤어 디자이너의 시술 가격표, 예약 안내, 카카오톡 상담 버튼.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#8e4a62', background: '#fdf8f8', text: '#2a2225', accent: '#f2d0d9', font: 'rounded' },
      business: business(name, 'HairSalon'),
      seo: { description: `${name} — 1:1 예약제 헤어 살롱. 커트, 펌, 염색, 클리닉` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '1:1 예약제 헤어 살롱',
          navLabel: '홈',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '내 얼굴에 맞는 머리, 한 분께만 집중합니다', subheading: '상담부터 마무리까지 한 디자이너가 책임지는 1:1 예약제 살롱입니다.', button: { label: '가격 보기', href: '/price/' } },
            { id: 'about', type: 'about', heading: '손상은 줄이고, 손질은 쉽게', body: '12년 차 디자이너가 모발 상태와 평소 손질 습관을 먼저 여쭙고 스타일을 제안합니다.\n\n펌과 염색은 저자극 약제를 쓰고, 시술 후 집에서 손질하는 방법까지 알려 드립니다.' },
            { id: 'services', type: 'services', heading: '대표 시술', intro: '', items: [{ title: '디자인 커트', description: '얼굴형과 모질에 맞춘 커트, 샴푸와 드라이 포함', price: 25000, priceNote: '부터' }, { title: '볼륨 매직', description: '뿌리 볼륨은 살리고 부스스함은 정리', price: 150000, priceNote: '부터' }, { title: '뿌리 염색', description: '새로 자란 부분만 자연스럽게', price: 60000, priceNote: '' }] },
            { id: 'reviews', type: 'reviews', heading: '고객 후기', items: [{ author: '윤*희', body: '상담을 정말 꼼꼼하게 해 주세요. 손질이 쉬워져서 아침 시간이 줄었어요.', rating: 5, source: '네이버 예약' }, { author: '한*민', body: '볼륨 매직했는데 자연스럽고 한 달이 지나도 예뻐요.', rating: 5, source: '네이버 예약' }] },
            { id: 'cta', type: 'cta', heading: '예약은 카카오톡으로 편하게', body: '원하시는 날짜와 시술을 보내 주시면 가능한 시간을 안내해 드립니다.', phone: '', callLabel: '전화 예약', kakaoChannelUrl: '', kakaoLabel: '카카오톡 예약' },
          ],
        },
        {
          id: 'price',
          slug: 'price',
          title: '가격표',
          navLabel: '가격표',
          description: '커트, 펌, 염색, 클리닉 가격',
          sections: [
            {
              id: 'price-list',
              type: 'menu',
              heading: '시술 가격',
              intro: '기장과 모발 상태에 따라 가격이 달라질 수 있으며, 시술 전에 꼭 안내해 드립니다.',
              categories: [
                { name: '커트', items: [{ name: '디자인 커트 (여)', description: '', price: 25000, badge: '' }, { name: '디자인 커트 (남)', description: '', price: 20000, badge: '' }, { name: '앞머리 커트', description: '', price: 5000, badge: '' }] },
                { name: '펌', items: [{ name: '셋팅 펌', description: '', price: 120000, badge: '' }, { name: '볼륨 매직', description: '', price: 150000, badge: '인기' }, { name: '남성 다운펌', description: '', price: 30000, badge: '' }] },
                { name: '염색', items: [{ name: '뿌리 염색', description: '', price: 60000, badge: '' }, { name: '전체 염색', description: '', price: 90000, badge: '' }, { name: '탈색 (1회)', description: '', price: 80000, badge: '' }] },
                { name: '클리닉', items: [{ name: '단백질 클리닉', description: '손상 모발 집중 관리', price: 50000, badge: '' }, { name: '두피 스케일링', description: '', price: 40000, badge: '' }] },
              ],
              note: '예약 시간 10분 이상 늦으시면 시술이 어려울 수 있습니다. 당일 취소는 하루 전까지 알려 주세요.',
            },
          ],
        },
        {
          id: 'visit',
          slug: 'visit',
          title: '예약·오시는 길',
          navLabel: '예약·오시는 길',
          description: '영업시간과 위치, 예약 문의',
          sections: [
            { id: 'hours', type: 'hours', heading: '영업시간', weekly: week({ tue: ['10:00', '20:00'], wed: ['10:00', '20:00'], thu: ['10:00', '20:00'], fri: ['10:00', '20:00'], sat: ['10:00', '19:00'], sun: ['11:00', '18:00'] }), holidays: [], note: '매주 월요일 휴무. 100% 예약제로 운영합니다.' },
            { id: 'location', type: 'location', heading: '오시는 길', address: '', addressDetail: '2층', directions: '', parking: '건물 지하 주차장 1시간 무료' },
            contact('booking', '예약 문의', '원하시는 날짜와 시술을 남겨 주시면 확인 후 연락드립니다.', '예약 가능 시간 안내 및 예약 확인', 3),
          ],
        },
      ],
    }),
  },

  clinic: {
    template: { id: 'clinic', name: '병원·의원', description: '동네 의원을 위한 진료과목, 진료시간, 주차 안내와 자주 묻는 질문.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#1565c0', background: '#ffffff', text: '#1b2a3a', accent: '#b2dfdb', font: 'gothic' },
      business: business(name, 'MedicalClinic'),
      seo: { description: `${name} — 가족 주치의처럼 오래 함께하는 동네 의원` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '가족 주치의처럼 함께하는 동네 의원',
          navLabel: '홈',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '충분히 듣고, 꼭 필요한 진료만 합니다', subheading: '감기부터 만성질환 관리, 건강검진까지. 온 가족이 편하게 찾는 동네 의원입니다.', button: { label: '진료시간 보기', href: '/hours/' } },
            { id: 'about', type: 'about', heading: '원장 인사말', body: '대학병원에서 10년간 내과 진료를 하며 환자분들이 가장 아쉬워하시던 것은 "설명을 더 듣고 싶다"는 것이었습니다.\n\n저희 의원은 진료 시간을 넉넉히 잡고, 검사 결과와 약에 대해 이해하실 때까지 설명드립니다.' },
            { id: 'departments', type: 'services', heading: '진료 과목', intro: '', items: [{ title: '내과 일반 진료', description: '감기, 장염, 몸살 등 급성 질환', price: null, priceNote: '' }, { title: '만성질환 관리', description: '고혈압, 당뇨, 고지혈증 정기 관리와 상담', price: null, priceNote: '' }, { title: '건강검진', description: '국가건강검진, 채용 검진, 위·대장 내시경', price: null, priceNote: '' }, { title: '예방접종', description: '독감, 폐렴구균, 대상포진 등 성인 예방접종', price: null, priceNote: '' }] },
            { id: 'cta', type: 'cta', heading: '진료 예약·문의', body: '내시경과 건강검진은 전화로 예약해 주세요. 일반 진료는 예약 없이 오셔도 됩니다.', phone: '', callLabel: '전화 예약', kakaoChannelUrl: '', kakaoLabel: '카카오톡 문의' },
          ],
        },
        {
          id: 'hours',
          slug: 'hours',
          title: '진료 안내',
          navLabel: '진료 안내',
          description: '진료시간, 점심시간, 휴진 안내',
          sections: [
            { id: 'hours-table', type: 'hours', heading: '진료시간', weekly: week({ mon: ['09:00', '18:30', '13:00', '14:00'], tue: ['09:00', '18:30', '13:00', '14:00'], wed: ['09:00', '18:30', '13:00', '14:00'], thu: ['09:00', '18:30', '13:00', '14:00'], fri: ['09:00', '18:30', '13:00', '14:00'], sat: ['09:00', '13:00'] }), holidays: [], note: '일요일·공휴일 휴진. 접수는 진료 마감 30분 전까지 받습니다.' },
            { id: 'faq', type: 'faq', heading: '자주 묻는 질문', items: [{ question: '건강검진 전날 어떻게 준비하나요?', answer: '검진 전날 저녁 9시 이후로는 물을 제외하고 금식해 주세요. 복용 중인 약이 있으면 예약하실 때 말씀해 주세요.' }, { question: '진료비는 얼마인가요?', answer: '건강보험 급여 항목은 정해진 본인부담금만 받습니다. 비급여 항목 가격은 원내에 게시되어 있습니다.' }, { question: '처방전을 다시 받을 수 있나요?', answer: '신분증을 가지고 방문하시면 재발급해 드립니다.' }] },
          ],
        },
        {
          id: 'visit',
          slug: 'visit',
          title: '오시는 길',
          navLabel: '오시는 길',
          description: '위치와 주차 안내',
          sections: [{ id: 'location', type: 'location', heading: '오시는 길', address: '', addressDetail: '3층', directions: '건물 1층에 약국이 있습니다. 엘리베이터를 타고 3층으로 오세요.', parking: '건물 주차장 이용 시 진료 후 1시간 무료' }],
        },
      ],
    }),
  },

  academy: {
    template: { id: 'academy', name: '학원', description: '초·중등 학원을 위한 반 안내, 수강료, 상담 신청 양식.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#283593', background: '#ffffff', text: '#1a1a2e', accent: '#ffca28', font: 'gothic' },
      business: business(name, 'LocalBusiness'),
      seo: { description: `${name} — 소수 정예 초·중등 수학 전문 학원` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '소수 정예 초·중등 수학',
          navLabel: '홈',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '개념을 이해하면 수학이 쉬워집니다', subheading: '한 반 8명 이하 소수 정예. 매주 학습 리포트로 아이의 변화를 함께 확인하세요.', button: { label: '상담 신청', href: '/consult/' } },
            { id: 'about', type: 'about', heading: '왜 소수 정예일까요?', body: '문제를 많이 푸는 것보다 왜 그렇게 푸는지 설명할 수 있어야 실력이 오래갑니다.\n\n한 반을 8명 이하로 운영해 선생님이 모든 학생의 풀이 과정을 직접 확인하고, 틀린 이유를 함께 찾습니다.' },
            { id: 'classes', type: 'services', heading: '반 안내', intro: '수강료는 교육청에 신고한 금액이며, 교재비는 별도입니다.', items: [{ title: '초등 5·6학년 사고력', description: '주 2회, 90분. 서술형과 문장제 집중', price: 280000, priceNote: '월' }, { title: '중등 내신', description: '주 3회, 120분. 학교별 기출 분석과 오답 관리', price: 380000, priceNote: '월' }, { title: '중등 선행', description: '주 2회, 120분. 다음 학기 개념 완성', price: 320000, priceNote: '월' }] },
            { id: 'reviews', type: 'reviews', heading: '학부모 후기', items: [{ author: '중2 학부모', body: '매주 보내 주시는 리포트 덕분에 아이가 어디서 막히는지 알게 됐어요. 성적도 올랐습니다.', rating: 5, source: '' }, { author: '초6 학부모', body: '수학을 싫어하던 아이가 스스로 문제를 풀어 보겠다고 해요.', rating: 5, source: '' }] },
          ],
        },
        {
          id: 'consult',
          slug: 'consult',
          title: '상담 신청',
          navLabel: '상담 신청',
          description: '무료 진단 평가와 학습 상담 신청',
          sections: [
            contact('consult-form', '무료 상담 신청', '학년과 궁금한 점을 남겨 주시면 진단 평가 일정을 안내해 드립니다.', '학습 상담 및 진단 평가 일정 안내', 6),
            { id: 'hours', type: 'hours', heading: '상담 가능 시간', weekly: week({ mon: ['14:00', '22:00'], tue: ['14:00', '22:00'], wed: ['14:00', '22:00'], thu: ['14:00', '22:00'], fri: ['14:00', '22:00'], sat: ['10:00', '17:00'] }), holidays: [], note: '일요일·공휴일 휴원' },
            { id: 'faq', type: 'faq', heading: '자주 묻는 질문', items: [{ question: '중간에 들어가도 수업을 따라갈 수 있나요?', answer: '진단 평가 후 필요한 부분은 보충 수업으로 채워 드립니다.' }, { question: '수강료 환불 기준은 어떻게 되나요?', answer: '「학원의 설립·운영 및 과외교습에 관한 법률」의 환불 기준에 따라 환불해 드립니다.' }, { question: '차량 운행을 하나요?', answer: '도보 통학을 원칙으로 하며, 밤 10시 수업 후에는 큰길까지 선생님이 함께 나갑니다.' }] },
            { id: 'location', type: 'location', heading: '오시는 길', address: '', addressDetail: '', directions: '', parking: '' },
          ],
        },
      ],
    }),
  },

  shop: {
    template: { id: 'shop', name: '소품샵·쇼핑몰', description: '손으로 만든 생활 소품을 파는 작은 가게. 제품 가격표, 배송·교환 안내.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#2a6f6f', background: '#fbfaf6', text: '#222222', accent: '#f4a08a', font: 'gothic' },
      business: business(name, 'Store'),
      seo: { description: `${name} — 손으로 만든 생활 소품과 선물` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '손으로 만든 생활 소품',
          navLabel: '홈',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '매일 쓰는 물건일수록, 오래 쓰고 싶게', subheading: '작업실에서 하나씩 만드는 도자기, 패브릭, 향 소품을 소개합니다.', button: { label: '제품 보기', href: '/products/' } },
            { id: 'about', type: 'about', heading: '작은 작업실에서 만듭니다', body: '두 명의 작가가 물레를 돌리고, 천을 재단하고, 향을 배합합니다. 손으로 만들어 모양과 색이 조금씩 다를 수 있는데, 그것이 저희 물건의 매력이라고 생각합니다.\n\n포장은 재생지와 종이 테이프만 씁니다.' },
            { id: 'best', type: 'services', heading: '이번 달 추천', intro: '', items: [{ title: '백자 머그', description: '손에 감기는 두께, 식기세척기 사용 가능', price: 28000, priceNote: '' }, { title: '리넨 티매트 2종', description: '워싱 리넨, 색상 4가지', price: 15000, priceNote: '' }, { title: '소이 캔들 200ml', description: '무화과, 편백, 라벤더 향', price: 24000, priceNote: '' }] },
            { id: 'cta', type: 'cta', heading: '선물 포장·대량 주문 문의', body: '결혼식 답례품, 회사 선물 주문은 카카오톡으로 문의해 주세요.', phone: '', callLabel: '전화 문의', kakaoChannelUrl: '', kakaoLabel: '카카오톡 문의' },
          ],
        },
        {
          id: 'products',
          slug: 'products',
          title: '제품',
          navLabel: '제품',
          description: '도자기, 패브릭, 향 소품 가격',
          sections: [
            {
              id: 'catalog',
              type: 'menu',
              heading: '제품 가격',
              intro: '매장과 온라인 가격이 같습니다.',
              categories: [
                { name: '도자기', items: [{ name: '백자 머그', description: '350ml', price: 28000, badge: '인기' }, { name: '오벌 접시 (중)', description: '', price: 32000, badge: '' }, { name: '작은 종지 3종', description: '', price: 21000, badge: '' }] },
                { name: '패브릭', items: [{ name: '리넨 티매트', description: '', price: 15000, badge: '' }, { name: '앞치마', description: '', price: 38000, badge: '' }, { name: '에코백', description: '', price: 26000, badge: '새 상품' }] },
                { name: '향', items: [{ name: '소이 캔들 200ml', description: '', price: 24000, badge: '' }, { name: '디퓨저 100ml', description: '', price: 29000, badge: '' }, { name: '선물 세트', description: '캔들 + 디퓨저 + 포장', price: 49000, badge: '' }] },
              ],
              note: '5만 원 이상 주문 시 무료 배송. 수제품이라 사진과 모양이 조금 다를 수 있습니다.',
            },
          ],
        },
        {
          id: 'guide',
          slug: 'guide',
          title: '이용 안내',
          navLabel: '이용 안내',
          description: '배송, 교환·환불, 매장 운영 시간',
          sections: [
            { id: 'faq', type: 'faq', heading: '배송·교환 안내', items: [{ question: '배송은 얼마나 걸리나요?', answer: '평일 오후 2시 이전 주문은 당일 발송하며, 보통 1~2일 안에 받으실 수 있습니다. 배송비는 3,000원이며 5만 원 이상 무료입니다.' }, { question: '교환이나 환불이 되나요?', answer: '받으신 날부터 7일 안에 신청하시면 교환·환불해 드립니다(「전자상거래법」 제17조). 단순 변심의 경우 왕복 배송비는 고객 부담입니다.' }, { question: '깨져서 왔어요.', answer: '받으신 상태 그대로 사진을 찍어 카카오톡으로 보내 주세요. 배송비 없이 새 제품으로 보내 드립니다.' }] },
            { id: 'hours', type: 'hours', heading: '매장 운영 시간', weekly: week({ wed: ['12:00', '19:00'], thu: ['12:00', '19:00'], fri: ['12:00', '19:00'], sat: ['12:00', '19:00'], sun: ['12:00', '18:00'] }), holidays: [], note: '월·화요일은 작업하는 날이라 매장을 열지 않습니다. 온라인 주문은 언제나 받습니다.' },
            { id: 'location', type: 'location', heading: '오프라인 매장', address: '', addressDetail: '', directions: '', parking: '' },
          ],
        },
      ],
    }),
  },

  portfolio: {
    template: { id: 'portfolio', name: '프리랜서 포트폴리오', description: '디자이너·개발자·작가를 위한 작업 소개, 서비스와 가격, 의뢰 문의.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#8ea8ff', background: '#111318', text: '#e9e9ee', accent: '#ffd166', font: 'system' },
      business: business(name, 'ProfessionalService'),
      seo: { description: `${name} — 작은 브랜드를 위한 브랜딩과 웹 디자인` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '브랜딩·웹 디자인 프리랜서',
          navLabel: '소개',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '작은 브랜드가 오래 기억되도록 디자인합니다', subheading: '로고와 패키지부터 웹사이트까지, 8년 동안 60여 개 브랜드와 함께 일했습니다.', button: { label: '작업 보기', href: '/work/' } },
            { id: 'about', type: 'about', heading: '일하는 방식', body: '첫 미팅에서는 디자인 이야기보다 사업 이야기를 더 많이 듣습니다. 누구에게 무엇을 팔고 싶은지가 분명해야 좋은 디자인이 나오기 때문입니다.\n\n작업은 단계마다 확인을 받고 진행하며, 최종 파일과 사용 가이드까지 함께 드립니다.' },
            { id: 'services', type: 'services', heading: '서비스', intro: '', items: [{ title: '브랜드 아이덴티티', description: '로고, 컬러, 서체, 명함과 간판 적용 가이드', price: 2500000, priceNote: '부터' }, { title: '패키지 디자인', description: '제품 라벨, 박스, 스티커', price: 800000, priceNote: '부터' }, { title: '웹사이트 디자인', description: '반응형 랜딩 페이지, 5페이지 이내', price: 1800000, priceNote: '부터' }] },
            { id: 'reviews', type: 'reviews', heading: '함께 일한 분들', items: [{ author: '성수동 베이커리 대표', body: '우리 가게 이야기를 정말 잘 들어 주셨어요. 새 로고로 바꾼 뒤 손님들이 먼저 알아봐 주십니다.', rating: null, source: '' }, { author: '로컬 식품 스타트업 대표', body: '일정과 피드백 관리가 깔끔해서 처음 외주를 맡기는데도 전혀 불안하지 않았습니다.', rating: null, source: '' }] },
            { id: 'cta', type: 'cta', heading: '프로젝트를 이야기해 주세요', body: '일정과 예산이 정해지지 않았어도 괜찮습니다.', phone: '', callLabel: '전화하기', kakaoChannelUrl: '', kakaoLabel: '카카오톡으로 이야기하기' },
          ],
        },
        {
          id: 'work',
          slug: 'work',
          title: '작업',
          navLabel: '작업',
          description: '브랜딩, 패키지, 웹 디자인 작업 사례',
          sections: [
            { id: 'projects', type: 'services', heading: '최근 작업', intro: '대표 작업 세 가지를 소개합니다. 더 많은 작업은 미팅 때 보여 드립니다.', items: [{ title: '동네 베이커리 리브랜딩', description: '로고, 빵 봉투, 간판, 인스타그램 템플릿까지 한 번에 정리했습니다.', price: null, priceNote: '브랜딩 · 2025' }, { title: '제주 감귤 선물 세트', description: '농장의 이야기를 담은 패키지로 명절 선물 매출이 늘었습니다.', price: null, priceNote: '패키지 · 2024' }, { title: '요가 스튜디오 웹사이트', description: '수업 시간표와 예약 안내를 한눈에 볼 수 있게 만들었습니다.', price: null, priceNote: '웹 · 2024' }] },
            { id: 'gallery', type: 'gallery', heading: '작업 사진', intro: '', items: [] },
          ],
        },
        {
          id: 'contact',
          slug: 'contact',
          title: '의뢰하기',
          navLabel: '의뢰하기',
          description: '프로젝트 의뢰와 견적 문의',
          sections: [
            contact('project-inquiry', '프로젝트 의뢰', '어떤 일을 하시는지, 무엇이 필요하신지, 원하시는 일정을 적어 주세요. 이틀 안에 답장 드립니다.', '프로젝트 의뢰 내용 확인 및 견적 안내', 12),
            { id: 'faq', type: 'faq', heading: '자주 묻는 질문', items: [{ question: '작업 기간은 얼마나 걸리나요?', answer: '브랜드 아이덴티티는 보통 6~8주, 웹사이트 디자인은 4~6주가 걸립니다.' }, { question: '수정은 몇 번까지 되나요?', answer: '단계마다 두 번까지 수정이 포함되어 있습니다.' }, { question: '세금계산서 발행이 되나요?', answer: '네, 사업자로 등록되어 있어 세금계산서를 발행해 드립니다.' }] },
          ],
        },
      ],
    }),
  },

  startup: {
    template: { id: 'startup', name: '스타트업 랜딩', description: '서비스 출시를 알리는 랜딩 페이지. 기능 소개, 고객 후기, 요금, 도입 문의.' },
    build: (name) => ({
      version: 1,
      name,
      theme: { primary: '#4f46e5', background: '#ffffff', text: '#16161d', accent: '#a7f3d0', font: 'gothic' },
      business: business(name, 'ProfessionalService'),
      seo: { description: `${name} — 작은 가게를 위한 가장 쉬운 예약 관리` },
      pages: [
        {
          id: 'home',
          slug: '',
          title: '작은 가게를 위한 예약 관리',
          navLabel: '서비스',
          description: '',
          sections: [
            { id: 'hero', type: 'hero', heading: '전화 예약, 이제 문자 한 통으로 끝내세요', subheading: '예약 접수부터 알림, 노쇼 관리까지. 작은 가게에 꼭 필요한 기능만 담았습니다.', button: { label: '도입 문의하기', href: '/contact/' } },
            { id: 'features', type: 'services', heading: '이런 점이 달라집니다', intro: '', items: [{ title: '24시간 예약 접수', description: '영업시간이 끝나도 손님이 직접 빈 시간을 골라 예약합니다.', price: null, priceNote: '' }, { title: '자동 알림 문자', description: '예약 하루 전과 두 시간 전에 알림이 나가 노쇼가 줄어듭니다.', price: null, priceNote: '' }, { title: '한눈에 보는 일정', description: '직원별, 자리별 예약을 휴대폰에서 바로 확인합니다.', price: null, priceNote: '' }] },
            { id: 'pricing', type: 'services', heading: '요금', intro: '모든 요금제는 부가세 별도이며, 첫 달은 무료입니다.', items: [{ title: '스타터', description: '월 예약 300건, 알림 문자 300건', price: 19000, priceNote: '/월' }, { title: '프로', description: '월 예약 무제한, 알림 문자 1,000건, 직원 5명', price: 49000, priceNote: '/월' }] },
            { id: 'reviews', type: 'reviews', heading: '먼저 써 본 사장님들', items: [{ author: '네일숍 운영', body: '전화 받느라 시술이 끊기는 일이 없어졌어요. 노쇼가 절반으로 줄었습니다.', rating: 5, source: '' }, { author: '필라테스 스튜디오 운영', body: '강사별 일정이 한 화면에 보여서 상담 시간이 줄었어요.', rating: 5, source: '' }] },
            { id: 'faq', type: 'faq', heading: '자주 묻는 질문', items: [{ question: '설치해야 하는 프로그램이 있나요?', answer: '없습니다. 휴대폰과 컴퓨터 웹 브라우저에서 바로 쓰실 수 있습니다.' }, { question: '언제든 해지할 수 있나요?', answer: '네, 약정이 없으며 해지하면 다음 결제일부터 요금이 청구되지 않습니다.' }] },
            { id: 'cta', type: 'cta', heading: '첫 달 무료로 시작해 보세요', body: '도입 상담은 10분이면 충분합니다.', phone: '', callLabel: '전화 상담', kakaoChannelUrl: '', kakaoLabel: '카카오톡 상담' },
          ],
        },
        {
          id: 'company',
          slug: 'company',
          title: '회사 소개',
          navLabel: '회사 소개',
          description: '우리가 일하는 이유',
          sections: [{ id: 'story', type: 'about', heading: '사장님의 시간을 돌려드리는 팀', body: '가족이 운영하는 미용실에서 하루 수십 통의 예약 전화를 받는 모습을 보며 시작했습니다.\n\n복잡한 기능보다 매일 쓰기 쉬운 도구를 만듭니다. 모든 기능은 실제 사장님들과 함께 테스트한 뒤 출시합니다.' }],
        },
        {
          id: 'contact',
          slug: 'contact',
          title: '도입 문의',
          navLabel: '도입 문의',
          description: '도입 상담과 데모 신청',
          sections: [contact('demo-request', '도입 문의', '업종과 궁금한 점을 남겨 주시면 담당자가 하루 안에 연락드립니다.', '도입 상담 및 데모 일정 안내', 6)],
        },
      ],
    }),
  },
};

export const templates: SiteTemplate[] = Object.values(builders).map(({ template }) => template);

/** A new site document from a template, with the owner's business name filled in. */
export function createSiteDocument(templateId: string, input: { siteName: string }): SiteDocument {
  const builder = builders[templateId];
  if (!builder) {
    throw new Error(`템플릿 '${templateId}'을(를) 찾을 수 없습니다. ${templates.map((template) => template.id).join(', ')} 중에서 골라 주세요.`);
  }
  const result = validateSiteDocument(builder.build(input.siteName.trim()));
  if (!result.ok) {
    throw new Error(result.errors.map((error) => error.message).join('\n'));
  }
  return result.document;
}
