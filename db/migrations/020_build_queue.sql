-- Build farm queue semantics, held by the database rather than by any one worker's memory.
--
-- * One running build per site and one queued build per site: partial unique indexes, so two
--   workers racing for the same site cannot both start, and a newer publish must mark the
--   older queued build 'superseded' before its own row can exist.
-- * builds.job_id: the pg-boss job that currently carries the build (it changes when a build is
--   deferred behind another build of its site), so cancel and crash recovery can reach it.
-- * builds.priority: paid plans first; the pg-boss job carries the same priority.
-- * build_queue_position(): how many queued builds, of any tenant, are ahead of one of the
--   caller's own builds. Builds of other tenants are invisible under RLS, so the count runs as
--   the function owner and returns only a number, and only for the caller's own build.

alter table builds add column job_id uuid;
alter table builds add column priority integer not null default 0;

create unique index builds_one_running_per_site on builds (site_id) where status = 'running';
create unique index builds_one_queued_per_site on builds (site_id) where status = 'queued';
create index builds_worker_running_idx on builds (worker_id) where status = 'running';

create function build_queue_position(build uuid) returns integer
language sql stable security definer set search_path = public as $$
  select count(*)::integer
  from builds ahead, builds mine
  where mine.id = build
    and mine.tenant_id = app_tenant_id()
    and mine.status = 'queued'
    and ahead.status = 'queued'
    and ahead.id <> mine.id
    and (ahead.priority > mine.priority
         or (ahead.priority = mine.priority and ahead.queued_at < mine.queued_at))
$$;
revoke all on function build_queue_position(uuid) from public;
grant execute on function build_queue_position(uuid) to ww_tenant;
