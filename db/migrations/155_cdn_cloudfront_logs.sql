-- CloudFront standard access logs read by the usage sync (cdn/providers/cloudfront-usage.ts,
-- docs/decisions/141-cloudfront-usage-from-logs.md). Platform tables, like cdn_usage_syncs: the
-- monitor writes them, no owner query reads them; a site's figure is what it sums from them.
--
-- One row per log file read. A file whose ETag is already here is not read again; a file read
-- again (another ETag, or a second monitor at the same moment) has its counts replaced, never
-- added to, so a request is counted once however often a day is synced.
create table cdn_cloudfront_log_files (
  bucket text not null,
  key text not null,
  etag text not null,
  distribution_id text not null,
  -- The UTC hour in the file's name: the hour its requests happened in.
  hour timestamptz not null,
  lines integer not null check (lines >= 0),
  read_at timestamptz not null default now(),
  primary key (bucket, key)
);
create index cdn_cloudfront_log_files_hour_idx on cdn_cloudfront_log_files (hour);

-- What one file holds per viewer host name (the x-host-header field) and Asia/Seoul day.
create table cdn_cloudfront_log_counts (
  bucket text not null,
  key text not null,
  host text not null,
  day date not null,
  requests bigint not null check (requests >= 0),
  bytes bigint not null check (bytes >= 0),
  primary key (bucket, key, host, day),
  foreign key (bucket, key) references cdn_cloudfront_log_files (bucket, key) on delete cascade
);
create index cdn_cloudfront_log_counts_host_day_idx on cdn_cloudfront_log_counts (host, day);
