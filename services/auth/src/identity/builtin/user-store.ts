// SQL for accounts and their single-use tokens. Times come from the caller (testable clocks).
import type { Database, Queryable } from './database.js';

export interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly password_hash: string;
  readonly roles: string[];
  readonly email_verified_at: Date | null;
  /** Set while an administrator has disabled the account (no sign-in). */
  readonly disabled_at: Date | null;
  readonly created_at: Date;
}

export type TokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

/** The account as a data export shows it: no hash, no token. */
export interface UserProfileRow {
  readonly id: string;
  readonly email: string;
  readonly roles: string[];
  readonly email_verified_at: Date | null;
  readonly password_changed_at: Date;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface PendingEmailChange {
  readonly new_email: string;
  readonly created_at: Date;
  readonly expires_at: Date;
}

const UNIQUE_VIOLATION = '23505';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
const USER_COLUMNS = 'id, email, password_hash, roles, email_verified_at, disabled_at, created_at';

export class UserStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Creates the account, or returns undefined when the address is taken (any case). */
  async create(user: {
    id: string;
    email: string;
    passwordHash: string;
    roles: readonly string[];
    now: Date;
  }): Promise<UserRow | undefined> {
    try {
      const { rows } = await this.#db.query<UserRow>(
        `insert into users (id, email, password_hash, roles, password_changed_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5, $5) returning ${USER_COLUMNS}`,
        [user.id, user.email, user.passwordHash, [...user.roles], user.now],
      );
      return rows[0];
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const { rows } = await this.#db.query<UserRow>(
      `select ${USER_COLUMNS} from users where lower(email) = lower($1)`,
      [email],
    );
    return rows[0];
  }

  async findById(id: string, db: Queryable = this.#db): Promise<UserRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await db.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [
      id,
    ]);
    return rows[0];
  }

  async markEmailVerified(
    userId: string,
    now: Date,
    db: Queryable = this.#db,
  ): Promise<UserRow | undefined> {
    const { rows } = await db.query<UserRow>(
      `update users set email_verified_at = coalesce(email_verified_at, $2), updated_at = $2 where id = $1 returning ${USER_COLUMNS}`,
      [userId, now],
    );
    return rows[0];
  }

  /** Stores a new hash; `changed` marks a password change (not a re-hash of the same password). */
  async setPasswordHash(
    userId: string,
    passwordHash: string,
    now: Date,
    changed: boolean,
    db: Queryable = this.#db,
  ): Promise<void> {
    await db.query(
      `update users set password_hash = $2, updated_at = $3${changed ? ', password_changed_at = $3, password_usable = true' : ''} where id = $1`,
      [userId, passwordHash, now],
    );
  }

  /** Issues a token, retiring the user's earlier unused tokens of the same purpose. */
  async issueToken(token: {
    hash: string;
    userId: string;
    purpose: TokenPurpose;
    now: Date;
    expiresAt: Date;
    /** change_email only: the address the token moves the account to. */
    newEmail?: string;
  }): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(
        'update one_time_tokens set used_at = $3 where user_id = $1 and purpose = $2 and used_at is null',
        [token.userId, token.purpose, token.now],
      );
      await tx.query(
        'insert into one_time_tokens (token_hash, user_id, purpose, created_at, expires_at, new_email) values ($1, $2, $3, $4, $5, $6)',
        [
          token.hash,
          token.userId,
          token.purpose,
          token.now,
          token.expiresAt,
          token.newEmail ?? null,
        ],
      );
    });
  }

  /** Uses a token once, atomically: the user id when it was valid, unused and unexpired. */
  async consumeToken(
    hash: string,
    purpose: TokenPurpose,
    now: Date,
    db: Queryable = this.#db,
  ): Promise<string | undefined> {
    const { rows } = await db.query<{ user_id: string }>(
      `update one_time_tokens set used_at = $3
       where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3
       returning user_id`,
      [hash, purpose, now],
    );
    return rows[0]?.user_id;
  }

  /** Uses an email-change token once: its user and the address it moves to, when still valid. */
  async consumeEmailChangeToken(
    hash: string,
    now: Date,
    db: Queryable = this.#db,
  ): Promise<{ user_id: string; new_email: string } | undefined> {
    const { rows } = await db.query<{ user_id: string; new_email: string }>(
      `update one_time_tokens set used_at = $2
       where token_hash = $1 and purpose = 'change_email' and used_at is null and expires_at > $2
       returning user_id, new_email`,
      [hash, now],
    );
    return rows[0];
  }

  /**
   * Moves the account to a new address (confirmed by the link that got here), or returns
   * `taken` when another account has claimed it since the link was sent.
   */
  async changeEmail(
    userId: string,
    email: string,
    now: Date,
    db: Queryable = this.#db,
  ): Promise<UserRow | 'taken' | undefined> {
    try {
      // A savepoint: inside a transaction a unique violation would otherwise abort it.
      await db.query('savepoint change_email');
      const { rows } = await db.query<UserRow>(
        `update users set email = $2, email_verified_at = $3, updated_at = $3 where id = $1 returning ${USER_COLUMNS}`,
        [userId, email, now],
      );
      await db.query('release savepoint change_email');
      return rows[0];
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      await db.query('rollback to savepoint change_email');
      return 'taken';
    }
  }

  async findProfile(id: string): Promise<UserProfileRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.#db.query<UserProfileRow>(
      'select id, email, roles, email_verified_at, password_changed_at, created_at, updated_at from users where id = $1',
      [id],
    );
    return rows[0];
  }

  /** The address an unused, unexpired email-change link would move the account to. */
  async pendingEmailChange(userId: string, now: Date): Promise<PendingEmailChange | undefined> {
    const { rows } = await this.#db.query<PendingEmailChange>(
      `select new_email, created_at, expires_at from one_time_tokens
       where user_id = $1 and purpose = 'change_email' and used_at is null and expires_at > $2
       order by created_at desc limit 1`,
      [userId, now],
    );
    return rows[0];
  }

  /** Deletes the account; its tokens go with it (foreign key cascade). Returns what it was. */
  async deleteUser(id: string): Promise<UserRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.#db.query<UserRow>(
      `delete from users where id = $1 returning ${USER_COLUMNS}`,
      [id],
    );
    return rows[0];
  }

  /** Replaces the account's roles (an administrator's act). */
  async setRoles(id: string, roles: readonly string[], now: Date): Promise<UserRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.#db.query<UserRow>(
      `update users set roles = $2, updated_at = $3 where id = $1 returning ${USER_COLUMNS}`,
      [id, [...roles], now],
    );
    return rows[0];
  }

  /** Disables sign-in (keeping the first time it was disabled) or enables it again. */
  async setDisabled(id: string, disabled: boolean, now: Date): Promise<UserRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.#db.query<UserRow>(
      `update users
       set disabled_at = case when $2::boolean then coalesce(disabled_at, $3) else null end,
           updated_at = $3
       where id = $1 returning ${USER_COLUMNS}`,
      [id, disabled, now],
    );
    return rows[0];
  }

  /** Retires every unused token of a purpose (after a password reset, older links die). */
  async retireTokens(
    userId: string,
    purpose: TokenPurpose,
    now: Date,
    db: Queryable = this.#db,
  ): Promise<void> {
    await db.query(
      'update one_time_tokens set used_at = $3 where user_id = $1 and purpose = $2 and used_at is null',
      [userId, purpose, now],
    );
  }

  /** When the user was last sent a token of this purpose (mail cooldown). */
  async lastTokenIssuedAt(userId: string, purpose: TokenPurpose): Promise<Date | undefined> {
    const { rows } = await this.#db.query<{ created_at: Date }>(
      'select max(created_at) as created_at from one_time_tokens where user_id = $1 and purpose = $2',
      [userId, purpose],
    );
    return rows[0]?.created_at ?? undefined;
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#db.transaction(work);
  }

  async ping(): Promise<void> {
    await this.#db.query('select 1');
  }
}
