-- Traffic moves (cdn/traffic-moves.ts): whether the monitor applies the CDN router's advice by
-- itself (moves a site to the provider its traffic makes cheapest) or only raises the alert, and
-- how many sites one round may move. A platform setting ops switch on /ops/cdn; off until someone
-- turns it on, and the row says who changed it last and when.
create table cdn_move_settings (
  id boolean primary key default true check (id),
  traffic_moves_enabled boolean not null default false,
  max_moves_per_round integer not null default 3 check (max_moves_per_round between 1 and 50),
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now()
);
insert into cdn_move_settings default values;

-- Who asked for a move an admin started on /ops/cdn (null for the monitor's own moves).
alter table cdn_migrations add column requested_by text references users (id) on delete set null;
