// /admin/builds — the build farm for the platform admin: workers and their heartbeats, queue
// depth, running builds, recent failures with their reason, and the dead-letter queue with a
// re-run per build. A sibling of /admin (not nested in its layout), guarded the same way.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { loadBuildFarmView, rerunDeadLetteredBuild } from '~/admin-build-farm.server.ts';
import { requirePlatformRole } from '~/auth.server.ts';
import farmStylesHref from '~/components/admin/build-farm.css?url';
import { formatSeoulNumericMonthDayTimeWithSeconds } from '~/components/seoul-time.ts';
import { getBoss, sql } from '~/db.server.ts';

export const meta: MetaFunction = () => [{ title: '빌드 팜 — 관리자 — WindWalker' }];
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: farmStylesHref }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePlatformRole(request, 'admin');
  return json(await loadBuildFarmView(sql));
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePlatformRole(request, 'admin');
  const form = await request.formData();
  if (form.get('intent') !== 'rerun') {
    return json({ ok: false as const, message: '요청을 이해하지 못했습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.' }, { status: 400 });
  }
  const result = await rerunDeadLetteredBuild(sql, await getBoss(), { buildId: String(form.get('buildId') ?? ''), userId: admin.id });
  if (!result.ok) return json({ ok: false as const, message: result.message }, { status: result.status });
  return json({ ok: true as const, message: result.message, buildId: result.buildId });
}

/** How often the page re-reads the farm while it is open (heartbeats arrive every 5 s). */
const REFRESH_MS = 5_000;

const STAGE_LABELS: Record<string, string> = {
  queued: '대기',
  render: '페이지 만들기',
  upload: '파일 올리기',
  switch: '새 버전으로 전환',
  done: '완료',
};
const STATUS_LABELS: Record<string, { label: string; tone: string }> = {
  queued: { label: '대기 중', tone: 'badge-brand' },
  running: { label: '실행 중', tone: 'badge-brand' },
  succeeded: { label: '성공', tone: 'badge-success' },
  failed: { label: '실패', tone: 'badge-danger' },
  cancelled: { label: '취소됨', tone: '' },
  superseded: { label: '대체됨', tone: '' },
};
const EXECUTOR_LABELS: Record<string, string> = { docker: 'Docker', process: '프로세스' };

function formatTime(value: string | Date | null): string {
  return value ? formatSeoulNumericMonthDayTimeWithSeconds(value) : '—';
}

function ago(value: string | Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(value).getTime()) / 1000));
  if (seconds < 60) return `${seconds}초 전`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}분 전`;
  return `${Math.floor(seconds / 3600)}시간 전`;
}

function duration(from: string | Date, to: string | Date | null): string {
  const seconds = Math.max(0, Math.round(((to ? new Date(to) : new Date()).getTime() - new Date(from).getTime()) / 1000));
  if (seconds < 60) return `${seconds}초`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}분 ${seconds % 60}초`;
  return `${Math.floor(seconds / 3600)}시간 ${Math.floor((seconds % 3600) / 60)}분`;
}

/** Worker ids read `worker:<host>:<pid>:<random>`; the host is shown beside them, so drop it here. */
function shortWorkerId(id: string | null): string {
  if (!id) return '—';
  const parts = id.split(':');
  return parts.length >= 4 ? `${parts[2]}:${parts[3]}` : id;
}

function StatusBadge({ status }: { status: string }) {
  const s = STATUS_LABELS[status] ?? { label: status, tone: '' };
  return <span className={`badge ${s.tone}`}>{s.label}</span>;
}

function SiteCell({ slug, tenantName }: { slug: string; tenantName: string }) {
  return (
    <td>
      <div className="person-name mono">{slug}</div>
      <div className="person-email">{tenantName}</div>
    </td>
  );
}

