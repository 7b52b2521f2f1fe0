// /sites/:siteId — the builder. The loader hands the document to the editor; the action
// restores a version or publishes. Autosave posts to /sites/:siteId/document, uploads to
// /sites/:siteId/upload (resource routes, so saving never reloads this page's data).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, type ShouldRevalidateFunction } from '@remix-run/react';
import { PublishError, publishSite } from '../../../buildfarm/index.ts';
import { assertCanPublish, assertWithinPlanLimit, BillingError, getTenantPlan } from '../../../billing/index.ts';
import { siteUrl } from '../../../cdn/index.ts';
import type { SiteDocument } from '../../../site/index.ts';
import { requireMember } from '../auth.server.ts';
import { getBoss, sql } from '../db.server.ts';
import { getSite, listVersions, restoreVersion } from '../sites.server.ts';
import { Builder, imagesWithoutAlt } from '../components/builder/Builder.tsx';
import builderStyles from '../components/builder/builder.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: builderStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.site.name ?? '사이트'} 편집 · WindWalker` }];

/** The name the legal footer gives for whoever hosts the site. */
const HOSTING_PROVIDER = 'WindWalker';

function notFound(): Response {
  return new Response('사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.', { status: 404 });
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const versions = (await listVersions(sql, tenant.id, site.id)) ?? [];
  // The plan's page limit, worded by billing, so the pages panel says it before saving refuses.
  const plan = await getTenantPlan(sql, tenant.id);
  let pageLimitMessage = '';
  try {
    assertWithinPlanLimit(plan, 'pagesPerSite', plan.maxPagesPerSite, 1);
  } catch (error) {
    if (!(error instanceof BillingError)) throw error;
    pageLimitMessage = error.message;
  }
  return json(
    {
      site: {
        id: site.id,
        name: site.name,
        slug: site.slug,
        revision: site.revision,
        updatedAt: site.updatedAt.toISOString(),
        document: site.document,
        siteUrl: siteUrl(site.slug),
        isLive: site.liveDeploymentId !== null,
      },
      versions: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
      readOnly: role === 'viewer',
      hostingProvider: HOSTING_PROVIDER,
      pageLimit: { max: plan.maxPagesPerSite, message: pageLimitMessage },
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant, user } = await requireMember(request, 'editor');
  const siteId = params.siteId ?? '';
  const form = await request.formData();
  const intent = form.get('intent');

  if (intent === 'restore') {
    const result = await restoreVersion(sql, { tenantId: tenant.id, siteId, versionId: String(form.get('versionId') ?? ''), userId: user.id });
    if (!result) throw new Response('버전을 찾을 수 없습니다. 버전 기록을 새로 고쳐 주세요.', { status: 404 });
    if (!result.ok) return json({ ok: false as const, message: result.message }, { status: 400 });
    return json({ ok: true as const, document: result.document, revision: result.revision, savedAt: new Date().toISOString(), versionNumber: result.versionNumber });
  }

  if (intent === 'publish') {
    const site = await getSite(sql, tenant.id, siteId);
    if (!site) throw notFound();
    const missingAlt = imagesWithoutAlt(site.document);
    if (missingAlt.length > 0) {
      return json({ ok: false as const, publishError: `사진 설명(대체 텍스트)이 비어 있는 사진이 있어 게시하지 않았습니다: ${missingAlt.slice(0, 3).join(', ')}` }, { status: 400 });
    }
    try {
      await assertCanPublish(sql, tenant.id);
      const boss = await getBoss();
      const { buildId } = await publishSite(sql, boss, { tenantId: tenant.id, siteId, userId: user.id });
      return redirect(`/sites/${siteId}/builds/${buildId}`);
    } catch (error) {
      if (error instanceof PublishError || error instanceof BillingError) return json({ ok: false as const, publishError: error.message }, { status: 400 });
      throw error;
    }
  }

  return json({ ok: false as const, message: '알 수 없는 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
}

// The editor keeps its own copy of the document; only the version list needs reloading.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get('intent') === 'restore' ? true : defaultShouldRevalidate;

export default function SiteBuilder() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const publishError = actionData && 'publishError' in actionData ? actionData.publishError : null;
  return (
    <>
      <Builder
        key={data.site.id}
        site={{ ...data.site, document: data.site.document as SiteDocument }}
        versions={data.versions}
        readOnly={data.readOnly}
        hostingProvider={data.hostingProvider}
        publishError={publishError}
        pageLimit={data.pageLimit}
      />
    </>
  );
}
