// What the auth service does, once, for both its JSON API and its pages: plain inputs in, a
// result or an error out. No HTTP here; errors are mapped to codes once, by the error handler.
import { randomBytes } from 'node:crypto';
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
import type { SessionLevel } from '../sessions/session-issuer.js';
import type { MfaFlows, MfaMethod } from '../mfa/mfa-flows.js';
import type { PendingSignIn } from '../mfa/mfa-ports.js';

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
  issue(user: IdentityUser, client: ClientFacts, level?: SessionLevel): Promise<CreatedSession>;
}

export interface AccountFlowsOptions {
  readonly provider: IdentityProvider;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  readonly issuer: SessionOpener;
  readonly callers: CallerResolver;
  readonly metrics: AuthMetrics;
  readonly handoff: { readonly secret: string; readonly defaultLandingPath: string };
  /** Second factors; without them every sign-in is a password sign-in (aal1). */
  readonly mfa?: MfaFlows;
  /**
   * Whether an administrator disabled the account: checked again when a second factor completes
   * a sign-in, since the password was checked up to minutes before.
   */
  readonly isDisabled?: (userId: string) => Promise<boolean>;
  /**
   * Supabase: signs in keeping the Supabase session (kept encrypted under `key`), so its MFA API
   * can be called for this user later.
   */
  readonly signInKeepingSession?: (
    input: { email: string; password: string },
    client: ClientFacts,
    key: string,
  ) => Promise<IdentityUser>;
}

export interface SignedIn {
  readonly kind: 'signed_in';
  readonly user: IdentityUser;
  readonly token: string;
  readonly session: SessionRecord;
  /** Where to send the browser: the verified handoff, or the default landing page. */
  readonly redirectTo: string;
}

/** The password was right; a second factor is due before any session exists. */
export interface SecondFactorDue {
  readonly kind: 'mfa_required';
  /** The pending sign-in's token: the challenge cookie's value. */
  readonly pendingToken: string;
  readonly pending: PendingSignIn;
  readonly methods: readonly MfaMethod[];
}

export type SignInOutcome = SignedIn | SecondFactorDue;

export class AccountFlows {
  readonly #options: AccountFlowsOptions;

  constructor(options: AccountFlowsOptions) {
    this.#options = options;
  }

  /** Second factors, when configured. */
  get mfa(): MfaFlows | undefined {
    return this.#options.mfa;
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
    input: {
      email: string;
      password: string;
      next?: string | undefined;
      /** The trusted-device cookie, when the browser has one. */
      trustedDevice?: string | undefined;
    },
    client: ClientFacts,
  ): Promise<SignInOutcome> {
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
    const providerSessionKey = this.#options.signInKeepingSession
      ? `signin:${randomBytes(16).toString('base64url')}`
      : undefined;
    try {
      user =
        this.#options.signInKeepingSession && providerSessionKey !== undefined
          ? await this.#options.signInKeepingSession(input, client, providerSessionKey)
          : await this.#options.provider.signIn(input, contextOf(client));
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
    const mfa = this.#options.mfa;
    if (mfa !== undefined) {
      const due = await mfa.afterPassword(
        user,
        {
          next: input.next,
          provider: this.#options.provider.name,
          trustedCookie: input.trustedDevice,
          ...(providerSessionKey === undefined ? {} : { providerSessionKey }),
        },
        client,
      );
      if (due.required) {
        this.#options.metrics.logins.inc({ outcome: 'mfa_required' });
        return {
          kind: 'mfa_required',
          pendingToken: due.token,
          pending: due.pending,
          methods: due.methods,
        };
      }
    }
    const { token, session } = await this.#options.issuer.issue(user, client);
    if (providerSessionKey !== undefined)
      await this.#options.mfa?.keepProviderSession(providerSessionKey, session.id);
    this.#options.metrics.logins.inc({ outcome: 'ok' });
    return { kind: 'signed_in', user, token, session, redirectTo: this.landingFor(input.next) };
  }

  /**
   * A second factor answered for a pending sign-in: the session opens at aal2 and the browser
   * follows the handoff the password form carried.
   */
  async completeSecondFactor(
    pendingToken: string | undefined,
    answer: Parameters<MfaFlows['completeSignIn']>[1],
    client: ClientFacts,
  ): Promise<
    SignedIn & { trusted?: { value: string; expiresAt: number }; recoveryCodesLeft?: number }
  > {
    const mfa = this.#requireMfa();
    const passed = await mfa.completeSignIn(
      pendingToken,
      answer,
      async (userId) => {
        if ((await this.#options.isDisabled?.(userId)) === true)
          throw authErrors.create('account_disabled');
        return this.#options.provider.getUser(userId);
      },
      client,
    );
    const user = await this.#options.provider.getUser(passed.session.userId);
    if (user === null) throw authErrors.create('session_invalid');
    this.#options.metrics.logins.inc({ outcome: 'ok' });
    return { kind: 'signed_in', user, ...passed, redirectTo: this.landingFor(passed.next) };
  }

  #requireMfa(): MfaFlows {
    if (this.#options.mfa === undefined) throw authErrors.create('not_found');
    return this.#options.mfa;
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
    await this.#options.mfa?.forgetProviderSessions(revoked, client);
    await this.#endProviderSessions(user.id, client);
    // A new password also ends every "don't ask again on this device".
    await this.#options.mfa?.endTrustedDevices(user.id, 'password_reset', client);
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
    await this.#options.mfa?.forgetProviderSessions([sessionId], audit);
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
    await this.#options.mfa?.forgetProviderSessions(revoked, audit);
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
    await this.#options.mfa?.forgetProviderSessions(revoked, audit);
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
