// /ops/cdn: the CDN providers' health as failover sees it (down after repeated failed checks, up
// again after repeated good ones), what failover did and why, and the hosted CDNs' daily usage
// sync; the traffic moves switch (the monitor applies the router's advice when it is on); each live
// site with the router's reason and a move an admin can ask for; the recent moves. Ops and admins only.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { DataTable, Kpi, Panel } from '~/components/ops/DataTable.tsx';
import { bytes, count, seoulDateTime, won } from '~/components/ops/format.ts';
import { cdnStatus, changeTrafficMoves, moveSite, type CdnActionResult } from '~/cdn-status.server.ts';
import { sql } from '~/db.server.ts';
import { requireOpsView } from '~/ops.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOpsView(request, 'capacity');
  const query = new URL(request.url).searchParams.get('q') ?? '';
  return json(await cdnStatus(sql, { query }));
}

export async function action({ request }: ActionFunctionArgs) {
  const { user } = await requireOpsView(request, 'capacity');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'traffic-moves') {
    const result = await changeTrafficMoves(sql, {
      enabled: String(form.get('enabled') ?? ''), maxMovesPerRound: String(form.get('maxMovesPerRound') ?? ''), userId: user.id,
    });
    return json<CdnActionResult & { intent: string }>({ ...result, intent }, { status: result.ok ? 200 : 400 });
  }
  if (intent === 'move') {
    const { status, result } = await moveSite(sql, { siteId: String(form.get('siteId') ?? ''), to: String(form.get('to') ?? ''), userId: user.id });
    return json<CdnActionResult & { intent: string; siteId: string }>({ ...result, intent, siteId: String(form.get('siteId') ?? '') }, { status });
  }
  return json<CdnActionResult & { intent: string }>({ ok: false, message: '요청을 이해하지 못했습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.', intent }, { status: 400 });
}

const LABELS: Record<string, string> = { local: '자체 에지', cloudflare: 'Cloudflare', vercel: 'Vercel', cloudfront: 'CloudFront' };
const KINDS: Record<string, string> = {
  provider_down: '장애 판정', provider_up: '복구 판정', site_failover: '사이트 이전', site_recovery: '사이트 복귀',
  move_failed: '이전 실패', deploy_fallback: '다른 CDN에 게시',
};
const SYNC: Record<string, string> = { ok: '반영', failed: '실패', unsupported: '지원 안 됨' };
const REASONS: Record<string, string> = { traffic: '트래픽 (자동)', failover: '장애 조치', recovery: '복구 후 복귀', admin: '관리자 요청' };
const STATUS: Record<string, { label: string; tone: string }> = {
  done: { label: '완료', tone: 'success' }, running: { label: '진행 중', tone: 'brand' }, failed: { label: '실패', tone: 'danger' },
};
const label = (p: string | null) => (p ? LABELS[p] ?? p : '—');
const monthly = (v: number | null) => (v === null ? '—' : `월 ${won(v)}`);

