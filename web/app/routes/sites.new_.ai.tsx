// /sites/new/ai — "AI로 초안 만들기": the owner describes the business in a few sentences, the
// model writes a whole site document (validated against the site schema; an invalid answer is
// repaired once or refused and never stored), and the new site opens in the builder.
// (`new_` keeps this page out of /sites/new's layout; the address is still /sites/new/ai.)
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { env } from '../../../config/env.ts';
import { AI_NOT_CONFIGURED_MESSAGE, aiClientFromEnv, createSiteFromAiDraft, isAiConfigured } from '../ai.server.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { siteLimitReached } from '../sites.server.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction = () => [{ title: 'AI로 초안 만들기 · WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const { SITE_URL_SCHEME, SITE_BASE_DOMAIN, EDGE_PORT } = env();
  const port = EDGE_PORT === 80 || EDGE_PORT === 443 ? '' : `:${EDGE_PORT}`;
  return json({
    configured: isAiConfigured(),
    notConfiguredMessage: AI_NOT_CONFIGURED_MESSAGE,
    addressSuffix: `.${SITE_BASE_DOMAIN}${port}`,
    scheme: SITE_URL_SCHEME,
    limit: await siteLimitReached(sql, tenant.id),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, tenant } = await requireMember(request, 'editor');
  const form = await request.formData();
  const values = {
    name: String(form.get('name') ?? ''),
    slug: String(form.get('slug') ?? '').trim(),
    description: String(form.get('description') ?? ''),
    language: form.get('language') === 'en' ? ('en' as const) : ('ko' as const),
  };
  const result = await createSiteFromAiDraft(sql, await aiClientFromEnv(), { tenantId: tenant.id, userId: user.id, ...values });
  if (!result.ok) {
    const status = result.errors.some((e) => e.message === AI_NOT_CONFIGURED_MESSAGE) ? 503 : result.upgradeUrl ? 403 : 400;
    return json(
      { values, errors: Object.fromEntries(result.errors.map((e) => [e.field, e.message])) as Record<string, string>, upgradeUrl: result.upgradeUrl ?? null },
      { status },
    );
  }
  return redirect(`/sites/${result.site.id}`);
}

export default function NewSiteWithAi() {
  const { configured, notConfiguredMessage, addressSuffix, scheme, limit } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors = actionData?.errors ?? {};
  const submitting = navigation.state === 'submitting';

  return (
    <div className="page new-site-page">
      <div className="page-header">
        <div>
          <h1>AI로 초안 만들기</h1>
          <p>가게나 회사를 두세 문장으로 설명하면 AI가 페이지와 글, 색상을 갖춘 초안을 만듭니다. 만든 뒤 편집기에서 모두 고칠 수 있습니다.</p>
        </div>
        <Link to="/sites/new" className="button button-secondary">
          템플릿으로 시작하기
        </Link>
      </div>

      {!configured ? (
        <div className="alert alert-error" role="alert">
          {notConfiguredMessage}
        </div>
      ) : null}
      {errors.ai ? (
        <div className="alert alert-error" role="alert">
          {errors.ai}
          {actionData?.upgradeUrl ? (
            <>
              {' '}
              <Link to={actionData.upgradeUrl}>요금제 바꾸기</Link>
            </>
          ) : null}
        </div>
      ) : null}
      {errors.plan || limit ? (
        <div className="alert alert-error" role="alert" style={{ marginBottom: 20 }}>
          {errors.plan ?? limit?.message}{' '}
          <Link to={actionData?.upgradeUrl ?? limit?.upgradeUrl ?? '/billing'}>요금제 바꾸기</Link>
        </div>
      ) : null}

      <Form method="post" className="card new-site-details" noValidate>
        <fieldset disabled={!configured || submitting} className="plain-fieldset">
          <div className={`field${errors.description ? ' has-error' : ''}`}>
            <label htmlFor="ai-description">어떤 가게·회사인가요?</label>
            <textarea
              id="ai-description"
              name="description"
              rows={6}
              required
              minLength={10}
              maxLength={2000}
              defaultValue={actionData?.values.description ?? ''}
              placeholder="예: 망원동 골목의 작은 로스터리 카페입니다. 매일 아침 원두를 볶고, 핸드드립과 수제 케이크가 자랑입니다. 월요일은 쉽니다."
              aria-invalid={errors.description ? true : undefined}
              aria-describedby="ai-description-hint"
            />
            <p id="ai-description-hint" className={errors.description ? 'field-error' : 'field-hint'}>
              {errors.description ?? '무엇을 팔거나 하는지, 자랑거리, 영업 요일을 적으면 더 잘 만듭니다. 주소·전화번호는 AI가 지어내지 않으니 나중에 직접 넣어 주세요.'}
            </p>
          </div>
          <div className="field">
            <label htmlFor="ai-language">사이트 언어</label>
            <select id="ai-language" name="language" defaultValue={actionData?.values.language ?? 'ko'}>
              <option value="ko">한국어</option>
              <option value="en">English</option>
            </select>
          </div>
          <div className={`field${errors.name ? ' has-error' : ''}`}>
            <label htmlFor="site-name">사이트 이름</label>
            <input id="site-name" name="name" required maxLength={60} defaultValue={actionData?.values.name ?? ''} placeholder="예: 카페 모모" aria-invalid={errors.name ? true : undefined} />
            {errors.name ? <p className="field-error">{errors.name}</p> : null}
          </div>
          <div className={`field${errors.slug ? ' has-error' : ''}`}>
            <label htmlFor="site-slug">사이트 주소</label>
            <div className="address-input">
              <span className="address-scheme">{scheme}://</span>
              <input id="site-slug" name="slug" required minLength={3} maxLength={40} defaultValue={actionData?.values.slug ?? ''} placeholder="cafe-momo" autoComplete="off" spellCheck={false} aria-invalid={errors.slug ? true : undefined} />
              <span className="address-suffix">{addressSuffix}</span>
            </div>
            {errors.slug ? <p className="field-error">{errors.slug}</p> : <p className="field-hint">영문 소문자, 숫자, 하이픈(-)으로 3~40자.</p>}
          </div>
          {errors.document ? <p className="field-error">{errors.document}</p> : null}
          <button type="submit" className="button button-large button-block">
            {submitting ? 'AI가 초안을 쓰는 중… (30초쯤 걸립니다)' : 'AI로 초안 만들기'}
          </button>
        </fieldset>
      </Form>
    </div>
  );
}
