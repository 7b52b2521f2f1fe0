// /ops/finance: revenue (MRR by plan), cost by source over time, margin per site, tenant and
// plan (worst first), the top-cost sites, the CDN provider mix and what the CDN router saves.
// Finance and admins only.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData, useLocation } from '@remix-run/react';
import { CdnSavingsChart, monthLabel } from '~/components/ops/CdnSavingsChart.tsx';
import { CostRevenueChart, MarginChart, MrrByPlanChart, ProviderMixChart, TopCostChart } from '~/components/ops/charts.tsx';
import { CsvLink, DataTable, Kpi, Panel, type Column } from '~/components/ops/DataTable.tsx';
import { bytes, count, dayLabel, PLAN_LABELS, PROVIDER_LABELS, percent, SOURCE_LABELS, won } from '~/components/ops/format.ts';
import { sql } from '~/db.server.ts';
import {
  cdnProviderMix,
  cdnRouterSavings,
  costAndRevenueByDay,
  marginByPlan,
  marginBySite,
  marginByTenant,
  mrrByPlan,
  rangeFromRequest,
  requireOpsView,
  type MarginRow,
} from '~/ops.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOpsView(request, 'money');
  const range = rangeFromRequest(request);
  const [mrr, days, sites, tenants, plans, mix, savings] = await Promise.all([
    mrrByPlan(sql),
    costAndRevenueByDay(sql, range),
    marginBySite(sql, range),
    marginByTenant(sql, range),
    marginByPlan(sql, range),
    cdnProviderMix(sql, range),
    cdnRouterSavings(sql, range),
  ]);
  return json({ range, mrr, days, sites, tenants, plans, mix, savings });
}

function Margin({ value }: { value: number }) {
  return <span className={value < 0 ? 'ops-neg' : 'ops-pos'}>{won(value)}</span>;
}

function marginColumns(first: string, planColumn: boolean): Column<MarginRow>[] {
  const columns: Column<MarginRow>[] = [
    {
      header: first,
      cell: (r) => (
        <>
          <strong>{r.name}</strong>
          <span className="ops-ref">{r.detail}</span>
        </>
      ),
    },
  ];
  if (planColumn) columns.push({ header: '플랜', cell: (r) => (r.planCode ? (PLAN_LABELS[r.planCode] ?? r.planCode) : '—') });
  columns.push(
    { header: '매출', cell: (r) => won(r.revenueKrw), numeric: true },
    { header: '비용', cell: (r) => won(r.costKrw), numeric: true },
    { header: '마진', cell: (r) => <Margin value={r.marginKrw} />, numeric: true },
    { header: '마진율', cell: (r) => percent(r.marginPercent), numeric: true },
  );
  return columns;
}

