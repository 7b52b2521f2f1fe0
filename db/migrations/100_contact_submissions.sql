-- Contact form submissions of published sites (issue 4). The edge receives POST /__forms/<section>
-- on a live site, validates it against the live deployment's document and stores it here with
-- the retention period the form promised (개인정보 보호법: deleted when it ends; the monitor runs
-- deleteExpiredSubmissions daily). ip_hash is an HMAC of the sender's address, kept only to
-- tell repeated senders apart, never the address itself.
create table contact_submissions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid not null references sites (id) on delete cascade,
  section_id text not null check (length(section_id) between 1 and 64),
  page_slug text not null default '',
  deployment_id uuid references deployments (id) on delete set null,
  fields jsonb not null,
  consent_at timestamptz not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip_hash text,
  -- the owner's notice: when it went out, or why it could not
  notified_at timestamptz,
  notify_error text,
  check (expires_at > created_at)
);
create index contact_submissions_site_idx on contact_submissions (site_id, created_at desc);
create index contact_submissions_expires_idx on contact_submissions (expires_at);

-- Where the owner wants to hear about a new submission (both optional).
alter table sites
  add column form_notify_webhook_url text check (form_notify_webhook_url is null or form_notify_webhook_url ~ '^https?://'),
  add column form_notify_email text check (form_notify_email is null or form_notify_email ~ '^[^\s@]+@[^\s@]+\.[^\s@]+$');

alter table contact_submissions enable row level security;
create policy tenant_isolation on contact_submissions using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on contact_submissions to ww_tenant;
