-- Login rate limiting shared by every web instance: one row per key (email+IP, or IP), counting
-- attempts in a fixed window. A single upsert counts an attempt before the password is checked,
-- so parallel guesses cannot slip past the limit. Platform table: no tenant, no RLS.
create table login_throttle (
  key text primary key,
  attempts integer not null,
  window_started_at timestamptz not null
);
create index login_throttle_window_idx on login_throttle (window_started_at);
