// /sites/:siteId/code — developer mode: what it is and what changes, turning it on (the site's
// source is rendered from the builder document), opening the code editor (VS Code in the
// browser, through /sites/:siteId/code/editor/), publishing from code, the save history with
// restore, and going back to the builder with a preview of the code changes that would be lost.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect, redirectDocument } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { getPlan } from '../../../billing/index.ts';
import { PublishError } from '../../../buildfarm/index.ts';
import { siteUrl } from '../../../cdn/index.ts';
import { env } from '../../../config/env.ts';
import {
  changesSinceBuilder,
  createSourceWorkspace,
  DevmodeError,
  devmodeImageTag,
  devmodeRuntimeFromEnv,
  discardWorkspace,
  getOpenSession,
  getWorkspace,
  listSaves,
  openSession,
  publishFromSource,
  restoreSave,
  sessionLimitsForPlan,
  stopSession,
} from '../../../devmode/index.ts';
import { requireMember } from '../auth.server.ts';
import { getBoss, sql } from '../db.server.ts';
import { getSite } from '../sites.server.ts';
import { formatSeoulDateTime } from '../components/seoul-time.ts';
import sitesStyles from '../components/builder/sites.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: sitesStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `코드 편집기 · ${data?.site.name ?? ''} · WindWalker` }];

const CONFIRM_DISCARD = '코드 변경 버리기';

