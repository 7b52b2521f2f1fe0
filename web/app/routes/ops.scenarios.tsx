// /ops/scenarios: the business plan's tables — hybrid against all self-hosted at 50 / 100 /
// 250 / 500 concurrent users — recomputed from live figures beside the plan's own, with the
// assumptions editable. Finance and admins only.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsvLink, Panel } from '~/components/ops/DataTable.tsx';
import { count, seoulDateTime, won } from '~/components/ops/format.ts';
import { sql } from '~/db.server.ts';
import {
  ASSUMPTION_KEYS,
  HostCostInputError,
  listAssumptions,
  listHostCosts,
  requireOpsView,
  scenarioTables,
  setHostCostParts,
  updateAssumption,
  type ScenarioFigure,
} from '~/ops.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOpsView(request, 'money');
  const [tables, assumptions, hostCosts] = await Promise.all([scenarioTables(sql), listAssumptions(sql), listHostCosts(sql)]);
  return json({ ...tables, assumptions, hostCosts });
}

export async function action({ request }: ActionFunctionArgs) {
  const { user } = await requireOpsView(request, 'money');
  const form = await request.formData();
  if (form.get('intent') === 'host-cost') return saveHostCost(form, user.id);
  const changed: string[] = [];
  try {
    const current = new Map((await listAssumptions(sql)).map((a) => [a.key, a]));
    for (const key of ASSUMPTION_KEYS) {
      const raw = form.get(key);
      if (raw === null) continue;
      const text = String(raw).replaceAll(',', '').trim();
      const value = Number(text);
      const label = current.get(key)?.labelKo ?? key;
      if (text === '' || !Number.isFinite(value)) {
        return json({ ok: false, message: `'${label}' 값은 숫자로 입력해 주세요.` }, { status: 400 });
      }
      if (current.get(key)?.value !== value) {
        await updateAssumption(sql, key, value, user.id);
        changed.push(label);
      }
    }
  } catch (error) {
    return json({ ok: false, message: (error as Error).message }, { status: 400 });
  }
  return json({ ok: true, message: changed.length ? `${changed.join(', ')} 값을 바꿨습니다. 표를 다시 계산했습니다.` : '바뀐 값이 없습니다.' });
}

const HOST_COST_FIELDS = [
  { name: 'hardware', label: '하드웨어 상각' },
  { name: 'power', label: '전력' },
  { name: 'operation', label: '운영' },
] as const;

/** One host's monthly cost in its parts; what was typed comes back with a refusal. */
async function saveHostCost(form: FormData, userId: string) {
  const host = String(form.get('host') ?? '');
  const values = Object.fromEntries(HOST_COST_FIELDS.map((f) => [f.name, String(form.get(f.name) ?? '')])) as Record<(typeof HOST_COST_FIELDS)[number]['name'], string>;
  const number = (text: string) => (text.replaceAll(',', '').trim() === '' ? Number.NaN : Number(text.replaceAll(',', '').trim()));
  try {
    const saved = await setHostCostParts(sql, {
      name: host,
      hardwareKrw: number(values.hardware),
      powerKrw: number(values.power),
      operationKrw: number(values.operation),
      userId,
    });
    return json({ ok: true as const, message: `${host} 월 비용을 ${won(saved.monthlyCostKrw)}으로 바꿨습니다. 코어 비용과 시나리오 표에 반영됩니다.`, host, values: null });
  } catch (error) {
    if (!(error instanceof HostCostInputError)) throw error;
    return json({ ok: false as const, message: error.message, host, values }, { status: 400 });
  }
}

function Source({ figure }: { figure: ScenarioFigure }) {
  return figure.source === 'live' ? <span className="ops-source ops-source-live">실측</span> : <span className="ops-source ops-source-assumption">가정</span>;
}

function Cell({ value, reference }: { value: number; reference: number | null | undefined }) {
  return (
    <>
      {won(value)}
      {reference !== null && reference !== undefined ? <span className="ops-ref">계획 {won(reference)}</span> : null}
    </>
  );
}

