-- The machines that run build workers and developer sessions: Proxmox VE nodes synced from the
-- cluster API, or this machine itself in embedded mode (source 'local'). A platform table: no
-- tenant owns a host, so it has no tenant_id and no RLS, and ww_tenant gets no grant.
-- `name` is the same host name host_samples.host records. monthly_cost_krw is what ops enters
-- (hardware amortised + power + operation); syncing never overwrites it.
create table hosts (
  id bigserial primary key,
  name text not null unique,
  node text,
  source text not null check (source in ('proxmox', 'local')),
  cpu_count integer not null check (cpu_count >= 0),
  mem_total_bytes bigint not null check (mem_total_bytes >= 0),
  disk_total_bytes bigint not null check (disk_total_bytes >= 0),
  monthly_cost_krw integer not null default 0 check (monthly_cost_krw >= 0),
  status text not null check (status in ('online', 'offline', 'unknown', 'removed')),
  last_synced_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  check ((source = 'proxmox') = (node is not null))
);
