// zod schemas for single environment variables: strings in, typed values out.
import { z } from 'zod';
import { databaseUrlProblem, redisUrlProblem } from './connection-urls.js';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Empty strings count as unset, as in most shells' `VAR=` idiom. */
const raw = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

function withDefault<T>(
  fallback: T | undefined,
  parse: (value: string, context: z.RefinementCtx) => T,
) {
  return raw.transform((value, context): T => {
    if (value === undefined) {
      if (fallback === undefined) {
        context.addIssue({ code: 'custom', message: 'is required' });
        return z.NEVER;
      }
      return fallback;
    }
    return parse(value, context);
  });
}

function fail(context: z.RefinementCtx, message: string): never {
  context.addIssue({ code: 'custom', message });
  return z.NEVER;
}

export const env = {
  string: (fallback?: string) => withDefault(fallback, (value) => value),

  optionalString: () => raw,

  integer: (fallback: number | undefined, bounds: { min?: number; max?: number } = {}) =>
    withDefault(fallback, (value, context) => {
      const number = Number(value);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
      if (!/^-?\d+$/u.test(value) || number < min || number > max) {
        return fail(context, `must be a whole number from ${min} to ${max}`);
      }
      return number;
    }),

  port: (fallback?: number) =>
    withDefault(fallback, (value, context) => {
      const number = Number(value);
      if (!/^\d+$/u.test(value) || number > 65_535)
        return fail(context, 'must be a port number (0-65535)');
      return number;
    }),

  boolean: (fallback?: boolean) =>
    withDefault(fallback, (value, context) => {
      const lower = value.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return fail(context, 'must be true or false');
    }),

  oneOf: <const Choice extends string>(choices: readonly Choice[], fallback?: Choice) =>
    withDefault(fallback, (value, context) => {
      if ((choices as readonly string[]).includes(value)) return value as Choice;
      return fail(context, `must be one of ${choices.join(', ')}`);
    }),

  url: (fallback?: string, protocols: readonly string[] = ['http:', 'https:']) =>
    withDefault(fallback, (value, context) => parseUrl(value, protocols, context)),

  /** Like `url`, but `undefined` when unset (the caller derives a default from other settings). */
  optionalUrl: (protocols: readonly string[] = ['http:', 'https:']) =>
    raw.transform((value, context) =>
      value === undefined ? undefined : parseUrl(value, protocols, context),
    ),

  /** Comma-separated values, trimmed, empties dropped. */
  list: (fallback: readonly string[] = []) =>
    raw.transform((value) =>
      value === undefined
        ? [...fallback]
        : value
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== ''),
    ),

  /**
   * A Redis URL (`redis://`, `rediss://`, `redis+sentinel://`), checked for shape; it holds a
   * password, so it is never echoed. Optional unless `required`.
   */
  redisUrl: (options: { required?: boolean } = {}) => connectionUrl(redisUrlProblem, options),

  /** A Postgres URL (`postgres://` or `postgresql://` with a host); never echoed. Optional unless `required`. */
  databaseUrl: (options: { required?: boolean } = {}) => connectionUrl(databaseUrlProblem, options),

  /** A secret: never echoed; optional unless `required`. */
  secret: (options: { minLength: number; required?: boolean }) =>
    raw.transform((value, context) => {
      if (value === undefined) {
        return options.required === true ? fail(context, 'is required') : undefined;
      }
      if (value.length < options.minLength)
        return fail(context, `must be at least ${options.minLength} characters`);
      return value;
    }),
};

/** A URL with one of `protocols`, without trailing slashes. */
function parseUrl(value: string, protocols: readonly string[], context: z.RefinementCtx): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(context, 'must be a URL');
  }
  if (!protocols.includes(url.protocol))
    return fail(context, `must be a URL starting with ${protocols.join(' or ')}`);
  return value.replace(/\/+$/u, '');
}

function connectionUrl(
  problemOf: (value: string) => string | undefined,
  options: { required?: boolean },
) {
  return raw.transform((value, context) => {
    if (value === undefined)
      return options.required === true ? fail(context, 'is required') : undefined;
    const problem = problemOf(value);
    return problem === undefined ? value : fail(context, problem);
  });
}
