import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { makeImageVariants, variantWidths } from './image-variants.server.ts';
import { listAssets, uploadAsset } from './sites.server.ts';

let db: TestDatabase;
let tenant: string;
let site: string;

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenant }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('사진관') returning id`;
  [{ id: site }] = await db.sql<{ id: string }[]>`insert into sites (tenant_id, name, slug, template, document) values (${tenant}, '사진관', 'photo-shop', 'cafe', '{}') returning id`;
});
afterAll(() => db?.drop());

const photo = (width: number, height: number, alpha = false) =>
  sharp({ create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { r: 200, g: 80, b: 40, alpha: 0.5 } : { r: 200, g: 80, b: 40 } } })
    [alpha ? 'png' : 'jpeg']()
    .toBuffer();

describe('image variants at upload', () => {
  it('never makes a variant wider than the original', () => {
    expect(variantWidths(2000)).toEqual([480, 960, 1600]);
    expect(variantWidths(1000)).toEqual([480, 960]);
    expect(variantWidths(300)).toEqual([300]);
  });

  it('stores AVIF, WebP and JPEG copies at 480/960/1600 linked to the original, which alone is listed', async () => {
    const result = await uploadAsset(db.sql, { tenantId: tenant, siteId: site, userId: null, fileName: '가게 전경.jpg', data: await photo(2000, 1500) });
    expect(result).toMatchObject({ ok: true });
    if (!result?.ok) return;
    const rows = await db.sql<{ variant_width: number; format: string; content_type: string; width: number; height: number; bytes: number }[]>`
      select variant_width, format, content_type, width, height, bytes from assets where parent_id = ${result.asset.id} order by variant_width, format`;
    expect(rows.map((r) => `${r.variant_width} ${r.format}`)).toEqual(['480 avif', '480 jpeg', '480 webp', '960 avif', '960 jpeg', '960 webp', '1600 avif', '1600 jpeg', '1600 webp']);
    expect(rows.find((r) => r.variant_width === 960)).toMatchObject({ width: 960, height: 720 });
    for (const row of rows) {
      const meta = await sharp((await db.sql<{ data: Buffer }[]>`select data from assets where parent_id = ${result.asset.id} and variant_width = ${row.variant_width} and format = ${row.format}`)[0].data).metadata();
      expect(meta.width).toBe(row.width);
      expect(row.content_type).toBe(`image/${row.format}`);
    }
    const listed = await listAssets(db.sql, tenant, site);
    expect(listed?.map((a) => a.id)).toEqual([result.asset.id]);
  });

  it('keeps transparency with a PNG fallback', async () => {
    const variants = await makeImageVariants(await photo(600, 400, true), { width: 600, height: 400, format: 'png', fileName: 'logo.png' });
    expect(variants.map((v) => `${v.width} ${v.format} ${v.fileName}`)).toEqual(['480 avif logo-480.avif', '480 webp logo-480.webp', '480 png logo-480.png']);
  });
});
