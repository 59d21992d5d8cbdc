// The XSS boundary for every page and mail body: one escaper, and a template tag that applies it
// to each interpolated value.

/**
 * Markup that is safe to place in a page as is. Only this module creates it (the class is
 * exported as a type only): the `html` tag returns it, so nested templates compose without
 * being escaped twice, and `trustedHtml` wraps markup written in code. The private field
 * makes the type nominal, so a plain object of the same shape cannot pass for it.
 */
class SafeHtml {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

export type { SafeHtml };

/**
 * What a template may interpolate. `false`, `null` and `undefined` render nothing, so
 * `${condition && html`...`}` reads naturally; arrays render each item in order.
 */
export type HtmlValue =
  string | number | SafeHtml | false | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes text for an element body or a quoted attribute value. Quotes of both kinds are
 * escaped so a value cannot end its attribute; the backtick because old engines (Internet
 * Explorer) treated it as an attribute quote. The only HTML escaper in AuthFlow.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/gu, (character) => ESCAPES[character] ?? character);
}

function renderValue(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(String(value));
  if (value === false || value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(renderValue).join('');
  // Unreachable for typed callers; anything else that slips through is still only text.
  return escapeHtml(String(value));
}

/**
 * Tagged template: the literal parts are trusted markup written in code; every interpolated
 * value is escaped unless it is already `SafeHtml`. Attribute values must be double-quoted
 * in the template (`href="${url}"`), which the escaping makes safe.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += renderValue(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(markup);
}

/**
 * Marks markup as safe without escaping it. For fixed markup authored in code only: passing
 * anything a user, a request or configuration can influence reopens the XSS hole.
 */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
