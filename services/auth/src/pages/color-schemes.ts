// The light and dark palettes of the auth pages, as CSS custom properties tinted with the brand colour.
import { ensureContrast, mixColors } from './color-contrast.js';

/** WCAG AA for body text; also comfortably above the 3:1 a focus outline needs. */
const TEXT_CONTRAST = 4.5;

export interface Scheme {
  readonly bg: string;
  readonly surface: string;
  readonly text: string;
  readonly muted: string;
  readonly border: string;
  readonly inputBorder: string;
  readonly inputBg: string;
  readonly error: string;
  readonly errorBg: string;
}

export const LIGHT_SCHEME: Scheme = {
  bg: '#f3f4f6',
  surface: '#ffffff',
  text: '#111827',
  muted: '#4b5563',
  border: '#d1d5db',
  inputBorder: '#6b7280',
  inputBg: '#ffffff',
  error: '#b91c1c',
  errorBg: '#fef2f2',
};

export const DARK_SCHEME: Scheme = {
  bg: '#030712',
  surface: '#111827',
  text: '#f9fafb',
  muted: '#9ca3af',
  border: '#374151',
  inputBorder: '#9ca3af',
  inputBg: '#030712',
  error: '#fca5a5',
  errorBg: '#3b0a0a',
};

/**
 * Custom properties for one colour scheme. Links sit on the page, the card and the tint, so
 * the brand colour is moved towards the text colour until it reads on all three; each pass
 * only moves it further the same way, so earlier backgrounds keep their contrast.
 */
export function renderSchemeProperties(primary: string, scheme: Scheme, indent: string): string {
  const tint = mixColors(primary, scheme.surface, 0.88);
  const link = [scheme.bg, scheme.surface, tint].reduce(
    (color, background) => ensureContrast(color, background, TEXT_CONTRAST),
    primary,
  );
  return [
    `--bg: ${scheme.bg};`,
    `--surface: ${scheme.surface};`,
    `--text: ${scheme.text};`,
    `--muted: ${scheme.muted};`,
    `--border: ${scheme.border};`,
    `--input-border: ${scheme.inputBorder};`,
    `--input-bg: ${scheme.inputBg};`,
    `--error: ${scheme.error};`,
    `--error-bg: ${scheme.errorBg};`,
    `--tint: ${tint};`,
    `--link: ${link};`,
  ].join(`\n${indent}`);
}
