// Supabase's UserDirectory over the admin API: roles in app_metadata, disabling as a ban.
import type { GoTrueAdminApi, User } from '@supabase/supabase-js';
import { z } from 'zod';
import type { AdminUser, UserDirectory, UserListQuery, UserPage } from '../../admin/admin-ports.js';
import {
  checkListQuery,
  checkRoles,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
} from '../directory-inputs.js';
import type { SupabaseIdentityProvider } from './supabase-provider.js';
import { isUuid, toIdentityUser } from './supabase-users.js';

/** `ban_duration` for "disabled": a hundred years, as Supabase's own docs ban a user. */
export const DISABLED_BAN_DURATION = '876000h';

/** A Supabase page: GoTrue's list is offset-based, so the cursor is the next page number. */
const cursorSchema = z.strictObject({
  p: z.int().min(2).max(1_000_000),
  n: z.int().min(1).max(MAX_PAGE_SIZE),
});
type Position = z.infer<typeof cursorSchema>;

/**
 * Admin operations on Supabase accounts, each one admin API call (or two) through the provider's
 * breaker. Unknown ids answer `null`; Supabase not answering is `identity_provider_unavailable`.
 *
 * Listing: GoTrue's `GET /admin/users` pages by number, newest first (`created_at desc`), so the
 * cursor carries the next page number and the page size (a cursor's size wins over `limit`).
 * Unlike the built-in store's keyset pages, these are NOT stable while users sign up or are
 * deleted: a sign-up between two pages shifts every later row by one (the last row of a page
 * comes again at the top of the next), a deletion shifts them back (a row is skipped), and rows
 * created in the same instant have no fixed order. Search uses GoTrue's `filter` (the address
 * lower-cased, `%`, `_` and `\` escaped: GoTrue matches `email LIKE %filter%`, and stores
 * addresses lower-cased), then drops what GoTrue also matches on `user_metadata.full_name`: a
 * page can hold fewer users than asked, and still have a next one.
 */
export class SupabaseUserDirectory implements UserDirectory {
  readonly #provider: SupabaseIdentityProvider;
  readonly #clock: () => number;

  constructor(provider: SupabaseIdentityProvider, options: { clock?: () => number } = {}) {
    this.#provider = provider;
    this.#clock = options.clock ?? Date.now;
  }

  async listUsers(query: UserListQuery): Promise<UserPage> {
    const { limit, search } = checkListQuery(query);
    const position: Position =
      query.cursor === undefined ? { p: 1, n: limit } : decodeCursor(query.cursor, cursorSchema);
    const { users, hasMore } = await this.#page(position, search);
    return {
      users: users.map((user) => this.#toAdminUser(user)),
      nextCursor: hasMore
        ? encodeCursor({ p: position.p + 1, n: position.n } satisfies Position)
        : null,
    };
  }

  async getUser(userId: string): Promise<AdminUser | null> {
    if (!isUuid(userId)) return null;
    const user = await this.#provider.runAdmin((admin) => findUser(admin, userId));
    return user === null ? null : this.#toAdminUser(user);
  }

  /** There is no look-up by address in the admin API: the filtered list, for an exact match. */
  async findByEmail(email: string): Promise<AdminUser | null> {
    const wanted = email.trim().toLowerCase();
    if (wanted === '') return null;
    for (let page = 1; ; page += 1) {
      const { users, hasMore } = await this.#page({ p: page, n: MAX_PAGE_SIZE }, wanted);
      const found = users.find((user) => (user.email ?? '').toLowerCase() === wanted);
      if (found !== undefined) return this.#toAdminUser(found);
      if (!hasMore) return null;
    }
  }

  async setRoles(userId: string, roles: readonly string[]): Promise<AdminUser | null> {
    const checked = checkRoles(roles);
    // app_metadata is merged key by key: `roles` is replaced, `provider(s)` are kept.
    return this.#update(userId, { app_metadata: { roles: checked } });
  }

  /**
   * A ban: GoTrue refuses the password grant, refreshes and user routes. It ends no Supabase
   * session (AuthFlow ends its own; it keeps no Supabase session of a user).
   */
  setDisabled(userId: string, disabled: boolean): Promise<AdminUser | null> {
    return this.#update(userId, { ban_duration: disabled ? DISABLED_BAN_DURATION : 'none' });
  }

  /** A hard delete (reference 11.3): the row, its identities, sessions and factors go. */
  async deleteUser(userId: string): Promise<AdminUser | null> {
    if (!isUuid(userId)) return null;
    const deleted = await this.#provider.runAdmin(async (admin) => {
      const user = await findUser(admin, userId);
      if (user === null) return null;
      const { error } = await admin.deleteUser(userId);
      if (error === null) return user;
      if (error.status === 404) return null;
      throw error;
    });
    return deleted === null ? null : this.#toAdminUser(deleted);
  }

  async #update(
    userId: string,
    attributes: Parameters<GoTrueAdminApi['updateUserById']>[1],
  ): Promise<AdminUser | null> {
    if (!isUuid(userId)) return null;
    const updated = await this.#provider.runAdmin(async (admin) => {
      const { data, error } = await admin.updateUserById(userId, attributes);
      if (error === null) return data.user;
      if (error.status === 404) return null;
      throw error;
    });
    return updated === null ? null : this.#toAdminUser(updated);
  }

  /** One page of GoTrue's list; `hasMore` from the raw page (before dropping name-only matches). */
  async #page(
    position: Position,
    search: string | undefined,
  ): Promise<{ users: User[]; hasMore: boolean }> {
    const needle = search?.toLowerCase();
    const { users, total } = await this.#provider.runAdmin(
      async (admin) => {
        const { data, error } = await admin.listUsers({ page: position.p, perPage: position.n });
        if (error !== null) throw error;
        // `total` is X-Total-Count; the SDK's nextPage/lastPage misread pages of two digits.
        return { users: data.users, total: data.total };
      },
      needle === undefined ? {} : { query: { filter: escapeLike(needle) } },
    );
    const hasMore = users.length === position.n && (total === 0 || position.p * position.n < total);
    const live = users.filter((user) => user.deleted_at === undefined || user.deleted_at === '');
    return {
      users:
        needle === undefined
          ? live
          : live.filter((user) => (user.email ?? '').toLowerCase().includes(needle)),
      hasMore,
    };
  }

  #toAdminUser(user: User): AdminUser {
    const bannedUntil =
      user.banned_until === undefined ? Number.NaN : Date.parse(user.banned_until);
    return {
      ...toIdentityUser(user),
      disabled: bannedUntil > this.#clock(),
      createdAt: Date.parse(user.created_at),
    };
  }
}

/** The admin API's record of a user (a UUID), or null for a 404. */
async function findUser(admin: GoTrueAdminApi, userId: string): Promise<User | null> {
  const { data, error } = await admin.getUserById(userId);
  if (error === null) return data.user;
  if (error.status === 404) return null;
  throw error;
}

/** GoTrue puts `filter` between `%`s of a LIKE: its own `%`, `_` and `\` must match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/gu, '\\$&');
}
