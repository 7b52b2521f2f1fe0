import type { LinksFunction, LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { json } from '@remix-run/node';
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import { getActiveMembership, MEMBER_ROLE_LABELS } from './auth.server.ts';
import stylesHref from './styles/app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesHref },
  { rel: 'icon', href: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 32 32%22%3E%3Crect width=%2232%22 height=%2232%22 rx=%228%22 fill=%22%232f5bea%22/%3E%3Cpath d=%22M7 11l4 11 5-8 5 8 4-11%22 fill=%22none%22 stroke=%22white%22 stroke-width=%222.6%22 stroke-linecap=%22round%22 stroke-linejoin=%22round%22/%3E%3C/svg%3E' },
];

export const meta: MetaFunction = () => [
  { title: 'WindWalker — 우리 가게 홈페이지, 클릭 몇 번으로' },
  { name: 'description', content: '소상공인·스타트업·프리랜서를 위한 노코드 홈페이지 빌더와 호스팅' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const active = await getActiveMembership(request);
  if (!active) return json({ viewer: null });
  const { user, membership, memberships } = active;
  return json({
    viewer: {
      name: user.displayName || user.email,
      email: user.email,
      isAdmin: user.platformRoles.includes('admin'),
      canOps: user.platformRoles.length > 0,
      isFinance: user.platformRoles.includes('finance') || user.platformRoles.includes('admin'),
      activeWorkspace: membership
        ? { id: membership.tenant.id, name: membership.tenant.name, role: membership.role, roleLabel: MEMBER_ROLE_LABELS[membership.role] }
        : null,
      workspaces: memberships.map((m) => ({ id: m.tenant.id, name: m.tenant.name, roleLabel: MEMBER_ROLE_LABELS[m.role] })),
    },
  });
}

type RootData = SerializeFrom<typeof loader>;

function Logo() {
  return (
    <Link to="/" className="brand" aria-label="WindWalker 홈">
      <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="var(--brand)" />
        <path d="M7 11l4 11 5-8 5 8 4-11" fill="none" stroke="white" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <span>WindWalker</span>
    </Link>
  );
}

function WorkspaceSwitcher({ viewer }: { viewer: NonNullable<RootData['viewer']> }) {
  const location = useLocation();
  const active = viewer.activeWorkspace;
  if (!active) return null;
  if (viewer.workspaces.length < 2) {
    return (
      <span className="workspace-name" title="현재 워크스페이스">
        {active.name}
      </span>
    );
  }
  return (
    <details className="workspace-switcher">
      <summary title="워크스페이스 바꾸기">{active.name}</summary>
      <div className="workspace-menu" role="menu">
        <p className="workspace-menu-title">워크스페이스 바꾸기</p>
        {viewer.workspaces.map((w) => (
          <Form
            method="post"
            action="/workspace/switch"
            key={w.id}
            onSubmit={(event) => event.currentTarget.closest('details')?.removeAttribute('open')}
          >
            <input type="hidden" name="tenantId" value={w.id} />
            <input type="hidden" name="redirectTo" value={location.pathname.startsWith('/workspace') ? location.pathname : '/sites'} />
            <button type="submit" role="menuitem" className={w.id === active.id ? 'is-active' : undefined} disabled={w.id === active.id}>
              <span>{w.name}</span>
              <small>{w.roleLabel}</small>
            </button>
          </Form>
        ))}
        <Link to="/workspace/new" className="workspace-menu-new">
          + 새 워크스페이스
        </Link>
      </div>
    </details>
  );
}

function Header() {
  const data = useRouteLoaderData<typeof loader>('root');
  const viewer = data?.viewer ?? null;
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <div className="app-header-left">
          <Logo />
          {viewer ? <WorkspaceSwitcher viewer={viewer} /> : null}
        </div>
        {viewer ? (
          <nav className="app-nav" aria-label="주 메뉴">
            <NavLink to="/sites">사이트</NavLink>
            <NavLink to="/workspace/members">멤버</NavLink>
            {viewer.activeWorkspace?.role === 'owner' ? <NavLink to="/billing">결제</NavLink> : null}
            {viewer.isFinance ? <NavLink to="/finance">재무</NavLink> : null}
            {viewer.canOps ? <NavLink to="/ops">운영</NavLink> : null}
            {viewer.isAdmin ? <NavLink to="/admin">관리자</NavLink> : null}
            <span className="app-nav-user" title={viewer.email}>
              {viewer.name}
            </span>
            <Form method="post" action="/logout">
              <button type="submit" className="link-button">
                로그아웃
              </button>
            </Form>
          </nav>
        ) : (
          <nav className="app-nav" aria-label="주 메뉴">
            <NavLink to="/login">로그인</NavLink>
            <Link to="/signup" className="button button-small">
              무료로 시작하기
            </Link>
          </nav>
        )}
      </div>
    </header>
  );
}

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="ko">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <Header />
        <main className="app-main">{children}</main>
        <footer className="app-footer">© WindWalker · 소상공인을 위한 홈페이지 빌더</footer>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  let title = '문제가 생겼습니다';
  let message = '잠시 후 다시 시도해 주세요. 계속되면 고객센터에 알려 주세요.';
  if (isRouteErrorResponse(error)) {
    const data = error.data as { message?: string } | string | null;
    const text = typeof data === 'string' ? data : data?.message;
    if (error.status === 404) {
      title = '페이지를 찾을 수 없습니다';
      message = text || '주소가 바뀌었거나 삭제되었을 수 있습니다.';
    } else if (error.status === 403) {
      title = '권한이 없습니다';
      message = text || '이 페이지를 볼 권한이 없습니다.';
    } else if (text) {
      message = text;
    }
  }
  return (
    <div className="page page-narrow error-page">
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <Link to="/" className="button button-secondary">
          처음으로
        </Link>
      </p>
    </div>
  );
}
