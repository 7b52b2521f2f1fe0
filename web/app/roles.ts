// Roles and account rules shared by the server and the browser (labels, the password length
// the sign-up form shows). No server code here: auth.server.ts enforces these.
export type MemberRole = 'viewer' | 'editor' | 'owner';
export type PlatformRole = 'admin' | 'ops' | 'finance';

export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'editor', 'viewer'];
export const PLATFORM_ROLES: readonly PlatformRole[] = ['admin', 'ops', 'finance'];
export const MEMBER_ROLE_LABELS: Record<MemberRole, string> = { owner: '소유자', editor: '편집자', viewer: '뷰어' };
export const MEMBER_ROLE_DESCRIPTIONS: Record<MemberRole, string> = {
  owner: '모든 권한: 멤버 초대와 권한 변경, 결제, 사이트 삭제',
  editor: '사이트 만들기, 편집, 공개',
  viewer: '사이트와 빌드 기록 보기만',
};
export const PLATFORM_ROLE_LABELS: Record<PlatformRole, string> = { admin: '관리자', ops: '운영', finance: '재무' };

export const PASSWORD_MIN_LENGTH = 10;

/** An invitation link works once, for this many days. */
export const INVITATION_DAYS = 7;
