-- The grace period after dunning (billing/grace.ts): when the last retry of an unpaid invoice
-- fails the workspace is 'limited' and its live sites stay up until subscriptions.grace_ends_at;
-- then the billing job suspends it (tenants.status 'suspended') and the edge stops serving its
-- sites, answering a "사이트가 일시 중지되었습니다" page instead. Paying restores everything.
alter table subscriptions add column grace_ends_at timestamptz;

-- Why a workspace is suspended: null = a platform admin did it (only an admin lifts it);
-- 'unpaid' = the billing grace period ran out (a payment lifts it, and its members can still
-- sign in to pay: the app treats the workspace as limited).
alter table tenants add column suspended_reason text check (suspended_reason in ('unpaid'));
alter table tenants add constraint tenants_suspended_reason_only_when_suspended
  check (suspended_reason is null or status = 'suspended');

-- Leaving 'suspended' by any path (an admin reinstating, a payment) forgets the reason; an
-- admin suspending sets the status alone, so the reason stays null (an admin's).
create function tenants_suspended_reason() returns trigger language plpgsql as $$
begin
  if new.status <> 'suspended' then
    new.suspended_reason := null;
  end if;
  return new;
end $$;
create trigger tenants_suspended_reason before update of status on tenants
  for each row execute function tenants_suspended_reason();

-- Workspaces already limited for an unpaid invoice when this lands get the full grace period
-- from now (they were never told a date).
update subscriptions s set grace_ends_at = now() + interval '14 days'
where s.status = 'limited' and exists (select 1 from invoices i where i.tenant_id = s.tenant_id and i.status = 'open');
