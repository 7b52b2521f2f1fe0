import sharp from 'sharp';

/**
 * A photo-like JPEG for benches and browser tests: fractal value noise (several octaves, as in
 * clouds, foliage or a textured wall) in three colour channels plus fine sensor grain, so it
 * resizes and compresses about as a camera photo does — unlike a flat gradient, which AVIF
 * squeezes to almost nothing. Deterministic for a given seed; no binary files committed.
 */
export async function photoLikeJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const random = mulberry32(seed);
  const channels = [0, 1, 2].map(() => fractalNoise(width, height, random));
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const grain = (random() - 0.5) * 14;
    raw[i * 3] = clamp(channels[0][i] * 255 + grain);
    raw[i * 3 + 1] = clamp(channels[1][i] * 230 + grain);
    raw[i * 3 + 2] = clamp(channels[2][i] * 210 + grain);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** Sum of bilinear value-noise octaves, cell sizes from 1/3 of the width down to 2 px, in 0..1. */
function fractalNoise(width: number, height: number, random: () => number): Float32Array {
  const out = new Float32Array(width * height);
  let cell = Math.max(8, Math.floor(width / 3));
  let amplitude = 1;
  let total = 0;
  while (cell >= 2) {
    const gw = Math.ceil(width / cell) + 2;
    const gh = Math.ceil(height / cell) + 2;
    const grid = Float32Array.from({ length: gw * gh }, () => random());
    for (let y = 0; y < height; y++) {
      const gy = y / cell;
      const y0 = Math.floor(gy);
      const ty = smooth(gy - y0);
      for (let x = 0; x < width; x++) {
        const gx = x / cell;
        const x0 = Math.floor(gx);
        const tx = smooth(gx - x0);
        const a = grid[y0 * gw + x0];
        const b = grid[y0 * gw + x0 + 1];
        const c = grid[(y0 + 1) * gw + x0];
        const d = grid[(y0 + 1) * gw + x0 + 1];
        out[y * width + x] += amplitude * (a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty);
      }
    }
    total += amplitude;
    amplitude *= PERSISTENCE;
    cell = Math.floor(cell / 2);
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

/**
 * How much each finer octave keeps: 0.9 makes a 960-px AVIF of about 35 KB and a 1600-px one of
 * about 70 KB (quality 50), in the range of real shop photos; 0.6 gave 9 KB (too kind).
 */
const PERSISTENCE = 0.9;
function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
