-- Site addresses (slugs) are unique across every workspace, but Row-Level Security hides other
-- workspaces' sites from ww_tenant. This function answers only "is this address taken?" so
-- the create-site form can say so before the insert, without revealing whose site it is.
create function site_slug_taken(candidate text) returns boolean
  language sql stable security definer set search_path = public as $$
  select exists (select 1 from sites where slug = candidate)
$$;
revoke all on function site_slug_taken(text) from public;
grant execute on function site_slug_taken(text) to ww_tenant;
