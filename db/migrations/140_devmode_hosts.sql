-- Developer-mode host agents (decision 145): each worker host runs a devmode agent beside its
-- build worker. The agent registers here and beats every few seconds with the memory it has; the
-- web places a new editor session on the live agent with the most free memory that has room, and
-- reaches the session's container only through that agent (HMAC-signed requests).
-- Hosts belong to the platform, not to a tenant: no tenant_id, no RLS, no grant to ww_tenant.
create table devmode_hosts (
  name text primary key,
  -- where the web reaches the agent: http://<address>:<port>
  address text not null check (address ~ '^https?://[^/\s]+$'),
  data_dir text not null,
  pid integer not null,
  mem_total_bytes bigint not null check (mem_total_bytes >= 0),
  -- MemAvailable at the last beat
  mem_free_bytes bigint not null check (mem_free_bytes >= 0),
  -- how much memory the host gives editor sessions (their limits added up)
  capacity_bytes bigint not null check (capacity_bytes >= 0),
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  -- set when the agent stops on purpose; a later start clears it
  stopped_at timestamptz
);

-- What the web last copied from the session's host into the workspace (a git tree id), and when:
-- a session whose agent died is closed with the workspace saved as of synced_at.
alter table devmode_sessions
  add column synced_tree text check (synced_tree ~ '^[0-9a-f]{40}$'),
  add column synced_at timestamptz;

-- Placement and the editor proxy run inside a tenant's transaction (ww_tenant): they see each
-- agent's address and room through this function — the memory the open sessions of every tenant
-- reserve on a host, added up — and nothing about other tenants' sessions.
create function devmode_agent_hosts()
  returns table (name text, address text, mem_free_bytes bigint, capacity_bytes bigint, reserved_bytes bigint,
                 seconds_since_beat double precision, stopped boolean)
  language sql stable security definer set search_path = public as $$
  select h.name, h.address, h.mem_free_bytes, h.capacity_bytes,
         coalesce((select sum(s.memory_mb)::bigint * 1048576 from devmode_sessions s
                   where s.host = h.name and s.status in ('starting', 'running', 'stopping')), 0),
         extract(epoch from now() - h.heartbeat_at)::double precision,
         h.stopped_at is not null
  from devmode_hosts h
$$;
revoke all on function devmode_agent_hosts() from public;
grant execute on function devmode_agent_hosts() to ww_tenant;