/** migrateSite's clean-up notes are written for logs in English; ops read them in Korean here. */
function moveDetail(detail: string): string {
  return detail
    .replace(/removed (\d+) old deployment\(s\)/, (_, n: string) => `옛 배포 ${n}개 정리`)
    .replace(/old deployments left on (\w+) \(it is down\)/, (_, p: string) => `장애 중인 ${label(p)}의 옛 배포는 남겨 둠`)
    .replace(/^(.*)old deployments left: /, (_, before: string) => `${before}정리하지 못한 옛 배포: `)
    .replace(/publish deployed on (\w+) after /, (_, p: string) => `${label(p)}에 게시 (앞선 실패: `)
    .replace(/(앞선 실패: .*)$/, '$1)');
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}초`;
  return `${Math.floor(ms / 60_000)}분 ${Math.round((ms % 60_000) / 1000)}초`;
}

export default function OpsCdn() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  const movingSite = navigation.formData?.get('intent') === 'move' ? String(navigation.formData.get('siteId')) : null;
  const down = d.health.filter((h) => h.state === 'down');
  const failedSyncs = d.syncs.filter((s) => s.status === 'failed').length;
  const advised = d.sites.filter((s) => s.advised).length;
  const typedMax = result && !result.ok && 'fields' in result && result.fields ? result.fields.maxMovesPerRound : undefined;
  return (
    <>
      {result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 20 }}>
          {result.message}
        </div>
      ) : null}
      <div className="stats">
        <Kpi label="CDN 제공자" value={`${count(d.health.length)}곳`} hint="상태 확인 중인 제공자" />
        <Kpi label="장애 중" value={`${count(down.length)}곳`} hint={down.length ? down.map((h) => label(h.provider)).join(', ') : '모두 정상'} tone={down.length ? 'bad' : 'good'} />
        <Kpi label="자동 이동" value={d.moves.enabled ? '켜짐' : '꺼짐'} hint={d.moves.enabled ? `매시간 최대 ${d.moves.maxMovesPerRound}개 사이트` : '권고는 알림으로만'} tone={d.moves.enabled ? 'good' : undefined} />
        <Kpi label="이동 권고" value={`${count(advised)}개`} hint="아래 사이트 중 라우터가 옮기라고 하는 사이트" />
        <Kpi label="최근 장애 조치" value={`${count(d.events.filter((e) => e.kind === 'site_failover' || e.kind === 'deploy_fallback').length)}건`} hint="최근 30건 중 사이트 이전·다른 CDN 게시" />
        <Kpi label="사용량 동기화 실패" value={`${count(failedSyncs)}건`} hint="최근 30건 기준" tone={failedSyncs ? 'bad' : undefined} />
      </div>

      <Panel
        title="트래픽에 따른 자동 이동"
        note={
          <>
            켜면 모니터가 매시간 라우터의 권고대로 사이트를 더 저렴한 CDN으로 옮깁니다 (한 번에 정해진 수까지, 절약이 큰 사이트부터). 장애 조치로 옮겨진
            사이트는 원래 CDN이 복구될 때까지 그대로 두고, 장애 중인 CDN으로는 옮기지 않습니다. 끄면 권고는 예산·알림의 ‘CDN 변경 권고’로만 남습니다.
          </>
        }
      >
        <Form method="post" className="form">
          <input type="hidden" name="intent" value="traffic-moves" />
          <div className="ops-form-row">
            <label className="field">
              <span className="field-label">자동 이동</span>
              <select className="input" name="enabled" defaultValue={d.moves.enabled ? 'on' : 'off'} key={`e${d.moves.enabled}`}>
                <option value="off">끔 — 알림만</option>
                <option value="on">켬 — 권고대로 옮기기</option>
              </select>
            </label>
            <label className="field">
              <span className="field-label">한 번에 옮길 최대 사이트 수 (1–50)</span>
              <input className="input" name="maxMovesPerRound" inputMode="numeric" required defaultValue={typedMax ?? String(d.moves.maxMovesPerRound)} key={`m${typedMax ?? d.moves.maxMovesPerRound}`} />
            </label>
            <div className="field">
              <span className="field-label">마지막 변경</span>
              <span className="small">{d.moves.updatedBy ? `${d.moves.updatedBy} · ${seoulDateTime(d.moves.updatedAt, true)}` : '아직 아무도 바꾸지 않았습니다 (기본값: 끔)'}</span>
            </div>
          </div>
          <div className="actions" style={{ marginTop: 12 }}>
            <button type="submit" className="button" disabled={busy}>
              저장
            </button>
          </div>
        </Form>
      </Panel>

      <Panel
        title="사이트별 CDN"
        note={`게시된 사이트 중 최근 30일 요청이 많은 순서로 50개까지. 옮길 곳은 자격 증명이 설정되어 있고 지금 정상인 제공자만 고를 수 있습니다 (설정됨: ${d.configured.map(label).join(', ')}).`}
        actions={
          <Form method="get" role="search" style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
            <label className="sr-only" htmlFor="cdn-site-q">사이트 검색</label>
            <input id="cdn-site-q" className="input" name="q" defaultValue={d.query} placeholder="사이트·주소·워크스페이스 이름" style={{ minWidth: 240 }} />
            <button type="submit" className="button button-secondary button-small">찾기</button>
          </Form>
        }
        flush
      >
        <DataTable
          rows={d.sites}
          rowKey={(s) => s.siteId}
          caption="사이트별 CDN"
          empty={d.query ? `‘${d.query}’와 맞는 게시된 사이트가 없습니다.` : '게시된 사이트가 없습니다.'}
          columns={[
            { header: '사이트', cell: (s) => <><strong>{s.siteName}</strong><div className="muted small">{s.slug} · {s.tenantName}</div></> },
            {
              header: '지금 CDN',
              cell: (s) => (
                <>
                  {label(s.current)}
                  {s.heldFor ? <div><span className="badge badge-warning">장애 조치 중 · {label(s.heldFor)} 복구 대기</span></div> : null}
                </>
              ),
            },
            { header: '월 요청', cell: (s) => count(s.monthlyRequests), numeric: true },
            { header: '지금 월 비용', cell: (s) => monthly(s.currentCostKrw), numeric: true },
            {
              header: '라우터 판단',
              cell: (s) => (
                <>
                  {s.advised ? <span className="badge badge-brand">{label(s.advised)}(으)로 이동 권고</span> : null}
                  <div className="small">{s.reason}</div>
                </>
              ),
            },
            {
              header: '이동',
              cell: (s) =>
                s.domains.length > 0 ? (
                  <span className="muted small">연결 도메인({s.domains.join(', ')})의 DNS가 지금 CDN을 가리켜 옮기지 않습니다 (자동 이동에서도 제외)</span>
                ) : s.targets.length === 0 ? (
                  <span className="muted small">옮길 수 있는 다른 CDN이 없습니다</span>
                ) : (
                  <Form
                    method="post"
                    style={{ display: 'flex', gap: 8, alignItems: 'center' }}
                    onSubmit={(event) => {
                      const to = new FormData(event.currentTarget).get('to');
                      if (!window.confirm(`'${s.siteName}'을(를) ${label(String(to))}(으)로 옮길까요? 새 CDN에 배포하고 전환한 뒤 옛 배포를 정리합니다. 사이트는 그동안 계속 열립니다.`)) event.preventDefault();
                    }}
                  >
                    <input type="hidden" name="intent" value="move" />
                    <input type="hidden" name="siteId" value={s.siteId} />
                    <label className="sr-only" htmlFor={`to-${s.siteId}`}>{s.siteName}을(를) 옮길 CDN</label>
                    <select id={`to-${s.siteId}`} className="input" name="to" defaultValue={s.advised ?? s.targets[0].provider}>
                      {s.targets.map((t) => (
                        <option key={t.provider} value={t.provider}>
                          {label(t.provider)} ({t.monthlyCostKrw === null ? '요금표 한도 밖' : monthly(t.monthlyCostKrw)})
                        </option>
                      ))}
                    </select>
                    <button type="submit" className="button button-secondary button-small" disabled={busy}>
                      {movingSite === s.siteId ? '옮기는 중…' : '이동'}
                    </button>
                  </Form>
                ),
            },
          ]}
        />
      </Panel>

      <Panel title="최근 이동" note="트래픽·관리자 요청·장애 조치로 사이트를 옮긴 기록: 새 CDN에 배포하고 전환한 뒤 옛 배포를 정리합니다 (월 비용은 그때의 트래픽과 요금표 기준)" flush>
        <DataTable
          rows={d.migrations}
          rowKey={(m) => m.id}
          caption="최근 이동"
          empty="아직 옮긴 사이트가 없습니다."
          columns={[
            { header: '시작', cell: (m) => seoulDateTime(m.startedAt) },
            { header: '사이트', cell: (m) => m.siteName },
            { header: '이동', cell: (m) => `${label(m.from)} → ${label(m.to)}` },
            { header: '이유', cell: (m) => `${REASONS[m.reason] ?? m.reason}${m.requestedBy ? ` · ${m.requestedBy}` : ''}` },
            { header: '월 비용 전 → 후', cell: (m) => `${m.costBeforeKrw === null ? '—' : won(m.costBeforeKrw)} → ${m.costAfterKrw === null ? '—' : won(m.costAfterKrw)}`, numeric: true },
            { header: '걸린 시간', cell: (m) => duration(m.durationMs), numeric: true },
            { header: '상태', cell: (m) => <span className={`badge badge-${STATUS[m.status]?.tone ?? 'muted'}`}>{STATUS[m.status]?.label ?? m.status}</span> },
            { header: '내용', cell: (m) => <span className="small">{moveDetail(m.detail)}</span> },
          ]}
        />
      </Panel>

      <Panel title="제공자 상태" note="연속 3번 실패하면 장애, 장애 후 5분이 지나고 연속 5번 성공하면 복구로 봅니다 (매분 확인)" flush>
        <DataTable
          rows={d.health}
          rowKey={(h) => h.provider}
          caption="CDN 제공자 상태"
          empty="아직 상태 확인 기록이 없습니다. 모니터 프로세스가 매분 확인합니다."
          columns={[
            { header: '제공자', cell: (h) => label(h.provider) },
            { header: '상태', cell: (h) => (h.state === 'up' ? <span className="badge badge-success">정상</span> : <span className="badge badge-danger">장애</span>) },
            { header: '연속 실패/성공', cell: (h) => `${h.consecutiveFailures} / ${h.consecutiveSuccesses}`, numeric: true },
            { header: '응답 시간', cell: (h) => (h.latencyMs === null ? '—' : `${count(h.latencyMs)}ms`), numeric: true },
            { header: '마지막 확인', cell: (h) => seoulDateTime(h.lastCheckedAt) },
            { header: '마지막 정상', cell: (h) => seoulDateTime(h.lastOkAt) },
            { header: '내용', cell: (h) => <span className="small">{h.detail}</span> },
          ]}
        />
      </Panel>

      <Panel title="장애 조치 기록" note="제공자 장애·복구 판정과 사이트 이전, 그 이유" flush>
        <DataTable
          rows={d.events}
          rowKey={(e) => e.id}
          caption="장애 조치 기록"
          empty="장애 조치 기록이 없습니다."
          columns={[
            { header: '시각', cell: (e) => seoulDateTime(e.at) },
            { header: '종류', cell: (e) => KINDS[e.kind] ?? e.kind },
            { header: '제공자', cell: (e) => (e.toProvider && e.toProvider !== e.provider ? `${label(e.provider)} → ${label(e.toProvider)}` : label(e.provider)) },
            { header: '사이트', cell: (e) => e.siteName ?? '—' },
            { header: '이유', cell: (e) => <span className="small">{e.reason}</span> },
          ]}
        />
      </Panel>

      <Panel title="사용량 동기화" note="Cloudflare·Vercel·CloudFront의 일별 요청 수와 전송량 (매시간 어제와 오늘을 다시 읽어 덮어씁니다)" flush>
        <DataTable
          rows={d.syncs}
          rowKey={(s) => `${s.provider}:${s.siteId}:${s.day}`}
          caption="사용량 동기화"
          empty="동기화한 호스팅 사이트가 없습니다."
          columns={[
            { header: '날짜', cell: (s) => s.day },
            { header: '제공자', cell: (s) => label(s.provider) },
            { header: '사이트', cell: (s) => s.siteName },
            { header: '결과', cell: (s) => SYNC[s.status] ?? s.status },
            { header: '요청', cell: (s) => (s.requests === null ? '—' : count(s.requests)), numeric: true },
            { header: '전송량', cell: (s) => (s.bytes === null ? '—' : bytes(s.bytes)), numeric: true },
            { header: '내용', cell: (s) => <span className="small">{s.detail}</span> },
          ]}
        />
      </Panel>
    </>
  );
}
