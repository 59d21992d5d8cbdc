// The Supabase Auth IdentityProvider: accounts live in Supabase; AuthFlow keeps its own sessions
// and never hands Supabase tokens to a browser.
import {
  AuthClient,
  type AuthError,
  type GoTrueAdminApi,
  type GoTrueClient,
  type User,
} from '@supabase/supabase-js';
import { type Breaker, createBreaker } from '@authflow/resilience';
import { normaliseEmail } from '../email.js';
import { checkPassword } from '../builtin/password-policy.js';
import {
  type Credentials,
  type EmailChangeOutcome,
  type EmailChangeRequest,
  IdentityError,
  type IdentityProvider,
  type IdentityUser,
  type PasswordChange,
  type RequestContext,
  type UserExport,
} from '../identity-provider.js';
import { type ProviderSession, toProviderSession } from '../../mfa/supabase/provider-session.js';
import { fromSupabaseError, isOutage } from './supabase-errors.js';
import { isUuid, toIdentityUser } from './supabase-users.js';

export interface SupabaseProviderOptions {
  /** The project URL, e.g. `https://abcd.supabase.co` (the auth API is at `/auth/v1`). */
  readonly url: string;
  /** Publishable (`sb_publishable_…`) or legacy anon key: user-level calls. */
  readonly anonKey: string;
  /** Secret (`sb_secret_…`) or legacy service-role key: admin calls only, unless IP forwarding. */
  readonly serviceRoleKey: string;
  /** Every Supabase call answers within this, or counts as an outage. */
  readonly timeoutMs: number;
  /**
   * Send `Sb-Forwarded-For: <client IP>` so Supabase's per-IP limits see users, not this
   * server. Supabase honours it only with a secret key, so user-level calls then use that key.
   */
  readonly forwardClientIp: boolean;
  /** Where mail links point: AuthFlow's own endpoints (the project's templates use `{{ .TokenHash }}`). */
  readonly links: {
    readonly verifyEmail: string;
    readonly resetPassword: string;
    /** The email-change confirmation page (the "Change Email Address" template links there). */
    readonly confirmEmailChange?: string;
  };
  /** `resetTimeoutMs`: the service passes AUTH_BREAKER_RESET_MS, like every auth breaker. */
  readonly breaker?: { readonly resetTimeoutMs?: number; readonly volumeThreshold?: number };
  readonly fetch?: typeof fetch;
}

type Operation<T> = () => Promise<T>;

/** True for the new-style secret keys, which Supabase accepts for IP forwarding. */
export function isSecretKey(key: string): boolean {
  return key.startsWith('sb_secret_');
}

export class SupabaseIdentityProvider implements IdentityProvider {
  readonly name = 'supabase';
  readonly breaker: Breaker<[Operation<unknown>], unknown>;
  readonly #options: SupabaseProviderOptions;
  readonly #forwarding: boolean;

  constructor(options: SupabaseProviderOptions) {
    this.#options = options;
    this.#forwarding = options.forwardClientIp && isSecretKey(options.serviceRoleKey);
    this.breaker = createBreaker((operation: Operation<unknown>) => operation(), {
      name: 'supabase',
      // Each fetch is cut at timeoutMs; this only bounds what the SDK does around it.
      timeoutMs: options.timeoutMs + 1_000,
      resetTimeoutMs: options.breaker?.resetTimeoutMs,
      volumeThreshold: options.breaker?.volumeThreshold ?? 5,
      isFailure: isOutage,
    });
  }

  /** Whether Supabase will see the end user's IP (secret key and forwarding on). */
  get forwardsClientIp(): boolean {
    return this.#forwarding;
  }

