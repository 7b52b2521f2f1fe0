-- The build cache: which stored object an output of a site's render had, by the hash of its
-- inputs (the renderer bundle's sha256 and everything the output reads, see
-- site/render-inputs.ts). Any worker on any host reads it before rendering: an output whose key
-- is here is not rendered again, and its object (already in the store) is deployed by sha256.
create table build_render_cache (
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  input_hash text not null check (input_hash ~ '^[0-9a-f]{64}$'),
  path text not null,
  content_type text not null,
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size integer not null check (size >= 0),
  build_id uuid references builds (id) on delete set null,
  used_at timestamptz not null default now(),
  primary key (site_id, input_hash)
);
create index build_render_cache_tenant_idx on build_render_cache (tenant_id);
create index build_render_cache_used_idx on build_render_cache (site_id, used_at);

alter table build_render_cache enable row level security;
create policy tenant_isolation on build_render_cache
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on build_render_cache to ww_tenant;
