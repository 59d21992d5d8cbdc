// Account self-service for a signed-in user: new password, new address, data export, deletion.
import type { SessionStore } from '@authflow/sessions';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Branding } from '../branding.js';
import { authErrors } from '../errors/auth-errors.js';
import { identityErrorToAuthError } from '../errors/identity-errors.js';
import {
  type EmailChangeOutcome,
  type IdentityProvider,
  type IdentityUser,
  isIdentityError,
  type PasswordChange,
  type RequestContext,
} from '../identity/identity-provider.js';
import {
  accountDeletedMail,
  emailChangeRequestedMail,
  passwordChangedMail,
} from '../mail/mail-templates.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import { loginThrottledError } from '../security/login-refusal.js';
import type { LoginThrottle } from '../security/login-throttle.js';
import { requireStrongPassword } from '../security/require-strong-password.js';
import type { Caller } from '../sessions/caller.js';
import type { MfaFlows } from '../mfa/mfa-flows.js';
import { buildAccountExport, type AccountExport } from './account-export.js';

export interface AccountServiceOptions {
  readonly provider: IdentityProvider;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  readonly mailer: Mailer;
  readonly branding: Branding;
  /** Second factors: sensitive changes need a recent one; deletion forgets them. */
  readonly mfa?: MfaFlows;
  readonly clock?: () => number;
}

/** The provider's password change for the caller's own account, and what happens to sessions. */
export interface PasswordChangeInput extends Omit<PasswordChange, 'userId'> {
  /** End every other session of the account (the default on the page and in the API). */
  readonly signOutOthers: boolean;
}

export class AccountService {
  readonly #options: AccountServiceOptions;
  readonly #clock: () => number;