export default function AdminBuildFarm() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const busy = navigation.state !== 'idle';

  // Keep the view current while it is open and visible; the loader is a handful of indexed reads.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && revalidator.state === 'idle' && navigation.state === 'idle') revalidator.revalidate();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [revalidator, navigation.state]);

  const aliveWorkers = data.workers.filter((w) => w.alive);
  const capacity = aliveWorkers.reduce((sum, w) => sum + (w.capacity ?? 0), 0);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <p className="farm-breadcrumb">
            <Link to="/admin">플랫폼 관리</Link> <span aria-hidden="true">›</span> 빌드 팜
          </p>
          <h1>빌드 팜</h1>
          <p>빌드 워커, 대기열, 실행 중인 빌드와 실패, 재시도를 다 쓴 빌드(데드레터)입니다. 시각은 한국 시간입니다.</p>
        </div>
        <button type="button" className="button button-secondary button-small" onClick={() => revalidator.revalidate()} disabled={revalidator.state !== 'idle'}>
          {revalidator.state !== 'idle' ? '새로 고치는 중…' : '새로 고침'}
        </button>
      </div>

      {result ? (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'}`} role="status" style={{ marginBottom: 20 }}>
          {result.message}
        </div>
      ) : null}

      <div className="stats">
        <div className="stat">
          <div className="stat-label">살아 있는 워커</div>
          <div className="stat-value">
            {aliveWorkers.length} <span className="muted small">/ {data.workers.length}</span>
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">대기열</div>
          <div className="stat-value" data-testid="queue-depth">
            {data.queueDepth.toLocaleString('ko-KR')}
            <span className="muted small"> 건</span>
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">실행 중 (동시 처리 가능)</div>
          <div className="stat-value">
            {data.running.length} <span className="muted small">/ {capacity}</span>
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">데드레터</div>
          <div className={`stat-value${data.deadLettered.length ? ' farm-stat-alert' : ''}`}>{data.deadLettered.length}</div>
        </div>
      </div>

      <section className="card card-flush">
        <div className="card-header">
          <h2>워커</h2>
          <span className="muted small">5초마다 신호, 30초 넘게 없으면 응답 없음</span>
        </div>
        <div className="table-wrap">
          {data.workers.length === 0 ? (
            <p className="empty-state">
              최근 1시간 동안 신호를 보낸 빌드 워커가 없습니다. <span className="mono">npm run start:worker</span>로 워커를 시작해 주세요.
            </p>
          ) : (
            <table className="table" style={{ marginTop: 12 }}>
              <thead>
                <tr>
                  <th>상태</th>
                  <th>호스트</th>
                  <th>워커</th>
                  <th>실행 방식</th>
                  <th className="num">실행 중 / 용량</th>
                  <th>시작</th>
                  <th>마지막 신호</th>
                </tr>
              </thead>
              <tbody>
                {data.workers.map((w) => (
                  <tr key={w.id} className={w.alive ? undefined : 'farm-row-dim'}>
                    <td className="farm-nowrap">
                      <span className={`dot ${w.alive ? 'dot-alive' : 'dot-dead'}`} aria-hidden="true" />
                      {w.alive ? '살아 있음' : w.stopped_at ? '종료됨' : '응답 없음'}
                    </td>
                    <td className="mono farm-nowrap">{w.host}</td>
                    <td className="mono small farm-nowrap" title={w.id}>
                      {shortWorkerId(w.id)}
                    </td>
                    <td>{w.executor ? EXECUTOR_LABELS[w.executor] ?? w.executor : '—'}</td>
                    <td className="num">
                      <span className="farm-load">
                        <span className="farm-load-bar" aria-hidden="true">
                          <span style={{ width: `${w.capacity ? Math.min(100, (w.runningBuilds / w.capacity) * 100) : 0}%` }} />
                        </span>
                        {w.runningBuilds} / {w.capacity ?? '—'}
                      </span>
                    </td>
                    <td className="muted small farm-nowrap">{formatTime(w.started_at)}</td>
                    <td className="muted small farm-nowrap" title={formatTime(w.last_seen_at)} suppressHydrationWarning>
                      {ago(w.last_seen_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>실행 중인 빌드</h2>
          <span className="muted small">대기 중 {data.queueDepth}건</span>
        </div>
        <div className="table-wrap">
          {data.running.length === 0 ? (
            <p className="empty-state">지금 실행 중인 빌드가 없습니다.</p>
          ) : (
            <table className="table" style={{ marginTop: 12 }}>
              <thead>
                <tr>
                  <th>사이트 · 워크스페이스</th>
                  <th>시작</th>
                  <th>단계</th>
                  <th className="farm-progress-col">진행</th>
                  <th>워커</th>
                  <th className="num">시도</th>
                </tr>
              </thead>
              <tbody>
                {data.running.map((b) => (
                  <tr key={b.id}>
                    <SiteCell slug={b.siteSlug} tenantName={b.tenantName} />
                    <td className="small farm-nowrap">
                      <div>{formatTime(b.startedAt)}</div>
                      {b.startedAt ? (
                        <div className="muted" suppressHydrationWarning>
                          {duration(b.startedAt, null)}째
                        </div>
                      ) : null}
                    </td>
                    <td className="farm-nowrap">{b.stage ? STAGE_LABELS[b.stage] ?? b.stage : '—'}</td>
                    <td>
                      <div className="farm-progress-cell">
                        <div
                          className="farm-progress"
                          role="progressbar"
                          aria-label={`${b.siteSlug} 빌드 진행`}
                          aria-valuemin={0}
                          aria-valuemax={100}
                          aria-valuenow={b.progress}
                        >
                          <span style={{ width: `${Math.max(3, b.progress)}%` }} />
                        </div>
                        <span className="farm-progress-value">{b.progress}%</span>
                      </div>
                    </td>
                    <td className="mono small farm-nowrap" title={b.workerId ?? undefined}>
                      {shortWorkerId(b.workerId)}
                      {b.executor ? <div className="muted">{EXECUTOR_LABELS[b.executor] ?? b.executor}</div> : null}
                    </td>
                    <td className="num">{b.attempts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>데드레터</h2>
          <span className="muted small">재시도를 모두 쓰거나 만료된 빌드 · 14일 보관</span>
        </div>
        <div className="table-wrap">
          {data.deadLettered.length === 0 ? (
            <p className="empty-state">재시도를 다 쓴 빌드가 없습니다.</p>
          ) : (
            <table className="table" style={{ marginTop: 12 }}>
              <thead>
                <tr>
                  <th>사이트 · 워크스페이스</th>
                  <th>넘어온 시각</th>
                  <th>이유</th>
                  <th>그 뒤 빌드</th>
                  <th>
                    <span className="sr-only">다시 실행</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.deadLettered.map((b) => (
                  <tr key={b.jobId}>
                    <SiteCell slug={b.siteSlug} tenantName={b.tenantName} />
                    <td className="muted small farm-nowrap">{formatTime(b.deadLetteredAt)}</td>
                    <td className="farm-reason">
                      <StatusBadge status={b.status} /> {b.error ?? <span className="muted">이유가 기록되지 않았습니다.</span>}
                      <div className="muted small">시도 {b.attempts}회</div>
                    </td>
                    <td className="small farm-nowrap">
                      {b.laterBuild ? (
                        <>
                          <StatusBadge status={b.laterBuild.status} />
                          <div className="muted">{formatTime(b.laterBuild.queuedAt)}</div>
                        </>
                      ) : (
                        <span className="muted">없음</span>
                      )}
                    </td>
                    <td>
                      <Form method="post" className="actions">
                        <input type="hidden" name="buildId" value={b.id} />
                        <button
                          type="submit"
                          name="intent"
                          value="rerun"
                          className="button button-secondary button-small"
                          disabled={busy || b.status === 'queued' || b.status === 'running'}
                        >
                          다시 실행
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>

      <section className="card card-flush">
        <div className="card-header">
          <h2>최근 실패</h2>
          <span className="muted small">지난 7일, 최근 20건</span>
        </div>
        <div className="table-wrap">
          {data.recentFailures.length === 0 ? (
            <p className="empty-state">지난 7일 동안 실패한 빌드가 없습니다.</p>
          ) : (
            <table className="table" style={{ marginTop: 12 }}>
              <thead>
                <tr>
                  <th>사이트 · 워크스페이스</th>
                  <th>실패 시각</th>
                  <th>이유</th>
                  <th>단계까지</th>
                  <th>워커</th>
                </tr>
              </thead>
              <tbody>
                {data.recentFailures.map((b) => (
                  <tr key={b.id}>
                    <SiteCell slug={b.siteSlug} tenantName={b.tenantName} />
                    <td className="muted small farm-nowrap">{formatTime(b.finishedAt)}</td>
                    <td className="farm-reason">
                      {b.error ?? <span className="muted">이유가 기록되지 않았습니다.</span>}
                      <div className="muted small">
                        시도 {b.attempts}회{b.startedAt && b.finishedAt ? ` · ${duration(b.startedAt, b.finishedAt)} 걸림` : ''}
                      </div>
                    </td>
                    <td className="farm-nowrap">{b.stage ? STAGE_LABELS[b.stage] ?? b.stage : '—'}</td>
                    <td className="mono small farm-nowrap" title={b.workerId ?? undefined}>
                      {shortWorkerId(b.workerId)}
                      {b.executor ? <div className="muted">{EXECUTOR_LABELS[b.executor] ?? b.executor}</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>
    </div>
  );
}
