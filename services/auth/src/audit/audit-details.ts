// What an audit event may hold: its details become plain, bounded JSON without secrets, and its
// texts something Postgres stores (no NUL, no lone surrogate), whoever produced the event.

/**
 * Field names whose values are secrets (the logger redacts the same ones; a stored event must
 * not keep what a log line may not show): passwords, tokens, codes, cookies, keys.
 */
const SECRET_KEY =
  /pass(word|phrase)?$|secret|token|cookie|authorization|assertion|jwt|api_?key|private_?key|^(otp|code|answer|recovery_?codes?|credentials?)$/iu;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const MAX_TEXT = 1_000;
const MAX_DEPTH = 4;
const MAX_ENTRIES = 50;

/** A text column's value: well-formed, without NUL (Postgres refuses both), at most `max` long. */
export function cleanText(value: string, max = MAX_TEXT): string {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what Postgres refuses.
  const clean = value.toWellFormed().replace(/\u0000/gu, '');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A nullable column: a string as `cleanText`, anything else `null`. */
export function cleanOptionalText(value: unknown, max = 256): string | null {
  return typeof value === 'string' && value !== '' ? cleanText(value, max) : null;
}

/**
 * The details as stored: secret keys dropped at every depth, strings cleaned and bounded, at most
 * 50 entries per object or array and 4 levels; an Error keeps its name and code, never its
 * message (messages can quote input); functions, symbols and undefined are left out.
 */
export function toAuditDetails(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return objectOf(fields, 0);
}

function objectOf(
  fields: Readonly<Record<string, unknown>>,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const [key, value] of Object.entries(fields)) {
    if (kept >= MAX_ENTRIES) break;
    if (isSecretKey(key)) continue;
    const clean = valueOf(value, depth + 1);
    if (clean === undefined) continue;
    out[cleanText(key, 64)] = clean;
    kept += 1;
  }
  return out;
}

function valueOf(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return cleanText(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      return objectValueOf(value, depth);
    default:
      return undefined;
  }
}

function objectValueOf(value: object | null, depth: number): unknown {
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return typeof code === 'string'
      ? { name: value.name, code: cleanText(code, 64) }
      : { name: value.name };
  }
  if (depth > MAX_DEPTH) return '[nested]';
  if (Array.isArray(value))
    return value.slice(0, MAX_ENTRIES).map((item: unknown) => valueOf(item, depth + 1) ?? null);
  return objectOf(value as Record<string, unknown>, depth);
}
