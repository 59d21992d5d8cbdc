import { describe, expect, it } from 'vitest';
import {
  contrastRatio,
  ensureContrast,
  isHexColor,
  mixColors,
  readableTextOn,
  relativeLuminance,
} from './color-contrast.js';

describe('color contrast', () => {
  it('accepts only #rrggbb', () => {
    expect(isHexColor('#2563eb')).toBe(true);
    expect(isHexColor('#2563EB')).toBe(true);
    for (const value of ['2563eb', '#256', '#2563eb;', 'red', '#2563eb\n}']) {
      expect(isHexColor(value)).toBe(false);
    }
  });

  it('computes WCAG luminance and contrast', () => {
    expect(relativeLuminance('#000000')).toBe(0);
    expect(relativeLuminance('#ffffff')).toBe(1);
    expect(contrastRatio('#000000', '#ffffff')).toBe(21);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('mixes colours channel by channel', () => {
    expect(mixColors('#000000', '#ffffff', 0.5)).toBe('#808080');
    expect(mixColors('#2563eb', '#ffffff', 0)).toBe('#2563eb');
  });

  it('picks black or white text, whichever reads better', () => {
    expect(readableTextOn('#ffeb3b')).toBe('#000000');
    expect(readableTextOn('#1e3a8a')).toBe('#ffffff');
  });

  it('moves a colour only as far as needed to reach the contrast asked for', () => {
    expect(ensureContrast('#1d4ed8', '#ffffff', 4.5)).toBe('#1d4ed8');
    const yellow = ensureContrast('#ffeb3b', '#ffffff', 4.5);
    expect(contrastRatio(yellow, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(
      contrastRatio(ensureContrast('#1e3a8a', '#111827', 4.5), '#111827'),
    ).toBeGreaterThanOrEqual(4.5);
  });
});
