// What the auth service does, once, for both its JSON API and its pages: plain inputs in, a
// result or an error out. No HTTP here; errors are mapped to codes once, by the error handler.
import { verifyHandoff } from '@authflow/handoff';
import type { CreatedSession, SessionRecord, SessionStore } from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { authErrors } from '../errors/auth-errors.js';
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

/**
 * What a flow knows of the client: facts the route gathered, not the HTTP request. `ip` is the
 * address derived behind the trusted proxies (as the gateway derives it); the headers hold the
 * user agent and the other fingerprint inputs.
 */
export interface ClientFacts {
  readonly ip: string;
  /** The request id, handed to the identity provider. */
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  /** The request's logger: audit events carry its request id. */
  readonly log: FastifyBaseLogger;
}

/** Where a flow writes its audit event. */
export type AuditTrail = Pick<ClientFacts, 'log'>;

/**
 * Opens a session bound to the client's device: `SessionIssuer` (sessions/session-issuer.ts),
 * which reads only the client's headers, ip and log.
 */
export interface SessionOpener {
  issue(user: IdentityUser, client: ClientFacts): Promise<CreatedSession>;
}

export interface AccountFlowsOptions {
  readonly provider: IdentityProvider;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  readonly issuer: SessionOpener;
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

  /** Routes resolve the caller (from the gateway's assertion) before calling a flow with it. */
  get callers(): CallerResolver {
    return this.#options.callers;
  }

  async signUp(input: { email: string; password: string }, client: ClientFacts): Promise<void> {
    // Before any provider is called (Supabase included): the refusal explains itself.
    requireStrongPassword(input.password, { email: input.email });
    await this.#options.provider.signUp(input, contextOf(client));
    client.log.info({ audit: true, event: 'signup.requested', ip: client.ip }, 'sign-up requested');
  }

  /**
   * Throttle first (per account and IP, per account, per IP, shared by every instance), then the
   * provider, then a fresh session. While a wait runs, even the right password is refused.
   */
  async signIn(
    input: { email: string; password: string; next?: string | undefined },
    client: ClientFacts,
  ): Promise<SignedIn> {
    const keys = { account: input.email, ip: client.ip };
    const state = await this.#options.throttle.check(keys);
    if (state.blocked) {
      this.#options.metrics.logins.inc({ outcome: 'rate_limited' });
      client.log.warn(
        { audit: true, event: 'login.refused', reason: 'rate_limited', ip: client.ip },
        'sign-in refused: too many failures',
      );
      throw loginThrottledError(state.retryAfterMs);
    }
    let user: IdentityUser;
    try {
      user = await this.#options.provider.signIn(input, contextOf(client));
    } catch (error) {
      if (isIdentityError(error, 'invalid_credentials'))
        await this.#options.throttle.recordFailure(keys);
      const code = isIdentityError(error) ? error.code : 'error';
      this.#options.metrics.logins.inc({ outcome: code });
      client.log.info(
        { audit: true, event: 'login.failed', reason: code, ip: client.ip },
        'sign-in failed',
      );
      throw error;
    }
    await this.#options.throttle.recordSuccess(keys);
    const { token, session } = await this.#options.issuer.issue(user, client);
    this.#options.metrics.logins.inc({ outcome: 'ok' });
    return { user, token, session, redirectTo: this.landingFor(input.next) };
  }

  /** The verified `next` of a gateway handoff, or the default landing page. */
  landingFor(next: string | undefined): string {
    if (next === undefined || next === '') return this.#options.handoff.defaultLandingPath;
    const verdict = verifyHandoff(next, this.#options.handoff.secret);
    return verdict.ok ? verdict.path : this.#options.handoff.defaultLandingPath;
  }

  async requestPasswordReset(email: string, client: ClientFacts): Promise<void> {
    await this.#options.provider.requestPasswordReset({ email }, contextOf(client));
    client.log.info(
      { audit: true, event: 'password_reset.requested', ip: client.ip },
      'password reset requested',
    );
  }

  /** A new password ends every session of the account, here and at the provider. */
  async resetPassword(
    input: { token: string; password: string },
    client: ClientFacts,
  ): Promise<IdentityUser> {
    // The account is known only once the token is spent, so its address is not an input here.
    requireStrongPassword(input.password);
    const user = await this.#options.provider.resetPassword(input, contextOf(client));
    const revoked = await this.#options.store.revokeAllForUser(user.id);
    await this.#endProviderSessions(user.id, client);
    client.log.info(
      {
        audit: true,
        event: 'password.changed',
        userId: user.id,
        revokedSessions: revoked.length,
        ip: client.ip,
      },
      'password reset',
    );
    return user;
  }

  verifyEmail(token: string, client: ClientFacts): Promise<IdentityUser> {
    return this.#options.provider.verifyEmail({ token }, contextOf(client));
  }

  async currentUser(caller: Caller): Promise<IdentityUser> {
    const user = await this.#options.provider.getUser(caller.session.userId);
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
  async revokeSession(caller: Caller, sessionId: string, audit: AuditTrail): Promise<void> {
    if (!(await this.#options.store.revoke(sessionId, { userId: caller.session.userId })))
      throw authErrors.create('not_found');
    audit.log.info(
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

  async revokeOthers(caller: Caller, audit: AuditTrail): Promise<number> {
    const revoked = await this.#options.store.revokeOthers(
      caller.session.userId,
      caller.session.id,
    );
    audit.log.info(
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

  async revokeAll(caller: Caller, audit: AuditTrail): Promise<number> {
    const revoked = await this.#options.store.revokeAllForUser(caller.session.userId);
    await this.#endProviderSessions(caller.session.userId, audit);
    audit.log.info(
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

  async #endProviderSessions(userId: string, audit: AuditTrail): Promise<void> {
    // AuthFlow's own sessions are already gone; a provider hiccup must not undo that answer.
    await this.#options.provider.endAllSessions(userId).catch((error: unknown) => {
      audit.log.error({ err: error, userId }, 'could not end the provider sessions');
    });
  }
}

function contextOf(client: ClientFacts): RequestContext {
  return { ip: client.ip, requestId: client.id };
}
