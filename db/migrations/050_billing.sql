-- Billing: plans, subscriptions, cards (Toss billing keys, encrypted), invoices, payments and
-- the Toss webhook log. Money is integer KRW. List prices are VAT-exclusive (공급가액); every
-- invoice states its 10% VAT separately (see billing/invoices.ts).

-- Platform table: the price list and the limits the product enforces.
-- Where the numbers come from:
--   prices: the business plan (기본 3만원, 프리미엄 5만원, 엔터프라이즈 10만원 a month).
--   hosting allowance: 기본 includes "기본 호스팅" = 100,000 requests per site per month, the
--     plan's own Cloudflare free-tier threshold (monthly requests < 100k → Cloudflare free), so
--     a basic site inside it costs us nothing to serve; above it the business plan's add-on
--     "호스팅 초과 사용량 프로젝트당 1만원/월" applies. 프리미엄/엔터프라이즈 say "무제한 호스팅"
--     → null (no allowance, never overage).
--   the other limits are our own sizing: they keep a 1-server basic Proxmox cluster (planned
--     for 10–20 concurrent developers) safe — build concurrency 1/2/4 — and scale by roughly the
--     price ratio; developer mode (code-server sessions, the RAM-heavy part of the core) only on
--     the plans whose price covers a session. Admins edit these rows; code reads them.
create table plans (
  code text primary key check (code in ('trial', 'basic', 'premium', 'enterprise')),
  name_ko text not null,
  name_en text not null,
  monthly_price_krw integer not null check (monthly_price_krw >= 0),
  trial_days integer check (trial_days is null or trial_days > 0),
  max_sites integer not null check (max_sites > 0),
  max_pages_per_site integer not null check (max_pages_per_site > 0),
  max_custom_domains integer not null check (max_custom_domains >= 0),
  build_concurrency integer not null check (build_concurrency > 0),
  storage_mb integer not null check (storage_mb > 0),
  ai_drafts_per_month integer not null check (ai_drafts_per_month >= 0),
  devmode boolean not null,
  hosting_requests_per_site integer check (hosting_requests_per_site is null or hosting_requests_per_site > 0),
  sort_order integer not null
);

insert into plans (code, name_ko, name_en, monthly_price_krw, trial_days, max_sites, max_pages_per_site,
                   max_custom_domains, build_concurrency, storage_mb, ai_drafts_per_month, devmode,
                   hosting_requests_per_site, sort_order) values
  ('trial',      '무료 체험',   'Free trial', 0,      14,   1,  5,   0,  1, 200,   3,   false, 100000, 0),
  ('basic',      '기본',        'Basic',      30000,  null, 3,  10,  1,  1, 1024,  10,  false, 100000, 1),
  ('premium',    '프리미엄',    'Premium',    50000,  null, 10, 30,  5,  2, 5120,  50,  true,  null,   2),
  ('enterprise', '엔터프라이즈', 'Enterprise', 100000, null, 50, 100, 50, 4, 20480, 200, true,  null,   3);

grant select on plans to ww_tenant;

-- One subscription per workspace. Billing periods are calendar months in Asia/Seoul.
create table subscriptions (
  tenant_id uuid primary key references tenants (id) on delete cascade,
  plan_code text not null references plans (code),
  status text not null check (status in ('trialing', 'active', 'past_due', 'limited', 'cancelled')),
  toss_customer_key text not null unique,
  trial_ends_at timestamptz,
  current_period_start timestamptz not null,
  current_period_end timestamptz not null,
  cancel_at_period_end boolean not null default false,
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (current_period_end > current_period_start)
);

-- Every plan change, so an invoice can prorate the period it closes.
create table subscription_changes (
  id bigserial primary key,
  tenant_id uuid not null references tenants (id) on delete cascade,
  from_plan text not null references plans (code),
  to_plan text not null references plans (code),
  changed_at timestamptz not null,
  changed_by text references users (id) on delete set null
);
create index subscription_changes_tenant_idx on subscription_changes (tenant_id, changed_at);

-- Cards. The Toss billing key is a credential: stored only encrypted (AES-256-GCM, the tenant
-- id as associated data), never in plain text.
create table billing_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  customer_key text not null,
  billing_key_encrypted text not null check (billing_key_encrypted like 'v1:%'),
  card_company text,
  card_number_masked text,
  card_type text,
  created_at timestamptz not null default now(),
  removed_at timestamptz
);
create unique index billing_keys_one_active_idx on billing_keys (tenant_id) where removed_at is null;

create table invoices (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  period_start timestamptz not null,
  period_end timestamptz not null,
  plan_code text not null references plans (code),
  status text not null default 'open' check (status in ('open', 'paid', 'refunded', 'void')),
  subtotal_krw integer not null check (subtotal_krw >= 0),
  vat_krw integer not null check (vat_krw >= 0),
  total_krw integer not null check (total_krw = subtotal_krw + vat_krw),
  vat_rate_percent integer not null default 10,
  attempt_count integer not null default 0,
  dunning_step integer not null default 0,
  first_failed_at timestamptz,
  next_attempt_at timestamptz,
  last_failure_code text,
  last_failure_message text,
  issued_at timestamptz not null default now(),
  paid_at timestamptz,
  unique (tenant_id, period)
);
create index invoices_due_idx on invoices (next_attempt_at) where status = 'open';

create table invoice_lines (
  id bigserial primary key,
  tenant_id uuid not null references tenants (id) on delete cascade,
  invoice_id uuid not null references invoices (id) on delete cascade,
  kind text not null check (kind in ('plan', 'proration', 'hosting_overage', 'custom_domain', 'api_calls')),
  description text not null,
  quantity integer not null check (quantity >= 0),
  unit_price_krw integer not null,
  amount_krw integer not null,
  position integer not null
);
create index invoice_lines_invoice_idx on invoice_lines (invoice_id, position);

-- One row per charge attempt, written BEFORE the Toss call ('in_progress'), so a worker that
-- dies after the call leaves the idempotency key behind for the retry to reuse.
create table payments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  invoice_id uuid not null references invoices (id) on delete cascade,
  attempt integer not null check (attempt > 0),
  idempotency_key text not null unique,
  order_id text not null unique check (order_id ~ '^[A-Za-z0-9_-]{6,64}$'),
  billing_key_id uuid references billing_keys (id),
  order_name text not null,
  payment_key text unique,
  amount_krw integer not null check (amount_krw > 0),
  status text not null check (status in ('in_progress', 'done', 'failed', 'cancelled', 'partially_cancelled')),
  failure_code text,
  failure_message text,
  raw_response jsonb,
  approved_at timestamptz,
  status_changed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (invoice_id, attempt)
);
create index payments_tenant_idx on payments (tenant_id, created_at desc);

-- Platform table: every Toss webhook delivery, deduplicated; the ops view of what arrived.
create table billing_events (
  id bigserial primary key,
  dedupe_key text not null unique,
  event_type text not null,
  payment_key text,
  tenant_id uuid references tenants (id) on delete set null,
  payload jsonb not null,
  outcome text not null default 'received',
  received_at timestamptz not null default now(),
  deliveries integer not null default 1
);

do $$
declare t text;
begin
  foreach t in array array['subscriptions', 'subscription_changes', 'billing_keys', 'invoices',
                           'invoice_lines', 'payments'] loop
    execute format('alter table %I enable row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())', t);
    execute format('grant select, insert, update, delete on %I to ww_tenant', t);
  end loop;
end $$;
grant usage on all sequences in schema public to ww_tenant;
