// Login rate limit, kept in PostgreSQL so every web instance shares it. An attempt is counted
// (one atomic upsert) BEFORE the password is checked, so parallel guesses cannot pass the limit;
// a successful login clears its email+IP key. Limits in 15 minutes: 5 attempts per email+IP,
// and 50 failed logins per IP (failures only, so an office behind one address can still log in).
import type { Sql } from '../../db/index.ts';

export const LOGIN_WINDOW_SECONDS = 15 * 60;
export const MAX_ATTEMPTS_PER_EMAIL_AND_IP = 5;
export const MAX_ATTEMPTS_PER_IP = 50;

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function keysFor(email: string, ip: string) {
  return {
    emailAndIp: `login:email-ip:${email.toLowerCase()}|${ip}`,
    ip: `login:ip:${ip}`,
  };
}

async function countAttempt(sql: Sql, key: string): Promise<{ attempts: number; retryAfterSeconds: number }> {
  const [row] = await sql<{ attempts: number; retry_after: number }[]>`
    insert into login_throttle (key, attempts, window_started_at)
    values (${key}, 1, now())
    on conflict (key) do update set
      attempts = case when login_throttle.window_started_at <= now() - make_interval(secs => ${LOGIN_WINDOW_SECONDS})
                      then 1 else login_throttle.attempts + 1 end,
      window_started_at = case when login_throttle.window_started_at <= now() - make_interval(secs => ${LOGIN_WINDOW_SECONDS})
                               then now() else login_throttle.window_started_at end
    returning attempts,
      ceil(extract(epoch from window_started_at + make_interval(secs => ${LOGIN_WINDOW_SECONDS}) - now()))::int as retry_after`;
  return { attempts: row.attempts, retryAfterSeconds: Math.max(1, row.retry_after) };
}

/** Counts one login attempt for this email and IP; refuses when either limit is exceeded. */
export async function takeLoginAttempt(sql: Sql, email: string, ip: string): Promise<ThrottleDecision> {
  const keys = keysFor(email, ip);
  // Old windows are worthless; about one login in a hundred sweeps them so the table stays small.
  if (Math.random() < 0.01) {
    await sql`delete from login_throttle where window_started_at < now() - make_interval(secs => ${LOGIN_WINDOW_SECONDS * 4})`;
  }
  const byEmail = await countAttempt(sql, keys.emailAndIp);
  const [byIp] = await sql<{ attempts: number; retry_after: number }[]>`
    select attempts,
      ceil(extract(epoch from window_started_at + make_interval(secs => ${LOGIN_WINDOW_SECONDS}) - now()))::int as retry_after
    from login_throttle
    where key = ${keys.ip} and window_started_at > now() - make_interval(secs => ${LOGIN_WINDOW_SECONDS})`;
  const over = [
    byEmail.attempts > MAX_ATTEMPTS_PER_EMAIL_AND_IP ? byEmail.retryAfterSeconds : 0,
    byIp && byIp.attempts >= MAX_ATTEMPTS_PER_IP ? Math.max(1, byIp.retry_after) : 0,
  ];
  const retryAfterSeconds = Math.max(...over);
  return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
}

/** A wrong password counts against the IP-wide limit. */
export async function recordLoginFailure(sql: Sql, ip: string): Promise<void> {
  await countAttempt(sql, keysFor('', ip).ip);
}

/** A successful login forgets the failures of this email from this IP. */
export async function clearLoginAttempts(sql: Sql, email: string, ip: string): Promise<void> {
  await sql`delete from login_throttle where key = ${keysFor(email, ip).emailAndIp}`;
}

/** "14분 20초" — how long to wait, in Korean. */
export function formatWait(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest}초`;
  return rest === 0 ? `${minutes}분` : `${minutes}분 ${rest}초`;
}
