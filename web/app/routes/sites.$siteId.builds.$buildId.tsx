// /sites/:siteId/builds/:buildId — one publish: stages, a progress bar and the log lines live
// (server-sent events from the .events route), a cancel button while it waits or runs, and the
// link to the live site when it is done.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { cancelBuild, CancelBuildError, getBuild, listBuildLogs, type BuildLogEvent, type BuildStatusEvent } from '../../../buildfarm/index.ts';
import { siteUrl } from '../../../cdn/index.ts';
import { requireMember } from '../auth.server.ts';
import { getBoss, sql } from '../db.server.ts';
import { getSite } from '../sites.server.ts';
import { formatSeoulDateTime, formatSeoulTimeWithSeconds } from '../components/seoul-time.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `게시 진행 상황 · ${data?.site.name ?? ''} · WindWalker` }];

function notFound(): Response {
  return new Response('빌드를 찾을 수 없습니다. 사이트의 게시 기록에서 다시 선택해 주세요.', { status: 404 });
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const build = await getBuild(sql, tenant.id, params.buildId ?? '');
  if (!build || build.siteId !== site.id) throw notFound();
  const logs = await listBuildLogs(sql, tenant.id, build.id);
  return json(
    {
      site: { id: site.id, name: site.name, url: siteUrl(site.slug) },
      build: {
        id: build.id,
        status: build.status,
        stage: build.stage,
        progress: build.progress,
        error: build.error,
        versionNumber: build.versionNumber,
        queuePosition: build.queuePosition,
        executor: build.executor,
        queuedAt: build.queuedAt.toISOString(),
        finishedAt: build.finishedAt?.toISOString() ?? null,
      },
      logs: logs.map((l) => ({ id: l.id, at: l.at.toISOString(), level: l.level, stage: l.stage, message: l.message })),
      canCancel: role !== 'viewer',
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant } = await requireMember(request, 'editor');
  const build = await getBuild(sql, tenant.id, params.buildId ?? '');
  if (!build || build.siteId !== params.siteId) throw notFound();
  try {
    await cancelBuild(sql, await getBoss(), { tenantId: tenant.id, buildId: build.id });
    return json({ ok: true as const, message: '게시를 취소했습니다. 사이트는 이전 상태 그대로입니다.' });
  } catch (error) {
    if (error instanceof CancelBuildError) return json({ ok: false as const, message: error.message }, { status: 409 });
    throw error;
  }
}

const STAGES = [
  { id: 'queued', label: '대기' },
  { id: 'render', label: '페이지 만들기' },
  { id: 'upload', label: '파일 올리기' },
  { id: 'switch', label: '새 버전으로 전환' },
  { id: 'done', label: '완료' },
] as const;

const STATUS_TEXT: Record<string, string> = {
  queued: '게시 대기 중',
  running: '게시하는 중',
  succeeded: '게시 완료',
  failed: '게시 실패',
  cancelled: '취소됨',
  superseded: '더 새로운 게시로 대체됨',
};

const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);

type LogLine = { id: number; at: string; level: string; stage: string | null; message: string };

