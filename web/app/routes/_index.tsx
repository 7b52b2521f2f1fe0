import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { getOptionalUser } from '~/auth.server.ts';

export const meta: MetaFunction = () => [
  { title: 'WindWalker — 우리 가게 홈페이지, 클릭 몇 번으로' },
  { name: 'description', content: '카페, 미용실, 학원, 스타트업, 프리랜서를 위한 노코드 홈페이지 빌더와 호스팅. 템플릿을 고르고 글과 사진만 바꾸면 바로 공개됩니다.' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getOptionalUser(request)) throw redirect('/sites');
  return null;
}

const FEATURES = [
  { icon: '1', title: '업종별 템플릿', text: '카페, 음식점, 미용실, 병원, 학원, 쇼핑몰, 포트폴리오, 스타트업. 우리 업종에 맞는 틀에서 시작하세요.' },
  { icon: '2', title: '글과 사진만 바꾸면 끝', text: '코드를 몰라도 됩니다. 문구, 사진, 색상, 섹션 순서를 바꾸면 자동으로 저장되고 언제든 이전 버전으로 되돌릴 수 있습니다.' },
  { icon: '3', title: '휴대폰에서도 완벽하게', text: '손님 대부분은 휴대폰으로 봅니다. 휴대폰과 PC 화면을 나란히 미리 보고 공개하세요.' },
  { icon: '4', title: '빠르고 안전한 호스팅', text: '공개 버튼 한 번이면 전 세계 CDN에 올라갑니다. 새 버전은 한순간에 바뀌고, 문제가 있으면 바로 이전 버전으로 돌아갑니다.' },
];

const PLANS = [
  {
    name: '기본',
    price: '30,000원',
    for: '처음 홈페이지를 여는 가게',
    items: ['노코드 빌더', '기본 호스팅', '업종별 템플릿 전체', '휴대폰·PC 미리보기', '버전 기록과 되돌리기'],
  },
  {
    name: '프리미엄',
    price: '50,000원',
    for: '손님이 늘고 있는 가게와 스타트업',
    featured: true,
    items: ['기본 플랜의 모든 기능', '고급 편집 기능', '무제한 호스팅', 'AI로 초안 만들기', '방문 통계'],
  },
  {
    name: '엔터프라이즈',
    price: '100,000원',
    for: '여러 지점, 에이전시, 개발팀',
    items: ['프리미엄 플랜의 모든 기능', '커스텀 브랜딩', '전용 지원', 'API 연동', '개발자 모드 (브라우저 VS Code)'],
  },
];

export default function Landing() {
  return (
    <>
      <section className="hero">
        <div className="hero-inner">
          <div>
            <h1>
              우리 가게 홈페이지,
              <br />
              <em>클릭 몇 번</em>이면 됩니다
            </h1>
            <p className="lead">
              WindWalker는 소상공인, 스타트업, 프리랜서를 위한 노코드 홈페이지 빌더입니다. 템플릿을 고르고 글과 사진을 바꾼 뒤 공개 버튼만 누르세요.
              호스팅과 보안은 저희가 맡습니다.
            </p>
            <div className="hero-actions">
              <Link to="/signup" className="button button-large">
                무료로 시작하기
              </Link>
              <Link to="/login" className="button button-secondary button-large">
                로그인
              </Link>
            </div>
            <p className="hero-note">카드 등록 없이 시작할 수 있습니다. 가입은 1분이면 끝납니다.</p>
          </div>
          <div className="hero-visual" aria-hidden="true">
            <div className="hero-visual-bar">
              <span />
              <span />
              <span />
            </div>
            <div className="hero-visual-body">
              <div className="mock-hero">
                <strong>바람카페</strong>
                매일 아침 직접 볶는 원두
              </div>
              <div className="mock-line" />
              <div className="mock-line short" />
              <div className="mock-row">
                <div />
                <div />
                <div />
              </div>
            </div>
          </div>
        </div>
      </section>

      <section className="landing-section">
        <h2>홈페이지에 필요한 모든 것</h2>
        <p className="section-lead">만들기부터 공개, 호스팅까지 한곳에서 끝냅니다.</p>
        <div className="features">
          {FEATURES.map((f) => (
            <div className="card feature" key={f.title}>
              <div className="feature-icon">{f.icon}</div>
              <h3>{f.title}</h3>
              <p>{f.text}</p>
            </div>
          ))}
        </div>
      </section>

      <section className="landing-section" id="plans">
        <h2>요금제</h2>
        <p className="section-lead">가게 규모에 맞게 고르세요. 언제든 바꿀 수 있습니다.</p>
        <div className="plans">
          {PLANS.map((plan) => (
            <div className={`card plan${plan.featured ? ' plan-featured' : ''}`} key={plan.name}>
              {plan.featured ? <span className="plan-ribbon">가장 많이 선택</span> : null}
              <div className="plan-name">{plan.name}</div>
              <div className="plan-price">
                {plan.price}
                <small> / 월</small>
              </div>
              <div className="plan-for">{plan.for}</div>
              <ul>
                {plan.items.map((item) => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
              <Link to="/signup" className={`button button-block${plan.featured ? '' : ' button-secondary'}`}>
                {plan.name} 플랜으로 시작하기
              </Link>
            </div>
          ))}
        </div>
        <p className="plans-note">
          부가세 별도. 추가 옵션: 호스팅 초과 사용 프로젝트당 월 10,000원, 내 도메인 연결 연 20,000원, API 호출 건당 10원.
        </p>
      </section>

      <section className="cta-band">
        <h2>오늘, 우리 가게 홈페이지를 여세요</h2>
        <p>템플릿을 고르고 가게 이름만 입력하면 첫 화면이 완성됩니다.</p>
        <Link to="/signup" className="button button-large">
          무료로 시작하기
        </Link>
      </section>
    </>
  );
}
