// Request bodies and queries are parsed by zod at the edge; problems become validation_failed.
import type { z } from 'zod';
import { authErrors } from '../errors/auth-errors.js';

export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const fields = [
    ...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || 'body')),
  ];
  throw authErrors.create('validation_failed', { details: { fields } });
}
