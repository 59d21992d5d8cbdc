// What the auth service does, once, for both its JSON API and its pages.
import { verifyHandoff } from '@authflow/handoff';
import type { SessionRecord, SessionStore } from '@authflow/sessions';
import type { FastifyRequest } from 'fastify';
import { authErrors } from '../errors/auth-errors.js';
import { identityErrorToAuthError } from '../errors/identity-errors.js';
import {
  type IdentityProvider,
  type IdentityUser,
  isIdentityError,
  type RequestContext,
} from '../identity/identity-provider.js';
import type { AuthMetrics } from '../observability/auth-metrics.js';
import { loginThrottledError } from '../security/login-refusal.js';
import type { LoginThrottle } from '../security/login-throttle.js';
import { requireStrongPassword } from '../security/require-strong-password.js';
import type { Caller, CallerResolver } from '../sessions/caller.js';
import type { SessionIssuer } from '../sessions/session-issuer.js';

export interface AccountFlowsOptions {
  readonly provider: IdentityProvider;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  readonly issuer: SessionIssuer;
  readonly callers: CallerResolver;
  readonly metrics: AuthMetrics;
  readonly handoff: { readonly secret: string; readonly defaultLandingPath: string };
}

export interface SignedIn {
  readonly user: IdentityUser;
  readonly token: string;
  readonly session: SessionRecord;
  /** Where to send the browser: the verified handoff, or the default landing page. */
  readonly redirectTo: string;
}

export class AccountFlows {
  readonly #options: AccountFlowsOptions;

  constructor(options: AccountFlowsOptions) {
    this.#options = options;
  }

  get callers(): CallerResolver {
    return this.#options.callers;
  }

  async signUp(input: { email: string; password: string }, request: FastifyRequest): Promise<void> {
    // Before any provider is called (Supabase included): the refusal explains itself.
    requireStrongPassword(input.password, { email: input.email });
    await this.#identity(() => this.#options.provider.signUp(input, contextOf(request)));
    request.log.info(
      { audit: true, event: 'signup.requested', ip: request.ip },
      'sign-up requested',
    );
  }

  /**
   * Throttle first (per account and IP, per account, per IP, shared by every instance), then the
   * provider, then a fresh session. While a wait runs, even the right password is refused.
   */
  async signIn(
    input: { email: string; password: string; next?: string | undefined },
    request: FastifyRequest,
  ): Promise<SignedIn> {
    const keys = { account: input.email, ip: request.ip };
    const state = await this.#options.throttle.check(keys);
    if (state.blocked) {
      this.#options.metrics.logins.inc({ outcome: 'rate_limited' });
      request.log.warn(
        { audit: true, event: 'login.refused', reason: 'rate_limited', ip: request.ip },
        'sign-in refused: too many failures',
      );
      throw loginThrottledError(state.retryAfterMs);
    }
    let user: IdentityUser;
    try {
      user = await this.#options.provider.signIn(input, contextOf(request));
    } catch (error) {
      if (isIdentityError(error, 'invalid_credentials'))
        await this.#options.throttle.recordFailure(keys);
      const code = isIdentityError(error) ? error.code : 'error';
      this.#options.metrics.logins.inc({ outcome: code });
      request.log.info(
        { audit: true, event: 'login.failed', reason: code, ip: request.ip },
        'sign-in failed',
      );
      throw isIdentityError(error) ? identityErrorToAuthError(error) : error;
    }
    await this.#options.throttle.recordSuccess(keys);
    const { token, session } = await this.#options.issuer.issue(user, request);
    this.#options.metrics.logins.inc({ outcome: 'ok' });
    return { user, token, session, redirectTo: this.landingFor(input.next) };
  }

