// Accounts, workspaces, members and /admin, driven over real HTTP against the built Remix app
// (npm run build) and a fresh PostgreSQL database.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWeb, TEST_PASSWORD, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;

beforeAll(async () => {
  web = await startTestWeb();
});
afterAll(() => web?.stop());

async function count(table: 'users' | 'tenants' | 'memberships' | 'user_sessions'): Promise<number> {
  const [{ n }] = await web.db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`);
  return n;
}

function inviteTokenFrom(body: string): string {
  const match = /\/invite\/([A-Za-z0-9_-]{20,})/.exec(body);
  if (!match) throw new Error('no invitation link on the page');
  return match[1];
}

describe('health', () => {
  it('answers /healthz with the database and migrations state', async () => {
    const response = await fetch(`${web.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, database: true, migrations: true });
  });

  it('answers an unknown page with a Korean 404 page', async () => {
    const response = await web.tab().get('/no-such-page');
    expect(response.status).toBe(404);
    expect(response.body).toContain('페이지를 찾을 수 없습니다');
  });

  it('serves built assets with an immutable cache and pages with security headers', async () => {
    const page = await web.tab().get('/login');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const stylesheet = /href="(\/assets\/app-[^"]+\.css)"/.exec(page.body)?.[1];
    expect(stylesheet).toBeDefined();
    const asset = await fetch(`${web.baseUrl}${stylesheet}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('registers the web process heartbeat', async () => {
    const rows = await web.db.sql`select kind from process_heartbeats where kind = 'web' and stopped_at is null`;
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });
});

describe('sign-up', () => {
  it('creates the user, a workspace and an owner membership, and logs the user in', async () => {
    const tab = web.tab();
    const response = await tab.post('/signup', {
      email: 'Owner@Example.com',
      password: TEST_PASSWORD,
      displayName: '김사장',
      workspaceName: '바람카페',
    });
    expect(response.status).toBe(302);
    expect(response.location).toBe('/sites');
    expect(tab.cookies.has('ww_session')).toBe(true);

    const [row] = await web.db.sql<{ email: string; name: string; role: string; password_hash: string }[]>`
      select u.email, t.name, m.role, u.password_hash
      from users u join memberships m on m.user_id = u.id join tenants t on t.id = m.tenant_id
      where u.email = 'owner@example.com'`;
    expect(row).toMatchObject({ email: 'owner@example.com', name: '바람카페', role: 'owner' });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);

    const members = await tab.get('/workspace/members');
    expect(members.status).toBe(200);
    expect(members.body).toContain('바람카페');
    expect(members.body).toContain('김사장');

    const [audit] = await web.db.sql`select action from audit_log where action = 'user.signed_up' and target = 'owner@example.com'`;
    expect(audit).toBeDefined();
  });

  it('refuses a duplicate email in Korean and changes nothing', async () => {
    await web.signUp({ email: 'dup@example.com' });
    const before = { users: await count('users'), tenants: await count('tenants'), memberships: await count('memberships') };
    const tab = web.tab();
    const response = await tab.post('/signup', { email: 'DUP@example.com', password: TEST_PASSWORD, displayName: '다른 사람', workspaceName: '다른 가게' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('이미 가입된 이메일입니다');
    expect(response.body).toContain('value="DUP@example.com"'); // the typed value is kept
    expect(response.body).toContain('value="다른 가게"');
    expect(tab.cookies.has('ww_session')).toBe(false);
    expect({ users: await count('users'), tenants: await count('tenants'), memberships: await count('memberships') }).toEqual(before);
  });

  it('names each invalid field in Korean', async () => {
    const before = await count('users');
    const response = await web.tab().post('/signup', { email: 'not-an-email', password: 'short', displayName: '', workspaceName: '' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('이메일 형식이 올바르지 않습니다');
    expect(response.body).toContain('비밀번호는 10자 이상이어야 합니다');
    expect(response.body).toContain('이름을 입력해 주세요');
    expect(response.body).toContain('워크스페이스 이름을 입력해 주세요');
    expect(await count('users')).toBe(before);
  });
});

describe('log-in and log-out', () => {
  beforeAll(async () => {
    await web.signUp({ email: 'login@example.com' });
    await web.signUp({ email: 'limited@example.com' });
  });

  it('logs in with the right password and goes back where the user was headed', async () => {
    const tab = web.tab();
    const response = await tab.post('/login', { email: 'LOGIN@example.com', password: TEST_PASSWORD, redirectTo: '/workspace/members' });
    expect(response.status).toBe(302);
    expect(response.location).toBe('/workspace/members');
    expect((await tab.get('/workspace/members')).status).toBe(200);
  });

  it('never redirects to another site after log-in', async () => {
    const response = await web.tab().post('/login', { email: 'login@example.com', password: TEST_PASSWORD, redirectTo: '//evil.example/' });
    expect(response.location).toBe('/sites');
  });

  it('refuses a wrong password in Korean and records the failure without a tenant', async () => {
    const tab = web.tab();
    const response = await tab.post('/login', { email: 'login@example.com', password: 'wrong-password-123' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('이메일 또는 비밀번호가 올바르지 않습니다');
    expect(response.body).toContain('value="login@example.com"');
    expect(tab.cookies.has('ww_session')).toBe(false);
    const rows = await web.db.sql`
      select tenant_id from audit_log where action = 'user.login_failed' and target = 'login@example.com'`;
    expect(rows.length).toBe(1);
    expect(rows[0].tenant_id).toBeNull();
  });

  it('stops guessing after 5 attempts per email, even with the right password, and says how long to wait', async () => {
    const tab = web.tab();
    for (let i = 0; i < 5; i++) {
      const r = await tab.post('/login', { email: 'limited@example.com', password: `wrong-password-${i}` });
      expect(r.status).toBe(400);
    }
    const blocked = await tab.post('/login', { email: 'limited@example.com', password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatch(/로그인 시도가 너무 많습니다. 1[45]분( \d+초)? 후에 다시 시도해 주세요/);
    expect(tab.cookies.has('ww_session')).toBe(false);
    // The limit lives in PostgreSQL, so every web instance sees it.
    const [row] = await web.db.sql`select attempts from login_throttle where key like ${'login:email-ip:limited@example.com|%'}`;
    expect(row.attempts).toBe(6);
    // Another account from the same address is not locked out.
    expect((await web.tab().post('/login', { email: 'login@example.com', password: TEST_PASSWORD })).status).toBe(302);
  });

  it('counts parallel guesses atomically', async () => {
    await web.signUp({ email: 'parallel@example.com' });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => web.tab().post('/login', { email: 'parallel@example.com', password: `guess-number-${i}` })),
    );
    expect(answers.filter((a) => a.status === 400).length).toBe(5);
    expect(answers.filter((a) => a.status === 429).length).toBe(7);
  });

  it('logs out: the session is deleted and pages ask to log in again', async () => {
    const tab = await web.signUp({ email: 'logout@example.com' });
    const sessionsBefore = await count('user_sessions');
    const response = await tab.post('/logout', {});
    expect(response.status).toBe(302);
    expect(response.location).toBe('/');
    expect(tab.cookies.has('ww_session')).toBe(false);
    expect(await count('user_sessions')).toBe(sessionsBefore - 1);
    const page = await tab.get('/workspace/members');
    expect(page.status).toBe(302);
    expect(page.location).toBe('/login?redirectTo=%2Fworkspace%2Fmembers');
  });

  it('treats a stolen-then-logged-out cookie as no session', async () => {
    const tab = await web.signUp({ email: 'replay@example.com' });
    const cookie = tab.cookies.get('ww_session')!;
    await tab.post('/logout', {});
    const replay = web.tab();
    replay.cookies.set('ww_session', cookie);
    expect((await replay.get('/workspace/members')).status).toBe(302);
  });
});

describe('sessions and workspaces', () => {
  it('sends a logged-in visitor of the landing page to their sites', async () => {
    const tab = await web.signUp({ email: 'landing@example.com' });
    const response = await tab.get('/');
    expect(response.status).toBe(302);
    expect(response.location).toBe('/sites');
    const visitor = await web.tab().get('/');
    expect(visitor.status).toBe(200);
    expect(visitor.body).toContain('30,000원');
  });

  it('extends a session that is past half its life and sends the refreshed cookie', async () => {
    const tab = await web.signUp({ email: 'refresh@example.com' });
    const sessionId = tab.cookies.get('ww_session')!;
    await web.db.sql`update user_sessions set expires_at = now() + interval '5 days' where id = ${sessionId}`;
    const response = await tab.get('/workspace/members');
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`ww_session=${sessionId};`) && /HttpOnly/i.test(c) && /SameSite=Lax/i.test(c))).toBe(true);
    const [row] = await web.db.sql<{ days: number }[]>`
      select extract(day from expires_at - now())::int as days from user_sessions where id = ${sessionId}`;
    expect(row.days).toBeGreaterThanOrEqual(29);
  });

  it('refuses a suspended workspace with a Korean 403', async () => {
    const tab = await web.signUp({ email: 'suspended@example.com', workspaceName: '정지된 가게' });
    await web.db.sql`update tenants set status = 'suspended' where name = '정지된 가게'`;
    const response = await tab.get('/workspace/members');
    expect(response.status).toBe(403);
    expect(response.body).toContain('정지된 가게');
    expect(response.body).toContain('워크스페이스는 정지되었습니다');
  });

  it('lets the members of a workspace suspended for non-payment in to pay, but not those of an admin-suspended one', async () => {
    const tab = await web.signUp({ email: 'unpaid@example.com', workspaceName: '밀린 가게' });
    await web.db.sql`update tenants set status = 'suspended', suspended_reason = 'unpaid' where name = '밀린 가게'`;
    const billing = await tab.get('/billing');
    expect(billing.status).toBe(200);
    await web.db.sql`update tenants set status = 'active' where name = '밀린 가게'`;
    await web.db.sql`update tenants set status = 'suspended' where name = '밀린 가게'`;
    expect((await tab.get('/billing')).status).toBe(403);
  });

  it('sends a user who belongs to no workspace to create one', async () => {
    const tab = await web.signUp({ email: 'alone@example.com', workspaceName: '혼자 가게' });
    await web.db.sql`delete from memberships where user_id = (select id from users where email = 'alone@example.com')`;
    const page = await tab.get('/workspace/members');
    expect(page.status).toBe(302);
    expect(page.location).toBe('/workspace/new');
    const created = await tab.post('/workspace/new', { name: '새 가게' });
    expect(created.status).toBe(302);
    expect((await tab.get('/workspace/members')).body).toContain('새 가게 워크스페이스');
  });
});

describe('Origin check', () => {
  it('refuses a mutation from another site and changes nothing', async () => {
    const before = await count('users');
    const response = await web.tab().post(
      '/signup',
      { email: 'csrf@example.com', password: TEST_PASSWORD, displayName: '공격', workspaceName: '공격' },
      { Origin: 'https://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(response.body).toContain('다른 사이트에서 보낸 요청이라 거절했습니다');
    expect(await count('users')).toBe(before);
  });

  it('refuses a mutation that carries neither Origin nor Referer', async () => {
    const tab = await web.signUp({ email: 'no-origin@example.com' });
    const response = await tab.request('/logout', { method: 'POST', headers: { Origin: '' } });
    expect(response.status).toBe(403);
  });
});

describe('members and invitations', () => {
  let owner: BrowserTab;
  let tenantId: string;

  beforeAll(async () => {
    owner = await web.signUp({ email: 'boss@example.com', displayName: '박대표', workspaceName: '햇살미용실' });
    [{ id: tenantId }] = await web.db.sql<{ id: string }[]>`select id from tenants where name = '햇살미용실'`;
  });

  async function invite(email: string, role: string): Promise<string> {
    const response = await owner.post('/workspace/members', { intent: 'invite', email, role });
    expect(response.status).toBe(200);
    expect(response.body).toContain('아직 초대 이메일은 자동으로 보내지 않습니다');
    return inviteTokenFrom(response.body);
  }

  it('invites by email; the invitee signs up through the link and sees the workspace with the role', async () => {
    const token = await invite('Designer@Example.com', 'editor');
    const [stored] = await web.db.sql`select email, role, token_hash from invitations where tenant_id = ${tenantId}`;
    expect(stored).toMatchObject({ email: 'designer@example.com', role: 'editor' });
    expect(stored.token_hash).not.toContain(token); // only the hash is stored

    const landing = await web.tab().get(`/invite/${token}`);
    expect(landing.status).toBe(200);
    expect(landing.body).toContain('햇살미용실');
    expect(landing.body).toContain('편집자');

    const wrongEmail = await web.tab().post('/signup', { invite: token, email: 'someone@example.com', password: TEST_PASSWORD, displayName: '다른 사람' });
    expect(wrongEmail.status).toBe(400);
    expect(wrongEmail.body).toContain('designer@example.com 주소로 보낸 것입니다');
    expect(await web.db.sql`select 1 from users where email = 'someone@example.com'`).toHaveLength(0);

    const invitee = web.tab();
    const signUpPage = await invitee.get(`/signup?invite=${token}`);
    expect(signUpPage.body).toContain('햇살미용실에 합류하기');
    const response = await invitee.post('/signup', { invite: token, email: 'designer@example.com', password: TEST_PASSWORD, displayName: '이디자이너' });
    expect(response.status).toBe(302);
    expect(response.location).toBe('/sites');

    const members = await invitee.get('/workspace/members');
    expect(members.status).toBe(200);
    expect(members.body).toContain('햇살미용실');
    expect(members.body).toContain('내 권한: <strong>편집자</strong>');
    const [membership] = await web.db.sql`
      select m.role from memberships m join users u on u.id = m.user_id where u.email = 'designer@example.com' and m.tenant_id = ${tenantId}`;
    expect(membership.role).toBe('editor');
    // The invitee did not get a workspace of their own.
    const [{ n }] = await web.db.sql`select count(*)::int as n from memberships m join users u on u.id = m.user_id where u.email = 'designer@example.com'`;
    expect(n).toBe(1);

    // The link works once.
    const again = await web.tab().get(`/invite/${token}`);
    expect(again.body).toContain('이미 사용된 초대 링크입니다');
  });

  it('lets an existing user accept while logged in, and switch between workspaces', async () => {
    const viewer = await web.signUp({ email: 'viewer@example.com', workspaceName: '내 작업실' });
    const token = await invite('viewer@example.com', 'viewer');
    const accepted = await viewer.post(`/invite/${token}`, {});
    expect(accepted.status).toBe(302);
    const page = await viewer.get('/workspace/members');
    expect(page.body).toContain('햇살미용실 워크스페이스');
    expect(page.body).toContain('내 권한: <strong>뷰어</strong>');

    const [own] = await web.db.sql<{ id: string }[]>`select id from tenants where name = '내 작업실'`;
    const switched = await viewer.post('/workspace/switch', { tenantId: own.id, redirectTo: '/workspace/members' });
    expect(switched.status).toBe(302);
    expect((await viewer.get('/workspace/members')).body).toContain('내 작업실 워크스페이스');
    // Back to the shared workspace for the next test.
    await viewer.post('/workspace/switch', { tenantId, redirectTo: '/sites' });
  });

  it('tells the invitee when a link has expired, and does not add them', async () => {
    const token = await invite('late@example.com', 'viewer');
    await web.db.sql`update invitations set expires_at = now() - interval '1 minute' where email = 'late@example.com'`;
    const late = await web.signUp({ email: 'late@example.com' });
    const page = await late.get(`/invite/${token}`);
    expect(page.body).toContain('초대 링크가 만료되었습니다');
    const response = await late.post(`/invite/${token}`, {});
    expect(response.status).toBe(400);
    const [{ n }] = await web.db.sql`select count(*)::int as n from memberships where tenant_id = ${tenantId} and user_id = (select id from users where email = 'late@example.com')`;
    expect(n).toBe(0);
  });

  it('answers 404 for an unknown invitation token', async () => {
    const response = await web.tab().get('/invite/not-a-real-token-abcdefghijklmnop');
    expect(response.status).toBe(404);
    expect(response.body).toContain('초대 링크가 올바르지 않습니다');
  });

  it('does not let a user switch into a workspace they do not belong to', async () => {
    const stranger = await web.signUp({ email: 'stranger@example.com' });
    const response = await stranger.post('/workspace/switch', { tenantId, redirectTo: '/sites' });
    expect(response.status).toBe(403);
  });

  it('refuses an invitation meant for another email', async () => {
    const other = await web.signUp({ email: 'other@example.com' });
    const token = await invite('someone-else@example.com', 'editor');
    const response = await other.post(`/invite/${token}`, {});
    expect(response.status).toBe(400);
    expect(response.body).toContain('someone-else@example.com 주소로 보낸 것입니다');
    const [{ n }] = await web.db.sql`select count(*)::int as n from memberships m join users u on u.id = m.user_id where u.email = 'other@example.com' and m.tenant_id = ${tenantId}`;
    expect(n).toBe(0);
  });

  it('refuses a viewer who tries to invite, with 403, and stores nothing', async () => {
    const viewer = web.tab();
    await viewer.post('/login', { email: 'viewer@example.com', password: TEST_PASSWORD });
    await viewer.post('/workspace/switch', { tenantId, redirectTo: '/sites' });
    const before = await web.db.sql`select id from invitations where tenant_id = ${tenantId}`;
    const response = await viewer.post('/workspace/members', { intent: 'invite', email: 'friend@example.com', role: 'owner' });
    expect(response.status).toBe(403);
    expect(response.body).toContain('워크스페이스 소유자만 할 수 있습니다');
    const after = await web.db.sql`select id from invitations where tenant_id = ${tenantId}`;
    expect(after.length).toBe(before.length);
  });

  it('changes a member’s role and writes it to the audit log', async () => {
    const [designer] = await web.db.sql<{ id: string }[]>`select id from users where email = 'designer@example.com'`;
    const response = await owner.post('/workspace/members', { intent: 'role', userId: designer.id, role: 'owner' });
    expect(response.status).toBe(200);
    expect(response.body).toContain('권한을 바꿨습니다');
    const [row] = await web.db.sql`select role from memberships where tenant_id = ${tenantId} and user_id = ${designer.id}`;
    expect(row.role).toBe('owner');
    const [audit] = await web.db.sql`select detail from audit_log where tenant_id = ${tenantId} and action = 'member.role_changed'`;
    expect(audit.detail).toMatchObject({ from: 'editor', to: 'owner' });
    // Back to editor for the last-owner test.
    await owner.post('/workspace/members', { intent: 'role', userId: designer.id, role: 'editor' });
  });

  it('never removes or demotes the last owner', async () => {
    const [boss] = await web.db.sql<{ id: string }[]>`select id from users where email = 'boss@example.com'`;
    const demote = await owner.post('/workspace/members', { intent: 'role', userId: boss.id, role: 'editor' });
    expect(demote.status).toBe(400);
    expect(demote.body).toContain('소유자가 최소 한 명 있어야 합니다');
    const remove = await owner.post('/workspace/members', { intent: 'remove', userId: boss.id });
    expect(remove.status).toBe(400);
    const [row] = await web.db.sql`select role from memberships where tenant_id = ${tenantId} and user_id = ${boss.id}`;
    expect(row.role).toBe('owner');
  });

  it('removes a member, who then no longer sees the workspace', async () => {
    const [viewerUser] = await web.db.sql<{ id: string }[]>`select id from users where email = 'viewer@example.com'`;
    const response = await owner.post('/workspace/members', { intent: 'remove', userId: viewerUser.id });
    expect(response.status).toBe(200);
    const viewer = web.tab();
    await viewer.post('/login', { email: 'viewer@example.com', password: TEST_PASSWORD });
    const page = await viewer.get('/workspace/members');
    expect(page.body).toContain('내 작업실 워크스페이스');
    expect(page.body).not.toContain('햇살미용실 워크스페이스');
  });
});

describe('/admin and platform roles', () => {
  it('is refused to a logged-in user without the admin role', async () => {
    const tab = await web.signUp({ email: 'plain@example.com' });
    const response = await tab.get('/admin');
    expect(response.status).toBe(403);
    expect(response.body).toContain('플랫폼 관리자 권한이 있는 사람만');
    expect(response.body).not.toContain('플랫폼 관리</h1>');
  });

  it('sends a visitor to log in', async () => {
    const response = await web.tab().get('/admin');
    expect(response.status).toBe(302);
    expect(response.location).toBe('/login?redirectTo=%2Fadmin');
  });

  it('npm run admin:create grants admin to an existing user, and says so for an unknown one', async () => {
    const tab = await web.signUp({ email: 'first-admin@example.com', workspaceName: '본사' });
    const run = (email: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/admin-create.ts', '--', email], {
        env: { ...process.env, DATABASE_URL: web.db.url },
        encoding: 'utf8',
      });
    const unknown = run('nobody@example.com');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('Sign up in the web app first');

    const granted = run('First-Admin@example.com');
    expect(granted.stderr).toBe('');
    expect(granted.status).toBe(0);
    expect(granted.stdout).toContain('first-admin@example.com is now a platform admin');

    const page = await tab.get('/admin');
    expect(page.status).toBe(200);
    expect(page.body).toContain('플랫폼 관리');
    expect(page.body).toContain('본사'); // tenants
    expect(page.body).toContain('plain@example.com'); // users
    expect(page.body).toContain('살아 있음'); // this web process's heartbeat
    expect(page.body).toContain('로그인 실패'); // the audit log

    // An admin grants 'ops' to another user; the audit log records it without a tenant.
    const [plain] = await web.db.sql<{ id: string }[]>`select id from users where email = 'plain@example.com'`;
    const grant = await tab.post('/admin', { intent: 'grant', userId: plain.id, role: 'ops' });
    expect(grant.status).toBe(200);
    expect(grant.body).toContain('plain@example.com에게 운영 권한을 주었습니다');
    const roles = await web.db.sql`select role from platform_roles where user_id = ${plain.id}`;
    expect(roles.map((r) => r.role)).toEqual(['ops']);
    const [audit] = await web.db.sql`select tenant_id from audit_log where action = 'platform_role.granted' and target = ${plain.id}`;
    expect(audit.tenant_id).toBeNull();

    // The last admin cannot revoke their own admin role.
    const [me] = await web.db.sql<{ id: string }[]>`select id from users where email = 'first-admin@example.com'`;
    const revoke = await tab.post('/admin', { intent: 'revoke', userId: me.id, role: 'admin' });
    expect(revoke.status).toBe(400);
    expect(revoke.body).toContain('플랫폼 관리자는 최소 한 명 있어야 합니다');
  }, 90_000); // two child processes under tsx

  it('lets an admin suspend a workspace, which its members then cannot enter, and reopen it', async () => {
    const admin = web.tab();
    expect((await admin.post('/login', { email: 'first-admin@example.com', password: TEST_PASSWORD })).status).toBe(302);
    const member = await web.signUp({ email: 'shop@example.com', workspaceName: '골목빵집' });
    const [shop] = await web.db.sql<{ id: string }[]>`select id from tenants where name = '골목빵집'`;

    const suspended = await admin.post('/admin', { intent: 'suspend', tenantId: shop.id });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toContain('골목빵집');
    expect((await member.get('/workspace/members')).status).toBe(403);
    const [audit] = await web.db.sql`select tenant_id from audit_log where action = 'workspace.suspended'`;
    expect(audit.tenant_id).toBe(shop.id);

    expect((await admin.post('/admin', { intent: 'reactivate', tenantId: shop.id })).status).toBe(200);
    expect((await member.get('/workspace/members')).status).toBe(200);
  });

  it('refuses the admin actions to a non-admin', async () => {
    const tab = await web.signUp({ email: 'sneaky@example.com', workspaceName: '수상한 가게' });
    const [own] = await web.db.sql<{ id: string }[]>`select id from tenants where name = '수상한 가게'`;
    const [me] = await web.db.sql<{ id: string }[]>`select id from users where email = 'sneaky@example.com'`;
    expect((await tab.post('/admin', { intent: 'grant', userId: me.id, role: 'admin' })).status).toBe(403);
    expect((await tab.post('/admin', { intent: 'suspend', tenantId: own.id })).status).toBe(403);
    expect(await web.db.sql`select 1 from platform_roles where user_id = ${me.id}`).toHaveLength(0);
  });
});
