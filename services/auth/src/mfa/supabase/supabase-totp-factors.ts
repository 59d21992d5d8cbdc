// TOTP factors that live in Supabase: enrol, challenge and verify with the user's own (kept)
// Supabase session; list and, when that session cannot, remove through the admin API.
import type { AuthError, Factor, GoTrueClient, User } from '@supabase/supabase-js';
import { IdentityError } from '../../identity/identity-provider.js';
import { DEFAULT_TOTP_LABEL } from '../builtin/builtin-totp-factors.js';
import type { FactorOwner, FactorSummary, TotpEnrollment, TotpFactors } from '../mfa-ports.js';
import { toProviderSession } from './provider-session.js';
import type { ProviderSessionVault } from './provider-session-vault.js';
import { ProviderSessionError, type SupabaseMfaApi } from './supabase-mfa-api.js';

const MAX_LABEL_LENGTH = 64;

/** A used code stays refused past its ±1 step window (90 s). */
export const USED_CODE_TTL_MS = 90_000;

/** Verify refusals that mean "not this code, not now": the answer is `false`, nothing is broken. */
const CODE_REFUSALS: ReadonlySet<string> = new Set([
  'mfa_verification_failed',
  'mfa_factor_not_found',
  'mfa_challenge_expired',
  'mfa_ip_address_mismatch',
  'mfa_verification_rejected',
  'validation_failed',
]);

export interface SupabaseTotpFactorsOptions {
  readonly api: SupabaseMfaApi;
  readonly vault: ProviderSessionVault;
  /**
   * `MfaStateStore.claimOnce`. Supabase accepts a code again on a new challenge inside its window
   * (reference 9.4); AuthFlow accepts each code once, so it is claimed before it is sent.
   */
  readonly claimOnce: (key: string, ttlMs: number) => Promise<boolean>;
  /** The issuer authenticator apps show; Supabase defaults to its Site URL's host. */
  readonly issuer?: string;
  readonly clock?: () => number;
}

interface AsOwner {
  readonly key: string;
  readonly client: GoTrueClient;
  readonly user: User;
}

export class SupabaseTotpFactors implements TotpFactors {
  readonly home = 'supabase';
  readonly #o: SupabaseTotpFactorsOptions;
  readonly #clock: () => number;

  constructor(options: SupabaseTotpFactorsOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Through the admin API: needs no kept session (the sign-in decision comes before one). */
  async list(owner: FactorOwner): Promise<FactorSummary[]> {
    if (!isUuid(owner.userId)) return [];
    const factors = await this.#o.api.listFactors(owner.userId);
    return factors
      .filter((factor) => factor.factor_type === 'totp')
      .map(toSummary)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async beginEnrollment(owner: FactorOwner, label: string): Promise<TotpEnrollment> {
    const { client, user } = await this.#asOwner(owner);
    const factors = totpFactorsOf(user);
    // At most one pending factor: older ones go (Supabase lets an aal1 session remove those).
    for (const stale of factors.filter((factor) => factor.status !== 'verified')) {
      await this.#o.api.run(async () => {
        const { error } = await client.mfa.unenroll({ factorId: stale.id });
        if (error !== null && error.code !== 'mfa_factor_not_found') throw error;
      });
    }
    const taken = new Set(
      factors.filter((factor) => factor.status === 'verified').map((f) => f.friendly_name ?? ''),
    );
    const friendlyName = uniqueName(cleanLabel(label), taken);
    return this.#o.api.run(async () => {
      const { data, error } = await client.mfa.enroll({
        factorType: 'totp',
        friendlyName,
        ...(this.#o.issuer === undefined ? {} : { issuer: this.#o.issuer }),
      });
      if (error !== null) throw enrollRefusal(error);
      return { factorId: data.id, secret: data.totp.secret, uri: data.totp.uri };
    });
  }

  confirmEnrollment(owner: FactorOwner, factorId: string, code: string): Promise<boolean> {
    return this.#check(owner, factorId, code, 'unverified');
  }

  verify(owner: FactorOwner, factorId: string, code: string): Promise<boolean> {
    return this.#check(owner, factorId, code, 'verified');
  }

  /**
   * With the user's session when it may (unverified factor, or an aal2 session); otherwise, as
   * AuthFlow has already asked for a recent second factor of its own, through the admin API.
   */
  async remove(owner: FactorOwner, factorId: string): Promise<boolean> {
    if (!isUuid(owner.userId) || !isUuid(factorId)) return false;
    const factors = await this.#o.api.listFactors(owner.userId);
    if (!factors.some((factor) => factor.id === factorId && factor.factor_type === 'totp'))
      return false;
    const removed = await this.#asOwner(owner)
      .then(({ client }) =>
        this.#o.api.run(async () => {
          const { error } = await client.mfa.unenroll({ factorId });
          if (error === null) return true;
          if (error.code === 'insufficient_aal') return false;
          throw error;
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ProviderSessionError) return false;
        throw error;
      });
    return removed || this.#o.api.deleteFactor(owner.userId, factorId);
  }

  async #check(
    owner: FactorOwner,
    factorId: string,
    code: string,
    status: Factor['status'],
  ): Promise<boolean> {
    if (!/^\d{6}$/u.test(code) || !isUuid(factorId)) return false;
    const { key, client, user } = await this.#asOwner(owner);
    const factor = totpFactorsOf(user).find((candidate) => candidate.id === factorId);
    if (factor?.status !== status) return false;
    if (!(await this.#o.claimOnce(`totp:${factorId}:${code}`, USED_CODE_TTL_MS))) return false;
    const session = await this.#o.api.run(async () => {
      const challenge = await client.mfa.challenge({ factorId });
      if (challenge.error !== null) return refusedOrThrow(challenge.error);
      const verified = await client.mfa.verify({
        factorId,
        challengeId: challenge.data.id,
        code,
      });
      if (verified.error !== null) return refusedOrThrow(verified.error);
      return toProviderSession(verified.data, this.#clock());
    });
    if (session === null) return false;
    // The same Supabase session, now aal2 with new tokens: the old refresh token is spent.
    await this.#o.vault.renew(key, session);
    return true;
  }

  /** The owner's kept session as a client; `ProviderSessionError('missing')` when there is none. */
  async #asOwner(owner: FactorOwner): Promise<AsOwner> {
    const key = owner.providerSessionKey;
    if (key === undefined) throw new ProviderSessionError('missing');
    const session = await this.#o.vault.current(key);
    if (session === null) throw new ProviderSessionError('missing');
    try {
      const { client, user, rotated } = await this.#o.api.run(() => this.#o.api.asUser(session));
      if (rotated !== null) await this.#o.vault.renew(key, rotated);
      // A kept session always belongs to the session's user; anything else is not used.
      if (user.id !== owner.userId) throw new ProviderSessionError('missing');
      return { key, client, user };
    } catch (error) {
      if (error instanceof ProviderSessionError) await this.#o.vault.forget(key);
      throw error;
    }
  }
}

function totpFactorsOf(user: User): Factor[] {
  return (user.factors ?? []).filter((factor) => factor.factor_type === 'totp');
}

function toSummary(factor: Factor): FactorSummary {
  return {
    id: factor.id,
    kind: 'totp',
    label: factor.friendly_name ?? '',
    status: factor.status === 'verified' ? 'active' : 'pending',
    createdAt: Date.parse(factor.created_at),
    // A TOTP check starts with a challenge, so the last challenge is the last use.
    lastUsedAt:
      factor.status === 'verified' && factor.last_challenged_at != null
        ? Date.parse(factor.last_challenged_at)
        : null,
  };
}

/** The built-in adapter's label rule (TODO #15: one shared helper): spaces folded, 64 characters. */
function cleanLabel(label: string): string {
  const trimmed = label.replace(/\s+/gu, ' ').trim();
  if (trimmed === '') return DEFAULT_TOTP_LABEL;
  return Array.from(new Intl.Segmenter().segment(trimmed), ({ segment }) => segment)
    .slice(0, MAX_LABEL_LENGTH)
    .join('');
}

/** Supabase refuses a second factor with the same name: `Phone`, `Phone (2)`, … */
function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name} (${n})`)) return `${name} (${n})`;
}

function refusedOrThrow(error: AuthError): null {
  if (CODE_REFUSALS.has(error.code ?? '')) return null;
  throw error;
}

function enrollRefusal(error: AuthError): Error {
  if (error.code === 'insufficient_aal') return new ProviderSessionError('insufficient_aal');
  if (error.code === 'too_many_enrolled_mfa_factors')
    return new IdentityError(
      'validation_failed',
      { reasons: ['too_many_factors'] },
      { cause: error },
    );
  return error;
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu.test(value);
}
