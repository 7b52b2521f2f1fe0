-- Internationalised domains are stored in punycode (cdn/domains.ts normaliseDomain), and their
-- top-level domain is punycode too ('모모카페.한국' → 'xn--v52ba813mo0e.xn--3e0b707e'): the
-- check of 011 allowed only letters in the last label. Same shape otherwise.
alter table cdn_domains drop constraint cdn_domains_hostname_check;
alter table cdn_domains add constraint cdn_domains_hostname_check
  check (hostname ~ '^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$');
