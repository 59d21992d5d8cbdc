// What every UserDirectory checks before it touches its store: page size, search, roles, cursors.
import type { z } from 'zod';
import { ROLE_PATTERN, type UserListQuery } from '../admin/admin-ports.js';
import { MAX_EMAIL_LENGTH } from './email.js';
import { IdentityError } from './identity-provider.js';

export const MIN_PAGE_SIZE = 1;
export const MAX_PAGE_SIZE = 200;
/** As many as a session record holds (`@authflow/sessions` refuses more). */
export const MAX_ROLES_PER_USER = 64;

export interface CheckedListQuery {
  readonly limit: number;
  /** Trimmed; `undefined` when absent or blank. */
  readonly search: string | undefined;
}

/** The page size (1–200) and the search (at most an address long), or `validation_failed`. */
export function checkListQuery(query: UserListQuery): CheckedListQuery {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < MIN_PAGE_SIZE || limit > MAX_PAGE_SIZE)
    throw new IdentityError('validation_failed', { fields: ['limit'] });
  const search = query.search?.trim() ?? '';
  if (search.length > MAX_EMAIL_LENGTH)
    throw new IdentityError('validation_failed', { fields: ['search'] });
  return { limit, search: search === '' ? undefined : search };
}

/**
 * The roles to store: each one matches ROLE_PATTERN, at most 64 of them; duplicates are dropped,
 * the order kept. `validation_failed` on `roles` otherwise.
 */
export function checkRoles(roles: readonly string[]): string[] {
  const unique = [...new Set(roles)];
  if (unique.length > MAX_ROLES_PER_USER || !unique.every((role) => ROLE_PATTERN.test(role)))
    throw new IdentityError('validation_failed', { fields: ['roles'] });
  return unique;
}

/** A cursor is opaque to callers: base64url of a small JSON object. */
export function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a cursor carries, checked by `schema`; `validation_failed` on `cursor` otherwise. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/u.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new IdentityError('validation_failed', { fields: ['cursor'] });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new IdentityError('validation_failed', { fields: ['cursor'] });
  return parsed.data;
}
