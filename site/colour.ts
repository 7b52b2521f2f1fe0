/**
 * Colour arithmetic for WCAG 2.1 AA: every colour pair the renderer puts text on is checked,
 * and when the owner's choice would be hard to read the renderer picks a readable one.
 * Input colours are validated `#rrggbb` strings; anything else falls back to black.
 */

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  if (!/^#[0-9a-fA-F]{6}$/.test(hex)) return [0, 0, 0];
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((value) => Math.round(Math.min(255, Math.max(0, value))).toString(16).padStart(2, '0')).join('')}`;
}

/** A validated colour, or black. The renderer only ever writes colours that went through this. */
export function safeHex(hex: string): string {
  return toHex(parseHex(hex));
}

function channel(value: number): number {
  const s = value / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHex(hex);
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  const [light, dark] = la > lb ? [la, lb] : [lb, la];
  return (light + 0.05) / (dark + 0.05);
}

export const AA_NORMAL_TEXT = 4.5;

/** White or black, whichever reads better on `background`. */
export function blackOrWhiteOn(background: string): '#ffffff' | '#111111' {
  return contrastRatio('#ffffff', background) >= contrastRatio('#111111', background) ? '#ffffff' : '#111111';
}

/** `preferred` when it reaches AA on `background`, otherwise black or white. */
export function readableTextOn(background: string, preferred: string): string {
  return contrastRatio(preferred, background) >= AA_NORMAL_TEXT ? safeHex(preferred) : blackOrWhiteOn(background);
}

/** Mixes `colour` towards `target` by `amount` (0..1). */
export function mix(colour: string, target: string, amount: number): string {
  const a = parseHex(colour);
  const b = parseHex(target);
  return toHex([a[0] + (b[0] - a[0]) * amount, a[1] + (b[1] - a[1]) * amount, a[2] + (b[2] - a[2]) * amount]);
}

/**
 * Keeps the hue of `colour` but darkens (or lightens, on dark backgrounds) it until it reaches
 * AA on `background`, so links and headings stay in the owner's brand colour where possible.
 */
export function adjustForContrast(colour: string, background: string, ratio = AA_NORMAL_TEXT): string {
  const start = safeHex(colour);
  if (contrastRatio(start, background) >= ratio) return start;
  const target = blackOrWhiteOn(background) === '#ffffff' ? '#ffffff' : '#000000';
  for (let step = 1; step <= 20; step += 1) {
    const candidate = mix(start, target, step / 20);
    if (contrastRatio(candidate, background) >= ratio) return candidate;
  }
  return target;
}
