// The built-in store's UserDirectory: accounts in the users table, listed by keyset pages.
import { z } from 'zod';
import type { AdminUser, UserDirectory, UserListQuery, UserPage } from '../../admin/admin-ports.js';
import { checkListQuery, checkRoles, decodeCursor, encodeCursor } from '../directory-inputs.js';
import { IdentityError } from '../identity-provider.js';
import type { Database } from './database.js';
import { isDatabaseUnavailableError } from './database-unavailable.js';
import { type UserRow, UserStore } from './user-store.js';

export interface BuiltinUserDirectoryOptions {
  readonly db: Database;
  /** The Retry-After of `identity_store_unavailable` (the database breaker's reset time). */
  readonly unavailableRetryAfterSeconds?: number;
  readonly clock?: () => number;
}

/**
 * Where a page ends: the last row's creation time (microseconds, UTC, as Postgres keeps it:
 * a JavaScript Date would round it to milliseconds and skip or repeat rows) and its id.
 */
const cursorSchema = z.strictObject({
  t: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/u),
  i: z.guid(),
});
type Position = z.infer<typeof cursorSchema>;

interface ListedRow extends Omit<UserRow, 'password_hash'> {
  /** `created_at` in the cursor's exact text form. */
  readonly position: string;
}

/**
 * Newest first, like Supabase's list. Keyset pages over (created_at, id) are stable while users
 * sign up: a page starts strictly after the previous page's last row, so a row inserted meanwhile
 * is never counted twice and never pushes another row out of sight; a newer one is simply not
 * in this walk (it was not there when it began).
 */
const LIST_SQL = `
  select id, email, roles, email_verified_at, disabled_at, created_at,
         to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position
  from users
  where ($1::timestamptz is null or (created_at, id) < ($1::timestamptz, $2::uuid))
    and ($3::text is null or strpos(lower(email), lower($3::text)) > 0)
  order by created_at desc, id desc
  limit $4`;

export class BuiltinUserDirectory implements UserDirectory {
  readonly #db: Database;
  readonly #users: UserStore;
  readonly #retryAfterSeconds: number;
  readonly #clock: () => number;

  constructor(options: BuiltinUserDirectoryOptions) {
    this.#db = options.db;
    this.#users = new UserStore(options.db);
    this.#retryAfterSeconds = options.unavailableRetryAfterSeconds ?? 5;
    this.#clock = options.clock ?? Date.now;
  }

  async listUsers(query: UserListQuery): Promise<UserPage> {
    const { limit, search } = checkListQuery(query);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, cursorSchema);
    return this.#available(async () => {
      // One row more than asked tells whether another page follows.
      const { rows } = await this.#db.query<ListedRow>(LIST_SQL, [
        after?.t ?? null,
        after?.i ?? null,
        search ?? null,
        limit + 1,
      ]);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        users: page.map(toAdminUser),
        nextCursor:
          rows.length > limit && last !== undefined
            ? encodeCursor({ t: last.position, i: last.id } satisfies Position)
            : null,
      };
    });
  }

  getUser(userId: string): Promise<AdminUser | null> {
    return this.#available(async () => orNull(await this.#users.findById(userId)));
  }

  findByEmail(email: string): Promise<AdminUser | null> {
    return this.#available(async () => orNull(await this.#users.findByEmail(email.trim())));
  }

  async setRoles(userId: string, roles: readonly string[]): Promise<AdminUser | null> {
    const checked = checkRoles(roles);
    return this.#available(async () =>
      orNull(await this.#users.setRoles(userId, checked, this.#now())),
    );
  }

  setDisabled(userId: string, disabled: boolean): Promise<AdminUser | null> {
    return this.#available(async () =>
      orNull(await this.#users.setDisabled(userId, disabled, this.#now())),
    );
  }

  /** Deletes the row; its one-time tokens go with it (foreign key cascade). */
  deleteUser(userId: string): Promise<AdminUser | null> {
    return this.#available(async () => orNull(await this.#users.deleteUser(userId)));
  }

  /** The database not answering is a refusal with a retry hint, as the provider answers it. */
  async #available<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailableError(error)) throw error;
      throw new IdentityError(
        'identity_store_unavailable',
        { retryAfterSeconds: this.#retryAfterSeconds },
        { cause: error },
      );
    }
  }

  #now(): Date {
    return new Date(this.#clock());
  }
}

function orNull(row: Omit<UserRow, 'password_hash'> | undefined): AdminUser | null {
  return row === undefined ? null : toAdminUser(row);
}

/** Never the password hash: only what an administrator may see. */
function toAdminUser(row: Omit<UserRow, 'password_hash'>): AdminUser {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    roles: [...row.roles],
    disabled: row.disabled_at !== null,
    createdAt: new Date(row.created_at).getTime(),
  };
}
