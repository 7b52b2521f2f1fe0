-- What each CDN provider's plan costs per month, in KRW, for the router (cdn/router.ts) and the
-- cost dashboard. Rows, not constants: ops edit them when a provider changes its prices or the
-- exchange rate moves. A plan fits a site while its monthly requests stay at or under
-- max_monthly_requests (null: no limit).
--
-- Seeded from the business plan (../shared/seed, "동적 CDN 선택 알고리즘"): under 100k requests a
-- month Cloudflare's free tier, under 1M Vercel Pro ($20/month), above that CloudFront, billed
-- by use. USD at 1,400 KRW. CloudFront's Korea prices are AWS's published ones ($0.12/GB for the
-- first 10 TB, $0.012 per 10,000 HTTPS requests); its monthly base and the local edge's figures
-- are our estimates of the fixed share per site (distribution, WAF, logs; for the self-hosted
-- edge, server, power and operation with Korean IDC bandwidth — the plan's scenario B, which it
-- shows costing more than CDN hosting). With these rows the cheapest plan reproduces the plan's
-- thresholds.
create table cdn_prices (
  provider text not null check (provider in ('local', 'cloudflare', 'vercel', 'cloudfront')),
  plan text not null,
  region text not null default 'KR',
  monthly_base_krw integer not null default 0 check (monthly_base_krw >= 0),
  included_requests bigint not null default 0 check (included_requests >= 0),
  included_bytes bigint not null default 0 check (included_bytes >= 0),
  max_monthly_requests bigint check (max_monthly_requests is null or max_monthly_requests > 0),
  krw_per_million_requests integer not null default 0 check (krw_per_million_requests >= 0),
  krw_per_gb integer not null default 0 check (krw_per_gb >= 0),
  active boolean not null default true,
  note text not null default '',
  updated_at timestamptz not null default now(),
  primary key (provider, plan, region)
);
grant select on cdn_prices to ww_tenant;

insert into cdn_prices (provider, plan, region, monthly_base_krw, included_requests, included_bytes, max_monthly_requests,
                        krw_per_million_requests, krw_per_gb, note) values
  ('cloudflare', 'free', 'KR', 0, 100000, 0, 100000, 0, 0,
   '사업계획서: 월 10만 요청 미만은 Cloudflare 무료'),
  ('vercel', 'pro', 'KR', 28000, 1000000, 1000000000000, 1000000, 0, 0,
   '사업계획서: 월 100만 요청 미만은 Vercel Pro ($20/월, 1,400원/달러)'),
  ('cloudfront', 'pay-as-you-go', 'KR', 30000, 0, 0, null, 1680, 168,
   'AWS 한국 요금: GB당 $0.12, HTTPS 1만 건당 $0.012; 기본료는 배포·WAF·로그 고정비 추정'),
  ('local', 'self-hosted', 'KR', 50000, 0, 0, null, 0, 300,
   '자체 에지(시나리오 B): 서버·전력·운영 분담 추정과 국내 IDC 대역폭');