export default function OpsFinance() {
  const d = useLoaderData<typeof loader>();
  const { search } = useLocation();
  const revenue = d.days.reduce((s, x) => s + x.revenueKrw, 0);
  const cost = d.days.reduce((s, x) => s + x.totalKrw, 0);
  const margin = revenue - cost;
  const bySource = (['core', 'build', 'cdn', 'llm'] as const).map((k) => ({ k, v: d.days.reduce((s, x) => s + x[k], 0) }));
  const paying = d.mrr.byPlan.reduce((s, p) => s + p.subscriptions, 0);
  const topCost = [...d.sites].sort((a, b) => b.costKrw - a.costKrw);
  const rangeLabel = `${dayLabel(d.range.from)} ~ ${dayLabel(d.range.to)} (${d.range.days}일)`;

  return (
    <>
      <div className="stats">
        <Kpi label="MRR (월 반복 매출)" value={won(d.mrr.totalKrw)} hint={`유료 구독 ${count(paying)}곳`} />
        <Kpi label="기간 매출" value={won(revenue)} hint={rangeLabel} />
        <Kpi label="기간 비용" value={won(cost)} hint={bySource.filter((s) => s.v > 0).map((s) => `${SOURCE_LABELS[s.k]} ${won(s.v)}`).join(' · ') || '기록 없음'} />
        <Kpi label="기간 마진" value={won(margin)} hint={revenue > 0 ? `마진율 ${percent((margin / revenue) * 100)}` : '매출 없음'} tone={margin < 0 ? 'bad' : 'good'} />
      </div>

      <div className="ops-grid">
        <Panel title="플랜별 MRR" note="활성·연체 구독의 월 요금 (체험·해지·관리자 부여 플랜 제외)" flush actions={<CsvLink table="mrr" search={search} />}>
          <MrrByPlanChart data={d.mrr.byPlan} />
          <DataTable
            rows={d.mrr.byPlan}
            rowKey={(r) => r.planCode}
            caption="플랜별 MRR"
            columns={[
              { header: '플랜', cell: (r) => r.planName },
              { header: '구독', cell: (r) => `${count(r.subscriptions)}곳`, numeric: true },
              { header: 'MRR', cell: (r) => won(r.mrrKrw), numeric: true },
            ]}
          />
        </Panel>
        <Panel title="CDN 제공자 구성" note="기간 중 요청 수 비중과 제공자별 비용" flush actions={<CsvLink table="cdn-mix" search={search} />}>
          <ProviderMixChart data={d.mix} />
          <DataTable
            rows={d.mix}
            rowKey={(r) => r.provider}
            caption="CDN 제공자별 사용량"
            columns={[
              { header: '제공자', cell: (r) => PROVIDER_LABELS[r.provider] ?? r.provider },
              { header: '사이트', cell: (r) => count(r.sites), numeric: true },
              { header: '요청', cell: (r) => count(r.requests), numeric: true },
              { header: '전송량', cell: (r) => bytes(r.bytes), numeric: true },
              { header: '비용', cell: (r) => won(r.costKrw), numeric: true },
            ]}
          />
        </Panel>
      </div>

      <CdnSavingsPanel savings={d.savings} search={search} />

      <Panel title="일별 비용과 매출" note="비용은 출처별로 쌓아서, 매출은 선으로 (일할 계산)" actions={<CsvLink table="cost-by-day" search={search} />}>
        <CostRevenueChart data={d.days} />
      </Panel>

      <div className="ops-grid">
        <Panel title="마진 하위 사이트" note="마진이 낮은 순. 사이트 매출 = 워크스페이스 매출 ÷ 사이트 수">
          <MarginChart data={d.sites} label="사이트별 마진 (낮은 순)" />
        </Panel>
        <Panel title="비용 상위 사이트" note="기간 중 비용이 가장 큰 사이트와 출처">
          <TopCostChart data={topCost} />
        </Panel>
      </div>

      <Panel title="사이트별 마진" note="낮은 순" flush actions={<CsvLink table="margin-sites" search={search} />}>
        <DataTable rows={d.sites} rowKey={(r) => r.key} columns={marginColumns('사이트', true)} caption="사이트별 마진" />
      </Panel>
      <div className="ops-grid">
        <Panel title="워크스페이스별 마진" note="낮은 순" flush actions={<CsvLink table="margin-tenants" search={search} />}>
          <DataTable rows={d.tenants} rowKey={(r) => r.key} columns={marginColumns('워크스페이스', true)} caption="워크스페이스별 마진" />
        </Panel>
        <Panel title="플랜별 마진" note="낮은 순. 플랫폼 공통 = 어느 사이트도 쓰지 않은 날의 코어 비용" flush actions={<CsvLink table="margin-plans" search={search} />}>
          <DataTable rows={d.plans} rowKey={(r) => r.key} columns={marginColumns('플랜', false)} caption="플랜별 마진" />
        </Panel>
      </div>
    </>
  );
}

type Savings = ReturnType<typeof useLoaderData<typeof loader>>['savings'];

