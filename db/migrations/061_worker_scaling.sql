-- Every change the build-worker autoscaler makes (or tries to make), so the next decision knows
-- when the fleet last changed (cooldown) whichever monitor process takes it, and ops can see why
-- workers came and went. A platform table: no tenant_id, no RLS, no grant to ww_tenant.
create table worker_scaling_events (
  id bigserial primary key,
  at timestamptz not null default now(),
  queue_depth integer not null check (queue_depth >= 0),
  running_jobs integer not null check (running_jobs >= 0),
  workers_before integer not null check (workers_before >= 0),
  target integer not null check (target >= 0),
  workers_after integer not null check (workers_after >= 0),
  action text not null check (action in ('scale-up', 'scale-down', 'hold')),
  reason text not null,
  started_vmids integer[] not null default '{}',
  retired_vmids integer[] not null default '{}',
  problem text
);
create index worker_scaling_events_at_idx on worker_scaling_events (at desc);
