// Resized and re-encoded copies of an uploaded image, made once at upload with sharp: for each
// width in VARIANT_WIDTHS narrower than the original (or the original's width when it is smaller
// than all of them) one AVIF, one WebP and one fallback in the original's kind (JPEG, or PNG
// when the image has transparency). Animated GIFs are left as they are.
import { createHash } from 'node:crypto';
import { loadSharp } from './sharp.server.ts';

export const VARIANT_WIDTHS = [480, 960, 1600] as const;

export type VariantFormat = 'avif' | 'webp' | 'jpeg' | 'png';

export interface ImageVariant {
  width: number;
  height: number;
  format: VariantFormat;
  contentType: string;
  fileName: string;
  sha256: string;
  data: Buffer;
}

const CONTENT_TYPES: Record<VariantFormat, string> = { avif: 'image/avif', webp: 'image/webp', jpeg: 'image/jpeg', png: 'image/png' };
const EXTENSIONS: Record<VariantFormat, string> = { avif: 'avif', webp: 'webp', jpeg: 'jpg', png: 'png' };

function stem(fileName: string): string {
  const base = fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return base || 'image';
}

/** The widths to make for an image `width` pixels wide: never wider than the original. */
export function variantWidths(width: number): number[] {
  const narrower = VARIANT_WIDTHS.filter((w) => w < width);
  return narrower.length ? narrower : [width];
}

export async function makeImageVariants(
  original: Buffer,
  info: { width: number; height: number; format: string; fileName: string },
): Promise<ImageVariant[]> {
  const sharp = await loadSharp();
  const meta = await sharp(original).metadata();
  if (info.format === 'gif' && (meta.pages ?? 1) > 1) return [];
  const fallback: VariantFormat = meta.hasAlpha ? 'png' : 'jpeg';
  const formats: VariantFormat[] = ['avif', 'webp', fallback];
  const variants: ImageVariant[] = [];
  for (const width of variantWidths(info.width)) {
    const resized = sharp(original).rotate().resize({ width, withoutEnlargement: true });
    for (const format of formats) {
      const pipeline =
        format === 'avif' ? resized.clone().avif({ quality: 50, effort: 4 })
        : format === 'webp' ? resized.clone().webp({ quality: 75 })
        : format === 'jpeg' ? resized.clone().jpeg({ quality: 80, mozjpeg: true })
        : resized.clone().png({ compressionLevel: 9 });
      const { data, info: out } = await pipeline.toBuffer({ resolveWithObject: true });
      variants.push({
        width: out.width,
        height: out.height,
        format,
        contentType: CONTENT_TYPES[format],
        fileName: `${stem(info.fileName)}-${out.width}.${EXTENSIONS[format]}`.slice(0, 200),
        sha256: createHash('sha256').update(data).digest('hex'),
        data,
      });
    }
  }
  return variants;
}
