import { describe, expect, it } from 'vitest';
import { contrastRatio } from './color-contrast.js';
import { DEFAULT_PRIMARY_COLOR, choosePrimaryColor, renderStylesheet } from './stylesheet.js';
import { BRANDING } from './test-support/fixtures.js';

function property(css: string, name: string, occurrence = 0): string {
  const values = [...css.matchAll(new RegExp(`--${name}: (#[0-9a-f]{6});`, 'gu'))];
  const value = values[occurrence]?.[1];
  if (value === undefined) throw new Error(`no --${name} #${occurrence}`);
  return value;
}

describe('renderStylesheet', () => {
  it('uses the configured primary colour for buttons and links', () => {
    const css = renderStylesheet({ ...BRANDING, primaryColor: '#0F766E' });
    expect(property(css, 'primary')).toBe('#0f766e');
    expect(css).toContain('.button-primary { background: var(--primary);');
    expect(css).toContain('a { color: var(--link);');
  });

  it('falls back to the default for a colour that is not #rrggbb', () => {
    for (const primaryColor of ['red;} body{display:none', 'red', '#fff', '#12345g', '']) {
      const css = renderStylesheet({ ...BRANDING, primaryColor });
      expect(property(css, 'primary')).toBe(DEFAULT_PRIMARY_COLOR);
      expect(css).not.toContain('display:none');
    }
    expect(choosePrimaryColor('#ABCDEF')).toBe('#abcdef');
  });

  it('keeps links and button text readable with a pale or dark brand colour', () => {
    for (const primaryColor of ['#ffeb3b', '#0a0a0a', '#2563eb', '#ff0000']) {
      const css = renderStylesheet({ ...BRANDING, primaryColor });
      const lightLink = property(css, 'link', 0);
      const darkLink = property(css, 'link', 1);
      for (const background of [
        property(css, 'bg', 0),
        property(css, 'surface', 0),
        property(css, 'tint', 0),
      ]) {
        expect(contrastRatio(lightLink, background)).toBeGreaterThanOrEqual(4.5);
      }
      for (const background of [
        property(css, 'bg', 1),
        property(css, 'surface', 1),
        property(css, 'tint', 1),
      ]) {
        expect(contrastRatio(darkLink, background)).toBeGreaterThanOrEqual(4.5);
      }
      expect(
        contrastRatio(property(css, 'primary'), property(css, 'primary-text')),
      ).toBeGreaterThanOrEqual(4.5);
      expect(
        contrastRatio(property(css, 'primary-hover'), property(css, 'primary-text')),
      ).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('has visible focus, a centred narrow card, a dark scheme and no external fonts', () => {
    const css = renderStylesheet(BRANDING);
    expect(css).toMatch(/:focus-visible \{ outline: 3px solid/u);
    expect(css).toContain('max-width: 28rem');
    expect(css).toContain('@media (prefers-color-scheme: dark)');
    expect(css).toContain('font-family: system-ui');
    expect(css).not.toMatch(/@import|@font-face|url\(/u);
  });

  it('keeps the text colours of both schemes at AA contrast', () => {
    const css = renderStylesheet(BRANDING);
    for (const scheme of [0, 1]) {
      const surface = property(css, 'surface', scheme);
      for (const name of ['text', 'muted', 'error']) {
        expect(contrastRatio(property(css, name, scheme), surface)).toBeGreaterThanOrEqual(4.5);
      }
      expect(
        contrastRatio(property(css, 'error', scheme), property(css, 'error-bg', scheme)),
      ).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(property(css, 'input-border', scheme), surface)).toBeGreaterThanOrEqual(
        3,
      );
    }
  });
});
