// /sites/:siteId/deployments — every publish of the site, the live one marked, and
// "이 버전으로 되돌리기" to make an earlier deployment live again at once (rollback).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { listBuilds } from '../../../buildfarm/index.ts';
import { activateDeployment, CdnError, eligibleProviderNames, listDeployments, PROVIDER_LABELS, routeSiteToProvider, siteUrl } from '../../../cdn/index.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { getSite } from '../sites.server.ts';
import { formatSeoulDateTime } from '../components/seoul-time.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `게시 기록 · ${data?.site.name ?? ''} · WindWalker` }];

function notFound(): Response {
  return new Response('사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.', { status: 404 });
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const [deployments, builds, route] = await Promise.all([
    listDeployments(sql, tenant.id, site.id),
    listBuilds(sql, tenant.id, site.id, 100),
    // Which CDN serves the site and why (the router's sentence); none when no price fits.
    routeSiteToProvider(sql, { tenantId: tenant.id, siteId: site.id, eligible: eligibleProviderNames() }).catch((error: unknown) => {
      if (error instanceof CdnError && error.code === 'not_configured') return null;
      throw error;
    }),
  ]);
  const buildsById = new Map(builds.map((b) => [b.id, b]));
  return json({
    site: { id: site.id, name: site.name, url: siteUrl(site.slug) },
    canEdit: role !== 'viewer',
    cdn: route
      ? route.current
        ? `${PROVIDER_LABELS[route.current]}에서 서비스 중 · ${route.reason}`
        : `첫 게시 때 ${PROVIDER_LABELS[route.chosen]}에 올립니다 · ${route.reason}`
      : null,
    deployments: deployments
      .filter((d) => d.status !== 'deleted')
      .map((d) => ({
        id: d.id,
        status: d.status,
        live: d.live,
        provider: d.provider,
        fileCount: d.fileCount,
        totalBytes: d.totalBytes,
        uploadedBytes: d.uploadedBytes,
        createdAt: d.createdAt.toISOString(),
        activatedAt: d.activatedAt?.toISOString() ?? null,
        buildId: d.buildId,
        versionNumber: d.buildId ? (buildsById.get(d.buildId)?.versionNumber ?? null) : null,
      })),
    builds: builds.slice(0, 10).map((b) => ({
      id: b.id,
      status: b.status,
      versionNumber: b.versionNumber,
      queuedAt: b.queuedAt.toISOString(),
      error: b.error,
    })),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const form = await request.formData();
  try {
    await activateDeployment(sql, { tenantId: tenant.id, siteId: site.id, deploymentId: String(form.get('deploymentId') ?? '') });
    return json({ ok: true as const, message: '선택한 버전이 지금 사이트에 보입니다.' });
  } catch (error) {
    if (error instanceof CdnError) {
      if (error.code === 'not_found') throw new Response(error.message, { status: 404 });
      return json({ ok: false as const, message: error.message }, { status: 409 });
    }
    throw error;
  }
}

const BUILD_STATUS: Record<string, { label: string; tone: string }> = {
  queued: { label: '대기', tone: 'brand' },
  running: { label: '진행 중', tone: 'brand' },
  succeeded: { label: '성공', tone: 'success' },
  failed: { label: '실패', tone: 'danger' },
  cancelled: { label: '취소', tone: 'muted' },
  superseded: { label: '대체됨', tone: 'muted' },
};

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export default function Deployments() {
  const { site, deployments, builds, canEdit, cdn } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const pendingId = navigation.state !== 'idle' ? navigation.formData?.get('deploymentId') : null;
  return (
    <div className="page deployments-page">
      <nav className="breadcrumbs" aria-label="위치">
        <Link to="/sites">내 사이트</Link> › <Link to={`/sites/${site.id}`}>{site.name}</Link> › <span>게시 기록</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>게시 기록</h1>
          <p>
            게시할 때마다 사이트 전체가 새 배포로 저장됩니다. 예전 배포를 고르면 바로 그 버전으로 되돌아갑니다.{' '}
            <a href={site.url} target="_blank" rel="noreferrer">
              {site.url.replace(/^https?:\/\//, '')} ↗
            </a>
          </p>
          {cdn ? <p className="muted small" data-testid="site-cdn">CDN: {cdn}</p> : null}
        </div>
        <Link to={`/sites/${site.id}`} className="button button-secondary">
          편집기로 돌아가기
        </Link>
      </div>
      {actionData ? <div className={`alert ${actionData.ok ? 'alert-success' : 'alert-error'}`}>{actionData.message}</div> : null}

      {deployments.length === 0 ? (
        <div className="card empty-state">
          <h2>아직 게시한 적이 없습니다</h2>
          <p className="muted">편집기에서 ‘게시하기’를 누르면 여기에 배포가 쌓입니다.</p>
          <Link to={`/sites/${site.id}`} className="button">
            편집기 열기
          </Link>
        </div>
      ) : (
        <ul className="deployment-list">
          {deployments.map((d) => (
            <li key={d.id} className={`deployment${d.live ? ' is-live' : ''}`}>
              <div className="deployment-main">
                <div className="deployment-title">
                  <strong>{d.versionNumber ? `버전 ${d.versionNumber}` : '배포'}</strong>
                  {d.live ? <span className="badge badge-success">지금 사이트에 보이는 버전</span> : null}
                  {d.status !== 'ready' ? <span className="badge badge-warning">{d.status === 'uploading' ? '올리는 중' : '실패'}</span> : null}
                </div>
                <p className="deployment-meta">
                  {formatSeoulDateTime(d.createdAt)} 게시 · 파일 {d.fileCount}개 · {formatBytes(d.totalBytes)}
                  {d.uploadedBytes < d.totalBytes ? ` (새로 올린 양 ${formatBytes(d.uploadedBytes)})` : ''}
                  {d.activatedAt && !d.live ? ` · 마지막으로 보인 때 ${formatSeoulDateTime(d.activatedAt)}` : ''}
                </p>
              </div>
              <div className="deployment-actions">
                {d.buildId ? (
                  <Link to={`/sites/${site.id}/builds/${d.buildId}`} className="link-button">
                    기록 보기
                  </Link>
                ) : null}
                {canEdit && !d.live && d.status === 'ready' ? (
                  <Form
                    method="post"
                    onSubmit={(event) => {
                      if (!window.confirm(`${d.versionNumber ? `버전 ${d.versionNumber}` : '이 배포'}로 되돌릴까요? 방문자에게 바로 이 버전이 보입니다.`)) event.preventDefault();
                    }}
                  >
                    <input type="hidden" name="deploymentId" value={d.id} />
                    <button type="submit" className="button button-secondary button-small" disabled={pendingId === d.id}>
                      {pendingId === d.id ? '되돌리는 중…' : '이 버전으로 되돌리기'}
                    </button>
                  </Form>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}

      {builds.length > 0 ? (
        <section className="card recent-builds">
          <h2>최근 게시 요청</h2>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">버전</th>
                <th scope="col">요청 시각</th>
                <th scope="col">결과</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {builds.map((b) => (
                <tr key={b.id}>
                  <td>버전 {b.versionNumber}</td>
                  <td>{formatSeoulDateTime(b.queuedAt)}</td>
                  <td>
                    <span className={`badge badge-${BUILD_STATUS[b.status]?.tone ?? 'muted'}`}>{BUILD_STATUS[b.status]?.label ?? b.status}</span>
                    {b.status === 'failed' && b.error ? <span className="muted small"> {b.error}</span> : null}
                  </td>
                  <td>
                    <Link to={`/sites/${site.id}/builds/${b.id}`}>자세히</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
