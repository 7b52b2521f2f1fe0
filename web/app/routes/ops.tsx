// /ops: the finance and operations dashboard. Finance sees money, ops sees capacity, admins
// see both; anyone else gets 404 (ops.server.ts). The layout holds the tabs and the date range.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, NavLink, Outlet, useLoaderData, useLocation } from '@remix-run/react';
import opsStylesHref from '~/components/ops/ops.css?url';
import { sql } from '~/db.server.ts';
import { alertView, listAlerts, rangeFromRequest, requireOpsAccess } from '~/ops.server.ts';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: opsStylesHref }];
export const meta: MetaFunction = () => [{ title: '운영 대시보드 — WindWalker' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const access = await requireOpsAccess(request);
  const range = rangeFromRequest(request);
  const openAlerts = (await listAlerts(sql, { openOnly: true, limit: 500 })).filter((a) => access[alertView(a)]).length;
  return json({ money: access.money, capacity: access.capacity, range, openAlerts, today: rangeFromRequest(new Request('http://x/')).to });
}

function shift(day: string, by: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000).toISOString().slice(0, 10);
}

export default function OpsLayout() {
  const data = useLoaderData<typeof loader>();
  const location = useLocation();
  const search = `?from=${data.range.from}&to=${data.range.to}`;
  const tabs = [
    { to: '/ops/finance', label: '매출·비용', show: data.money },
    { to: '/ops/scenarios', label: '사업계획 시나리오', show: data.money },
    { to: '/ops/capacity', label: '용량', show: data.capacity },
    { to: '/ops/loadtests', label: '부하 테스트', show: data.capacity },
    { to: '/ops/cdn', label: 'CDN 상태', show: data.capacity },
    { to: '/ops/budgets', label: '예산·알림', show: true, count: data.openAlerts },
  ].filter((t) => t.show);
  const presets = [
    { label: '7일', from: shift(data.today, -6) },
    { label: '30일', from: shift(data.today, -29) },
    { label: '90일', from: shift(data.today, -89) },
    { label: '올해', from: `${data.today.slice(0, 4)}-01-01` },
  ];
  return (
    <div className="page ops-page">
      <div className="ops-head">
        <div>
          <h1>운영 대시보드</h1>
          <p>
            {data.money && data.capacity ? '매출, 비용, 마진과 호스트 용량' : data.money ? '매출, 비용과 마진 (재무)' : '호스트 용량과 부하 테스트 (운영)'} · 금액은 부가세 별도,
            날짜는 한국 시간 기준
          </p>
        </div>
        <Form method="get" action={location.pathname} className="ops-range" aria-label="기간 선택">
          <label>
            시작일
            <input type="date" name="from" defaultValue={data.range.from} max={data.today} key={`f${data.range.from}`} />
          </label>
          <label>
            종료일
            <input type="date" name="to" defaultValue={data.range.to} max={data.today} key={`t${data.range.to}`} />
          </label>
          <button type="submit" className="button button-small">
            적용
          </button>
          <div className="ops-range-presets">
            {presets.map((p) => (
              <a key={p.label} href={`${location.pathname}?from=${p.from}&to=${data.today}`}>
                {p.label}
              </a>
            ))}
          </div>
        </Form>
      </div>
      <nav className="ops-tabs" aria-label="운영 대시보드 메뉴">
        {tabs.map((t) => (
          <NavLink key={t.to} to={`${t.to}${search}`} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {t.label}
            {t.count ? <span className="ops-tab-count" aria-label={`열린 알림 ${t.count}건`}>{t.count}</span> : null}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </div>
  );
}
