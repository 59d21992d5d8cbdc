// Colour arithmetic for the stylesheet: WCAG contrast ratios, and nudging a colour until it meets one.

type Rgb = readonly [number, number, number];

const BLACK = '#000000';
const WHITE = '#ffffff';

/** `#rrggbb` only: anything else could carry CSS of its own into the stylesheet. */
export function isHexColor(value: string): boolean {
  return /^#[0-9a-fA-F]{6}$/u.test(value);
}

function parseHex(hex: string): Rgb {
  const channel = (start: number): number => Number.parseInt(hex.slice(start, start + 2), 16);
  return [channel(1), channel(3), channel(5)];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}

function linearChannel(channel: number): number {
  const value = channel / 255;
  return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance of a `#rrggbb` colour, 0 (black) to 1 (white). */
export function relativeLuminance(hex: string): number {
  const [red, green, blue] = parseHex(hex);
  return 0.2126 * linearChannel(red) + 0.7152 * linearChannel(green) + 0.0722 * linearChannel(blue);
}

/** WCAG 2 contrast ratio, 1 to 21. */
export function contrastRatio(first: string, second: string): number {
  const a = relativeLuminance(first);
  const b = relativeLuminance(second);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** Blends `weight` (0 to 1) of `other` into `color`. */
export function mixColors(color: string, other: string, weight: number): string {
  const from = parseHex(color);
  const to = parseHex(other);
  const blend = (index: 0 | 1 | 2): number => from[index] + (to[index] - from[index]) * weight;
  return toHex([blend(0), blend(1), blend(2)]);
}

/** Black or white, whichever reads better on `background` (at least 4.58:1 either way). */
export function readableTextOn(background: string): string {
  return contrastRatio(BLACK, background) > contrastRatio(WHITE, background) ? BLACK : WHITE;
}

/**
 * Darkens (on a light background) or lightens (on a dark one) `color` in small steps until it
 * reaches `minimum` contrast against `background`, so a pale brand colour still reads as text.
 */
export function ensureContrast(color: string, background: string, minimum: number): string {
  const target = readableTextOn(background);
  for (let step = 0; step <= 20; step += 1) {
    const candidate = mixColors(color, target, step / 20);
    if (contrastRatio(candidate, background) >= minimum) return candidate;
  }
  return target;
}
