-- A deleted site whose resources a hosted CDN kept because its API failed during the deletion
-- (cdn/site-deletion.ts, decision 154): a Vercel project still serving ww-<site>.vercel.app, a
-- Pages project, CloudFront routes and S3 objects. The site's rows go with the deletion; this row
-- keeps what the provider needs to find the rest (the site's slug and its custom domains there)
-- until the monitor's domain re-check (retrySiteRemovals) has removed it. No foreign key to sites
-- or tenants, as for cdn_stable_name_removals (migration 161).
create table cdn_site_removals (
  site_id uuid not null,
  provider text not null,
  tenant_id uuid not null,
  slug text not null,
  domains text[] not null default '{}',
  attempts integer not null default 1,
  last_error text not null,
  created_at timestamptz not null default now(),
  tried_at timestamptz not null default now(),
  primary key (site_id, provider)
);

alter table cdn_site_removals enable row level security;
create policy tenant_isolation on cdn_site_removals
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update on cdn_site_removals to ww_tenant;
