-- Requests and bytes each site served per provider per day (Asia/Seoul days), for routing,
-- hosting overage and the cost dashboard. The local edge adds to it every minute; the other
-- providers' usage collectors write the same rows from their analytics.
create table cdn_usage_daily (
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  provider text not null,
  day date not null default (now() at time zone 'Asia/Seoul')::date,
  requests bigint not null default 0 check (requests >= 0),
  bytes bigint not null default 0 check (bytes >= 0),
  updated_at timestamptz not null default now(),
  primary key (site_id, provider, day)
);
create index cdn_usage_daily_tenant_idx on cdn_usage_daily (tenant_id, day);

alter table cdn_usage_daily enable row level security;
create policy tenant_isolation on cdn_usage_daily
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on cdn_usage_daily to ww_tenant;
