-- Developer mode (devmode/): a site's source workspace, its editor sessions, and the source
-- snapshots a build publishes from.

-- A site in developer mode: its source tree lives as a git repository on `host`
-- (<DATA_DIR>/devmode/workspaces/<site id>); base_commit is the tree rendered from the builder
-- document, so "what going back to the builder loses" is the diff from it.
create table devmode_workspaces (
  site_id uuid primary key references sites (id) on delete cascade,
  tenant_id uuid not null references tenants (id) on delete cascade,
  host text not null,
  base_commit text not null check (base_commit ~ '^[0-9a-f]{40}$'),
  base_version_number integer,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_saved_commit text check (last_saved_commit ~ '^[0-9a-f]{40}$'),
  last_saved_at timestamptz
);
create index devmode_workspaces_tenant_idx on devmode_workspaces (tenant_id);

-- One editor container per open session. A workspace has at most one session that is not
-- over (the partial unique index): a second "open" joins it or is refused, never runs two.
create table devmode_sessions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references devmode_workspaces (site_id) on delete cascade,
  host text not null,
  status text not null default 'starting' check (status in ('starting', 'running', 'stopping', 'stopped', 'failed')),
  container_id text,
  socket_path text,
  memory_mb integer not null check (memory_mb > 0),
  cpus numeric(4, 2) not null check (cpus > 0),
  pids integer not null check (pids > 0),
  started_by text references users (id) on delete set null,
  started_at timestamptz not null default now(),
  ready_at timestamptz,
  last_activity_at timestamptz not null default now(),
  stopped_at timestamptz,
  stop_reason text check (stop_reason in ('idle', 'owner', 'failed', 'host', 'builder')),
  memory_used_bytes bigint,
  error text
);
create unique index devmode_sessions_one_open_per_site on devmode_sessions (site_id)
  where status in ('starting', 'running', 'stopping');
create index devmode_sessions_tenant_idx on devmode_sessions (tenant_id);
create index devmode_sessions_host_open_idx on devmode_sessions (host) where status in ('starting', 'running', 'stopping');

-- What a source build publishes: the files of one commit of the workspace, in PostgreSQL so a
-- worker on any host can read them. Bodies are stored once per site and sha256.
create table site_source_blobs (
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size integer not null check (size >= 0),
  data bytea not null,
  primary key (site_id, sha256)
);
create index site_source_blobs_tenant_idx on site_source_blobs (tenant_id);

create table site_source_snapshots (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  commit text not null check (commit ~ '^[0-9a-f]{40}$'),
  file_count integer not null,
  total_bytes bigint not null,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index site_source_snapshots_site_idx on site_source_snapshots (site_id, created_at desc);
create index site_source_snapshots_tenant_idx on site_source_snapshots (tenant_id);

create table site_source_files (
  snapshot_id uuid not null references site_source_snapshots (id) on delete cascade,
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null,
  path text not null check (path ~ '^/[^\s]*$'),
  content_type text not null,
  sha256 text not null,
  primary key (snapshot_id, path),
  foreign key (site_id, sha256) references site_source_blobs (site_id, sha256)
);
create index site_source_files_tenant_idx on site_source_files (tenant_id);

-- A version published from source carries its snapshot; the worker builds it from those files
-- instead of rendering the document (which stays as it was when developer mode began).
alter table site_versions add column source_snapshot_id uuid references site_source_snapshots (id);

do $$
declare t text;
begin
  foreach t in array array['devmode_workspaces', 'devmode_sessions', 'site_source_blobs', 'site_source_snapshots', 'site_source_files'] loop
    execute format('alter table %I enable row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())', t);
    execute format('grant select, insert, update, delete on %I to ww_tenant', t);
  end loop;
end $$;
