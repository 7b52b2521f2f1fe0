-- A stable name (decision 143) whose zone record could not be deleted when its site was deleted
-- (cdn/site-deletion.ts): the site row and its cdn_stable_names row go with the deletion, this row
-- stays until the monitor's domain re-check (recheckPendingDomains) has deleted the record. No
-- foreign key to sites or tenants: both may be gone while the record is still in our zone, where
-- whoever creates a Pages project of the old name could take it over.
create table cdn_stable_name_removals (
  name text primary key,
  site_id uuid not null,
  tenant_id uuid not null,
  record_id text,
  attempts integer not null default 1,
  last_error text not null,
  created_at timestamptz not null default now(),
  tried_at timestamptz not null default now()
);

alter table cdn_stable_name_removals enable row level security;
create policy tenant_isolation on cdn_stable_name_removals
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update on cdn_stable_name_removals to ww_tenant;
