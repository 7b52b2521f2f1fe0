-- The platform foundation: tenants, accounts, sites, builds, deployments, heartbeats.
-- Tenant-owned tables carry tenant_id and are protected by Row-Level Security: the app
-- reaches them inside withTenant(), which switches to the ww_tenant role and sets
-- app.tenant_id for the transaction.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'ww_tenant') then
    create role ww_tenant nologin;
  end if;
end $$;
grant ww_tenant to current_user;
grant usage on schema public to ww_tenant;

create function app_tenant_id() returns uuid language sql stable as $$
  select nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

create table tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  plan_code text not null default 'trial',
  status text not null default 'active' check (status in ('active', 'limited', 'suspended')),
  created_at timestamptz not null default now()
);

create table users (
  id text primary key,
  email text not null,
  password_hash text not null,
  display_name text not null default '',
  created_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table platform_roles (
  user_id text not null references users (id) on delete cascade,
  role text not null check (role in ('admin', 'ops', 'finance')),
  granted_by text references users (id) on delete set null,
  granted_at timestamptz not null default now(),
  primary key (user_id, role)
);

create table user_sessions (
  id text primary key,
  user_id text not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  tenant_id uuid references tenants (id) on delete set null
);
create index user_sessions_user_idx on user_sessions (user_id);

create table memberships (
  tenant_id uuid not null references tenants (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'editor', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

create table invitations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'editor', 'viewer')),
  token_hash text not null unique,
  invited_by text not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz
);
create index invitations_tenant_idx on invitations (tenant_id);

create table sites (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  slug text not null check (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$'),
  template text not null,
  document jsonb not null,
  revision integer not null default 1,
  live_deployment_id uuid,
  cdn_provider text not null default 'local',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index sites_slug_key on sites (slug);
create index sites_tenant_idx on sites (tenant_id);

create table site_versions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  number integer not null,
  document jsonb not null,
  reason text not null check (reason in ('create', 'autosave', 'publish', 'restore', 'import')),
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (site_id, number)
);
create index site_versions_tenant_idx on site_versions (tenant_id);

create table assets (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  file_name text not null,
  content_type text not null,
  bytes integer not null,
  width integer,
  height integer,
  sha256 text not null,
  data bytea not null,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index assets_site_idx on assets (site_id);
create index assets_tenant_idx on assets (tenant_id);

create table builds (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  version_id uuid not null references site_versions (id) on delete cascade,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'superseded')),
  stage text,
  progress integer not null default 0 check (progress between 0 and 100),
  executor text,
  worker_id text,
  attempts integer not null default 0,
  error text,
  deployment_id uuid,
  requested_by text references users (id) on delete set null,
  queued_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index builds_site_idx on builds (site_id, queued_at desc);
create index builds_tenant_idx on builds (tenant_id);
create index builds_status_idx on builds (status) where status in ('queued', 'running');

create table build_logs (
  id bigserial primary key,
  tenant_id uuid not null references tenants (id) on delete cascade,
  build_id uuid not null references builds (id) on delete cascade,
  at timestamptz not null default clock_timestamp(),
  level text not null default 'info' check (level in ('debug', 'info', 'warn', 'error')),
  stage text,
  message text not null
);
create index build_logs_build_idx on build_logs (build_id, id);

create table deployments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  build_id uuid references builds (id) on delete set null,
  provider text not null,
  provider_ref text,
  status text not null default 'uploading' check (status in ('uploading', 'ready', 'failed', 'deleted')),
  manifest jsonb not null default '{}',
  file_count integer not null default 0,
  total_bytes bigint not null default 0,
  uploaded_bytes bigint not null default 0,
  created_at timestamptz not null default now(),
  activated_at timestamptz
);
create index deployments_site_idx on deployments (site_id, created_at desc);
create index deployments_tenant_idx on deployments (tenant_id);
alter table sites add constraint sites_live_deployment_fk
  foreign key (live_deployment_id) references deployments (id) on delete set null;

create table audit_log (
  id bigserial primary key,
  tenant_id uuid references tenants (id) on delete cascade,
  user_id text references users (id) on delete set null,
  action text not null,
  target text,
  detail jsonb not null default '{}',
  at timestamptz not null default now()
);
create index audit_log_tenant_idx on audit_log (tenant_id, at desc);

-- Platform tables (no tenant): process heartbeats and host capacity samples.
create table process_heartbeats (
  id text primary key,
  kind text not null check (kind in ('web', 'worker', 'monitor', 'edge')),
  host text not null,
  pid integer not null,
  executor text,
  capacity integer,
  info jsonb not null default '{}',
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  stopped_at timestamptz
);

create table host_samples (
  id bigserial primary key,
  host text not null,
  at timestamptz not null default now(),
  cpu_count integer not null,
  cpu_percent numeric(5, 2) not null,
  load1 numeric(8, 2) not null,
  mem_total_bytes bigint not null,
  mem_used_bytes bigint not null,
  disk_total_bytes bigint not null,
  disk_used_bytes bigint not null,
  running_builds integer not null,
  queue_depth integer not null
);
create index host_samples_host_at_idx on host_samples (host, at desc);

-- Row-Level Security on every tenant-owned table.
do $$
declare t text;
begin
  foreach t in array array['memberships', 'invitations', 'sites', 'site_versions', 'assets',
                           'builds', 'build_logs', 'deployments', 'audit_log'] loop
    execute format('alter table %I enable row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())', t);
    execute format('grant select, insert, update, delete on %I to ww_tenant', t);
  end loop;
end $$;
alter table tenants enable row level security;
create policy tenant_isolation on tenants using (id = app_tenant_id());
grant select, update on tenants to ww_tenant;
grant select on users to ww_tenant;
grant usage on all sequences in schema public to ww_tenant;
alter default privileges in schema public grant usage on sequences to ww_tenant;
