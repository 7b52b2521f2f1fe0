// /ops/loadtests: k6 runs (npm run loadtest) over time against the concurrency targets
// (50 / 100 / 250 / 500 users) and the p95 < 500ms threshold. Ops and admins only.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData, useLocation } from '@remix-run/react';
import { LoadtestChart } from '~/components/ops/charts.tsx';
import { CsvLink, DataTable, Kpi, Panel } from '~/components/ops/DataTable.tsx';
import { CONCURRENCY_TARGETS, count, percent, seoulDateTime } from '~/components/ops/format.ts';
import { sql } from '~/db.server.ts';
import { loadtestRuns, rangeFromRequest, requireOpsView } from '~/ops.server.ts';

/** The k6 threshold every scenario holds (loadtest/scenarios/common.js: http_req_duration p(95)<500). */
const P95_TARGET_MS = 500;
const SCENARIOS = { visitors: '방문자', owners: '사장님(편집)', mixed: '혼합' } as Record<string, string>;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOpsView(request, 'capacity');
  const range = rangeFromRequest(request);
  return json({ range, runs: await loadtestRuns(sql, range), targets: [...CONCURRENCY_TARGETS] });
}

export default function OpsLoadtests() {
  const d = useLoaderData<typeof loader>();
  const { search } = useLocation();
  // The highest target whose latest run passed, per scenario.
  const latest = new Map<string, (typeof d.runs)[number]>();
  for (const r of d.runs) latest.set(`${r.scenario}:${r.model}:${r.targetVus}`, r);
  const held = d.targets.map((t) => ({ target: t, runs: [...latest.values()].filter((r) => r.targetVus === t) }));
  return (
    <>
      <div className="stats">
        {held.map((h) => {
          const passed = h.runs.filter((r) => r.passed).length;
          return (
            <Kpi
              key={h.target}
              label={`동접 ${h.target}명 목표`}
              value={h.runs.length === 0 ? '미실행' : passed === h.runs.length ? '통과' : `${h.runs.length - passed}건 실패`}
              hint={h.runs.length === 0 ? '기간 중 실행 없음' : `최근 실행 ${h.runs.length}개 시나리오 기준`}
              tone={h.runs.length === 0 ? undefined : passed === h.runs.length ? 'good' : 'bad'}
            />
          );
        })}
      </div>
      <Panel title="p95 응답 시간 추이" note={`목표: 모든 시나리오 p95 < ${P95_TARGET_MS}ms, 오류율 1% 미만`} actions={<CsvLink table="loadtests" search={search} />}>
        <LoadtestChart data={d.runs} p95TargetMs={P95_TARGET_MS} />
      </Panel>
      <Panel title="실행 기록" flush>
        <DataTable
          rows={[...d.runs].reverse()}
          rowKey={(r) => String(r.id)}
          caption="부하 테스트 실행 기록"
          empty="기간 중 부하 테스트 실행이 없습니다. npm run loadtest로 실행하면 여기에 쌓입니다."
          columns={[
            { header: '시작', cell: (r) => seoulDateTime(r.startedAt, true) },
            { header: '시나리오', cell: (r) => `${SCENARIOS[r.scenario] ?? r.scenario} · ${r.model === 'open' ? '열린 모델' : '닫힌 모델'}` },
            { header: '목표 동접', cell: (r) => `${count(r.targetVus)}명`, numeric: true },
            { header: 'p95', cell: (r) => <span className={r.p95Ms >= P95_TARGET_MS ? 'ops-neg' : undefined}>{`${count(r.p95Ms)}ms`}</span>, numeric: true },
            { header: 'p99', cell: (r) => `${count(r.p99Ms)}ms`, numeric: true },
            { header: '초당 요청', cell: (r) => count(r.rps), numeric: true },
            { header: '오류율', cell: (r) => percent(r.errorRate * 100, 2), numeric: true },
            { header: '결과', cell: (r) => <span className={`badge ${r.passed ? 'badge-success' : 'badge-danger'}`}>{r.passed ? '통과' : '실패'}</span> },
          ]}
        />
      </Panel>
    </>
  );
}
