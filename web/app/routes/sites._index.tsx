// /sites — the workspace's sites as cards, or an invitation to create the first one.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { siteUrl } from '../../../cdn/index.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { listSites, listTemplateCards } from '../sites.server.ts';
import { formatSeoulDateTime } from '../components/seoul-time.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction = () => [{ title: '내 사이트 · WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const sites = await listSites(sql, tenant.id);
  const colours = new Map(listTemplateCards().map((t) => [t.id, t]));
  return json({
    canEdit: role !== 'viewer',
    workspaceName: tenant.name,
    sites: sites.map((site) => {
      const template = colours.get(site.template);
      return {
        id: site.id,
        name: site.name,
        address: siteUrl(site.slug),
        templateName: template?.name ?? site.template,
        colors: template?.colors ?? null,
        isLive: site.liveDeploymentId !== null,
        lastPublishedAt: site.lastPublishedAt?.toISOString() ?? null,
        updatedAt: site.updatedAt.toISOString(),
        latestBuild: site.latestBuild ? { id: site.latestBuild.id, status: site.latestBuild.status } : null,
      };
    }),
  });
}

type SiteCard = ReturnType<typeof useLoaderData<typeof loader>>['sites'][number];

function statusOf(site: SiteCard): { label: string; tone: 'success' | 'warning' | 'danger' | 'muted' | 'brand' } {
  const build = site.latestBuild;
  if (build && (build.status === 'queued' || build.status === 'running')) return { label: '게시 중', tone: 'brand' };
  if (build?.status === 'failed') return { label: site.isLive ? '게시됨 · 마지막 게시 실패' : '게시 실패', tone: 'danger' };
  if (site.isLive) return { label: '게시됨', tone: 'success' };
  return { label: '게시 전', tone: 'muted' };
}

export default function SitesIndex() {
  const { sites, canEdit, workspaceName } = useLoaderData<typeof loader>();
  return (
    <div className="page sites-page">
      <div className="page-header">
        <div>
          <h1>내 사이트</h1>
          <p>{workspaceName} 워크스페이스의 홈페이지를 만들고, 고치고, 게시합니다.</p>
        </div>
        {canEdit && sites.length > 0 ? (
          <Link to="/sites/new" className="button">
            + 새 사이트 만들기
          </Link>
        ) : null}
      </div>

      {sites.length === 0 ? (
        <div className="sites-empty">
          <div className="sites-empty-art" aria-hidden="true">
            <span />
            <span />
            <span />
          </div>
          <h2>첫 홈페이지를 만들어 볼까요?</h2>
          <p>카페, 미용실, 병원, 학원… 업종에 맞는 템플릿을 고르고 가게 이름만 넣으면 바로 시작할 수 있습니다. 글과 사진은 나중에 언제든 바꿀 수 있어요.</p>
          {canEdit ? (
            <Link to="/sites/new" className="button button-large">
              템플릿 고르고 시작하기
            </Link>
          ) : (
            <p className="muted">아직 사이트가 없습니다. 편집자 이상의 구성원이 사이트를 만들 수 있습니다.</p>
          )}
        </div>
      ) : (
        <ul className="site-cards">
          {sites.map((site) => {
            const status = statusOf(site);
            return (
              <li key={site.id} className="site-card">
                <Link to={`/sites/${site.id}`} className="site-card-cover" aria-label={`${site.name} 편집하기`} style={site.colors ? { background: site.colors.background } : undefined}>
                  <span className="cover-bar" style={site.colors ? { background: site.colors.primary } : undefined} />
                  <span className="cover-title" style={site.colors ? { color: site.colors.text } : undefined}>
                    {site.name}
                  </span>
                  <span className="cover-line" style={site.colors ? { background: site.colors.text } : undefined} />
                  <span className="cover-line short" style={site.colors ? { background: site.colors.text } : undefined} />
                  <span className="cover-button" style={site.colors ? { background: site.colors.accent } : undefined} />
                </Link>
                <div className="site-card-body">
                  <div className="site-card-title">
                    <h2>
                      <Link to={`/sites/${site.id}`}>{site.name}</Link>
                    </h2>
                    <span className={`badge badge-${status.tone}`}>{status.label}</span>
                  </div>
                  <a className="site-card-address" href={site.address} target="_blank" rel="noreferrer">
                    {site.address.replace(/^https?:\/\//, '')}
                  </a>
                  <p className="site-card-meta">
                    {site.lastPublishedAt ? `마지막 게시 ${formatSeoulDateTime(site.lastPublishedAt)}` : '아직 게시하지 않았습니다'}
                    <br />
                    {site.templateName} 템플릿 · 수정 {formatSeoulDateTime(site.updatedAt)}
                  </p>
                  <div className="site-card-actions">
                    <Link to={`/sites/${site.id}`} className="button button-small">
                      {canEdit ? '편집하기' : '보기'}
                    </Link>
                    <Link to={`/sites/${site.id}/deployments`} className="button button-secondary button-small">
                      게시 기록
                    </Link>
                    {site.latestBuild && (site.latestBuild.status === 'queued' || site.latestBuild.status === 'running') ? (
                      <Link to={`/sites/${site.id}/builds/${site.latestBuild.id}`} className="link-button">
                        진행 상황 보기
                      </Link>
                    ) : null}
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
