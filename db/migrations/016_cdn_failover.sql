-- Provider health and failover (cdn/failover.ts), and the daily usage sync of the hosted CDNs
-- (cdn/usage-sync.ts). Platform tables: the monitor writes them, ops reads them; no owner query
-- touches them (tenant-owned rows stay in cdn_migrations and cdn_usage_daily).

-- Each provider's health as failover sees it: 'down' after N failed checks in a row, 'up' again
-- only after M good checks in a row (cdn/failover.ts holds N and M), so one slow answer does not
-- move every site and a flapping provider does not pull them back and forth.
create table cdn_provider_health (
  provider text primary key check (provider in ('local', 'cloudflare', 'vercel', 'cloudfront')),
  state text not null default 'up' check (state in ('up', 'down')),
  consecutive_failures integer not null default 0,
  consecutive_successes integer not null default 0,
  last_checked_at timestamptz,
  last_ok_at timestamptz,
  latency_ms integer,
  detail text not null default '',
  state_changed_at timestamptz not null default now()
);

-- Every health check, for the ops view (kept 14 days by the monitor).
create table cdn_health_checks (
  id bigserial primary key,
  provider text not null,
  checked_at timestamptz not null default now(),
  ok boolean not null,
  latency_ms integer not null,
  detail text not null default ''
);
create index cdn_health_checks_provider_idx on cdn_health_checks (provider, checked_at desc);

-- What failover did and why: a provider going down or up, a site moved away or back, a move
-- that failed, a publish that landed on another provider because its own refused the deploy.
create table cdn_failover_events (
  id uuid primary key default gen_random_uuid(),
  at timestamptz not null default now(),
  kind text not null check (kind in ('provider_down', 'provider_up', 'site_failover', 'site_recovery', 'move_failed', 'deploy_fallback')),
  provider text not null,
  to_provider text,
  tenant_id uuid references tenants (id) on delete cascade,
  site_id uuid references sites (id) on delete cascade,
  migration_id uuid references cdn_migrations (id) on delete set null,
  reason text not null
);
create index cdn_failover_events_at_idx on cdn_failover_events (at desc);
create index cdn_failover_events_site_idx on cdn_failover_events (site_id, at desc);

-- One row per provider, site and day the usage sync asked about: what it wrote or why it could
-- not. Re-running a day replaces the site's cdn_usage_daily row and this one.
create table cdn_usage_syncs (
  provider text not null,
  site_id uuid not null references sites (id) on delete cascade,
  day date not null,
  status text not null check (status in ('ok', 'failed', 'unsupported')),
  requests bigint,
  bytes bigint,
  detail text not null default '',
  synced_at timestamptz not null default now(),
  primary key (provider, site_id, day)
);
create index cdn_usage_syncs_day_idx on cdn_usage_syncs (day desc);
