-- Custom domains (cdn/domains.ts): when a domain first turned active. Set once, by the one
-- process whose update wins, which is also the one that announces it (pg_notify
-- 'domain_verified' → the webhook event domain.verified), so the event goes out once.
alter table cdn_domains add column verified_at timestamptz;
update cdn_domains set verified_at = coalesce(checked_at, created_at) where status = 'active';

-- The monitor re-checks pending domains platform-wide, oldest check first.
create index cdn_domains_pending_idx on cdn_domains (checked_at nulls first)
  where status = 'pending' or certificate_status = 'pending';
