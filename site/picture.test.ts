import { describe, expect, it } from 'vitest';
import { createSiteDocument, renderSite, type SiteAsset, type SiteAssetVariant, type SiteDocument } from './index.ts';

const ASSET_ID = '11111111-2222-4333-8444-555555555555';
const hex = (seed: string) => seed.repeat(64).slice(0, 64);

function variant(width: number, contentType: string, seed: string): SiteAssetVariant {
  const extension = contentType.split('/')[1];
  return { width, height: Math.round((width * 3) / 4), contentType, fileName: `latte-${width}.${extension}`, sha256: hex(seed), data: Buffer.from(`${contentType} ${width}`) };
}

const asset: SiteAsset = {
  id: ASSET_ID,
  fileName: 'latte.jpg',
  contentType: 'image/jpeg',
  width: 2000,
  height: 1500,
  sha256: hex('a'),
  data: Buffer.from('original'),
  // given out of order on purpose: the renderer sorts
  variants: [
    variant(1600, 'image/webp', 'b'), variant(480, 'image/webp', 'c'), variant(960, 'image/webp', 'd'),
    variant(480, 'image/avif', 'e'), variant(960, 'image/avif', 'f'), variant(1600, 'image/avif', '1'),
    variant(480, 'image/jpeg', '2'), variant(960, 'image/jpeg', '3'), variant(1600, 'image/jpeg', '4'),
  ],
};

function withImages(): SiteDocument {
  const doc = createSiteDocument('cafe', { siteName: '카페 라떼' });
  const home = doc.pages[0];
  home.sections = home.sections.map((section) => (section.type === 'about' ? { ...section, image: { assetId: ASSET_ID, alt: '라떼 아트' } } : section));
  home.sections.push({ id: 'photos', type: 'gallery', heading: '사진', intro: '', items: [{ image: { assetId: ASSET_ID, alt: '창가 자리' }, caption: '' }] });
  return doc;
}

describe('images with variants', () => {
  const files = renderSite(withImages(), { siteUrl: 'https://latte.example', assets: new Map([[ASSET_ID, asset]]), hostingProvider: 'local' });
  const home = files.find((f) => f.path === '/index.html')!.body.toString();

  it('renders <picture> with AVIF and WebP sources, a JPEG fallback with srcset, sizes and the original’s dimensions', () => {
    const picture = /<picture>.*?<\/picture>/.exec(home)?.[0] ?? '';
    expect(picture).toMatch(/^<picture><source type="image\/avif" srcset="\/assets\/eeeeeeeeeeeeeeee-latte-480\.avif 480w, \/assets\/ffffffffffffffff-latte-960\.avif 960w, \/assets\/1111111111111111-latte-1600\.avif 1600w" sizes="\(min-width: 768px\) 50vw, 100vw"><source type="image\/webp" srcset="[^"]*480w, [^"]*960w, [^"]*1600w"/);
    expect(picture).toContain('<img src="/assets/4444444444444444-latte-1600.jpg" srcset="/assets/2222222222222222-latte-480.jpg 480w, /assets/3333333333333333-latte-960.jpg 960w, /assets/4444444444444444-latte-1600.jpg 1600w"');
    expect(picture).toContain('width="2000" height="1500" alt="라떼 아트"');
    expect(home).toContain('sizes="(min-width: 768px) 33vw, 100vw"');
    expect(home).toMatch(/alt="창가 자리" loading="lazy"/);
  });

  it('publishes every variant once, next to the original', () => {
    const assets = files.filter((f) => f.path.startsWith('/assets/')).map((f) => f.path);
    expect(assets).toHaveLength(10);
    expect(new Set(assets).size).toBe(10);
    expect(assets.filter((p) => p.includes('aaaaaaaaaaaaaaaa'))).toEqual(['/assets/aaaaaaaaaaaaaaaa-latte.jpg']);
    expect(files.find((f) => f.path.endsWith('latte-480.avif'))).toMatchObject({ contentType: 'image/avif' });
  });

  it('renders byte-identical files for the same input', () => {
    const again = renderSite(withImages(), { siteUrl: 'https://latte.example', assets: new Map([[ASSET_ID, asset]]), hostingProvider: 'local' });
    expect(again.map((f) => [f.path, f.body.toString('base64')])).toEqual(files.map((f) => [f.path, f.body.toString('base64')]));
  });

  it('keeps a plain <img> of the original for an asset without variants', () => {
    const plain = renderSite(withImages(), { siteUrl: 'https://latte.example', assets: new Map([[ASSET_ID, { ...asset, variants: undefined }]]), hostingProvider: 'local' });
    const page = plain.find((f) => f.path === '/index.html')!.body.toString();
    expect(page).not.toContain('<picture>');
    expect(page).toContain('src="/assets/aaaaaaaaaaaaaaaa-latte.jpg" width="2000" height="1500"');
  });
});
