-- Developer-mode capacity (issue 10): each host sample also records the editor sessions open on
-- the host (starting, running or closing) and the memory their containers use, as last read by
-- the web process's supervisor (devmode_sessions.memory_used_bytes). /ops/capacity shows them per
-- host and for the cluster against the business plan's targets.
alter table host_samples
  add column devmode_sessions integer not null default 0 check (devmode_sessions >= 0),
  add column devmode_memory_bytes bigint not null default 0 check (devmode_memory_bytes >= 0);
