// JSON body decoding with GoTrue's semantics: unknown fields ignored, bad JSON or wrong types -> bad_json.
import { z } from 'zod';
import { goTrueErrors } from './gotrue-errors.js';

/** A field GoTrue decodes into a Go string: absent, `null` and `""` all mean "not given". */
export const optionalString = z.string().nullish();
export const optionalMetadata = z.record(z.string(), z.unknown()).nullish();

/**
 * Decodes `raw` against `schema` (a `z.object`, which drops unknown keys). `allowEmpty` is for
 * routes that read an optional body, such as `DELETE /admin/users/{id}`.
 */
export function parseJsonBody<Schema extends z.ZodType>(
  raw: string,
  schema: Schema,
  options: { readonly allowEmpty?: boolean } = {},
): z.infer<Schema> {
  if (raw.trim() === '' && options.allowEmpty === true) return schema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw goTrueErrors.badJson(error instanceof Error ? error.message : 'malformed JSON');
  }
  // json.Unmarshal of `null` into a struct leaves it untouched.
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined ? 'body' : `field "${issue.path.join('.') || '(root)'}"`;
    throw goTrueErrors.badJson(`cannot decode ${where}: wrong type`);
  }
  return result.data;
}

/** `undefined`, `null` and `""` collapse to `""`, like a Go string field. */
export function stringOrEmpty(value: string | null | undefined): string {
  return value ?? '';
}
