-- The stable name in front of the CDN providers (cdn/dns-stable-names.ts, decision 143): each site
-- with custom domains gets <key>.cname.<DNS_ZONE_NAME>, a CNAME in a zone WindWalker runs, pointing
-- at the provider that serves the site now. Owners point their own names at it, so a move between
-- providers changes our record, not theirs. `record_id` is the DNS API's id of the record (null in
-- embedded mode: the name is kept here only, the edge answers it through the *.SITE_BASE_DOMAIN
-- wildcard).
create table cdn_stable_names (
  site_id uuid primary key references sites (id) on delete cascade,
  tenant_id uuid not null references tenants (id) on delete cascade,
  name text not null,
  provider text not null,
  target text not null,
  record_id text,
  ttl integer not null default 60 check (ttl = 1 or ttl between 30 and 86400),
  synced_at timestamptz,
  updated_at timestamptz not null default now()
);
create unique index cdn_stable_names_name_key on cdn_stable_names (name);

alter table cdn_stable_names enable row level security;
create policy tenant_isolation on cdn_stable_names
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on cdn_stable_names to ww_tenant;

-- Where the owner's own DNS record for a domain points: 'stable' (our name above: the domain moves
-- with the site) or 'provider' (straight at a provider's host, as every domain connected before
-- this change was told to: such a site is not moved by traffic or an admin). The domain re-check
-- looks the owner's CNAME up and keeps this current.
alter table cdn_domains add column dns_target text not null default 'provider' check (dns_target in ('stable', 'provider'));
