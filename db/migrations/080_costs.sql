-- The cost model (monitoring/): what each site, tenant and the platform cost per day, what they
-- earn, the prices both are computed from, budgets with their alerts, and the business plan's
-- scenario assumptions. The rules that turn usage into money are in
-- docs/decisions/080-cost-allocation.md; CDN prices live in cdn_prices (the CDN module's table).

-- Platform table: LLM model prices in KRW per million tokens, by the date they take effect.
-- Seeded from Anthropic's published USD list prices (per million tokens: Sonnet 4.5 $3 in /
-- $15 out, Haiku 4.5 $1 / $5, Opus 4.1 $15 / $75) at 1,400원 per USD; ops adds a row with a
-- later effective_from when a price or the exchange rate changes (history is kept).
create table llm_prices (
  model text not null,
  effective_from date not null,
  input_krw_per_million numeric(14, 2) not null check (input_krw_per_million >= 0),
  output_krw_per_million numeric(14, 2) not null check (output_krw_per_million >= 0),
  note text,
  primary key (model, effective_from)
);
insert into llm_prices (model, effective_from, input_krw_per_million, output_krw_per_million, note) values
  ('claude-sonnet-4-5', '2025-01-01', 4200, 21000, 'USD 3 / 15 × 1,400원'),
  ('claude-haiku-4-5', '2025-01-01', 1400, 7000, 'USD 1 / 5 × 1,400원'),
  ('claude-opus-4-1', '2025-01-01', 21000, 105000, 'USD 15 / 75 × 1,400원');

-- Tokens each AI call used (the AI draft feature writes one row per call).
create table llm_usage (
  id bigserial primary key,
  tenant_id uuid not null references tenants (id) on delete cascade,
  site_id uuid references sites (id) on delete set null,
  model text not null,
  purpose text not null default 'draft',
  input_tokens integer not null check (input_tokens >= 0),
  output_tokens integer not null check (output_tokens >= 0),
  at timestamptz not null default now()
);
create index llm_usage_at_idx on llm_usage (at);
create index llm_usage_tenant_idx on llm_usage (tenant_id, at);

-- Daily costs in KRW per site per source (Asia/Seoul days). Rows with a null tenant are the
-- platform's own cost that no site used (idle core). amount_krw keeps fractions of a won: one
-- small site's day is often under 1원, and rounding each row would lose the total; views round.
-- `item` says what was priced (the CDN provider, the LLM model, 'build-minutes', 'core').
-- Re-running the roll-up of a day replaces all of that day's rows.
create table cost_daily (
  id bigserial primary key,
  day date not null,
  tenant_id uuid references tenants (id) on delete cascade,
  site_id uuid references sites (id) on delete cascade,
  source text not null check (source in ('cdn', 'build', 'llm', 'core')),
  item text not null,
  quantity numeric(20, 4) not null check (quantity >= 0),
  unit text not null,
  amount_krw numeric(16, 4) not null check (amount_krw >= 0),
  computed_at timestamptz not null default now(),
  check (site_id is null or tenant_id is not null)
);
create index cost_daily_day_idx on cost_daily (day, source);
create index cost_daily_site_idx on cost_daily (site_id, day);
create index cost_daily_tenant_idx on cost_daily (tenant_id, day);

-- Daily revenue per tenant: the subscription's monthly list price (VAT-exclusive) ÷ days in
-- that month, for paying subscriptions (active or past due, not admin-granted) on that day.
create table revenue_daily (
  day date not null,
  tenant_id uuid not null references tenants (id) on delete cascade,
  plan_code text not null references plans (code),
  amount_krw numeric(16, 4) not null check (amount_krw >= 0),
  computed_at timestamptz not null default now(),
  primary key (day, tenant_id)
);

