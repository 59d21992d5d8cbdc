// Outside identities of built-in accounts (migration 007): which account a provider's subject
// opens, the confirmations that link one by address, and accounts made at a first sign-in.
import type { Database, Queryable } from '../../identity/builtin/database.js';

export interface LinkedIdentity {
  readonly provider: string;
  readonly subject: string;
  readonly email: string | null;
  readonly createdAt: Date;
  readonly lastSignInAt: Date | null;
}

export interface LinkRequest {
  readonly userId: string;
  readonly provider: string;
  readonly subject: string;
  readonly email: string | null;
}

interface IdentityRow {
  provider: string;
  subject: string;
  email: string | null;
  created_at: Date | string;
  last_sign_in_at: Date | string | null;
}

export class IdentityLinks {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The account this identity opens, if linked. */
  async userOf(provider: string, subject: string): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ user_id: string }>(
      'select user_id from external_identities where provider = $1 and subject = $2',
      [provider, subject],
    );
    return rows[0]?.user_id;
  }

  /**
   * Links the identity to the account; `taken` when it already opens another account (nothing
   * changes then), `linked` otherwise (also when it was linked to this one already).
   */
  async link(
    input: LinkRequest & { readonly now: Date },
    db: Queryable = this.#db,
  ): Promise<'linked' | 'taken'> {
    const { rows } = await db.query<{ user_id: string }>(
      `insert into external_identities (provider, subject, user_id, email, created_at)
       values ($1, $2, $3, $4, $5)
       on conflict (provider, subject) do update set email = excluded.email
         where external_identities.user_id = excluded.user_id
       returning user_id`,
      [input.provider, input.subject, input.userId, input.email, input.now],
    );
    return rows.length === 1 ? 'linked' : 'taken';
  }

  async recordSignIn(provider: string, subject: string, email: string | undefined, now: Date) {
    await this.#db.query(
      'update external_identities set last_sign_in_at = $3, email = coalesce($4, email) where provider = $1 and subject = $2',
      [provider, subject, now, email ?? null],
    );
  }

  async list(userId: string): Promise<LinkedIdentity[]> {
    const { rows } = await this.#db.query<IdentityRow>(
      `select provider, subject, email, created_at, last_sign_in_at from external_identities
       where user_id = $1 order by created_at, provider`,
      [userId],
    );
    return rows.map((row) => ({
      provider: row.provider,
      subject: row.subject,
      email: row.email,
      createdAt: new Date(row.created_at),
      lastSignInAt: row.last_sign_in_at === null ? null : new Date(row.last_sign_in_at),
    }));
  }

  /**
   * Removes the link unless it is the account's last way in (no usable password, or passwords
   * turned off, and no other identity): `removed`, `last` (kept), or `unknown`.
   */
  async unlink(
    userId: string,
    provider: string,
    options: { readonly passwordCounts: boolean } = { passwordCounts: true },
  ): Promise<'removed' | 'last' | 'unknown'> {
    return this.#db.transaction(async (tx) => {
      // Locks the account row: two unlinks at once cannot both pass the "not the last" check.
      const { rows: users } = await tx.query<{ password_usable: boolean }>(
        'select password_usable from users where id = $1 for update',
        [userId],
      );
      const { rows } = await tx.query<{ provider: string }>(
        'select provider from external_identities where user_id = $1',
        [userId],
      );
      if (!rows.some((row) => row.provider === provider)) return 'unknown';
      // With passwords turned off (SSO only), a password is no way in.
      const password = options.passwordCounts && users[0]?.password_usable === true;
      if (!password && rows.length === 1) return 'last';
      await tx.query('delete from external_identities where user_id = $1 and provider = $2', [
        userId,
        provider,
      ]);
      return 'removed';
    });
  }

  async passwordUsable(userId: string): Promise<boolean> {
    const { rows } = await this.#db.query<{ password_usable: boolean }>(
      'select password_usable from users where id = $1',
      [userId],
    );
    return rows[0]?.password_usable === true;
  }

  /** Marks an account made at a first outside sign-in: its random password is nobody's. */
  async markPasswordUnusable(userId: string): Promise<void> {
    await this.#db.query('update users set password_usable = false where id = $1', [userId]);
  }

  /** Stores a mailed confirmation (its token's hash), retiring the user's earlier unused ones. */
  async requestLink(
    input: LinkRequest & {
      readonly tokenHash: string;
      readonly now: Date;
      readonly expiresAt: Date;
    },
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(
        'update identity_link_requests set used_at = $3 where user_id = $1 and provider = $2 and used_at is null',
        [input.userId, input.provider, input.now],
      );
      await tx.query(
        `insert into identity_link_requests (token_hash, user_id, provider, subject, email, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          input.tokenHash,
          input.userId,
          input.provider,
          input.subject,
          input.email,
          input.now,
          input.expiresAt,
        ],
      );
    });
  }

  /** Uses a confirmation once and links its identity, in one transaction. */
  async confirmLink(
    tokenHash: string,
    now: Date,
  ): Promise<{ request: LinkRequest; outcome: 'linked' | 'taken' } | undefined> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        user_id: string;
        provider: string;
        subject: string;
        email: string | null;
      }>(
        `update identity_link_requests set used_at = $2
         where token_hash = $1 and used_at is null and expires_at > $2
         returning user_id, provider, subject, email`,
        [tokenHash, now],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const request = {
        userId: row.user_id,
        provider: row.provider,
        subject: row.subject,
        email: row.email,
      };
      return { request, outcome: await this.link({ ...request, now }, tx) };
    });
  }
}