function CdnSavingsPanel({ savings, search }: { savings: Savings; search: string }) {
  const baselineName = PROVIDER_LABELS[savings.baselineProvider] ?? savings.baselineProvider;
  const cheapest = savings.singleProviders.find((p) => p.provider === savings.cheapestSingleProvider);
  return (
    <Panel
      title="CDN 라우터 절감액"
      note={
        <>
          <strong>기준: {savings.baselineLabel}.</strong> 같은 트래픽(사이트별 측정 요청·전송량)을 같은 가격표(cdn_prices)로, 라우터가 고른 제공자와 비교합니다.
          제공자는 월 단위로 청구하므로 사이트가 서비스된 날만큼 월 요금을 일할 계산합니다. 여기서는 자체 엣지도 가격표의 사이트당 분담액으로 셉니다 (비용 합계에서는 코어 비용에 들어 있습니다).
        </>
      }
      actions={<CsvLink table="cdn-savings" search={search} />}
    >
      <div className="stats ops-savings-stats">
        <Kpi
          label="라우터 절감액"
          value={won(savings.savingKrw)}
          hint={savings.savingPercent === null ? '기간 중 트래픽 없음' : `기준 대비 ${percent(savings.savingPercent)}`}
          tone={savings.savingKrw < 0 ? 'bad' : 'good'}
        />
        <Kpi label="라우터가 고른 제공자 비용" value={won(savings.routedKrw)} hint="실제 서비스한 제공자별 가격" />
        <Kpi label={`기준 비용 (모두 ${baselineName})`} value={won(savings.baselineKrw)} hint="사업계획서 시나리오 B" />
        <Kpi
          label="가장 싼 단일 제공자 대비"
          value={cheapest ? won(cheapest.savingKrw) : '—'}
          hint={cheapest ? `모두 ${PROVIDER_LABELS[cheapest.provider] ?? cheapest.provider}였다면 ${won(cheapest.costKrw)}` : '모든 사이트를 받을 수 있는 단일 제공자 없음'}
        />
      </div>
      {savings.unpricedProviders.length > 0 ? (
        <p className="alert alert-warning" role="status">
          가격표에 없는 제공자({savings.unpricedProviders.join(', ')})의 트래픽은 이 계산에서 빠졌습니다. cdn_prices에 요금을 넣어 주세요.
        </p>
      ) : null}
      <div className="ops-grid">
        <CdnSavingsChart data={savings.months} baselineName={`기준: 모두 ${baselineName}`} />
        <div className="ops-compact-table">
          <DataTable
            rows={savings.singleProviders}
            rowKey={(r) => r.provider}
            caption="단일 제공자였다면"
            empty="선택한 기간에 CDN 트래픽이 없습니다."
            columns={[
              { header: '모두 한 제공자로', cell: (r) => PROVIDER_LABELS[r.provider] ?? r.provider },
              { header: '비용', cell: (r) => (r.unfitSiteMonths > 0 ? <span className="muted">{won(r.costKrw)} (불가)</span> : won(r.costKrw)), numeric: true },
              { header: '라우터 절감', cell: (r) => (r.unfitSiteMonths > 0 ? '—' : won(r.savingKrw)), numeric: true },
              { header: '한도 초과', cell: (r) => (r.unfitSiteMonths > 0 ? `${count(r.unfitSiteMonths)}곳` : '없음'), numeric: true },
            ]}
          />
        </div>
      </div>
      <p className="muted small ops-note">
        (불가) = 그 제공자의 어떤 요금제도 받을 수 없는 월 요청 수의 사이트가 있어 실제로 고를 수 없는 경우입니다 (한도 초과 = 그런 사이트·월의 수).{' '}
        <a href={`/ops/export/cdn-single-provider${search}`} download>
          단일 제공자 표 CSV
        </a>
      </p>
      <DataTable
        rows={savings.months}
        rowKey={(r) => r.month}
        caption="월별 CDN 라우터 절감액"
        empty="선택한 기간에 CDN 트래픽이 없습니다."
        columns={[
          { header: '월', cell: (r) => monthLabel(r.month) },
          { header: '사이트', cell: (r) => count(r.sites), numeric: true },
          { header: '요청', cell: (r) => count(r.requests), numeric: true },
          { header: '전송량', cell: (r) => bytes(r.bytes), numeric: true },
          { header: '라우터 비용', cell: (r) => won(r.routedKrw), numeric: true },
          { header: '기준 비용', cell: (r) => won(r.baselineKrw), numeric: true },
          { header: '절감액', cell: (r) => <Margin value={r.savingKrw} />, numeric: true },
        ]}
      />
    </Panel>
  );
}
