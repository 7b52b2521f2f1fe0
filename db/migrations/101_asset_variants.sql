-- Resized copies of an uploaded image (issue 4): made at upload with sharp (480/960/1600 wide in
-- AVIF, WebP and a JPEG or PNG fallback), stored as assets rows that point at their original.
-- The renderer publishes them in <picture> with srcset; the owner's image list shows originals only.
alter table assets
  add column parent_id uuid references assets (id) on delete cascade,
  add column variant_width integer check (variant_width is null or variant_width > 0),
  add column format text check (format is null or format in ('avif', 'webp', 'jpeg', 'png', 'gif')),
  add check ((parent_id is null) = (variant_width is null));
create index assets_parent_idx on assets (parent_id) where parent_id is not null;