-- A tenant sees its own cost and revenue rows (never the platform's); the platform reads all.
do $$
declare t text;
begin
  foreach t in array array['cost_daily', 'revenue_daily', 'llm_usage'] loop
    execute format('alter table %I enable row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())', t);
  end loop;
end $$;
grant select on cost_daily, revenue_daily to ww_tenant;
grant select, insert on llm_usage to ww_tenant;
grant usage on all sequences in schema public to ww_tenant;

-- Platform table: budgets. scope 'site' / 'tenant' name their target; 'platform' has none.
--   metric 'cost':     month-to-date cost in KRW above threshold fires.
--   metric 'margin':   month-to-date margin (revenue − cost) in KRW below threshold fires.
--   metric 'capacity': the busiest host's CPU, memory or disk use in % above threshold fires
--                      (platform scope only).
-- channel 'webhook' POSTs JSON (HMAC-SHA256 signed with webhook_secret when set); 'email' is
-- recorded as undeliverable until a mail relay is configured.
create table budgets (
  id bigserial primary key,
  name text not null check (length(name) between 1 and 100),
  scope text not null check (scope in ('site', 'tenant', 'platform')),
  tenant_id uuid references tenants (id) on delete cascade,
  site_id uuid references sites (id) on delete cascade,
  metric text not null check (metric in ('cost', 'margin', 'capacity')),
  threshold numeric(16, 2) not null,
  channel text not null check (channel in ('webhook', 'email', 'dashboard')),
  target text,
  webhook_secret text,
  enabled boolean not null default true,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  check ((scope = 'site') = (site_id is not null)),
  check (scope <> 'tenant' or (tenant_id is not null and site_id is null)),
  check (scope <> 'platform' or (tenant_id is null and site_id is null)),
  check (metric <> 'capacity' or scope = 'platform'),
  check (metric <> 'capacity' or threshold between 0 and 100),
  check (channel = 'dashboard' or target is not null)
);

-- Alerts: a budget crossing its threshold (kind 'budget') or the CDN router saying a site should
-- change provider (kind 'cdn_switch'). An alert fires once and stays open until the value is
-- back on the right side of the threshold, when cleared_at is set; the next crossing is a new row.
create table alerts (
  id bigserial primary key,
  kind text not null check (kind in ('budget', 'cdn_switch')),
  budget_id bigint references budgets (id) on delete cascade,
  site_id uuid references sites (id) on delete cascade,
  subject text not null,
  value numeric(16, 2),
  threshold numeric(16, 2),
  message text not null,
  detail jsonb not null default '{}',
  fired_at timestamptz not null default now(),
  cleared_at timestamptz,
  check ((kind = 'budget') = (budget_id is not null))
);
create unique index alerts_one_open_per_subject on alerts (kind, subject) where cleared_at is null;
create index alerts_fired_idx on alerts (fired_at desc);

-- Every delivery attempt of an alert (fired or cleared) to its channel.
create table alert_deliveries (
  id bigserial primary key,
  alert_id bigint not null references alerts (id) on delete cascade,
  event text not null check (event in ('fired', 'cleared')),
  channel text not null,
  target text,
  attempted_at timestamptz not null default now(),
  ok boolean not null,
  status_code integer,
  error text
);
create index alert_deliveries_alert_idx on alert_deliveries (alert_id, attempted_at);

-- Platform table: the assumptions of the business plan's scenario tables (hybrid against all
-- self-hosted at 50 / 100 / 250 / 500 concurrent users), editable on /ops. Where a live
-- figure exists (host costs, ARPU, CDN cost and traffic per subscriber) it is used instead and
-- the assumption is only the fallback; monitoring/scenarios.ts says which was used.
create table cost_assumptions (
  key text primary key,
  value numeric(16, 4) not null check (value >= 0),
  label_ko text not null,
  unit text not null,
  note text not null,
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now()
);
insert into cost_assumptions (key, value, label_ko, unit, note) values
  ('subscribers_per_concurrent_user', 2, '동접자 1명당 구독자 수', '명',
   '사업계획서 동접 500명 기준 구독자 1,000명(기본 800 + 프리미엄 150 + 엔터프라이즈 50)'),
  ('concurrent_users_per_host', 20, '서버 1대당 동시 개발자', '명',
   '사업계획서: 기본형 1서버 = 동시 개발 10~20명'),
  ('host_monthly_cost_krw', 520000, '서버 1대 월 비용 (실측 없을 때)', '원',
   '사업계획서 동접 50명 코어 155만원 ÷ 3대 ≈ 52만원'),
  ('arpu_krw', 39500, '구독자 1명당 월 매출 (실측 없을 때)', '원',
   '사업계획서 월 수익 3,950만원 ÷ 구독자 1,000명'),
  ('cdn_krw_per_subscriber', 5000, '구독자 1명당 CDN 월 비용 (실측 없을 때)', '원',
   '사업계획서 동접 50명 CDN 50만원 ÷ 구독자 100명'),
  ('traffic_gb_per_subscriber', 20, '구독자 1명당 월 트래픽 (실측 없을 때)', 'GB',
   '자체 대역폭 비용 계산용 가정'),
  ('self_hosted_krw_per_gb', 400, '자체 구축 대역폭 GB당 비용', '원',
   '사업계획서 동접 50명 대역폭 80만원 ÷ (구독자 100명 × 20GB)');

-- Platform table: the plan's own scenario figures, kept as the reference the recomputed
-- figures are shown beside (in 만원 as printed, stored in KRW).
create table cost_scenario_reference (
  concurrent_users integer not null check (concurrent_users > 0),
  architecture text not null check (architecture in ('hybrid', 'self_hosted')),
  core_krw integer not null,
  delivery_krw integer not null,
  total_krw integer not null,
  profit_krw integer not null,
  primary key (concurrent_users, architecture),
  check (total_krw = core_krw + delivery_krw)
);
insert into cost_scenario_reference values
  (50, 'hybrid', 1550000, 500000, 2050000, 950000),
  (100, 'hybrid', 3190000, 1000000, 4190000, 1810000),
  (250, 'hybrid', 6970000, 2000000, 8970000, 6030000),
  (500, 'hybrid', 10560000, 3500000, 14060000, 15940000),
  (50, 'self_hosted', 1550000, 800000, 2350000, 650000),
  (100, 'self_hosted', 3190000, 1500000, 4690000, 1310000),
  (250, 'self_hosted', 6970000, 3000000, 9970000, 5030000),
  (500, 'self_hosted', 10560000, 5000000, 15560000, 14440000);