  /** The verified `next` of a gateway handoff, or the default landing page. */
  landingFor(next: string | undefined): string {
    if (next === undefined || next === '') return this.#options.handoff.defaultLandingPath;
    const verdict = verifyHandoff(next, this.#options.handoff.secret);
    return verdict.ok ? verdict.path : this.#options.handoff.defaultLandingPath;
  }

  /** Ends the caller's session if there is one; signing out twice is not an error. */
  async logout(request: FastifyRequest): Promise<void> {
    let caller: Caller | null;
    try {
      caller = await this.#options.callers.resolve(request);
    } catch (error) {
      // An unknown or already-ended session: nothing to end.
      if ((error as { statusCode?: number }).statusCode === 401) return;
      throw error;
    }
    if (caller === null) return;
    await this.#options.store.revoke(caller.session.id);
    request.log.info(
      {
        audit: true,
        event: 'session.revoked',
        reason: 'logout',
        sessionId: caller.session.id,
        userId: caller.session.userId,
      },
      'signed out',
    );
  }

  async requestPasswordReset(email: string, request: FastifyRequest): Promise<void> {
    await this.#identity(() =>
      this.#options.provider.requestPasswordReset({ email }, contextOf(request)),
    );
    request.log.info(
      { audit: true, event: 'password_reset.requested', ip: request.ip },
      'password reset requested',
    );
  }

  /** A new password ends every session of the account, here and at the provider. */
  async resetPassword(
    input: { token: string; password: string },
    request: FastifyRequest,
  ): Promise<IdentityUser> {
    // The account is known only once the token is spent, so its address is not an input here.
    requireStrongPassword(input.password);
    const user = await this.#identity(() =>
      this.#options.provider.resetPassword(input, contextOf(request)),
    );
    const revoked = await this.#options.store.revokeAllForUser(user.id);
    await this.#endProviderSessions(user.id, request);
    request.log.info(
      {
        audit: true,
        event: 'password.changed',
        userId: user.id,
        revokedSessions: revoked.length,
        ip: request.ip,
      },
      'password reset',
    );
    return user;
  }

  verifyEmail(token: string, request: FastifyRequest): Promise<IdentityUser> {
    return this.#identity(() => this.#options.provider.verifyEmail({ token }, contextOf(request)));
  }

  async currentUser(caller: Caller): Promise<IdentityUser> {
    const user = await this.#identity(() => this.#options.provider.getUser(caller.session.userId));
    if (user === null) {
      await this.#options.store.revokeAllForUser(caller.session.userId);
      throw authErrors.create('session_invalid');
    }
    return user;
  }

  listSessions(caller: Caller): Promise<SessionRecord[]> {
    return this.#options.store.listForUser(caller.session.userId);
  }

  /** Ends one of the caller's own sessions; someone else's id is "not found". */
  async revokeSession(caller: Caller, sessionId: string, request: FastifyRequest): Promise<void> {
    if (!(await this.#options.store.revoke(sessionId, { userId: caller.session.userId })))
      throw authErrors.create('not_found');
    request.log.info(
      {
        audit: true,
        event: 'session.revoked',
        reason: 'user',
        sessionId,
        userId: caller.session.userId,
      },
      'session revoked',
    );
  }

  async revokeOthers(caller: Caller, request: FastifyRequest): Promise<number> {
    const revoked = await this.#options.store.revokeOthers(
      caller.session.userId,
      caller.session.id,
    );
    request.log.info(
      {
        audit: true,
        event: 'session.revoked',
        reason: 'logout_others',
        count: revoked.length,
        userId: caller.session.userId,
      },
      'other sessions revoked',
    );
    return revoked.length;
  }

  async revokeAll(caller: Caller, request: FastifyRequest): Promise<number> {
    const revoked = await this.#options.store.revokeAllForUser(caller.session.userId);
    await this.#endProviderSessions(caller.session.userId, request);
    request.log.info(
      {
        audit: true,
        event: 'session.revoked',
        reason: 'logout_all',
        count: revoked.length,
        userId: caller.session.userId,
      },
      'all sessions revoked',
    );
    return revoked.length;
  }

  async #endProviderSessions(userId: string, request: FastifyRequest): Promise<void> {
    // AuthFlow's own sessions are already gone; a provider hiccup must not undo that answer.
    await this.#options.provider.endAllSessions(userId).catch((error: unknown) => {
      request.log.error({ err: error, userId }, 'could not end the provider sessions');
    });
  }

  async #identity<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isIdentityError(error) ? identityErrorToAuthError(error) : error;
    }
  }
}

function contextOf(request: FastifyRequest): RequestContext {
  return { ip: request.ip, requestId: request.id };
}
