-- A plan granted by a platform admin (payments not configured, partners, support): the
-- workspace gets the plan's limits without a card and is never invoiced for it.
alter table subscriptions add column granted_by text references users (id) on delete set null;
alter table subscriptions add column granted_at timestamptz;
