// The Supabase calls behind the MFA adapter: per-call supabase-js clients, the identity provider's
// breaker, and failures in AuthFlow's terms (outages as `identity_provider_unavailable`).
import {
  AuthClient,
  isAuthApiError,
  isAuthSessionMissingError,
  type Factor,
  type GoTrueClient,
  type User,
} from '@supabase/supabase-js';
import { type Breaker, createBreaker } from '@authflow/resilience';
import { IdentityError } from '../../identity/identity-provider.js';
import { fromSupabaseError, isOutage } from '../../identity/supabase/supabase-errors.js';
import { type ProviderSession, toProviderSession } from './provider-session.js';

type Operation<T> = () => Promise<T>;
export type SupabaseBreaker = Breaker<[Operation<unknown>], unknown>;

export interface SupabaseMfaApiOptions {
  /** The project URL (the auth API is at `/auth/v1`). */
  readonly url: string;
  readonly anonKey: string;
  /** Admin calls: listing and deleting a user's factors, ending a kept session. */
  readonly serviceRoleKey: string;
  readonly timeoutMs: number;
  /** The identity provider's breaker (`provider.breaker`): one Supabase, one breaker. */
  readonly breaker?: SupabaseBreaker;
  readonly fetch?: typeof fetch;
  readonly clock?: () => number;
}

/** Supabase no longer has the session (signed out, refresh token reused, user gone). */
const DEAD_SESSION_CODES: ReadonlySet<string> = new Set([
  'session_not_found',
  'session_expired',
  'refresh_token_not_found',
  'refresh_token_already_used',
  'user_not_found',
  'user_banned',
  'bad_jwt',
]);

/** Refusals the adapter answers itself; they pass the breaker uncounted and unmapped. */
export class ProviderSessionError extends Error {
  override readonly name = 'ProviderSessionError';
  /**
   * `missing`: no usable Supabase session is kept for this AuthFlow session (signing in again
   * keeps a new one). `insufficient_aal`: Supabase wants a session that passed its own TOTP
   * check (aal2) for this, and the kept one has not.
   */
  readonly reason: 'missing' | 'insufficient_aal';

  constructor(reason: 'missing' | 'insufficient_aal') {
    super(`Supabase session ${reason === 'missing' ? 'missing' : 'below aal2'}`);
    this.reason = reason;
  }
}

export function isDeadSession(error: unknown): boolean {
  return (
    isAuthSessionMissingError(error) ||
    (isAuthApiError(error) && DEAD_SESSION_CODES.has(error.code ?? ''))
  );
}

export class SupabaseMfaApi {
  readonly #o: SupabaseMfaApiOptions;
  readonly #breaker: SupabaseBreaker;
  readonly #ownBreaker: boolean;
  readonly #clock: () => number;

  constructor(options: SupabaseMfaApiOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#ownBreaker = options.breaker === undefined;
    this.#breaker =
      options.breaker ??
      createBreaker((operation: Operation<unknown>) => operation(), {
        name: 'supabase',
        timeoutMs: options.timeoutMs + 1_000,
        isFailure: isOutage,
      });
  }

  /** The refresh grant; `null` when Supabase no longer has the session. */
  refresh(refreshToken: string): Promise<ProviderSession | null> {
    return this.run(async () => {
      const { data, error } = await this.#client(this.#o.anonKey).refreshSession({
        refresh_token: refreshToken,
      });
      if (error !== null) {
        if (isDeadSession(error)) return null;
        throw error;
      }
      return data.session === null ? null : toProviderSession(data.session, this.#clock());
    });
  }

  /** The user's factors (admin API); none for a user Supabase does not have. */
  listFactors(userId: string): Promise<Factor[]> {
    return this.run(async () => {
      const { data, error } = await this.#client(this.#o.serviceRoleKey).admin.mfa.listFactors({
        userId,
      });
      if (error === null) return data.factors;
      if (error.status === 404) return [];
      throw error;
    });
  }

  /** Deletes a factor (admin API, no AAL rule); `false` when Supabase has no such factor. */
  deleteFactor(userId: string, factorId: string): Promise<boolean> {
    return this.run(async () => {
      const { error } = await this.#client(this.#o.serviceRoleKey).admin.mfa.deleteFactor({
        userId,
        id: factorId,
      });
      if (error === null) return true;
      if (error.status === 404) return false;
      throw error;
    });
  }

  /** Ends a kept session at Supabase (it may be gone already). */
  revoke(session: ProviderSession): Promise<void> {
    return this.run(async () => {
      const { error } = await this.#client(this.#o.serviceRoleKey).admin.signOut(
        session.accessToken,
        'local',
      );
      if (error !== null && !isDeadSession(error) && error.status !== 401 && error.status !== 403)
        throw error;
    });
  }

  /**
   * A client holding the user's session, checked with Supabase (`GET /user`, whose answer, with
   * its factors, is handed on). `rotated` is the new session when the SDK had to refresh it
   * (the caller re-keeps it). `ProviderSessionError('missing')` when Supabase no longer has it.
   * Call inside `run`.
   */
  async asUser(
    session: ProviderSession,
  ): Promise<{ client: GoTrueClient; user: User; rotated: ProviderSession | null }> {
    const client = this.#client(this.#o.anonKey);
    const { data, error } = await client.setSession({
      access_token: session.accessToken,
      refresh_token: session.refreshToken,
    });
    if (error !== null) {
      if (isDeadSession(error)) throw new ProviderSessionError('missing');
      throw error;
    }
    if (data.session === null || data.user === null) throw new ProviderSessionError('missing');
    const rotated =
      data.session.refresh_token === session.refreshToken
        ? null
        : toProviderSession(data.session, this.#clock());
    return { client, user: data.user, rotated };
  }

  /** Runs one operation through the breaker, with every failure in AuthFlow's terms. */
  async run<T>(operation: Operation<T>): Promise<T> {
    try {
      return (await this.#breaker.fire(async () => {
        try {
          return await operation();
        } catch (error) {
          if (error instanceof IdentityError || error instanceof ProviderSessionError) throw error;
          throw fromSupabaseError(error);
        }
      })) as T;
    } catch (error) {
      if (error instanceof IdentityError || error instanceof ProviderSessionError) throw error;
      // Breaker open, or its own timeout: Supabase is not answering.
      throw new IdentityError('identity_provider_unavailable', {}, { cause: error });
    }
  }

  close(): void {
    if (this.#ownBreaker) this.#breaker.shutdown();
  }

  #client(key: string): GoTrueClient {
    const timeoutMs = this.#o.timeoutMs;
    const baseFetch = this.#o.fetch ?? fetch;
    return new AuthClient({
      url: `${this.#o.url.replace(/\/+$/u, '')}/auth/v1`,
      headers: { apikey: key, Authorization: `Bearer ${key}` },
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      fetch: (input, init) => baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }
}
