-- AI drafts in flight (web/app/ai.server.ts): one row is reserved against the plan's monthly
-- draft allowance, under the workspace row's lock, before the model is asked, and counted with
-- llm_usage's drafts, so two drafts asked at once cannot both take the last one. The row is
-- removed when the draft's usage is recorded; one older than 10 minutes (a process that died
-- mid-draft; a draft takes at most a few minutes with its retries) no longer counts.
-- llm_usage stays append-only for the tenant role.
create table ai_draft_reservations (
  id bigserial primary key,
  tenant_id uuid not null references tenants (id) on delete cascade,
  reserved_at timestamptz not null default now()
);
create index ai_draft_reservations_tenant_idx on ai_draft_reservations (tenant_id, reserved_at);

alter table ai_draft_reservations enable row level security;
create policy tenant_isolation on ai_draft_reservations
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, delete on ai_draft_reservations to ww_tenant;
grant usage on sequence ai_draft_reservations_id_seq to ww_tenant;
