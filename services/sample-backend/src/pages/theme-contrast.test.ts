// Every text colour of the sample backend's stylesheet against its background, in the light
// and the dark theme: WCAG AA, 4.5:1 for text and 3:1 for control borders. Guards issue 13,
// where dark-mode links (3.6:1) and labels (3.9:1) were too faint to read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(new URL('../../static/app.css', import.meta.url), 'utf8').replace(
  /\/\*[\s\S]*?\*\//gu,
  '',
);

/** What Chromium paints when a stylesheet sets no page colours (its Canvas and CanvasText). */
const BROWSER_DEFAULTS = {
  light: { background: '#ffffff', text: '#000000' },
  dark: { background: '#121212', text: '#ffffff' },
} as const;

type Declarations = ReadonlyMap<string, string>;

interface Rule {
  readonly selector: string;
  readonly declarations: Declarations;
}

function parseRules(css: string): Rule[] {
  return [...css.matchAll(/([^{}]+)\{([^{}]*)\}/gu)].map(([, selector = '', body = '']) => ({
    selector: selector.trim(),
    declarations: new Map(
      body
        .split(';')
        .map((line) => line.split(':'))
        .filter((parts) => parts.length >= 2)
        .map(([name = '', ...value]) => [name.trim(), value.join(':').trim()]),
    ),
  }));
}

/** The stylesheet without its dark block, and the dark block's own rules. */
function splitThemes(css: string): { base: string; dark: string } {
  const start = css.indexOf('@media (prefers-color-scheme: dark)');
  if (start === -1) return { base: css, dark: '' };
  let depth = 0;
  let end = css.indexOf('{', start);
  do {
    if (css[end] === '{') depth += 1;
    if (css[end] === '}') depth -= 1;
    end += 1;
  } while (depth > 0 && end < css.length);
  const block = css.slice(css.indexOf('{', start) + 1, end - 1);
  return { base: css.slice(0, start) + css.slice(end), dark: block };
}

function variablesOf(rules: readonly Rule[]): Map<string, string> {
  const variables = new Map<string, string>();
  for (const rule of rules.filter(({ selector }) => selector === ':root'))
    for (const [name, value] of rule.declarations)
      if (name.startsWith('--')) variables.set(name, value);
  return variables;
}

function resolveColour(value: string, variables: ReadonlyMap<string, string>): string {
  const reference = /^var\((--[\w-]+)\)$/u.exec(value)?.[1];
  const colour = reference === undefined ? value : variables.get(reference);
  if (colour === undefined) throw new Error(`${value} is not defined`);
  if (/^#[0-9a-f]{3}$/iu.test(colour)) return colour.replace(/[0-9a-f]/giu, '$&$&').toLowerCase();
  if (/^#[0-9a-f]{6}$/iu.test(colour)) return colour.toLowerCase();
  throw new Error(`${colour}: write colours as #rrggbb so this test can check them`);
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r = 0, g = 0, b = 0] = [1, 3, 5].map((at) => {
    const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
    return channel <= 0.040_45 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

interface Pair {
  readonly what: string;
  readonly foreground: string;
  readonly background: string;
  readonly minimum: number;
}

/** Every colour pair a reader of the page sees, in one theme. */
function pairsOf(theme: 'light' | 'dark'): Pair[] {
  const { base, dark } = splitThemes(CSS);
  const rules = parseRules(base);
  const variables = variablesOf(rules);
  if (theme === 'dark')
    for (const [name, value] of variablesOf(parseRules(dark))) variables.set(name, value);
  const colour = (value: string | undefined): string | undefined =>
    value === undefined ? undefined : resolveColour(value, variables);
  const body = rules.find(({ selector }) => selector === 'body')?.declarations;
  const page = {
    background:
      colour(body?.get('background') ?? body?.get('background-color')) ??
      BROWSER_DEFAULTS[theme].background,
    text: colour(body?.get('color')) ?? BROWSER_DEFAULTS[theme].text,
  };
  const pairs: Pair[] = [
    { what: 'body text', foreground: page.text, background: page.background, minimum: 4.5 },
  ];
  for (const { selector, declarations } of rules) {
    if (selector === ':root' || selector === 'body') continue;
    const background =
      colour(declarations.get('background') ?? declarations.get('background-color')) ??
      page.background;
    const text = colour(declarations.get('color'));
    if (text !== undefined)
      pairs.push({ what: `${selector} text`, foreground: text, background, minimum: 4.5 });
    const border = /var\(--[\w-]+\)|#[0-9a-f]{3,6}\b/iu.exec(declarations.get('border') ?? '')?.[0];
    if (border !== undefined && /^(input|select|textarea|button)\b/u.test(selector))
      pairs.push({
        what: `${selector} border`,
        foreground: colour(border) ?? '',
        background,
        minimum: 3,
      });
  }
  return pairs;
}

describe('the sample backend stylesheet', () => {
  it('computes contrast as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#2563eb', '#121212')).toBeCloseTo(3.62, 2);
  });

  it.each(['light', 'dark'] as const)(
    'meets WCAG AA for every text colour in the %s theme',
    (theme) => {
      const pairs = pairsOf(theme);
      // The colours of issue 13 are among those checked.
      expect(pairs.map(({ what }) => what)).toEqual(
        expect.arrayContaining(['body text', 'a text', 'dt text', 'button text', 'input border']),
      );
      const failing = pairs
        .map((pair) => ({
          ...pair,
          ratio: Math.floor(contrastRatio(pair.foreground, pair.background) * 100) / 100,
        }))
        .filter(({ ratio, minimum }) => ratio < minimum)
        .map(
          ({ what, foreground, background, ratio, minimum }) =>
            `${what}: ${foreground} on ${background} is ${ratio}:1, needs ${minimum}:1`,
        );
      expect(failing).toEqual([]);
    },
  );
});
