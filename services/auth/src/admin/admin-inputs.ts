// Shapes of the admin API's inputs (and the CLI's, which parses the same values). Capped first.
import { MAX_ROLES } from '@authflow/sessions';
import { z } from 'zod';
import { email } from '../api/schemas.js';
import { ROLE_PATTERN } from './admin-ports.js';

/** Opaque ids from either provider (built-in UUIDs, Supabase UUIDs); never interpreted here. */
const userId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._:@-]+$/u);
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{43}$/u);
const cursor = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9._~:=+/-]+$/u);

/** A query-string integer in a range, with a default. */
const limit = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * An instant: epoch milliseconds, or an ISO 8601 date (`2026-05-01`) or date-time with a zone
 * (`2026-05-01T12:00:00Z`). Anything else is refused rather than guessed.
 */
export const instant = z
  .string()
  .max(40)
  .transform((value, context) => {
    const parsed = /^\d{1,15}$/u.test(value)
      ? Number(value)
      : /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/u.test(
            value,
          )
        ? Date.parse(value)
        : Number.NaN;
    if (Number.isNaN(parsed)) {
      context.addIssue({ code: 'custom', message: 'an ISO 8601 time or epoch milliseconds' });
      return z.NEVER;
    }
    return parsed;
  });

/**
 * A role list as an admin sets it: lower-case words (ROLE_PATTERN), at most as many as a
 * session record holds; repeats dropped and sorted, so the stored list does not depend on how
 * it was typed.
 */
export const roleList = z
  .array(z.string().regex(ROLE_PATTERN, 'a lower-case role name'))
  .max(MAX_ROLES)
  .transform((roles) => [...new Set(roles)].sort());

/** An audit type: an exact one (`admin.roles.set`) or a prefix ending in `.` (`session.`). */
export const auditType = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\.?$/u);

export const userParams = z.object({ id: userId });
export const userSessionParams = z.object({ id: userId, sessionId });

export const listUsersQuery = z.object({
  cursor: cursor.optional(),
  limit: limit(200, 50),
  search: z.string().min(1).max(254).optional(),
});

export const setRolesBody = z.object({ roles: roleList });

export const auditQuery = z
  .object({
    /** A user id, or an address (with an `@`: looked up, an unknown address is 404). */
    user: z
      .string()
      .min(1)
      .max(320)
      .regex(/^[^\s@]+(?:@[^\s@]+)?$/u)
      .optional(),
    type: auditType.optional(),
    since: instant.optional(),
    until: instant.optional(),
    cursor: cursor.optional(),
    limit: limit(500, 100),
  })
  .refine(
    (query) => query.since === undefined || query.until === undefined || query.since <= query.until,
    { path: ['until'], message: 'must not be before since' },
  );

/** The request to explain, as the gateway would see it, and whose session to assume. */
export const explainQuery = z.object({
  method: z
    .string()
    .regex(/^[A-Za-z]{1,16}$/u)
    .transform((value) => value.toUpperCase())
    .default('GET'),
  host: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$/u)
    .optional(),
  path: z
    .string()
    .min(1)
    .max(2_048)
    .regex(/^\/[\x21-\x7e]*$/u, 'a path starting with /'),
  user: email,
  aal: z.enum(['aal1', 'aal2']).optional(),
});

export type ListUsersQuery = z.output<typeof listUsersQuery>;
export type AuditQueryInput = z.output<typeof auditQuery>;
export type ExplainQuery = z.output<typeof explainQuery>;
