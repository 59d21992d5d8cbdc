// AuthFlow's own second-factor data in SQL (Postgres or PGlite, either provider): recovery codes,
// stored as hashes, and the email factor.
import type { Database } from '../../identity/builtin/database.js';
import type { FactorStore, FactorSummary } from '../mfa-ports.js';
import { hashRecoveryCode } from './recovery-codes.js';

/** The email factor's id in lists: a user has at most one. */
export const EMAIL_FACTOR_ID = 'email';

interface EmailFactorRow {
  readonly address: string;
  readonly enabled_at: Date;
  readonly last_used_at: Date | null;
}

export class SqlFactorStore implements FactorStore {
  readonly #db: Database;
  readonly #now: () => Date;

  constructor(db: Database, options: { clock?: () => number } = {}) {
    this.#db = db;
    const clock = options.clock ?? Date.now;
    this.#now = () => new Date(clock());
  }

  async replaceRecoveryCodes(userId: string, codes: readonly string[]): Promise<void> {
    const hashes = codes.map((code) => {
      const hash = hashRecoveryCode(code);
      if (hash === null)
        throw new TypeError('not a recovery code (make them with newRecoveryCodes)');
      return hash;
    });
    // One transaction: the old set stops working exactly when the new one starts.
    await this.#db.transaction(async (tx) => {
      await tx.query('delete from recovery_codes where user_id = $1', [userId]);
      if (hashes.length === 0) return;
      await tx.query(
        `insert into recovery_codes (user_id, code_hash, created_at)
         select $1, hash, $3 from unnest($2::text[]) as hash
         on conflict do nothing`,
        [userId, hashes, this.#now()],
      );
    });
  }

  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const hash = hashRecoveryCode(code);
    if (hash === null) return false;
    // Conditional update: of two requests with the same code, only one sees it unused.
    const { rows } = await this.#db.query(
      `update recovery_codes set used_at = $3
       where user_id = $1 and code_hash = $2 and used_at is null
       returning 1`,
      [userId, hash, this.#now()],
    );
    return rows.length === 1;
  }

  async remainingRecoveryCodes(userId: string): Promise<number> {
    const { rows } = await this.#db.query<{ remaining: number }>(
      'select count(*)::int as remaining from recovery_codes where user_id = $1 and used_at is null',
      [userId],
    );
    return rows[0]?.remaining ?? 0;
  }

  async setEmailFactor(userId: string, enabled: boolean, address: string): Promise<void> {
    if (!enabled) {
      await this.#db.query('delete from email_factors where user_id = $1', [userId]);
      return;
    }
    // Turning it on again (or after an email change) keeps when it was first enabled.
    await this.#db.query(
      `insert into email_factors (user_id, address, enabled_at) values ($1, $2, $3)
       on conflict (user_id) do update set address = excluded.address`,
      [userId, address, this.#now()],
    );
  }

  async emailFactor(userId: string): Promise<FactorSummary | null> {
    const { rows } = await this.#db.query<EmailFactorRow>(
      'select address, enabled_at, last_used_at from email_factors where user_id = $1',
      [userId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      id: EMAIL_FACTOR_ID,
      kind: 'email',
      label: row.address,
      status: 'active',
      createdAt: row.enabled_at.getTime(),
      lastUsedAt: row.last_used_at?.getTime() ?? null,
    };
  }

  async touchEmailFactor(userId: string): Promise<void> {
    await this.#db.query('update email_factors set last_used_at = $2 where user_id = $1', [
      userId,
      this.#now(),
    ]);
  }

  /** Recovery codes, the email factor, and built-in TOTP factors too: nothing of the user stays. */
  async deleteUser(userId: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query('delete from recovery_codes where user_id = $1', [userId]);
      await tx.query('delete from email_factors where user_id = $1', [userId]);
      await tx.query('delete from totp_factors where user_id = $1', [userId]);
    });
  }
}
