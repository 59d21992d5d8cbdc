// Supabase's User as AuthFlow reads it: roles from app_metadata (only admins can write it), ids.
import type { User } from '@supabase/supabase-js';
import type { IdentityUser } from '../identity-provider.js';

/** Roles of a user whose `app_metadata.roles` was never set: what sign-up gives on the built-in store. */
export const DEFAULT_ROLES: readonly string[] = ['user'];

/**
 * `app_metadata.roles` when it is a list of strings, else the default. `app_metadata` is the
 * one place a user cannot write (`updateUser` refuses it to non-admins), unlike `user_metadata`.
 */
export function rolesOf(user: User): string[] {
  const roles: unknown = user.app_metadata.roles;
  return Array.isArray(roles) && roles.every((role) => typeof role === 'string')
    ? [...roles]
    : [...DEFAULT_ROLES];
}

export function toIdentityUser(user: User): IdentityUser {
  return {
    id: user.id,
    email: user.email ?? '',
    emailVerified: typeof user.email_confirmed_at === 'string' && user.email_confirmed_at !== '',
    roles: rolesOf(user),
  };
}

/** The SDK throws on a non-UUID id before sending anything: such an id has no user. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu.test(value);
}
