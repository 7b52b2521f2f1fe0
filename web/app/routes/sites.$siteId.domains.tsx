// /sites/:siteId/domains — the site's own domains (www.mycafe.co.kr): add one, the DNS records
// to create at the registrar (copyable), whether the domain and its certificate are connected,
// "다시 확인", which domain is the primary (the others redirect to it) and removal.
// Anyone in the workspace may look; editors re-check and choose the primary; adding and
// removing are the owner's, because a connected domain is billed (20,000원 a year).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { addOnPrices, BillingError, getTenantPlan, UPGRADE_URL } from '../../../billing/index.ts';
import {
  addSiteDomain, CdnError, countWorkspaceDomains, listSiteDomains, recheckSiteDomain, removeSiteDomain, setPrimaryDomain, siteUrl,
} from '../../../cdn/index.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';
import { domainProviders } from '../domains.server.ts';
import { getSite } from '../sites.server.ts';
import { formatSeoulDateTime } from '../components/seoul-time.ts';
import sitesStyles from '../components/builder/sites.css?url';
import domainStyles from '../components/domains/domains.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }, { rel: 'stylesheet', href: domainStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `도메인 연결 · ${data?.site.name ?? ''} · WindWalker` }];

function notFound(): Response {
  return new Response('사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.', { status: 404 });
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const [domains, plan, used] = await Promise.all([
    listSiteDomains(sql, tenant.id, site.id),
    getTenantPlan(sql, tenant.id),
    countWorkspaceDomains(sql, tenant.id),
  ]);
  return json({
    site: { id: site.id, name: site.name, url: siteUrl(site.slug) },
    role,
    plan: { name: plan.nameKo, maxDomains: plan.maxCustomDomains, used },
    yearlyPriceKrw: addOnPrices.customDomainPerYear,
    upgradeUrl: UPGRADE_URL,
    domains: domains.map((d) => ({
      ...d,
      checkedAt: d.checkedAt?.toISOString() ?? null,
      verifiedAt: d.verifiedAt?.toISOString() ?? null,
      createdAt: d.createdAt.toISOString(),
    })),
  });
}

type ActionAnswer = { ok: boolean; message: string; upgrade?: boolean; domain?: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const hostname = String(form.get('hostname') ?? '');
  const { tenant } = await requireMember(request, intent === 'add' || intent === 'remove' ? 'owner' : 'editor');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const providers = domainProviders(sql);
  try {
    switch (intent) {
      case 'add': {
        const typed = String(form.get('domain') ?? '');
        try {
          const added = await addSiteDomain(sql, providers, tenant.id, site.id, typed);
          return json<ActionAnswer>({ ok: true, message: `${added.hostname}을(를) 추가했습니다. 아래 DNS 레코드를 도메인을 산 곳(가비아, 카페24 등)에 만들어 주세요.` });
        } catch (error) {
          // Keep what the owner typed in the field.
          if (error instanceof BillingError && error.code === 'PLAN_LIMIT') return json<ActionAnswer>({ ok: false, message: error.message, upgrade: true, domain: typed }, { status: 403 });
          if (error instanceof CdnError && error.code !== 'not_found') return json<ActionAnswer>({ ok: false, message: error.message, domain: typed }, { status: error.code === 'domain_taken' ? 409 : 400 });
          throw error;
        }
      }
      case 'recheck': {
        const checked = await recheckSiteDomain(sql, providers, tenant.id, site.id, hostname);
        return json<ActionAnswer>({
          ok: checked.status === 'active',
          message: checked.status === 'active'
            ? `${checked.hostname}이(가) 연결되었습니다.${checked.certificateStatus === 'active' ? '' : ' 보안 인증서(HTTPS)는 아직 발급 중입니다.'}`
            : `${checked.hostname}의 DNS 레코드가 아직 보이지 않습니다. 레코드를 만든 뒤 반영까지 몇 분에서 길게는 하루가 걸릴 수 있습니다. 1시간 안에는 1분마다 저절로 다시 확인합니다.`,
        });
      }
      case 'primary':
        await setPrimaryDomain(sql, providers, tenant.id, site.id, hostname);
        return json<ActionAnswer>({ ok: true, message: `${hostname}을(를) 기본 도메인으로 정했습니다. 다른 도메인으로 들어온 방문자는 이 주소로 옮겨집니다.` });
      case 'remove':
        await removeSiteDomain(sql, providers, tenant.id, site.id, hostname);
        return json<ActionAnswer>({ ok: true, message: `${hostname} 연결을 해제했습니다.` });
      default:
        return json<ActionAnswer>({ ok: false, message: '알 수 없는 요청입니다. 페이지를 새로 고쳐 주세요.' }, { status: 400 });
    }
  } catch (error) {
    if (error instanceof CdnError) {
      if (error.code === 'not_found' && !hostname) throw notFound();
      return json<ActionAnswer>({ ok: false, message: error.message }, { status: error.code === 'not_found' ? 404 : 409 });
    }
    throw error;
  }
}