export default function BuildPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const [status, setStatus] = useState({
    status: data.build.status as string,
    stage: data.build.stage,
    progress: data.build.progress,
    error: data.build.error,
  });
  const [logs, setLogs] = useState<LogLine[]>(data.logs);
  const [connection, setConnection] = useState<'live' | 'reconnecting' | 'closed'>(FINISHED.has(data.build.status) ? 'closed' : 'live');
  const logBox = useRef<HTMLOListElement>(null);
  const finished = FINISHED.has(status.status);

  useEffect(() => {
    if (FINISHED.has(data.build.status)) return;
    const lastId = data.logs.at(-1)?.id ?? 0;
    const source = new EventSource(`/sites/${data.site.id}/builds/${data.build.id}/events?after=${lastId}`);
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('log', (event) => {
      const line = JSON.parse((event as MessageEvent<string>).data) as BuildLogEvent;
      setLogs((current) => (current.some((l) => l.id === line.id) ? current : [...current, line]));
    });
    source.addEventListener('status', (event) => {
      const next = JSON.parse((event as MessageEvent<string>).data) as BuildStatusEvent;
      setStatus({ status: next.status, stage: next.stage, progress: next.progress, error: next.error });
      if (FINISHED.has(next.status)) {
        source.close();
        setConnection('closed');
        revalidator.revalidate();
      }
    });
    source.addEventListener('error', () => setConnection(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
    return () => source.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data.build.id]);

  useEffect(() => {
    logBox.current?.scrollTo({ top: logBox.current.scrollHeight });
  }, [logs.length]);

  const progress = status.status === 'succeeded' ? 100 : status.progress;
  const stageIndex = status.status === 'succeeded' ? STAGES.length - 1 : Math.max(0, STAGES.findIndex((s) => s.id === (status.stage ?? 'queued')));
  const cancelling = navigation.state === 'submitting';

  return (
    <div className="page build-page">
      <nav className="breadcrumbs" aria-label="위치">
        <Link to="/sites">내 사이트</Link> › <Link to={`/sites/${data.site.id}`}>{data.site.name}</Link> › <span>게시 #{data.build.versionNumber}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>{STATUS_TEXT[status.status] ?? status.status}</h1>
          <p>
            버전 {data.build.versionNumber} · {formatSeoulDateTime(data.build.queuedAt)} 요청
            {status.status === 'queued' && data.build.queuePosition ? ` · 앞에 ${data.build.queuePosition}개 대기` : ''}
          </p>
        </div>
        <div className="build-actions">
          {!finished && data.canCancel ? (
            <Form method="post">
              <button type="submit" className="button button-secondary" disabled={cancelling || status.stage === 'switch'}>
                {cancelling ? '취소하는 중…' : '게시 취소'}
              </button>
            </Form>
          ) : null}
          <Link to={`/sites/${data.site.id}`} className="button button-secondary">
            편집기로 돌아가기
          </Link>
        </div>
      </div>

      {actionData ? <div className={`alert ${actionData.ok ? 'alert-info' : 'alert-error'}`}>{actionData.message}</div> : null}

      <div className="card build-card">
        <div
          className={`progress progress-${status.status}`}
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress}
          aria-label="게시 진행률"
        >
          <span style={{ width: `${Math.max(progress, finished ? 100 : 3)}%` }} />
        </div>
        <ol className="stages">
          {STAGES.map((stage, index) => {
            const state =
              status.status === 'succeeded' || index < stageIndex
                ? 'done'
                : index === stageIndex
                  ? finished ? (status.status === 'failed' ? 'failed' : 'stopped') : 'active'
                  : 'todo';
            return (
              <li key={stage.id} className={`stage stage-${state}`}>
                <span className="stage-mark" aria-hidden="true">
                  {state === 'done' ? '✓' : state === 'failed' ? '!' : index + 1}
                </span>
                <span>{stage.label}</span>
              </li>
            );
          })}
        </ol>

        {status.status === 'succeeded' ? (
          <div className="build-result success">
            <div>
              <strong>사이트가 새 버전으로 바뀌었습니다.</strong>
              <p>방문자는 지금부터 새 내용을 봅니다.</p>
            </div>
            <a href={data.site.url} target="_blank" rel="noreferrer" className="button">
              사이트 열기 ↗
            </a>
          </div>
        ) : null}
        {status.status === 'failed' ? (
          <div className="build-result failure">
            <div>
              <strong>게시하지 못했습니다.</strong>
              <p>{status.error ?? '아래 기록을 확인해 주세요.'} 사이트는 이전 버전 그대로 열려 있습니다.</p>
            </div>
            <Link to={`/sites/${data.site.id}`} className="button button-secondary">
              편집기에서 다시 게시
            </Link>
          </div>
        ) : null}
        {status.status === 'cancelled' || status.status === 'superseded' ? (
          <div className="build-result neutral">
            <p>{status.error ?? STATUS_TEXT[status.status]} 사이트는 이전 상태 그대로입니다.</p>
          </div>
        ) : null}

        <div className="log-header">
          <h2>진행 기록</h2>
          <span className={`connection connection-${connection}`}>
            {connection === 'live' ? '실시간' : connection === 'reconnecting' ? '다시 연결하는 중…' : '종료'}
          </span>
        </div>
        <ol className="build-log" ref={logBox} aria-live="polite">
          {logs.length === 0 ? <li className="log-empty">아직 기록이 없습니다.</li> : null}
          {logs.map((line) => (
            <li key={line.id} className={`log-line log-${line.level}`}>
              <time dateTime={line.at}>{formatSeoulTimeWithSeconds(line.at)}</time>
              <span className="log-message">{line.message}</span>
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}
