-- Developer-mode capacity per agent host (issue 10 item 4, decision 145 amended): every minute the
-- monitor records, for each host in devmode_hosts, whether its agent was live (a beat within 15 s,
-- not stopped), the editor sessions open there (starting, running or closing), the memory their
-- containers use (devmode_sessions.memory_used_bytes, read from the containers through the agent
-- by the web's supervisor), the memory their limits reserve, and the agent's own MemTotal,
-- MemAvailable and capacity. /ops/capacity shows the latest sample per agent host against the
-- business plan's cluster targets. host_samples.devmode_* (migration 135) counted the sessions
-- whose host had the monitor's own host name, which agent hosts need not have; they stay 0 now.
-- Platform figures: no tenant_id, no RLS, no grant to ww_tenant.
create table devmode_host_samples (
  id bigserial primary key,
  host text not null,
  at timestamptz not null default now(),
  live boolean not null,
  heartbeat_at timestamptz not null,
  sessions integer not null check (sessions >= 0),
  memory_used_bytes bigint not null check (memory_used_bytes >= 0),
  reserved_bytes bigint not null check (reserved_bytes >= 0),
  mem_total_bytes bigint not null check (mem_total_bytes >= 0),
  mem_free_bytes bigint not null check (mem_free_bytes >= 0),
  capacity_bytes bigint not null check (capacity_bytes >= 0)
);
create index devmode_host_samples_host_at_idx on devmode_host_samples (host, at desc);