  constructor(options: AccountServiceOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** The new password, then sessions: the caller's stays, the others end unless asked not to. */
  async changePassword(
    caller: Caller,
    input: PasswordChangeInput,
    request: FastifyRequest,
  ): Promise<{ user: IdentityUser; revoked: number }> {
    const { provider, store } = this.#options;
    // The one password policy, with the owner known (their address is no password).
    requireStrongPassword(input.newPassword, { email: caller.session.email });
    await this.#options.mfa?.requireRecentFactor(caller);
    const user = await this.#withPassword(caller, request, () =>
      provider.changePassword(
        {
          userId: caller.session.userId,
          currentPassword: input.currentPassword,
          newPassword: input.newPassword,
        },
        contextOf(request),
      ),
    );
    const revoked = input.signOutOthers ? await store.revokeOthers(user.id, caller.session.id) : [];
    audit(request.log, 'password.changed', user.id, request, {
      reason: 'self_service',
      revokedSessions: revoked.length,
    });
    await this.#notify(
      request.log,
      passwordChangedMail(this.#options.branding, {
        ...this.#noticeOf(user, request),
        resetLink: this.#resetLink(),
        signedOut: input.signOutOthers ? 'others' : 'none',
      }),
    );
    return { user, revoked: revoked.length };
  }

  /** A link to the new address (by the provider), a notice to the current one (from here). */
  async requestEmailChange(
    caller: Caller,
    input: { readonly currentPassword: string; readonly newEmail: string },
    request: FastifyRequest,
  ): Promise<void> {
    await this.#options.mfa?.requireRecentFactor(caller);
    const user = await this.#withPassword(caller, request, () =>
      this.#options.provider.requestEmailChange(
        {
          userId: caller.session.userId,
          currentPassword: input.currentPassword,
          newEmail: input.newEmail,
        },
        contextOf(request),
      ),
    );
    audit(request.log, 'email_change.requested', user.id, request, {});
    await this.#notify(
      request.log,
      emailChangeRequestedMail(this.#options.branding, {
        ...this.#noticeOf(user, request),
        newEmail: input.newEmail.trim(),
        resetLink: this.#resetLink(),
      }),
    );
  }

  /**
   * Follows the link from the new address. Every session then ends: each carries the address
   * it was opened with, which the gateway asserts to backends, so they sign in again with the new one.
   */
  async confirmEmailChange(token: string, request: FastifyRequest): Promise<EmailChangeOutcome> {
    const outcome = await this.#identity(() =>
      this.#options.provider.confirmEmailChange({ token }, contextOf(request)),
    );
    if (outcome.status === 'pending') return outcome;
    const revoked = await this.#options.store.revokeAllForUser(outcome.user.id);
    await this.#endProviderSessions(outcome.user.id, request);
    audit(request.log, 'email.changed', outcome.user.id, request, {
      revokedSessions: revoked.length,
    });
    return outcome;
  }

  async exportData(caller: Caller, request: FastifyRequest): Promise<AccountExport> {
    const userId = caller.session.userId;
    const [profile, sessions] = await Promise.all([
      this.#identity(() => this.#options.provider.exportUser(userId)),
      this.#options.store.listForUser(userId),
    ]);
    if (profile === null) {
      await this.#options.store.revokeAllForUser(userId);
      throw authErrors.create('session_invalid');
    }
    audit(request.log, 'account.exported', userId, request, {});
    return buildAccountExport({
      profile,
      provider: this.#options.provider.name,
      sessions,
      currentSessionId: caller.session.id,
      now: this.#clock(),
    });
  }

  /** Password first; then the account, every session, and a goodbye to the address it had. */
  async deleteAccount(
    caller: Caller,
    password: string,
    request: FastifyRequest,
  ): Promise<IdentityUser> {
    const user = await this.#withPassword(caller, request, () =>
      this.#options.provider.deleteUser(
        { userId: caller.session.userId, password },
        contextOf(request),
      ),
    );
    const revoked = await this.#options.store.revokeAllForUser(user.id);
    await this.#options.mfa
      ?.forgetUser(user.id, user.email)
      .catch((error: unknown) =>
        request.log.error({ err: error, userId: user.id }, 'could not forget the second factors'),
      );
    audit(request.log, 'account.deleted', user.id, request, { revokedSessions: revoked.length });
    await this.#notify(
      request.log,
      accountDeletedMail(this.#options.branding, this.#noticeOf(user, request)),
    );
    return user;
  }

  /**
   * An operation that re-checks the password counts towards the same failure limits as a
   * sign-in: a stolen session must not become a way to guess the password.
   */
  async #withPassword<T>(
    caller: Caller,
    request: FastifyRequest,
    work: () => Promise<T>,
  ): Promise<T> {
    const keys = { account: caller.session.email, ip: request.ip };
    const state = await this.#options.throttle.check(keys);
    if (state.blocked) throw loginThrottledError(state.retryAfterMs);
    try {
      const result = await work();
      await this.#options.throttle.recordSuccess(keys);
      return result;
    } catch (error) {
      if (isIdentityError(error, 'invalid_credentials')) {
        await this.#options.throttle.recordFailure(keys);
        request.log.info(
          { audit: true, event: 'reauthentication.failed', userId: caller.session.userId },
          'current password refused',
        );
        throw authErrors.create('invalid_credentials', {
          message: 'The current password is not correct.',
          cause: error,
        });
      }
      throw toAuthError(error);
    }
  }

  async #identity<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toAuthError(error);
    }
  }

  async #endProviderSessions(userId: string, request: FastifyRequest): Promise<void> {
    await this.#options.provider.endAllSessions(userId).catch((error: unknown) => {
      request.log.error({ err: error, userId }, 'could not end the provider sessions');
    });
  }

  /** Whom an account notice goes to, and when and from where the change was asked for. */
  #noticeOf(user: IdentityUser, request: FastifyRequest): { to: string; when: Date; ip: string } {
    return { to: user.email, when: new Date(this.#clock()), ip: request.ip };
  }

  /** Where a notice sends someone who did not ask for the change: a reset ends every session. */
  #resetLink(): string {
    return `${this.#options.branding.publicUrl}/auth/forgot-password`;
  }

  /** The change is made: a notice that cannot be queued is logged, not answered as a failure. */
  async #notify(log: FastifyBaseLogger, message: MailMessage): Promise<void> {
    await this.#options.mailer.send(message).catch((error: unknown) => {
      log.warn(
        { kind: message.kind, code: (error as { code?: unknown }).code },
        'an account notice could not be queued',
      );
    });
  }
}

/** Identity refusals in the service's terms; an email change refused for its address says why. */
function toAuthError(error: unknown): unknown {
  if (!isIdentityError(error)) return error;
  const reasons = error.details.reasons ?? [];
  if (error.code === 'validation_failed' && reasons.includes('taken')) {
    return authErrors.create('validation_failed', {
      message: 'This address belongs to another account.',
      details: { fields: ['new_email'], reasons: ['taken'] },
      cause: error,
    });
  }
  if (error.code === 'validation_failed' && reasons.includes('unchanged')) {
    return authErrors.create('validation_failed', {
      message: 'This is already the address of your account.',
      details: { fields: ['new_email'], reasons: ['unchanged'] },
      cause: error,
    });
  }
  if (error.code === 'validation_failed' && (error.details.fields ?? []).includes('email')) {
    return authErrors.create('validation_failed', {
      message: 'Enter a valid email address.',
      details: { fields: ['new_email'] },
      cause: error,
    });
  }
  return identityErrorToAuthError(error);
}

function audit(
  log: FastifyBaseLogger,
  event: string,
  userId: string,
  request: FastifyRequest,
  fields: Record<string, unknown>,
): void {
  log.info({ audit: true, event, userId, ip: request.ip, ...fields }, event.replace(/[._]/gu, ' '));
}

function contextOf(request: FastifyRequest): RequestContext {
  return { ip: request.ip, requestId: request.id };
}