function notFound(): Response {
  return new Response('사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.', { status: 404 });
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant, role } = await requireMember(request, 'viewer');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const plan = await getPlan(sql, tenant.planCode);
  const rt = devmodeRuntimeFromEnv(sql, env());
  const workspace = await getWorkspace(sql, rt.dataDir, tenant.id, site.id);
  const onThisHost = workspace ? workspace.host === rt.hostName : true;
  const [saves, lost, session] = workspace && onThisHost
    ? await Promise.all([listSaves(workspace, 30), changesSinceBuilder(workspace), getOpenSession(sql, tenant.id, site.id)])
    : [[], null, workspace ? await getOpenSession(sql, tenant.id, site.id) : null];
  const limits = sessionLimitsForPlan(tenant.planCode);
  // The owner is about to open the editor: work out the image tag (ldd over the install, 1–2 s)
  // now rather than in the click. No install on this host: opening says so.
  if (workspace && onThisHost && role !== 'viewer' && plan.devmode && !session) devmodeImageTag(rt.installDir).catch(() => {});
  return json({
    site: { id: site.id, name: site.name, url: siteUrl(site.slug) },
    canEdit: role !== 'viewer',
    plan: { nameKo: plan.nameKo, devmode: plan.devmode },
    limits,
    idleMinutes: Math.round(rt.idleSeconds / 60),
    workspace: workspace
      ? { host: workspace.host, onThisHost, createdAt: workspace.createdAt.toISOString(), baseVersionNumber: workspace.baseVersionNumber, lastSavedAt: workspace.lastSavedAt?.toISOString() ?? null }
      : null,
    saves: saves.map((s, index) => ({ ...s, latest: index === 0, base: s.commit === workspace?.baseCommit })),
    lost,
    session: session ? { status: session.status, startedAt: session.startedAt.toISOString(), memoryMb: session.memoryUsedBytes ? Math.round(session.memoryUsedBytes / 2 ** 20) : null } : null,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { tenant, user } = await requireMember(request, 'editor');
  const site = await getSite(sql, tenant.id, params.siteId ?? '');
  if (!site) throw notFound();
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const rt = devmodeRuntimeFromEnv(sql, env());
  const author = { id: user.id, name: user.displayName || user.email, email: user.email };
  try {
    if (intent === 'enable') {
      const plan = await getPlan(sql, tenant.planCode);
      if (!plan.devmode) throw new DevmodeError('PLAN', `개발자 모드(코드 편집기)는 프리미엄 요금제부터 쓸 수 있습니다. 지금은 ${plan.nameKo} 요금제입니다. 요금제 페이지에서 바꿔 주세요.`);
      await createSourceWorkspace(sql, { dataDir: rt.dataDir, hostName: rt.hostName, tenantId: tenant.id, siteId: site.id, user: author });
      return json({ ok: true as const, message: '개발자 모드를 켰습니다. 빌더의 내용으로 소스를 만들었습니다. 이제 코드 편집기를 열 수 있습니다.' });
    }
    if (intent === 'open') {
      await openSession(rt, { tenantId: tenant.id, siteId: site.id, userId: user.id });
      // A whole-document load: the editor is served by the proxy, not by a Remix route. Straight
      // to the workspace folder (code-server would answer the bare path with a redirect there).
      return redirectDocument(`/sites/${site.id}/code/editor/?folder=/workspace`);
    }
    const workspace = await getWorkspace(sql, rt.dataDir, tenant.id, site.id);
    if (!workspace) return json({ ok: false as const, message: '이 사이트는 개발자 모드가 아닙니다.' }, { status: 409 });
    if (intent === 'stop') {
      const session = await getOpenSession(sql, tenant.id, site.id);
      if (session) await stopSession(rt, { tenantId: tenant.id, sessionId: session.id, reason: 'owner', author });
      return json({ ok: true as const, message: '코드 편집기를 닫고 변경 내용을 저장했습니다.' });
    }
    if (intent === 'publish') {
      const published = await publishFromSource(sql, await getBoss(), { dataDir: rt.dataDir, hostName: rt.hostName, tenantId: tenant.id, siteId: site.id, user: author });
      return redirect(`/sites/${site.id}/builds/${published.buildId}`);
    }
    if (intent === 'restore') {
      const commit = String(form.get('commit') ?? '');
      await restoreSave(sql, workspace, { hostName: rt.hostName, commit, author });
      return json({ ok: true as const, message: `${commit.slice(0, 7)} 저장으로 되돌렸습니다. 되돌리기 전 상태도 저장 기록에 남아 있습니다.` });
    }
    if (intent === 'discard') {
      if (String(form.get('confirm') ?? '').trim() !== CONFIRM_DISCARD) {
        return json({ ok: false as const, message: `빌더로 돌아가려면 확인 칸에 ‘${CONFIRM_DISCARD}’라고 적어 주세요.` }, { status: 400 });
      }
      await discardWorkspace(sql, workspace, { hostName: rt.hostName, userId: user.id });
      return redirect(`/sites/${site.id}`);
    }
    return json({ ok: false as const, message: '알 수 없는 요청입니다.' }, { status: 400 });
  } catch (error) {
    if (error instanceof DevmodeError) {
      if (error.code === 'NOT_FOUND') throw notFound();
      if (error.cause) console.error(`[devmode] ${intent} for site ${site.id}: ${(error.cause as Error).message}`);
      return json({ ok: false as const, message: error.message }, { status: error.code === 'PLAN' ? 403 : 409 });
    }
    if (error instanceof PublishError) return json({ ok: false as const, message: error.message }, { status: 409 });
    throw error;
  }
}

const CHANGE_LABEL: Record<string, string> = { added: '추가', modified: '수정', deleted: '삭제' };

export default function CodePage() {
  const { site, canEdit, plan, limits, idleMinutes, workspace, saves, lost, session } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' ? String(navigation.formData?.get('intent') ?? '') : '';
  return (
    <div className="page code-page">
      <style>{`
        .code-page .facts { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); margin: 1rem 0; }
        .code-page .facts li { list-style: none; }
        .code-page .facts ul { padding: 0; margin: 0; }
        .code-page .lost-list { padding-left: 1.2rem; }
        .code-page pre.diff { max-height: 24rem; overflow: auto; background: #0f172a; color: #e2e8f0; padding: .75rem; border-radius: .5rem; font-size: .8rem; white-space: pre; }
        .code-page .actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
        .code-page section.card { margin-top: 1rem; }
        .code-page .danger-zone { border-color: #fecaca; }
      `}</style>
      <nav className="breadcrumbs" aria-label="위치">
        <Link to="/sites">내 사이트</Link> › <Link to={`/sites/${site.id}`}>{site.name}</Link> › <span>코드 편집기</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>코드 편집기 (개발자 모드)</h1>
          <p>
            브라우저 안의 VS Code로 사이트의 HTML, CSS, 이미지를 직접 고칩니다.{' '}
            <a href={site.url} target="_blank" rel="noreferrer">
              {site.url.replace(/^https?:\/\//, '')} ↗
            </a>
          </p>
        </div>
        <Link to={`/sites/${site.id}`} className="button button-secondary">
          빌더로 가기
        </Link>
      </div>
      {actionData ? <div className={`alert ${actionData.ok ? 'alert-success' : 'alert-error'}`} role="status">{actionData.message}</div> : null}

      {!plan.devmode ? (
        <div className="alert alert-error">
          개발자 모드는 프리미엄 요금제부터 쓸 수 있습니다. 지금은 {plan.nameKo} 요금제입니다. <Link to="/billing">요금제 바꾸기</Link>
        </div>
      ) : null}

      <section className="card">
        <h2>개발자 모드를 켜면 바뀌는 것</h2>
        <div className="facts">
          <ul>
            <li><strong>소스가 생깁니다.</strong> 지금 빌더의 내용으로 페이지 HTML, 페이지별 CSS, 이미지와 작은 설명 파일(windwalker.json)을 만듭니다.</li>
          </ul>
          <ul>
            <li><strong>사이트는 코드에서 게시됩니다.</strong> 편집기 안의 ‘사이트 게시’나 이 페이지의 게시 단추로 게시합니다. 빌더에서 고친 내용은 게시되지 않고, 빌더의 게시 단추는 막힙니다.</li>
          </ul>
          <ul>
            <li><strong>저장할 때마다 기록이 남습니다.</strong> 게시할 때와 편집기를 닫을 때 저장되며, 아래 저장 기록에서 예전 상태로 되돌릴 수 있습니다.</li>
          </ul>
          <ul>
            <li><strong>빌더로 돌아가면 코드 변경은 버려집니다.</strong> 돌아가기 전에 무엇이 사라지는지 아래에서 미리 보여 드립니다.</li>
          </ul>
        </div>
        <p className="muted small">
          편집기는 인터넷에 연결되지 않은 별도 공간에서 열립니다 (메모리 {limits.memoryMb.toLocaleString('ko-KR')}MB, CPU {limits.cpus}개). {idleMinutes}분 동안 쓰지 않으면 저장한 뒤 닫힙니다. 한 사이트에는 편집기가 하나만 열리며, 같은 사이트를 다른 사람이 열면 같은 편집기로 들어갑니다.
        </p>
        {!workspace && canEdit && plan.devmode ? (
          <Form method="post">
            <input type="hidden" name="intent" value="enable" />
            <button type="submit" className="button" disabled={busy === 'enable'}>
              {busy === 'enable' ? '소스를 만드는 중…' : '개발자 모드 켜기'}
            </button>
          </Form>
        ) : null}
      </section>

      {workspace ? (
        <>
          <section className="card">
            <h2>편집기</h2>
            {!workspace.onThisHost ? (
              <p className="alert alert-error">이 사이트의 소스는 호스트 {workspace.host}에 있습니다. 그 호스트의 웹 서버에서 열어 주세요.</p>
            ) : null}
            <p>
              {session?.status === 'running'
                ? `편집기가 열려 있습니다 (${formatSeoulDateTime(session.startedAt)}부터${session.memoryMb ? `, 메모리 ${session.memoryMb}MB 사용 중` : ''}).`
                : session
                  ? '편집기를 준비하거나 닫는 중입니다.'
                  : '편집기가 닫혀 있습니다.'}
              {workspace.lastSavedAt ? ` 마지막 저장: ${formatSeoulDateTime(workspace.lastSavedAt)}.` : ''}
            </p>
            {canEdit ? (
              <div className="actions">
                <Form method="post">
                  <input type="hidden" name="intent" value="open" />
                  <button type="submit" className="button" disabled={busy === 'open' || !plan.devmode}>
                    {busy === 'open' ? '편집기를 여는 중…' : session?.status === 'running' ? '코드 편집기로 들어가기' : '코드 편집기 열기'}
                  </button>
                </Form>
                <Form method="post">
                  <input type="hidden" name="intent" value="publish" />
                  <button type="submit" className="button button-secondary" disabled={busy === 'publish' || !plan.devmode}>
                    {busy === 'publish' ? '게시 요청 중…' : '코드로 게시하기'}
                  </button>
                </Form>
                {session ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="stop" />
                    <button type="submit" className="button button-secondary" disabled={busy === 'stop'}>
                      {busy === 'stop' ? '저장하고 닫는 중…' : '편집기 닫기 (저장)'}
                    </button>
                  </Form>
                ) : null}
              </div>
            ) : (
              <p className="muted">보기 권한으로는 코드 편집기를 열 수 없습니다.</p>
            )}
          </section>

          <section className="card">
            <h2>저장 기록</h2>
            {saves.length === 0 ? (
              <p className="muted">저장 기록을 읽을 수 없습니다.</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">저장</th>
                    <th scope="col">누가 · 언제</th>
                    <th scope="col">바뀐 파일</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {saves.map((s) => (
                    <tr key={s.commit}>
                      <td>
                        <code>{s.commit.slice(0, 7)}</code> {s.message}
                        {s.latest ? <span className="badge badge-success"> 지금</span> : null}
                        {s.base ? <span className="badge badge-muted"> 빌더에서 만든 소스</span> : null}
                      </td>
                      <td>{s.author} · {formatSeoulDateTime(s.at)}</td>
                      <td>{s.changedFiles}개</td>
                      <td>
                        {canEdit && !s.latest ? (
                          <Form method="post" onSubmit={(event) => { if (!window.confirm(`${s.commit.slice(0, 7)} 저장으로 되돌릴까요? 지금 상태도 기록에 남습니다.`)) event.preventDefault(); }}>
                            <input type="hidden" name="intent" value="restore" />
                            <input type="hidden" name="commit" value={s.commit} />
                            <button type="submit" className="link-button" disabled={busy === 'restore' || session?.status === 'running'}>이 저장으로 되돌리기</button>
                          </Form>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {session?.status === 'running' ? <p className="muted small">편집기가 열려 있는 동안에는 되돌릴 수 없습니다. 편집기를 닫은 뒤 되돌려 주세요.</p> : null}
          </section>

          <section className="card danger-zone">
            <h2>빌더로 돌아가기</h2>
            {lost && lost.files.length > 0 ? (
              <>
                <p>
                  빌더로 돌아가면 아래 <strong>{lost.files.length}개 파일의 코드 변경이 사라지고</strong>, 사이트는 다시 빌더의 내용(버전 {workspace.baseVersionNumber ?? '최신'} 이후 빌더에서 고친 내용 포함)으로 게시됩니다.
                </p>
                <ul className="lost-list">
                  {lost.files.map((f) => (
                    <li key={f.path}>
                      <code>{f.path}</code> — {CHANGE_LABEL[f.change]} (+{f.added} −{f.removed}줄)
                    </li>
                  ))}
                </ul>
                {lost.diff ? (
                  <details>
                    <summary>바뀐 내용 자세히 보기{lost.truncated ? ' (앞부분만)' : ''}</summary>
                    <pre className="diff">{lost.diff}</pre>
                  </details>
                ) : null}
              </>
            ) : lost ? (
              <p>빌더에서 만든 소스에서 바뀐 코드가 없습니다. 돌아가도 사라지는 것이 없습니다.</p>
            ) : null}
            {canEdit ? (
              <Form method="post" className="actions">
                <input type="hidden" name="intent" value="discard" />
                <label>
                  확인: <input name="confirm" placeholder={CONFIRM_DISCARD} autoComplete="off" />
                </label>
                <button type="submit" className="button button-danger" disabled={busy === 'discard' || Boolean(session)}>
                  코드 변경을 버리고 빌더로 돌아가기
                </button>
                {session ? <span className="muted small">편집기를 먼저 닫아 주세요.</span> : null}
              </Form>
            ) : null}
          </section>
        </>
      ) : null}
    </div>
  );
}