export default function OpsScenarios() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const i = d.inputs;
  type HostCostResult = { ok: boolean; message: string; host: string; values: Record<(typeof HOST_COST_FIELDS)[number]['name'], string> | null };
  const hostResult = result && 'host' in result ? (result as HostCostResult) : null;
  const tables = [
    { architecture: 'hybrid', title: '시나리오 A: 하이브리드 (자체 코어 + CDN 호스팅)', delivery: 'CDN 호스팅' },
    { architecture: 'self_hosted', title: '시나리오 B: 순수 자체 구축', delivery: '대역폭 비용' },
  ] as const;
  return (
    <>
      <Panel
        title="계산에 쓴 값"
        note="실측 값이 있으면 실측을, 없으면 아래 가정을 씁니다. 실측: 호스트 월 비용 평균, MRR ÷ 유료 구독 수, 최근 30일 CDN 비용·전송량 ÷ 유료 구독 수"
      >
        <div className="stats" style={{ marginBottom: 0 }}>
          <div className="stat">
            <div className="stat-label">서버 1대 월 비용 <Source figure={i.hostMonthlyCostKrw} /></div>
            <div className="stat-value">{won(i.hostMonthlyCostKrw.value)}</div>
          </div>
          <div className="stat">
            <div className="stat-label">구독자당 월 매출 (ARPU) <Source figure={i.arpuKrw} /></div>
            <div className="stat-value">{won(i.arpuKrw.value)}</div>
          </div>
          <div className="stat">
            <div className="stat-label">구독자당 CDN 월 비용 <Source figure={i.cdnKrwPerSubscriber} /></div>
            <div className="stat-value">{won(i.cdnKrwPerSubscriber.value)}</div>
          </div>
          <div className="stat">
            <div className="stat-label">구독자당 월 트래픽 <Source figure={i.trafficGbPerSubscriber} /></div>
            <div className="stat-value">{i.trafficGbPerSubscriber.value.toLocaleString('ko-KR')}GB</div>
          </div>
        </div>
      </Panel>

      {tables.map((t) => {
        const rows = d.rows.filter((r) => r.architecture === t.architecture);
        return (
          <Panel key={t.architecture} title={t.title} note="월 기준. 회색 글씨는 사업계획서의 수치" flush actions={<CsvLink table="scenarios" search="" />}>
            <div className="table-wrap">
              <table className="table ops-table ops-scenario">
                <caption className="sr-only">{t.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">동접자</th>
                    <th scope="col" className="num">구독자 · 서버</th>
                    <th scope="col" className="num">코어 자체구축</th>
                    <th scope="col" className="num">{t.delivery}</th>
                    <th scope="col" className="num">총 비용</th>
                    <th scope="col" className="num">매출</th>
                    <th scope="col" className="num">순이익</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.concurrentUsers} data-users={r.concurrentUsers}>
                      <td>
                        <strong>{count(r.concurrentUsers)}명</strong>
                      </td>
                      <td className="num">
                        {count(r.subscribers)}명 · {count(r.hosts)}대
                      </td>
                      <td className="num">
                        <Cell value={r.computed.coreKrw} reference={r.reference?.coreKrw} />
                      </td>
                      <td className="num">
                        <Cell value={r.computed.deliveryKrw} reference={r.reference?.deliveryKrw} />
                      </td>
                      <td className="num">
                        <strong>
                          <Cell value={r.computed.totalKrw} reference={r.reference?.totalKrw} />
                        </strong>
                      </td>
                      <td className="num">
                        <Cell value={r.revenueKrw} reference={r.reference ? r.reference.totalKrw + r.reference.profitKrw : null} />
                      </td>
                      <td className="num">
                        <span className={r.computed.profitKrw < 0 ? 'ops-neg' : 'ops-pos'}>
                          <Cell value={r.computed.profitKrw} reference={r.reference?.profitKrw} />
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Panel>
        );
      })}

      <Panel
        title="호스트 월 비용"
        note="하드웨어 상각 + 전력 + 운영 = 호스트 한 대의 월 비용. 일별 코어 비용(사용량에 따라 사이트에 나눔)과 위 표의 서버 1대 월 비용(실측 평균)이 이 값을 씁니다."
        flush
      >
        {hostResult ? (
          <div className={`alert ${hostResult.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ margin: 16 }}>
            {hostResult.message}
          </div>
        ) : null}
        {d.hostCosts.length === 0 ? (
          <p className="empty-state ops-empty">등록된 호스트가 없습니다. 모니터가 호스트를 동기화하면 여기에 나타납니다.</p>
        ) : (
          <div className="table-wrap">
            <table className="table ops-table">
              <caption className="sr-only">호스트 월 비용</caption>
              <thead>
                <tr>
                  <th scope="col">호스트</th>
                  {HOST_COST_FIELDS.map((f) => (
                    <th key={f.name} scope="col" className="num">
                      {f.label}(원)
                    </th>
                  ))}
                  <th scope="col" className="num">
                    월 합계
                  </th>
                  <th scope="col">
                    <span className="sr-only">저장</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.hostCosts.map((h) => {
                  const typed = hostResult && hostResult.host === h.name ? hostResult.values : null;
                  const formId = `host-cost-${h.name}`;
                  const initial = { hardware: h.parts?.hardwareKrw, power: h.parts?.powerKrw, operation: h.parts?.operationKrw };
                  return (
                    <tr key={h.name}>
                      <td>
                        <strong>{h.name}</strong>
                        <span className="ops-ref">
                          {h.parts ? (h.updatedAt ? `${seoulDateTime(h.updatedAt, true)} 수정` : '') : h.monthlyCostKrw > 0 ? '항목별 금액 없음 (합계만 입력됨)' : '아직 입력하지 않음 (코어 비용 0원으로 계산)'}
                        </span>
                        <Form method="post" id={formId} hidden>
                          <input type="hidden" name="intent" value="host-cost" />
                          <input type="hidden" name="host" value={h.name} />
                        </Form>
                      </td>
                      {HOST_COST_FIELDS.map((f) => (
                        <td key={f.name} className="num">
                          <input
                            className="input ops-money-input"
                            form={formId}
                            name={f.name}
                            inputMode="numeric"
                            aria-label={`${h.name} ${f.label} 월 비용(원)`}
                            defaultValue={typed ? typed[f.name] : initial[f.name] !== undefined ? count(initial[f.name]) : ''}
                            key={`${h.name}-${f.name}-${typed ? typed[f.name] : initial[f.name]}`}
                          />
                        </td>
                      ))}
                      <td className="num">{won(h.monthlyCostKrw)}</td>
                      <td>
                        <button type="submit" form={formId} className="button button-small" disabled={busy}>
                          저장
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Panel>

      <Panel title="가정 편집" note="바꾸면 두 표를 바로 다시 계산합니다. 실측 값이 생기면 그 항목은 실측이 우선입니다.">
        {result && !hostResult ? (
          <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 16 }}>
            {result.message}
          </div>
        ) : null}
        <Form method="post" className="form">
          <div className="ops-assumptions">
            {d.assumptions.map((a) => (
              <label className="field" key={a.key}>
                <span className="field-label">
                  {a.labelKo} ({a.unit})
                </span>
                <input className="input" name={a.key} defaultValue={String(a.value)} inputMode="decimal" key={`${a.key}-${a.value}`} />
                <span className="field-hint">
                  {a.note}
                  {a.updatedBy ? ` · ${seoulDateTime(a.updatedAt, true)} 수정` : ''}
                </span>
              </label>
            ))}
          </div>
          <div style={{ marginTop: 16 }}>
            <button type="submit" className="button" disabled={busy}>
              {busy ? '저장 중…' : '가정 저장하고 다시 계산'}
            </button>
          </div>
        </Form>
      </Panel>
    </>
  );
}
