// /sites/new — pick a template, name the site, choose its address; the site opens in the builder.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { env } from '../../../config/env.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { createSite, listTemplateCards, siteLimitReached } from '../sites.server.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction = () => [{ title: '새 사이트 만들기 · WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const { SITE_URL_SCHEME, SITE_BASE_DOMAIN, EDGE_PORT } = env();
  const port = EDGE_PORT === 80 || EDGE_PORT === 443 ? '' : `:${EDGE_PORT}`;
  const limit = await siteLimitReached(sql, tenant.id);
  return json({ templates: listTemplateCards(), addressSuffix: `.${SITE_BASE_DOMAIN}${port}`, scheme: SITE_URL_SCHEME, limit });
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, tenant } = await requireMember(request, 'editor');
  const form = await request.formData();
  const values = {
    name: String(form.get('name') ?? ''),
    slug: String(form.get('slug') ?? '').trim(),
    templateId: String(form.get('template') ?? ''),
  };
  const result = await createSite(sql, { tenantId: tenant.id, userId: user.id, ...values });
  if (!result.ok) {
    // A plan limit is 403 with the upgrade link; what the owner typed comes back in the form.
    return json(
      { values, errors: Object.fromEntries(result.errors.map((e) => [e.field, e.message])) as Record<string, string>, upgradeUrl: result.upgradeUrl ?? null },
      { status: result.upgradeUrl ? 403 : 400 },
    );
  }
  return redirect(`/sites/${result.site.id}`);
}

export default function NewSite() {
  const { templates, addressSuffix, scheme, limit } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [template, setTemplate] = useState(actionData?.values.templateId ?? templates[0]?.id ?? '');
  const [slug, setSlug] = useState(actionData?.values.slug ?? '');
  const check = useFetcher<{ ok: boolean; message?: string; slug: string }>();
  const errors = actionData?.errors ?? {};

  useEffect(() => {
    if (slug === '') return;
    const timer = setTimeout(() => check.load(`/sites/check-slug?slug=${encodeURIComponent(slug)}`), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slug]);

  const live = check.data && check.data.slug === slug ? check.data : null;
  const slugMessage = slug === '' ? errors.slug : live ? (live.ok ? null : live.message) : errors.slug;
  const submitting = navigation.state === 'submitting';

  return (
    <div className="page new-site-page">
      <div className="page-header">
        <div>
          <h1>새 사이트 만들기</h1>
          <p>업종에 맞는 템플릿을 고르세요. 글·사진·색상은 편집기에서 모두 바꿀 수 있습니다.</p>
        </div>
        <Link to="/sites/new/ai" className="button">AI로 초안 만들기</Link>
        <Link to="/sites" className="button button-secondary">
          취소
        </Link>
      </div>

      {errors.plan || limit ? (
        <div className="alert alert-error" role="alert" style={{ marginBottom: 20 }}>
          {errors.plan ?? limit?.message}{' '}
          <Link to={actionData?.upgradeUrl ?? limit?.upgradeUrl ?? '/billing'}>요금제 바꾸기</Link>
        </div>
      ) : null}

      <Form method="post" className="new-site-form" noValidate>
        <fieldset className="template-picker">
          <legend>1. 템플릿 고르기</legend>
          {errors.template ? <p className="field-error">{errors.template}</p> : null}
          <div className="template-grid">
            {templates.map((t) => (
              <label key={t.id} className={`template-card${template === t.id ? ' is-selected' : ''}`}>
                <input type="radio" name="template" value={t.id} checked={template === t.id} onChange={() => setTemplate(t.id)} className="sr-only" />
                <span className="template-swatch" style={{ background: t.colors.background }} aria-hidden="true">
                  <span className="swatch-bar" style={{ background: t.colors.primary }} />
                  <span className="swatch-title" style={{ background: t.colors.text }} />
                  <span className="swatch-text" style={{ background: t.colors.text }} />
                  <span className="swatch-button" style={{ background: t.colors.accent }} />
                  <span className="swatch-dots">
                    {[t.colors.primary, t.colors.accent, t.colors.background, t.colors.text].map((c) => (
                      <i key={c} style={{ background: c }} />
                    ))}
                  </span>
                </span>
                <span className="template-name">{t.name}</span>
                <span className="template-description">{t.description}</span>
                <span className="template-meta">
                  페이지 {t.pageCount}개 · 섹션 {t.sectionCount}개
                </span>
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset className="card new-site-details">
          <legend>2. 이름과 주소</legend>
          <div className={`field${errors.name ? ' has-error' : ''}`}>
            <label htmlFor="site-name">사이트 이름</label>
            <input id="site-name" name="name" required maxLength={100} defaultValue={actionData?.values.name ?? ''} placeholder="예: 카페 모모" aria-invalid={errors.name ? true : undefined} />
            {errors.name ? <p className="field-error">{errors.name}</p> : <p className="field-hint">방문자가 보는 가게·회사 이름입니다.</p>}
          </div>
          <div className={`field${slugMessage ? ' has-error' : ''}`}>
            <label htmlFor="site-slug">사이트 주소</label>
            <div className="address-input">
              <span className="address-scheme">{scheme}://</span>
              <input
                id="site-slug"
                name="slug"
                required
                minLength={3}
                maxLength={40}
                value={slug}
                onChange={(e) => setSlug(e.target.value.toLowerCase().replace(/\s+/g, '-'))}
                placeholder="cafe-momo"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={slugMessage ? true : undefined}
                aria-describedby="slug-status"
              />
              <span className="address-suffix">{addressSuffix}</span>
            </div>
            <p id="slug-status" className={slugMessage ? 'field-error' : live?.ok ? 'field-ok' : 'field-hint'} aria-live="polite">
              {slugMessage ?? (live?.ok ? '사용할 수 있는 주소입니다.' : '영문 소문자, 숫자, 하이픈(-)으로 3~40자. 나중에 내 도메인을 연결할 수도 있습니다.')}
            </p>
          </div>
          <button type="submit" className="button button-large button-block" disabled={submitting}>
            {submitting ? '만드는 중…' : '사이트 만들고 편집 시작하기'}
          </button>
        </fieldset>
      </Form>
    </div>
  );
}