const PHASE: Record<string, { label: string; tone: string }> = {
  pending: { label: '확인 대기 중', tone: 'warning' },
  active: { label: '연결됨', tone: 'success' },
  failed: { label: '실패', tone: 'danger' },
};
const CERT: Record<string, { label: string; tone: string }> = {
  pending: { label: '인증서 발급 중', tone: 'warning' },
  active: { label: 'HTTPS 사용 가능', tone: 'success' },
  failed: { label: '인증서 실패', tone: 'danger' },
};

function CopyValue({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="dns-value">
      <code>{value}</code>
      <button
        type="button"
        className="link-button"
        aria-label={`${label} 복사`}
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          });
        }}
      >
        {copied ? '복사됨' : '복사'}
      </button>
    </span>
  );
}

export default function Domains() {
  const { site, role, plan, yearlyPriceKrw, upgradeUrl, domains } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' ? `${navigation.formData?.get('intent') ?? ''}:${navigation.formData?.get('hostname') ?? ''}` : null;
  const canEdit = role !== 'viewer';
  const isOwner = role === 'owner';
  const primary = domains.find((d) => d.isPrimary);
  const full = plan.used >= plan.maxDomains;
  return (
    <div className="page domains-page">
      <nav className="breadcrumbs" aria-label="위치">
        <Link to="/sites">내 사이트</Link> › <Link to={`/sites/${site.id}`}>{site.name}</Link> › <span>도메인 연결</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>도메인 연결</h1>
          <p>
            직접 산 도메인(예: www.mycafe.co.kr)으로 사이트를 열 수 있습니다. 지금 주소:{' '}
            <a href={primary ? `https://${primary.hostname}` : site.url} target="_blank" rel="noreferrer">
              {primary ? primary.hostname : site.url.replace(/^https?:\/\//, '')} ↗
            </a>
          </p>
        </div>
        <Link to={`/sites/${site.id}`} className="button button-secondary">
          편집기로 돌아가기
        </Link>
      </div>

      {answer ? (
        <div className={`alert ${answer.ok ? 'alert-success' : 'alert-error'}`} role="status">
          {answer.message}
          {answer.upgrade ? (
            <>
              {' '}
              <Link to={upgradeUrl}>요금제 바꾸기 →</Link>
            </>
          ) : null}
        </div>
      ) : null}

      <section className="card">
        <h2>도메인 추가</h2>
        <p className="muted">
          {plan.name} 요금제: 워크스페이스 전체에서 도메인 {plan.maxDomains}개까지 연결할 수 있고, 지금 {plan.used}개를 쓰고 있습니다. 연결한 도메인마다 1년에{' '}
          {yearlyPriceKrw.toLocaleString('ko-KR')}원(부가세 별도)이 청구됩니다.
        </p>
        {isOwner ? (
          <Form method="post" className="domain-add">
            <input type="hidden" name="intent" value="add" />
            <label className="field">
              <span className="field-label">도메인</span>
              <input
                className="input"
                name="domain"
                required
                defaultValue={answer && !answer.ok ? (answer.domain ?? '') : ''}
                key={answer?.ok ? 'cleared' : 'kept'}
                placeholder="www.mycafe.co.kr"
                autoComplete="off"
                inputMode="url"
                aria-invalid={answer && !answer.ok && answer.domain !== undefined ? true : undefined}
              />
              <span className="field-hint">주소창에 넣는 이름만 적어 주세요. 한글 도메인도 됩니다.</span>
            </label>
            <button type="submit" className="button" disabled={busy === 'add:'}>
              {busy === 'add:' ? '추가하는 중…' : '도메인 추가'}
            </button>
          </Form>
        ) : (
          <p className="muted">도메인 추가와 해제는 비용이 드는 일이라 워크스페이스 소유자만 할 수 있습니다.</p>
        )}
        {isOwner && full ? (
          <p className="field-hint">
            요금제의 도메인 수를 모두 썼습니다. 더 연결하려면 <Link to={upgradeUrl}>요금제를 바꿔 주세요</Link>.
          </p>
        ) : null}
      </section>

      {domains.length === 0 ? (
        <div className="card empty-state">
          <h2>아직 연결한 도메인이 없습니다</h2>
          <p className="muted">도메인을 추가하면 도메인을 산 곳에 만들 DNS 레코드를 알려 드립니다.</p>
        </div>
      ) : (
        domains.map((d) => (
          <section key={d.hostname} className={`card domain-card${d.isPrimary ? ' is-primary' : ''}`}>
            <div className="domain-head">
              <div>
                <h2>
                  {d.hostname}
                  {d.isPrimary ? <span className="badge badge-brand">기본 도메인</span> : null}
                </h2>
                <p className="domain-badges">
                  <span className={`badge badge-${PHASE[d.status].tone}`}>{PHASE[d.status].label}</span>
                  <span className={`badge badge-${CERT[d.certificateStatus].tone}`}>{CERT[d.certificateStatus].label}</span>
                  {d.status === 'active' && !d.isPrimary && primary ? <span className="badge badge-muted">{primary.hostname}(으)로 이동</span> : null}
                </p>
                <p className="muted domain-meta">
                  {formatSeoulDateTime(d.createdAt)} 추가
                  {d.checkedAt ? ` · 마지막 확인 ${formatSeoulDateTime(d.checkedAt)}` : ''}
                  {d.verifiedAt ? ` · ${formatSeoulDateTime(d.verifiedAt)} 연결됨` : ''}
                </p>
              </div>
              {canEdit ? (
                <div className="domain-actions">
                  <Form method="post">
                    <input type="hidden" name="intent" value="recheck" />
                    <input type="hidden" name="hostname" value={d.hostname} />
                    <button type="submit" className="button button-secondary button-small" disabled={busy === `recheck:${d.hostname}`}>
                      {busy === `recheck:${d.hostname}` ? '확인하는 중…' : '다시 확인'}
                    </button>
                  </Form>
                  {d.status === 'active' && !d.isPrimary ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="primary" />
                      <input type="hidden" name="hostname" value={d.hostname} />
                      <button type="submit" className="button button-secondary button-small">기본 도메인으로</button>
                    </Form>
                  ) : null}
                  {isOwner ? (
                    <Form
                      method="post"
                      onSubmit={(event) => {
                        if (!window.confirm(`${d.hostname} 연결을 해제할까요? 이 주소로는 사이트가 더 이상 열리지 않습니다.`)) event.preventDefault();
                      }}
                    >
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="hostname" value={d.hostname} />
                      <button type="submit" className="button button-danger button-small">연결 해제</button>
                    </Form>
                  ) : null}
                </div>
              ) : null}
            </div>
            {d.status !== 'active' || d.certificateStatus !== 'active' ? (
              <>
                <p>
                  도메인을 산 곳(가비아, 카페24, 후이즈 등)의 <strong>DNS 관리</strong>에서 아래 레코드를 그대로 만들어 주세요. 반영까지 몇 분에서 길게는
                  하루가 걸리며, 저절로 다시 확인합니다.
                </p>
                <table className="table dns-table">
                  <thead>
                    <tr>
                      <th>종류</th>
                      <th>이름(호스트)</th>
                      <th>값</th>
                      <th>용도</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.dnsRecords.map((r) => (
                      <tr key={`${r.type}:${r.name}:${r.value}`}>
                        <td>
                          <span className="badge badge-muted">{r.type}</span>
                        </td>
                        <td data-label="이름(호스트)">
                          <CopyValue value={r.name} label={`${r.type} 이름`} />
                        </td>
                        <td data-label="값">
                          <CopyValue value={r.value} label={`${r.type} 값`} />
                        </td>
                        <td data-label="용도">{r.purpose}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="field-hint">
                  가비아·카페24처럼 호스트 칸 뒤에 도메인이 붙어 있는 곳에서는 이름의 앞부분만(예: www 또는 _windwalker.www) 넣습니다. 루트 도메인(mycafe.co.kr)은
                  CNAME 대신 ALIAS/ANAME 레코드를 쓰는 곳도 있습니다.
                  {d.dnsTarget === 'stable' && d.stableName
                    ? ` CNAME 값 ${d.stableName}은(는) WindWalker가 관리하는 이름이라, 사이트가 더 알맞은 CDN으로 옮겨 가도 DNS를 다시 바꿀 필요가 없습니다.`
                    : ''}
                </p>
              </>
            ) : null}
            {d.dnsTarget === 'provider' && d.stableName ? (
              <p className="field-hint">
                이 도메인은 CDN 주소를 직접 가리키고 있어, 이대로는 사이트가 더 알맞은 CDN으로 옮겨 갈 수 없습니다(옮기면 이 주소가 따라가지 못합니다). DNS
                관리에서 {d.hostname}의 CNAME 값을 <CopyValue value={d.stableName} label="WindWalker 이름" />(으)로 바꾼 뒤 ‘다시 확인’을 눌러 주세요. 그
                뒤로는 CDN을 옮겨도 DNS를 바꿀 필요가 없습니다.
              </p>
            ) : null}
          </section>
        ))
      )}
    </div>
  );
}
