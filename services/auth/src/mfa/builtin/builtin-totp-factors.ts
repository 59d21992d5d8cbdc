// TOTP factors of the built-in provider, in the auth database: secrets sealed with the secret box,
// and the last accepted time step kept per factor so no code is accepted twice.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../identity/builtin/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { FactorOwner, FactorSummary, TotpEnrollment, TotpFactors } from '../mfa-ports.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

export const DEFAULT_TOTP_LABEL = 'Authenticator app';
const MAX_LABEL_LENGTH = 64;

export interface BuiltinTotpFactorsOptions {
  readonly db: Database;
  readonly box: SecretBox;
  /** The issuer authenticator apps show (`config.mfa.issuer`). */
  readonly issuer: string;
  readonly clock?: () => number;
}

interface FactorRow {
  readonly id: string;
  readonly label: string;
  readonly status: 'pending' | 'active';
  readonly created_at: Date;
  readonly last_used_at: Date | null;
}

interface SecretRow {
  readonly secret_ciphertext: string;
}

export class BuiltinTotpFactors implements TotpFactors {
  readonly home = 'authflow' as const;
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #issuer: string;
  readonly #clock: () => number;

  constructor(options: BuiltinTotpFactorsOptions) {
    this.#db = options.db;
    this.#box = options.box;
    this.#issuer = options.issuer;
    this.#clock = options.clock ?? Date.now;
  }

  async list(owner: FactorOwner): Promise<FactorSummary[]> {
    const { rows } = await this.#db.query<FactorRow>(
      `select id, label, status, created_at, last_used_at from totp_factors
       where user_id = $1 order by created_at, id`,
      [owner.userId],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: 'totp',
      label: row.label,
      status: row.status,
      createdAt: row.created_at.getTime(),
      lastUsedAt: row.last_used_at?.getTime() ?? null,
    }));
  }

  async beginEnrollment(owner: FactorOwner, label: string): Promise<TotpEnrollment> {
    const factorId = randomUUID();
    const secret = newTotpSecret();
    const sealed = this.#box.seal(secret, boundTo(owner.userId, factorId));
    // One statement: an older pending enrollment is replaced (new id, secret and label), and two
    // enrollments begun at once leave one pending factor, not a unique-index error.
    await this.#db.query(
      `insert into totp_factors (id, user_id, label, status, secret_ciphertext, created_at)
       values ($1, $2, $3, 'pending', $4, $5)
       on conflict (user_id) where status = 'pending' do update set
         id = excluded.id, label = excluded.label, secret_ciphertext = excluded.secret_ciphertext,
         last_used_step = -1, created_at = excluded.created_at`,
      [factorId, owner.userId, cleanLabel(label), sealed, new Date(this.#clock())],
    );
    return {
      factorId,
      secret,
      uri: totpUri({ issuer: this.#issuer, account: owner.email, secret }),
    };
  }

  async confirmEnrollment(owner: FactorOwner, factorId: string, code: string): Promise<boolean> {
    return this.#accept(owner.userId, factorId, code, 'pending');
  }

  async verify(owner: FactorOwner, factorId: string, code: string): Promise<boolean> {
    return this.#accept(owner.userId, factorId, code, 'active');
  }

  async remove(owner: FactorOwner, factorId: string): Promise<boolean> {
    const { rows } = await this.#db.query(
      'delete from totp_factors where id = $1 and user_id = $2 returning 1',
      [factorId, owner.userId],
    );
    return rows.length === 1;
  }

  /** Removes every TOTP factor of the user (account deletion); returns how many there were. */
  async removeAll(userId: string): Promise<number> {
    const { rows } = await this.#db.query(
      'delete from totp_factors where user_id = $1 returning 1',
      [userId],
    );
    return rows.length;
  }

  /** Whether the user has a confirmed TOTP factor. */
  async hasActive(userId: string): Promise<boolean> {
    const { rows } = await this.#db.query(
      `select 1 from totp_factors where user_id = $1 and status = 'active' limit 1`,
      [userId],
    );
    return rows.length > 0;
  }

  /**
   * Checks `code` against the user's factor in `status`; on a match, records its time step (and
   * activates a pending factor) in one conditional update. The condition `last_used_step < step`
   * is what refuses a replay, even from two requests racing with the same code.
   */
  async #accept(
    userId: string,
    factorId: string,
    code: string,
    status: 'pending' | 'active',
  ): Promise<boolean> {
    const { rows } = await this.#db.query<SecretRow>(
      'select secret_ciphertext from totp_factors where id = $1 and user_id = $2 and status = $3',
      [factorId, userId, status],
    );
    const row = rows[0];
    if (row === undefined) return false;
    const now = this.#clock();
    const secret = this.#box.open(row.secret_ciphertext, boundTo(userId, factorId));
    const step = matchTotp(secret, code, now);
    if (step === null) return false;
    // A secret sealed with an older key is sealed again with the active one on its next use.
    const resealed = this.#box.isSealedWithOlderKey(row.secret_ciphertext)
      ? this.#box.seal(secret, boundTo(userId, factorId))
      : null;
    const accepted = await this.#db.query(
      `update totp_factors set
         status = 'active', last_used_step = $4, last_used_at = $5,
         activated_at = coalesce(activated_at, $5),
         secret_ciphertext = coalesce($6, secret_ciphertext)
       where id = $1 and user_id = $2 and status = $3 and last_used_step < $4
       returning 1`,
      [factorId, userId, status, step, new Date(now), resealed],
    );
    return accepted.rows.length === 1;
  }
}

/** Associated data: a sealed secret opens only in the row of the user and factor it was made for. */
function boundTo(userId: string, factorId: string): string {
  return JSON.stringify(['totp', userId, factorId]);
}

function cleanLabel(label: string): string {
  const trimmed = label.replace(/\s+/gu, ' ').trim();
  if (trimmed === '') return DEFAULT_TOTP_LABEL;
  // Cut between characters as people see them, never inside an emoji or accent.
  return Array.from(new Intl.Segmenter().segment(trimmed), ({ segment }) => segment)
    .slice(0, MAX_LABEL_LENGTH)
    .join('');
}
