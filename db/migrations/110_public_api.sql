-- The public API (issue 9): workspace API keys, one metering row per call, stored answers for
-- Idempotency-Key, and outgoing webhooks with their delivery log. Rate limits per key reuse
-- login_throttle (030): one atomic upsert per call in a fixed window, shared by every web instance.

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- 'ww_live_' and the first 8 characters of the secret: enough to recognise a key in a list.
  prefix text not null,
  -- sha256 of the whole key. The secret is 32 random bytes, so a fast hash cannot be brute
  -- forced (unlike a password) and the lookup stays one index probe per call.
  key_hash text not null unique,
  scopes text[] not null check (scopes <@ array['read', 'write', 'publish']::text[] and cardinality(scopes) > 0),
  rate_limit_per_minute integer not null default 120 check (rate_limit_per_minute between 1 and 100000),
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_tenant_idx on api_keys (tenant_id, created_at desc);

-- One row per authenticated call, written in the same statement that authenticates the key, so
-- a call is counted exactly once (the request id is the primary key) and never lost.
create table api_calls (
  request_id uuid primary key,
  tenant_id uuid not null references tenants (id) on delete cascade,
  key_id uuid not null references api_keys (id) on delete cascade,
  method text not null,
  route text not null,
  at timestamptz not null default now()
);
create index api_calls_tenant_at_idx on api_calls (tenant_id, at);
create index api_calls_key_at_idx on api_calls (key_id, at);

-- What billing reads (billing/metered-usage.ts): calls per workspace, key and day (Asia/Seoul).
create view api_usage_daily with (security_invoker = true) as
  select tenant_id, key_id, (at at time zone 'Asia/Seoul')::date as day, count(*)::bigint as calls
  from api_calls
  group by tenant_id, key_id, (at at time zone 'Asia/Seoul')::date;

-- A POST's answer kept for 24 hours per key, route and Idempotency-Key: a replay gets it back.
create table api_idempotency (
  tenant_id uuid not null references tenants (id) on delete cascade,
  key_id uuid not null references api_keys (id) on delete cascade,
  idempotency_key text not null,
  route text not null,
  body_sha256 text not null,
  status integer,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (key_id, idempotency_key, route)
);
create index api_idempotency_created_idx on api_idempotency (created_at);

create table webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  url text not null check (url ~ '^https?://' and length(url) <= 2000),
  events text[] not null check (events <@ array['build.succeeded', 'build.failed', 'deployment.live', 'domain.verified']::text[] and cardinality(events) > 0),
  -- The signing secret is shown to the owner (it must be: receivers verify with it).
  secret text not null,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);
create index webhook_endpoints_tenant_idx on webhook_endpoints (tenant_id);

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
  -- 'build.succeeded:<build id>' etc.: one delivery per endpoint and event, however many web
  -- processes heard the notification.
  event_id text not null,
  event text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  unique (endpoint_id, event_id)
);
create index webhook_deliveries_tenant_idx on webhook_deliveries (tenant_id, created_at desc);

do $$
declare t text;
begin
  foreach t in array array['api_keys', 'api_calls', 'api_idempotency', 'webhook_endpoints', 'webhook_deliveries'] loop
    execute format('alter table %I enable row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())', t);
    execute format('grant select, insert, update, delete on %I to ww_tenant', t);
  end loop;
end $$;
grant select on api_usage_daily to ww_tenant;
