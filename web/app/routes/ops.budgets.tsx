// /ops/budgets: budgets on cost, margin and capacity per site, workspace or platform, and the
// alerts they raise (plus the CDN router's advice). Finance manages money budgets, ops
// capacity budgets, admins both; each sees the alerts of their kind.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useLocation, useNavigation } from '@remix-run/react';
import { CsvLink, DataTable, Panel } from '~/components/ops/DataTable.tsx';
import { METRIC_LABELS, SCOPE_LABELS, seoulDateTime, won } from '~/components/ops/format.ts';
import { sql } from '~/db.server.ts';
import {
  alertView,
  BudgetInputError,
  createBudget,
  deleteBudget,
  listAlerts,
  listBudgets,
  requireOpsAccess,
  setBudgetEnabled,
  type AlertChannel,
  type BudgetMetric,
  type BudgetScope,
} from '~/ops.server.ts';

const metricView = (m: BudgetMetric) => (m === 'capacity' ? 'capacity' : 'money');

export async function loader({ request }: LoaderFunctionArgs) {
  const access = await requireOpsAccess(request);
  const [alerts, budgets, sites, tenants] = await Promise.all([
    listAlerts(sql, { limit: 200 }),
    listBudgets(sql),
    access.money ? sql<{ id: string; name: string; tenant: string }[]>`select s.id, s.name, t.name as tenant from sites s join tenants t on t.id = s.tenant_id order by t.name, s.name limit 500` : [],
    access.money ? sql<{ id: string; name: string }[]>`select id, name from tenants order by name limit 500` : [],
  ]);
  return json({
    money: access.money,
    capacity: access.capacity,
    alerts: alerts.filter((a) => access[alertView(a)]),
    budgets: budgets.filter((b) => access[metricView(b.metric)]),
    sites: [...sites],
    tenants: [...tenants],
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const access = await requireOpsAccess(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'toggle' || intent === 'delete') {
    const id = Number(form.get('budgetId'));
    const [budget] = (await listBudgets(sql)).filter((b) => b.id === id);
    if (!budget || !access[metricView(budget.metric)]) return json({ ok: false, message: '그 예산을 찾을 수 없습니다. 페이지를 새로 고쳐 주세요.' }, { status: 404 });
    if (intent === 'delete') {
      await deleteBudget(sql, id);
      return json({ ok: true, message: `'${budget.name}' 예산을 지웠습니다.` });
    }
    await setBudgetEnabled(sql, id, !budget.enabled);
    return json({ ok: true, message: `'${budget.name}' 예산을 ${budget.enabled ? '껐습니다' : '켰습니다'}.` });
  }
  if (intent !== 'create') return json({ ok: false, message: '요청을 이해하지 못했습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
  const metric = String(form.get('metric')) as BudgetMetric;
  if (!['cost', 'margin', 'capacity'].includes(metric)) return json({ ok: false, message: '지표를 골라 주세요.' }, { status: 400 });
  if (!access[metricView(metric)]) {
    return json({ ok: false, message: metric === 'capacity' ? '용량 예산은 운영 권한이 있어야 만들 수 있습니다.' : '비용·마진 예산은 재무 권한이 있어야 만들 수 있습니다.' }, { status: 403 });
  }
  const scope = String(form.get('scope')) as BudgetScope;
  const target = String(form.get('target') ?? '').trim();
  try {
    const budget = await createBudget(sql, {
      name: String(form.get('name') ?? ''),
      scope: ['site', 'tenant', 'platform'].includes(scope) ? scope : 'platform',
      siteId: scope === 'site' ? String(form.get('siteId') ?? '') || null : null,
      tenantId: scope === 'tenant' ? String(form.get('tenantId') ?? '') || null : null,
      metric,
      threshold: Number(String(form.get('threshold') ?? '').replaceAll(',', '')),
      channel: (['webhook', 'email', 'dashboard'].includes(String(form.get('channel'))) ? String(form.get('channel')) : 'dashboard') as AlertChannel,
      target: target || null,
      webhookSecret: String(form.get('webhookSecret') ?? '').trim() || null,
      createdBy: access.user.id,
    });
    return json({ ok: true, message: `'${budget.name}' 예산을 만들었습니다. 다음 점검(매시 정각 무렵)부터 적용됩니다.` });
  } catch (error) {
    if (error instanceof BudgetInputError) return json({ ok: false, message: error.message }, { status: 400 });
    throw error;
  }
}

function thresholdText(metric: BudgetMetric, threshold: number): string {
  if (metric === 'capacity') return `사용률 ${threshold}% 초과`;
  if (metric === 'cost') return `이번 달 비용 ${won(threshold)} 초과`;
  return `이번 달 마진 ${won(threshold)} 미만`;
}

const CHANNELS = { webhook: '웹훅', email: '이메일', dashboard: '대시보드만' } as Record<string, string>;

export default function OpsBudgets() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const { search } = useLocation();
  const open = d.alerts.filter((a) => !a.clearedAt);
  return (
    <>
      {result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 20 }}>
          {result.message}
        </div>
      ) : null}
      <Panel title={`알림 (열림 ${open.length}건)`} note="예산 기준을 넘으면 한 번 알리고, 다시 기준 안으로 돌아오면 해제됩니다" flush actions={<CsvLink table="alerts" search={search} />}>
        <DataTable
          rows={d.alerts}
          rowKey={(a) => String(a.id)}
          caption="알림"
          empty="알림이 없습니다."
          columns={[
            { header: '상태', cell: (a) => <span className={`badge ${a.clearedAt ? 'badge-success' : 'badge-danger'}`}>{a.clearedAt ? '해제됨' : '열림'}</span> },
            { header: '종류', cell: (a) => (a.kind === 'cdn_switch' ? 'CDN 변경 권고' : (a.budgetName ?? '예산')) },
            { header: '내용', cell: (a) => a.message },
            { header: '발생', cell: (a) => seoulDateTime(a.firedAt, true), numeric: true },
            { header: '해제', cell: (a) => (a.clearedAt ? seoulDateTime(a.clearedAt, true) : '—'), numeric: true },
          ]}
        />
      </Panel>

      <Panel title="예산" flush>
        <DataTable
          rows={d.budgets}
          rowKey={(b) => String(b.id)}
          caption="예산"
          empty="예산이 없습니다. 아래에서 만들어 주세요."
          columns={[
            { header: '이름', cell: (b) => <strong>{b.name}</strong> },
            { header: '범위', cell: (b) => SCOPE_LABELS[b.scope] },
            { header: '기준', cell: (b) => `${METRIC_LABELS[b.metric]} · ${thresholdText(b.metric, b.threshold)}` },
            { header: '알림 채널', cell: (b) => `${CHANNELS[b.channel]}${b.target ? ` · ${b.target}` : ''}${b.hasSecret ? ' · 서명' : ''}` },
            {
              header: '',
              cell: (b) => (
                <div className="actions">
                  <Form method="post">
                    <input type="hidden" name="budgetId" value={b.id} />
                    <button type="submit" name="intent" value="toggle" className="button button-secondary button-small" disabled={busy}>
                      {b.enabled ? '끄기' : '켜기'}
                    </button>
                    <button type="submit" name="intent" value="delete" className="button button-secondary button-small" disabled={busy}>
                      지우기
                    </button>
                  </Form>
                </div>
              ),
            },
          ]}
        />
      </Panel>

      <Panel title="새 예산" note="비용은 이번 달 누적(원), 마진은 이번 달 매출 − 비용(원), 용량은 가장 바쁜 호스트의 CPU·메모리·디스크 중 최댓값(%)">
        <Form method="post" className="form">
          <input type="hidden" name="intent" value="create" />
          <div className="ops-form-row">
            <label className="field">
              <span className="field-label">이름</span>
              <input className="input" name="name" required maxLength={100} placeholder="예: 플랫폼 월 비용" />
            </label>
            <label className="field">
              <span className="field-label">지표</span>
              <select className="input" name="metric" defaultValue={d.money ? 'cost' : 'capacity'}>
                {d.money ? <option value="cost">비용</option> : null}
                {d.money ? <option value="margin">마진</option> : null}
                {d.capacity ? <option value="capacity">용량 (플랫폼)</option> : null}
              </select>
            </label>
            <label className="field">
              <span className="field-label">범위</span>
              <select className="input" name="scope" defaultValue="platform">
                <option value="platform">플랫폼 전체</option>
                {d.money ? <option value="tenant">워크스페이스</option> : null}
                {d.money ? <option value="site">사이트</option> : null}
              </select>
            </label>
            <label className="field">
              <span className="field-label">기준값 (원 또는 %)</span>
              <input className="input" name="threshold" required inputMode="decimal" placeholder="예: 5,000,000" />
            </label>
          </div>
          {d.money ? (
            <div className="ops-form-row" style={{ marginTop: 12 }}>
              <label className="field">
                <span className="field-label">워크스페이스 (범위가 워크스페이스일 때)</span>
                <select className="input" name="tenantId" defaultValue="">
                  <option value="">고르기</option>
                  {d.tenants.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span className="field-label">사이트 (범위가 사이트일 때)</span>
                <select className="input" name="siteId" defaultValue="">
                  <option value="">고르기</option>
                  {d.sites.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.tenant} · {s.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          ) : null}
          <div className="ops-form-row" style={{ marginTop: 12 }}>
            <label className="field">
              <span className="field-label">알림 채널</span>
              <select className="input" name="channel" defaultValue="dashboard">
                <option value="dashboard">대시보드만</option>
                <option value="webhook">웹훅 (JSON POST)</option>
                <option value="email">이메일</option>
              </select>
            </label>
            <label className="field">
              <span className="field-label">웹훅 주소 또는 이메일</span>
              <input className="input" name="target" placeholder="https://hooks.example.com/…" />
            </label>
            <label className="field">
              <span className="field-label">웹훅 서명 비밀값 (선택)</span>
              <input className="input" name="webhookSecret" autoComplete="off" placeholder="HMAC-SHA256 서명에 사용" />
            </label>
          </div>
          <div style={{ marginTop: 16 }}>
            <button type="submit" className="button" disabled={busy}>
              예산 만들기
            </button>
          </div>
        </Form>
      </Panel>
    </>
  );
}
