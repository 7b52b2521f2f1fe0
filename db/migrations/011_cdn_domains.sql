-- Custom domains of a site on its CDN provider, and the record of moves between providers.

-- One row per host name an owner connected to a site. `dns_records` are the CNAME / TXT
-- records the owner must create (as the provider asked for them), shown in Korean by cdn/.
create table cdn_domains (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  hostname text not null check (hostname ~ '^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$'),
  provider text not null,
  status text not null default 'pending' check (status in ('pending', 'active', 'failed')),
  certificate_status text not null default 'pending' check (certificate_status in ('pending', 'active', 'failed')),
  dns_records jsonb not null default '[]',
  is_primary boolean not null default false,
  detail text not null default '',
  checked_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index cdn_domains_hostname_key on cdn_domains (hostname);
create unique index cdn_domains_primary_key on cdn_domains (site_id) where is_primary;
create index cdn_domains_site_idx on cdn_domains (site_id);

alter table cdn_domains enable row level security;
create policy tenant_isolation on cdn_domains
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on cdn_domains to ww_tenant;

-- A site moved from one provider to another (traffic, failover or an admin), with the monthly
-- cost the router computed before and after, in KRW.
create table cdn_migrations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  from_provider text not null,
  to_provider text not null,
  from_deployment_id uuid references deployments (id) on delete set null,
  to_deployment_id uuid references deployments (id) on delete set null,
  reason text not null check (reason in ('traffic', 'failover', 'recovery', 'admin')),
  monthly_cost_before_krw integer,
  monthly_cost_after_krw integer,
  status text not null default 'running' check (status in ('running', 'done', 'failed')),
  detail text not null default '',
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index cdn_migrations_site_idx on cdn_migrations (site_id, started_at desc);

alter table cdn_migrations enable row level security;
create policy tenant_isolation on cdn_migrations
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on cdn_migrations to ww_tenant;

-- What a hosted provider needs to make a deployment live again later, from any process
-- (Cloudflare: the Pages manifest of asset keys; CloudFront: the S3 prefix).
alter table deployments add column provider_data jsonb not null default '{}';