  async signUp(input: Credentials, context: RequestContext): Promise<void> {
    const email = normaliseEmail(input.email);
    requireAcceptablePassword(input.password);
    await this.#run(async () => {
      const { data, error } = await this.#userClient(context).signUp({
        email,
        password: input.password,
        options: { emailRedirectTo: this.#options.links.verifyEmail },
      });
      // A taken address comes back as a made-up user (no identities) with confirmations on, as
      // 422 user_already_exists with them off, or as 429 inside the per-address mail window:
      // all answered like a fresh sign-up, so the answer tells nothing.
      if (error !== null && !isExistenceSignal(error)) throw error;
      return data;
    });
  }

  async signIn(input: Credentials, context: RequestContext): Promise<IdentityUser> {
    return this.#run(async () => {
      const client = this.#userClient(context);
      const { data, error } = await client.signInWithPassword({
        email: input.email.trim(),
        password: input.password,
      });
      if (error !== null) throw error;
      // AuthFlow keeps its own session; the Supabase one is ended at once, so no Supabase
      // token outlives this call (nothing to leak, nothing to revoke later).
      await this.#endSupabaseSession(data.session.access_token, 'local');
      return toIdentityUser(data.user);
    });
  }

  /**
   * A password sign-in whose Supabase session is handed back instead of ended, for AuthFlow to
   * keep (sealed) while it needs to call Supabase's MFA API as the user. The caller owns it from
   * here: keep it in the provider-session vault, or end it.
   */
  async signInKeepingSession(
    input: Credentials,
    context: RequestContext,
  ): Promise<{ user: IdentityUser; session: ProviderSession }> {
    return this.#run(async () => {
      const { data, error } = await this.#userClient(context).signInWithPassword({
        email: input.email.trim(),
        password: input.password,
      });
      if (error !== null) throw error;
      return {
        user: toIdentityUser(data.user),
        session: toProviderSession(data.session, Date.now()),
      };
    });
  }

  async requestPasswordReset(
    input: { readonly email: string },
    context: RequestContext,
  ): Promise<void> {
    const email = normaliseEmail(input.email);
    await this.#run(async () => {
      const { error } = await this.#userClient(context).resetPasswordForEmail(email, {
        redirectTo: this.#options.links.resetPassword,
      });
      // A 429 inside the per-address window would reveal that the address exists.
      if (error !== null && !isExistenceSignal(error)) throw error;
    });
  }

  async resetPassword(
    input: { readonly token: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser> {
    requireAcceptablePassword(input.password);
    return this.#run(async () => {
      // One client: verifyOtp stores the recovery session in it, updateUser and signOut use it.
      const client = this.#userClient(context);
      const verified = await client.verifyOtp({ token_hash: input.token, type: 'recovery' });
      if (verified.error !== null) throw verified.error;
      const updated = await this.#setPassword(client, verified.data.user?.id, input.password);
      // A new password ends every Supabase session of the user too.
      const signedOut = await client.signOut({ scope: 'global' });
      if (signedOut.error !== null) throw signedOut.error;
      return toIdentityUser(updated);
    });
  }

  async verifyEmail(
    input: { readonly token: string },
    context: RequestContext,
  ): Promise<IdentityUser> {
    return this.#run(async () => {
      const user = await this.#followLink(input.token, 'email', context);
      if (user === null) throw new IdentityError('invalid_token');
      return toIdentityUser(user);
    });
  }

  getUser(userId: string): Promise<IdentityUser | null> {
    return this.#userById(userId, toIdentityUser);
  }

  async changePassword(input: PasswordChange, context: RequestContext): Promise<IdentityUser> {
    requireAcceptablePassword(input.newPassword);
    return this.#run(async () => {
      const { client, accessToken } = await this.#reauthenticate(
        input.userId,
        input.currentPassword,
        context,
      );
      // updateUser checks Supabase's own policy and `same_password`, and ends the user's other
      // Supabase sessions; the one just opened is ended globally, as after a reset.
      const updated = await this.#setPassword(client, input.userId, input.newPassword).finally(() =>
        this.#endSupabaseSession(accessToken, 'global'),
      );
      return toIdentityUser(updated);
    });
  }

  async requestEmailChange(
    input: EmailChangeRequest,
    context: RequestContext,
  ): Promise<IdentityUser> {
    const newEmail = normaliseEmail(input.newEmail);
    return this.#run(async () => {
      const { client, accessToken, user } = await this.#reauthenticate(
        input.userId,
        input.currentPassword,
        context,
      );
      if (newEmail.toLowerCase() === (user.email ?? '').toLowerCase()) {
        await this.#endSupabaseSession(accessToken, 'local');
        throw new IdentityError('validation_failed', { fields: ['email'], reasons: ['unchanged'] });
      }
      // Supabase mails the link(s) with its "Change Email Address" template; the address changes
      // only once they are followed.
      const { error } = await client.updateUser(
        { email: newEmail },
        { emailRedirectTo: this.#confirmEmailChangeLink() },
      );
      await this.#endSupabaseSession(accessToken, 'local');
      if (error !== null) throw emailChangeRefusal(error);
      return toIdentityUser(user);
    });
  }

  async confirmEmailChange(
    input: { readonly token: string },
    context: RequestContext,
  ): Promise<EmailChangeOutcome> {
    return this.#run(async () => {
      const user = await this.#followLink(input.token, 'email_change', context);
      // Secure email change: the first of two links answers without a user.
      if (user === null) return { status: 'pending' } as const;
      return { status: 'changed', user: toIdentityUser(user) } as const;
    });
  }

  exportUser(userId: string): Promise<UserExport | null> {
    return this.#userById(userId, exportOf);
  }

  async deleteUser(
    input: { readonly userId: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser> {
    return this.#run(async () => {
      const { accessToken, user } = await this.#reauthenticate(
        input.userId,
        input.password,
        context,
      );
      await this.#endSupabaseSession(accessToken, 'global');
      // A hard delete: the row, its identities and sessions go (reference 11.3).
      const { error } = await this.#adminClient().admin.deleteUser(user.id);
      if (error !== null) throw error;
      return toIdentityUser(user);
    });
  }

  /**
   * Sets a password through the user's own session (Supabase's policy and `same_password`
   * apply). A user with a verified authenticator is refused that from a password-only session
   * (`insufficient_aal`); once AuthFlow has checked what the change needs (the current password
   * or the reset link, and its own recent second factor), the admin API sets it.
   */
  async #setPassword(
    client: GoTrueClient,
    userId: string | undefined,
    password: string,
  ): Promise<User> {
    const updated = await client.updateUser({ password });
    if (updated.error === null) return updated.data.user;
    if (updated.error.code !== 'insufficient_aal' || userId === undefined) throw updated.error;
    const { data, error } = await this.#adminClient().admin.updateUserById(userId, { password });
    if (error !== null) throw error;
    return data.user;
  }

  /**
   * A signed-in user proving their password again: a password sign-in as them, whose Supabase
   * session serves the one call that needs the user's own token and is then ended.
   */
  async #reauthenticate(
    userId: string,
    password: string,
    context: RequestContext,
  ): Promise<{ client: GoTrueClient; accessToken: string; user: User }> {
    const found = isUuid(userId) ? await this.#adminUser(userId) : null;
    if (found === null) throw new IdentityError('invalid_credentials');
    const client = this.#userClient(context);
    const { data, error } = await client.signInWithPassword({ email: found.email ?? '', password });
    if (error !== null) throw error;
    return { client, accessToken: data.session.access_token, user: data.user };
  }

  /**
   * Follows a mailed link by its token hash; the Supabase session it may open is ended at once.
   * The user, or null when the link answers without one.
   */
  async #followLink(
    token: string,
    type: 'email' | 'email_change',
    context: RequestContext,
  ): Promise<User | null> {
    const { data, error } = await this.#userClient(context).verifyOtp({ token_hash: token, type });
    if (error !== null) throw type === 'email_change' ? emailChangeRefusal(error) : error;
    if (data.session !== null) await this.#endSupabaseSession(data.session.access_token, 'local');
    return data.user;
  }

  /** A user by id, as `shape` draws it; null when Supabase has none (or the id cannot be one). */
  async #userById<T>(userId: string, shape: (user: User) => T): Promise<T | null> {
    // The SDK throws on a non-UUID before sending anything.
    if (!isUuid(userId)) return null;
    return this.#run(async () => {
      const user = await this.#adminUser(userId);
      return user === null ? null : shape(user);
    });
  }

  /** The admin API's record of a user (a UUID), or null for a 404. */
  async #adminUser(userId: string): Promise<User | null> {
    const { data, error } = await this.#adminClient().admin.getUserById(userId);
    if (error === null) return data.user;
    if (error.status === 404) return null;
    throw error;
  }

  #confirmEmailChangeLink(): string {
    const { links } = this.#options;
    return (
      links.confirmEmailChange ??
      links.verifyEmail.replace(/\/auth\/email-verified$/u, '/auth/account/email/confirm')
    );
  }

  /**
   * AuthFlow ends every Supabase session right after using it (sign-in, verification) and signs
   * out globally with the recovery session on a reset: no Supabase session of the user is left
   * to end here.
   */
  endAllSessions(): Promise<void> {
    return Promise.resolve();
  }

  async ping(): Promise<void> {
    // A lookup of a user that cannot exist: 404 means Supabase answered.
    await this.getUser('00000000-0000-4000-8000-000000000000');
  }

  close(): Promise<void> {
    this.breaker.shutdown();
    return Promise.resolve();
  }

  /**
   * One admin operation for the user directory, through this provider's breaker and error
   * mapping, so both share one view of Supabase's health. `query` adds parameters to the
   * requests of that operation's client: supabase-js 2.119.1's `listUsers` sends only `page` and
   * `per_page`, while GoTrue's `GET /admin/users` also takes `filter`. Answers Supabase gives as
   * values (a 404) are for `work` to turn into values before they throw.
   */
  runAdmin<T>(
    work: (admin: GoTrueAdminApi) => Promise<T>,
    options: { readonly query?: Readonly<Record<string, string>> } = {},
  ): Promise<T> {
    return this.#run(() =>
      work(this.#client(this.#options.serviceRoleKey, {}, options.query ?? {}).admin),
    );
  }

  /** Runs one operation through the breaker, with every failure in AuthFlow's terms. */
  async #run<T>(operation: Operation<T>): Promise<T> {
    try {
      return (await this.breaker.fire(async () => {
        try {
          return await operation();
        } catch (error) {
          throw error instanceof IdentityError ? error : fromSupabaseError(error);
        }
      })) as T;
    } catch (error) {
      if (error instanceof IdentityError) throw error;
      // Breaker open, or its own timeout: Supabase is not answering.
      throw new IdentityError('identity_provider_unavailable', {}, { cause: error });
    }
  }

  async #endSupabaseSession(accessToken: string, scope: 'local' | 'global'): Promise<void> {
    const { error } = await this.#adminClient().admin.signOut(accessToken, scope);
    // The session being gone already is what we want.
    if (
      error !== null &&
      error.status !== 401 &&
      error.status !== 403 &&
      error.status !== 404 &&
      error.name !== 'AuthSessionMissingError'
    ) {
      throw error;
    }
  }

  /** A fresh client per operation: a stored session can never leak to another user's request. */
  #userClient(context: RequestContext): GoTrueClient {
    const key = this.#forwarding ? this.#options.serviceRoleKey : this.#options.anonKey;
    return this.#client(key, this.#forwarding ? { 'Sb-Forwarded-For': context.ip } : {});
  }

  #adminClient(): GoTrueClient {
    return this.#client(this.#options.serviceRoleKey, {});
  }

  #client(
    key: string,
    extraHeaders: Record<string, string>,
    query: Readonly<Record<string, string>> = {},
  ): GoTrueClient {
    const timeoutMs = this.#options.timeoutMs;
    const baseFetch = this.#options.fetch ?? fetch;
    return new AuthClient({
      url: `${this.#options.url.replace(/\/+$/u, '')}/auth/v1`,
      headers: { apikey: key, Authorization: `Bearer ${key}`, ...extraHeaders },
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      // Every request is cut at the timeout: the SDK reports it as a retryable fetch error.
      fetch: (input, init) =>
        baseFetch(withQuery(input, query), { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }
}

/** The SDK's request URL with `query` set on it (a Request is passed on as it is). */
function withQuery(
  input: string | URL | Request,
  query: Readonly<Record<string, string>>,
): string | URL | Request {
  const entries = Object.entries(query);
  if (entries.length === 0 || input instanceof Request) return input;
  const url = new URL(input);
  for (const [name, value] of entries) url.searchParams.set(name, value);
  return url;
}

/** Answers about an address that must not reach the caller (it exists, or it was just mailed). */
function isExistenceSignal(error: { code?: string | undefined }): boolean {
  return (
    error.code === 'user_already_exists' ||
    error.code === 'email_exists' ||
    error.code === 'over_email_send_rate_limit'
  );
}

/** Another account has the address: a validation failure on `email`, as the built-in store says it. */
function emailChangeRefusal(error: AuthError): Error {
  return error.code === 'email_exists'
    ? new IdentityError('validation_failed', { fields: ['email'], reasons: ['taken'] })
    : error;
}

/** The user as Supabase keeps it, for a data export: the wire User never carries secrets. */
function exportOf(user: User): UserExport {
  return {
    id: user.id,
    email: user.email ?? '',
    email_confirmed_at: user.email_confirmed_at ?? null,
    new_email: user.new_email ?? null,
    email_change_sent_at: user.email_change_sent_at ?? null,
    roles: toIdentityUser(user).roles,
    created_at: user.created_at,
    updated_at: user.updated_at ?? null,
    last_sign_in_at: user.last_sign_in_at ?? null,
    user_metadata: user.user_metadata,
    identities: (user.identities ?? []).map((identity) => ({
      provider: identity.provider,
      created_at: identity.created_at ?? null,
      last_sign_in_at: identity.last_sign_in_at ?? null,
    })),
  };
}

function requireAcceptablePassword(password: string): void {
  const problems = checkPassword(password);
  if (problems.length > 0) throw new IdentityError('weak_password', { reasons: problems });
}
