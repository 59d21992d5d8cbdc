// Second factors, once for the JSON API and the pages: the challenge after a password, step-up
// of a signed-in session, enrollment and removal of factors, recovery codes, trusted devices.
// No HTTP here; refusals are registry errors, mapped to answers by the error handler.
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthflowError } from '@authflow/errors';
import type { FastifyBaseLogger } from 'fastify';
import type { CreatedSession, SessionRecord, SessionStore } from '@authflow/sessions';
import { describeDevice } from '@authflow/fingerprint';
import type { Branding } from '../branding.js';
import { authErrors } from '../errors/auth-errors.js';
import type { IdentityUser } from '../identity/identity-provider.js';
import {
  factorAddedMail,
  factorRemovedMail,
  recoveryCodeUsedMail,
} from '../mail/mail-templates.js';
import type { Mailer } from '../mail/mailer.js';
import { loginThrottledError } from '../security/login-refusal.js';
import type { LoginThrottle } from '../security/login-throttle.js';
import type { Caller } from '../sessions/caller.js';
import { type DeviceBindingPolicy, deviceBinding } from './device-binding.js';
import type {
  FactorOwner,
  FactorStore,
  FactorSummary,
  MfaStateStore,
  PendingSignIn,
  TotpEnrollment,
  TotpFactors,
  TrustedDevice,
} from './mfa-ports.js';
import { qrSvg } from './builtin/qr-svg.js';
import { newRecoveryCodes } from './builtin/recovery-codes.js';
import type { CodeSender } from './code-sender.js';
import type { TrustedDeviceCookie } from './trusted-device-cookie.js';

/** A second-factor method a challenge can use. */
export type MfaMethod = 'totp' | 'email' | 'recovery';

export interface MfaSettings {
  readonly issuer: string;
  readonly pendingTtlMs: number;
  readonly maxAttempts: number;
  readonly emailCodeTtlMs: number;
  readonly emailCodeResendMs: number;
  /** 0: the "trust this device" option is not offered. */
  readonly trustedDeviceTtlMs: number;
  /** How recent a second factor must be for sensitive actions. */
  readonly recentMfaMs: number;
}

/** What the flows know of the client (see ClientFacts in account-flows.ts). */
export interface MfaClient {
  readonly ip: string;
  readonly headers: IncomingHttpHeaders;
  readonly log: FastifyBaseLogger;
}

/** The provider sessions AuthFlow keeps (Supabase): moved from a pending sign-in to its session. */
export interface ProviderSessionKeeper {
  move(fromKey: string, toKey: string, ttlMs: number): Promise<void>;
  forget(key: string): Promise<void>;
}

/** Opens a session at a given level (SessionIssuer). */
export interface LevelledSessionOpener {
  issue(
    user: IdentityUser,
    client: MfaClient,
    level: {
      aal: 'aal1' | 'aal2';
      amr: readonly string[];
      mfaAt: number | null;
      provider?: string;
    },
  ): Promise<CreatedSession>;
}

export interface MfaFlowsOptions {
  readonly totp: TotpFactors;
  readonly factors: FactorStore;
  readonly state: MfaStateStore;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  /** Notices (factor added or removed, recovery code used). */
  readonly mailer: Mailer;
  /** How email codes are sent (an SMS factor would bring a second sender). */
  readonly codeSender: CodeSender;
  readonly branding: Branding;
  readonly settings: MfaSettings;
  readonly binding: DeviceBindingPolicy;
  readonly trustedCookie: TrustedDeviceCookie;
  readonly issuer: LevelledSessionOpener;
  /** Supabase: the kept provider sessions; none for the built-in store. */
  readonly providerSessions?: ProviderSessionKeeper;
  readonly sessionTtlMs: number;
  /** Seals what a page must show again (an enrollment's secret while it is pending). */
  readonly box: {
    seal(text: string, aad?: string): string;
    open(sealed: string, aad?: string): string;
  };
  readonly clock?: () => number;
}

/** How long an enrollment's secret can be shown again (a wrong first code) before starting over. */
const ENROLLMENT_TTL_MS = 15 * 60_000;

/** What the user can answer a challenge with. */
export interface AvailableMethods {
  readonly methods: readonly MfaMethod[];
  readonly totpFactors: readonly FactorSummary[];
  readonly emailFactor: FactorSummary | null;
  readonly recoveryCodesLeft: number;
}

export interface ChallengeAnswer {
  readonly method: MfaMethod;
  readonly code: string;
  /** Ask for a trusted-device cookie (sign-in only). */
  readonly trustDevice?: boolean;
}

export interface TrustGrant {
  readonly value: string;
  readonly expiresAt: number;
}

export interface ChallengePassed {
  readonly token: string;
  readonly session: SessionRecord;
  readonly trusted?: TrustGrant;
  /** Recovery codes left after one was used (the page warns when few are). */
  readonly recoveryCodesLeft?: number;
  /** Sign-in: the handoff the password form carried. */
  readonly next?: string | undefined;
}

/** The methods a code was checked with, in `amr` terms (RFC 8176). */
const AMR_OF: Readonly<Record<MfaMethod, readonly string[]>> = {
  totp: ['otp', 'mfa'],
  email: ['otp', 'mfa'],
  recovery: ['mfa'],
};

export class MfaFlows {
  readonly #o: MfaFlowsOptions;
  readonly #now: () => number;

  constructor(options: MfaFlowsOptions) {
    this.#o = options;
    this.#now = options.clock ?? Date.now;
  }

  get settings(): MfaSettings {
    return this.#o.settings;
  }

  get trustedCookieName(): string {
    return this.#o.trustedCookie.name;
  }

  // --- what a user has ---------------------------------------------------------------------

  async available(owner: FactorOwner): Promise<AvailableMethods> {
    const [totpAll, emailFactor, recoveryCodesLeft] = await Promise.all([
      this.#o.totp.list(owner),
      this.#o.factors.emailFactor(owner.userId),
      this.#o.factors.remainingRecoveryCodes(owner.userId),
    ]);
    const totpFactors = totpAll.filter((factor) => factor.status === 'active');
    const methods: MfaMethod[] = [];
    if (totpFactors.length > 0) methods.push('totp');
    if (emailFactor !== null) methods.push('email');
    // Recovery codes are a way back in only while another factor exists.
    if (methods.length > 0 && recoveryCodesLeft > 0) methods.push('recovery');
    return { methods, totpFactors, emailFactor, recoveryCodesLeft };
  }

  // --- sign-in -----------------------------------------------------------------------------

  /**
   * After a correct password: `null` when no second factor is due (none set up, or a trusted
   * device cookie for this user and device), else a pending sign-in and the methods to offer.
   */
  async afterPassword(
    user: IdentityUser,
    input: {
      next: string | undefined;
      provider: string;
      trustedCookie: string | undefined;
      providerSessionKey?: string;
      /** Methods of the first step (RFC 8176): `pwd` for a password, `fed` for an outside provider. */
      amr?: readonly string[];
    },
    client: MfaClient,
  ): Promise<
    | { readonly required: false; readonly trustedDevice: boolean }
    | {
        readonly required: true;
        readonly token: string;
        readonly pending: PendingSignIn;
        readonly methods: readonly MfaMethod[];
      }
  > {
    const owner = ownerOf(user, input.providerSessionKey);
    const { methods } = await this.available(owner);
    if (methods.length === 0) return { required: false, trustedDevice: false };
    if (await this.#trustedHere(user.id, input.trustedCookie, client)) {
      client.log.info(
        { audit: true, event: 'mfa.skipped', reason: 'trusted_device', userId: user.id },
        'second factor skipped: trusted device',
      );
      return { required: false, trustedDevice: true };
    }
    const { token, pending } = await this.#o.state.createPending(
      {
        userId: user.id,
        email: user.email,
        fingerprint: deviceBinding(client, this.#o.binding),
        next: input.next,
        amr: input.amr ?? ['pwd'],
        provider: input.provider,
      },
      { ttlMs: this.#o.settings.pendingTtlMs, maxAttempts: this.#o.settings.maxAttempts },
    );
    if (input.providerSessionKey !== undefined)
      await this.#o.providerSessions?.move(
        input.providerSessionKey,
        pending.id,
        this.#o.settings.pendingTtlMs,
      );
    client.log.info(
      { audit: true, event: 'mfa.challenged', userId: user.id, methods },
      'second factor required',
    );
    return { required: true, token, pending, methods };
  }

  /** The pending sign-in a challenge page shows, if it is still alive and from this device. */
  async pendingFor(token: string | undefined, client: MfaClient): Promise<PendingSignIn | null> {
    if (token === undefined || token === '') return null;
    const pending = await this.#o.state.findPending(token);
    if (pending === null) return null;
    return pending.fingerprint === deviceBinding(client, this.#o.binding) ? pending : null;
  }

  /** Mails a code for a pending sign-in (email factor on). */
  async sendSignInEmailCode(token: string | undefined, client: MfaClient): Promise<string> {
    const pending = await this.#requirePending(token, client);
    const factor = await this.#o.factors.emailFactor(pending.userId);
    if (factor === null)
      throw authErrors.create('validation_failed', { details: { reasons: ['no_email_factor'] } });
    await this.#sendEmailCode(`pending:${pending.id}`, pending.email, client);
    return pending.email;
  }

  /**
   * Checks a code for a pending sign-in. Wrong codes count against the sign-in throttle (per
   * account and IP) and the pending sign-in's own attempts; a right one opens an aal2 session.
   */
  async completeSignIn(
    token: string | undefined,
    answer: ChallengeAnswer,
    user: (userId: string) => Promise<IdentityUser | null>,
    client: MfaClient,
  ): Promise<ChallengePassed> {
    const pending = await this.#requirePending(token, client);
    const keys = codeKeys(pending.email, client.ip);
    await this.#checkThrottle(keys, pending.userId, client);
    const owner = ownerOf(pending, pending.id);
    const ok = await this.#check(owner, answer, `pending:${pending.id}`, client);
    if (!ok) {
      await this.#o.throttle.recordFailure(keys);
      const left = await this.#o.state.recordPendingFailure(token ?? '');
      client.log.info(
        {
          audit: true,
          event: 'mfa.failed',
          method: answer.method,
          userId: pending.userId,
          attemptsLeft: left,
        },
        'wrong second factor',
      );
      if (left <= 0) throw pendingEnded();
      throw wrongCode(left);
    }
    const won = await this.#o.state.consumePending(token ?? '');
    if (won === null) throw pendingEnded();
    await this.#o.throttle.recordSuccess(keys);
    const account = await user(pending.userId);
    if (account === null) throw pendingEnded();
    const now = this.#now();
    const created = await this.#o.issuer.issue(account, client, {
      aal: 'aal2',
      amr: unique([...pending.amr, ...AMR_OF[answer.method]]),
      mfaAt: now,
      provider: pending.provider,
    });
    await this.#o.providerSessions?.move(pending.id, created.session.id, this.#o.sessionTtlMs);
    const trusted =
      answer.trustDevice === true && this.#o.settings.trustedDeviceTtlMs > 0
        ? await this.#trustDevice(account.id, client)
        : undefined;
    client.log.info(
      {
        audit: true,
        event: 'mfa.succeeded',
        method: answer.method,
        userId: account.id,
        sessionId: created.session.id,
      },
      'second factor accepted',
    );
    const recoveryCodesLeft =
      answer.method === 'recovery' ? await this.#recoveryUsed(account, client) : undefined;
    return { ...created, trusted, recoveryCodesLeft, next: pending.next };
  }

  /** Supabase: the provider sessions kept for these AuthFlow sessions end with them (best effort). */
  async forgetProviderSessions(
    sessionIds: readonly string[],
    audit: Pick<MfaClient, 'log'>,
  ): Promise<void> {
    const keeper = this.#o.providerSessions;
    if (keeper === undefined) return;
    await Promise.all(
      sessionIds.map((id) =>
        keeper
          .forget(id)
          .catch((error: unknown) =>
            audit.log.warn({ err: error }, 'could not end a kept provider session'),
          ),
      ),
    );
  }

  /** Supabase: the provider session kept at sign-in now belongs to the AuthFlow session. */
  async keepProviderSession(fromKey: string, sessionId: string): Promise<void> {
    await this.#o.providerSessions?.move(fromKey, sessionId, this.#o.sessionTtlMs);
  }

  // --- step-up -----------------------------------------------------------------------------

  /** Whether the caller's session holds a second factor recent enough for sensitive actions. */
  hasRecentFactor(session: SessionRecord): boolean {
    return (
      session.aal === 'aal2' &&
      session.mfaAt !== null &&
      this.#now() - session.mfaAt <= this.#o.settings.recentMfaMs
    );
  }

  /**
   * Sensitive actions (removing a factor, new recovery codes, a new password or address): a user
   * with a second factor must have used it within the last minutes (403 `mfa_required`).
   */
  async requireRecentFactor(caller: Caller): Promise<void> {
    if (this.hasRecentFactor(caller.session)) return;
    const { methods } = await this.available(ownerOfSession(caller.session));
    if (methods.length === 0) return;
    throw authErrors.create('mfa_required', {
      message: 'Confirm it is you with your second factor first.',
      details: { step_up: '/auth/mfa' },
    });
  }

  async sendStepUpEmailCode(caller: Caller, client: MfaClient): Promise<string> {
    const factor = await this.#o.factors.emailFactor(caller.session.userId);
    if (factor === null)
      throw authErrors.create('validation_failed', { details: { reasons: ['no_email_factor'] } });
    await this.#sendEmailCode(`session:${caller.session.id}`, caller.session.email, client);
    return caller.session.email;
  }

  /**
   * Raises the caller's session to aal2 without a new sign-in. The session gets a new token (a
   * privilege change renews the identifier, OWASP): the old one is dead on every gateway at once.
   */
  async stepUp(
    caller: Caller,
    answer: ChallengeAnswer,
    client: MfaClient,
  ): Promise<ChallengePassed> {
    const { session } = caller;
    const keys = codeKeys(session.email, client.ip);
    await this.#checkThrottle(keys, session.userId, client);
    const ok = await this.#check(ownerOfSession(session), answer, `session:${session.id}`, client);
    if (!ok) {
      await this.#o.throttle.recordFailure(keys);
      client.log.info(
        {
          audit: true,
          event: 'mfa.failed',
          method: answer.method,
          userId: session.userId,
          stepUp: true,
        },
        'wrong second factor',
      );
      throw wrongCode(undefined);
    }
    await this.#o.throttle.recordSuccess(keys);
    const elevated = await this.#elevate(session, AMR_OF[answer.method]);
    client.log.info(
      {
        audit: true,
        event: 'mfa.step_up',
        method: answer.method,
        userId: session.userId,
        sessionId: elevated.session.id,
      },
      'session raised to aal2',
    );
    const recoveryCodesLeft =
      answer.method === 'recovery'
        ? await this.#recoveryUsed(userOfSession(session), client)
        : undefined;
    return { ...elevated, recoveryCodesLeft };
  }

  // --- settings ----------------------------------------------------------------------------

  async overview(
    caller: Caller,
  ): Promise<AvailableMethods & { trustedDevices: TrustedDevice[]; pendingTotp: FactorSummary[] }> {
    const owner = ownerOfSession(caller.session);
    const [available, trustedDevices, all] = await Promise.all([
      this.available(owner),
      this.#o.state.listTrustedDevices(caller.session.userId),
      this.#o.totp.list(owner),
    ]);
    return { ...available, trustedDevices, pendingTotp: all.filter((f) => f.status === 'pending') };
  }

  /** The enrollment URI as an inline SVG QR code, rendered here (no third party sees the secret). */
  qrCode(uri: string): Promise<string> {
    return qrSvg(uri);
  }

  /** A new pending authenticator: secret, URI, QR code. Active once confirmed with a first code. */
  async beginTotp(caller: Caller, label: string): Promise<TotpEnrollment & { label: string }> {
    await this.requireRecentFactor(caller);
    const enrollment = await this.#o.totp.beginEnrollment(ownerOfSession(caller.session), label);
    const shown = { ...enrollment, label };
    const key = `enroll:${caller.session.userId}:${enrollment.factorId}`;
    await this.#o.state.putSecret(
      key,
      this.#o.box.seal(JSON.stringify(shown), key),
      ENROLLMENT_TTL_MS,
    );
    return shown;
  }

  /** A pending enrollment shown again (its first code was wrong); null once it is too old. */
  async enrollmentAgain(
    caller: Caller,
    factorId: string,
  ): Promise<(TotpEnrollment & { label: string }) | null> {
    const key = `enroll:${caller.session.userId}:${factorId}`;
    const sealed = await this.#o.state.getSecret(key);
    if (sealed === null) return null;
    try {
      return JSON.parse(this.#o.box.open(sealed, key)) as TotpEnrollment & { label: string };
    } catch {
      return null;
    }
  }

  /**
   * Activates a pending authenticator with its first code. The session is raised to aal2 (the
   * code proves the factor), and a first factor comes with recovery codes, shown once.
   */
  async confirmTotp(
    caller: Caller,
    factorId: string,
    code: string,
    client: MfaClient,
  ): Promise<{ elevated: CreatedSession; recoveryCodes: string[] | null }> {
    const { session } = caller;
    const keys = codeKeys(session.email, client.ip);
    await this.#checkThrottle(keys, session.userId, client);
    if (!(await this.#o.totp.confirmEnrollment(ownerOfSession(session), factorId, code))) {
      await this.#o.throttle.recordFailure(keys);
      throw wrongCode(undefined);
    }
    await this.#o.state.deleteSecret(`enroll:${session.userId}:${factorId}`);
    const recoveryCodes = await this.#firstFactorCodes(session.userId);
    await this.#factorChanged(session, 'added', 'an authenticator app', client);
    const elevated = await this.#elevate(session, AMR_OF.totp);
    return { elevated, recoveryCodes };
  }

  async removeTotp(caller: Caller, factorId: string, client: MfaClient): Promise<void> {
    await this.requireRecentFactor(caller);
    if (!(await this.#o.totp.remove(ownerOfSession(caller.session), factorId)))
      throw authErrors.create('not_found');
    await this.#afterRemoval(caller.session, 'an authenticator app', client);
  }

  /** Email codes to the account's address as a second factor. */
  async enableEmailFactor(caller: Caller, client: MfaClient): Promise<string[] | null> {
    await this.requireRecentFactor(caller);
    await this.#o.factors.setEmailFactor(caller.session.userId, true, caller.session.email);
    const recoveryCodes = await this.#firstFactorCodes(caller.session.userId);
    await this.#factorChanged(caller.session, 'added', 'codes by email', client);
    return recoveryCodes;
  }

  async disableEmailFactor(caller: Caller, client: MfaClient): Promise<void> {
    await this.requireRecentFactor(caller);
    if ((await this.#o.factors.emailFactor(caller.session.userId)) === null)
      throw authErrors.create('not_found');
    await this.#o.factors.setEmailFactor(caller.session.userId, false, caller.session.email);
    await this.#afterRemoval(caller.session, 'codes by email', client);
  }

  /** A new set of recovery codes; the old set stops working. */
  async regenerateRecoveryCodes(caller: Caller, client: MfaClient): Promise<string[]> {
    await this.requireRecentFactor(caller);
    const { methods } = await this.available(ownerOfSession(caller.session));
    if (methods.length === 0)
      throw authErrors.create('validation_failed', {
        message: 'Set up a second factor first.',
        details: { reasons: ['no_factor'] },
      });
    const codes = newRecoveryCodes();
    await this.#o.factors.replaceRecoveryCodes(caller.session.userId, codes);
    client.log.info(
      { audit: true, event: 'mfa.recovery_codes.regenerated', userId: caller.session.userId },
      'recovery codes regenerated',
    );
    return codes;
  }

  listTrustedDevices(caller: Caller): Promise<TrustedDevice[]> {
    return this.#o.state.listTrustedDevices(caller.session.userId);
  }

  async revokeTrustedDevice(caller: Caller, id: string, client: MfaClient): Promise<void> {
    if (!(await this.#o.state.revokeTrustedDevice(caller.session.userId, id)))
      throw authErrors.create('not_found');
    client.log.info(
      {
        audit: true,
        event: 'mfa.trusted_device.revoked',
        userId: caller.session.userId,
        deviceId: id,
      },
      'trusted device revoked',
    );
  }

  /** Ends every trusted device of the user (password reset, factor removal, "revoke all"). */
  async endTrustedDevices(
    userId: string,
    reason: string,
    client: Pick<MfaClient, 'log'>,
  ): Promise<number> {
    const count = await this.#o.state.revokeAllTrustedDevices(userId);
    client.log.info(
      { audit: true, event: 'mfa.trusted_device.revoked', reason, userId, count },
      'trusted devices ended',
    );
    return count;
  }

  /** Account deletion: every factor and piece of second-factor state of the user goes. */
  async forgetUser(userId: string, email: string): Promise<void> {
    const owner = { userId, email };
    for (const factor of await this.#o.totp.list(owner).catch(() => []))
      await this.#o.totp.remove(owner, factor.id).catch(() => false);
    await this.#o.factors.deleteUser(userId);
    await this.#o.state.revokeAllTrustedDevices(userId);
  }

  // --- internals ---------------------------------------------------------------------------

  async #requirePending(token: string | undefined, client: MfaClient): Promise<PendingSignIn> {
    const pending = await this.pendingFor(token, client);
    if (pending === null) throw pendingEnded();
    return pending;
  }

  async #checkThrottle(
    keys: { account: string; ip: string },
    userId: string,
    client: MfaClient,
  ): Promise<void> {
    const state = await this.#o.throttle.check(keys);
    if (!state.blocked) return;
    client.log.warn(
      { audit: true, event: 'mfa.refused', reason: 'rate_limited', userId, ip: client.ip },
      'second factor refused: too many failures',
    );
    throw loginThrottledError(state.retryAfterMs);
  }

  async #check(
    owner: FactorOwner,
    answer: ChallengeAnswer,
    emailSubject: string,
    client: MfaClient,
  ): Promise<boolean> {
    switch (answer.method) {
      case 'totp': {
        const factors = (await this.#o.totp.list(owner)).filter((f) => f.status === 'active');
        for (const factor of factors)
          if (await this.#o.totp.verify(owner, factor.id, answer.code)) return true;
        return false;
      }
      case 'email': {
        if ((await this.#o.factors.emailFactor(owner.userId)) === null) return false;
        const ok = await this.#o.state.verifyEmailCode(emailSubject, answer.code);
        if (ok) await this.#o.factors.touchEmailFactor(owner.userId);
        return ok;
      }
      case 'recovery': {
        const ok = await this.#o.factors.useRecoveryCode(owner.userId, answer.code);
        if (ok)
          client.log.warn(
            { audit: true, event: 'mfa.recovery_code.used', userId: owner.userId },
            'recovery code used',
          );
        return ok;
      }
    }
  }

  async #sendEmailCode(subject: string, to: string, client: MfaClient): Promise<void> {
    const issued = await this.#o.state.issueEmailCode(subject, {
      ttlMs: this.#o.settings.emailCodeTtlMs,
      resendAfterMs: this.#o.settings.emailCodeResendMs,
      maxAttempts: this.#o.settings.maxAttempts,
    });
    if ('retryAfterMs' in issued) {
      const seconds = Math.max(1, Math.ceil(issued.retryAfterMs / 1_000));
      throw authErrors.create('rate_limited', {
        message: `A code was sent a moment ago. You can ask for another in ${seconds} seconds.`,
        headers: { 'retry-after': String(seconds) },
        details: { retry_after_seconds: seconds },
      });
    }
    await this.#o.codeSender.send(
      to,
      issued.code,
      Math.round(this.#o.settings.emailCodeTtlMs / 60_000),
    );
    client.log.info({ audit: true, event: 'mfa.email_code.sent' }, 'second-factor code mailed');
  }

  async #trustedHere(
    userId: string,
    cookie: string | undefined,
    client: MfaClient,
  ): Promise<boolean> {
    if (this.#o.settings.trustedDeviceTtlMs <= 0) return false;
    const claims = this.#o.trustedCookie.read(cookie, this.#now());
    if (claims === null || claims.userId !== userId) return false;
    if (claims.fingerprint !== deviceBinding(client, this.#o.binding)) return false;
    const record = await this.#o.state.findTrustedDevice(userId, claims.id);
    return (
      record !== null && record.fingerprint === claims.fingerprint && record.expiresAt > this.#now()
    );
  }

  async #trustDevice(userId: string, client: MfaClient): Promise<TrustGrant> {
    const fingerprint = deviceBinding(client, this.#o.binding);
    const expiresAt = this.#now() + this.#o.settings.trustedDeviceTtlMs;
    const device = await this.#o.state.trustDevice({
      userId,
      fingerprint,
      deviceLabel: describeDevice(client.headers['user-agent'] ?? ''),
      expiresAt,
    });
    client.log.info(
      { audit: true, event: 'mfa.trusted_device.added', userId, deviceId: device.id },
      'device trusted',
    );
    return {
      value: this.#o.trustedCookie.sign({ id: device.id, userId, fingerprint, expiresAt }),
      expiresAt,
    };
  }

  async #elevate(session: SessionRecord, methods: readonly string[]): Promise<CreatedSession> {
    const elevated = await this.#o.store.elevate(session.id, {
      aal: 'aal2',
      amr: unique([...session.amr, ...methods]),
      mfaAt: this.#now(),
    });
    if (elevated === null) throw authErrors.create('session_invalid');
    await this.#o.providerSessions?.move(session.id, elevated.session.id, this.#o.sessionTtlMs);
    return elevated;
  }

  async #recoveryUsed(user: { id: string; email: string }, client: MfaClient): Promise<number> {
    const left = await this.#o.factors.remainingRecoveryCodes(user.id);
    await this.#notify(
      recoveryCodeUsedMail(this.#o.branding, {
        to: user.email,
        remaining: left,
        when: new Date(this.#now()),
        ip: client.ip,
        deviceLabel: describeDevice(client.headers['user-agent'] ?? ''),
      }),
      client,
    );
    return left;
  }

  /** Recovery codes come with a user's first factor; later factors keep the existing set. */
  async #firstFactorCodes(userId: string): Promise<string[] | null> {
    if ((await this.#o.factors.remainingRecoveryCodes(userId)) > 0) return null;
    const codes = newRecoveryCodes();
    await this.#o.factors.replaceRecoveryCodes(userId, codes);
    return codes;
  }

  async #afterRemoval(session: SessionRecord, factor: string, client: MfaClient): Promise<void> {
    await this.endTrustedDevices(session.userId, 'factor_removed', client);
    await this.#factorChanged(session, 'removed', factor, client);
  }

  async #factorChanged(
    session: SessionRecord,
    change: 'added' | 'removed',
    factor: string,
    client: MfaClient,
  ): Promise<void> {
    client.log.info(
      { audit: true, event: `mfa.factor.${change}`, factor, userId: session.userId },
      `second factor ${change}`,
    );
    const facts = {
      to: session.email,
      factor,
      when: new Date(this.#now()),
      ip: client.ip,
      deviceLabel: describeDevice(client.headers['user-agent'] ?? ''),
    };
    await this.#notify(
      change === 'added'
        ? factorAddedMail(this.#o.branding, facts)
        : factorRemovedMail(this.#o.branding, facts),
      client,
    );
  }

  /** A notice that cannot even be queued is logged; the change itself has happened. */
  async #notify(mail: Parameters<Mailer['send']>[0], client: MfaClient): Promise<void> {
    await this.#o.mailer
      .send(mail)
      .catch((error: unknown) =>
        client.log.warn(
          { code: (error as { code?: unknown } | null)?.code },
          'a second-factor notice could not be queued',
        ),
      );
  }
}

function ownerOf(
  user: { userId?: string; id?: string; email: string },
  providerSessionKey: string | undefined,
): FactorOwner {
  const userId = user.userId ?? user.id ?? '';
  return providerSessionKey === undefined
    ? { userId, email: user.email }
    : { userId, email: user.email, providerSessionKey };
}

function ownerOfSession(session: SessionRecord): FactorOwner {
  return { userId: session.userId, email: session.email, providerSessionKey: session.id };
}

function userOfSession(session: SessionRecord): { id: string; email: string } {
  return { id: session.userId, email: session.email };
}

/**
 * Wrong codes count in the sign-in throttle (per account and IP, per account, per IP) under
 * counters of their own: a correct password clears the password counters, and must not give a
 * code guesser who knows the password a fresh set of tries with each new sign-in.
 */
function codeKeys(email: string, ip: string): { account: string; ip: string } {
  return { account: `second-factor:${email}`, ip };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function wrongCode(attemptsLeft: number | undefined): AuthflowError {
  return authErrors.create('invalid_code', {
    details: attemptsLeft === undefined ? {} : { attempts_left: attemptsLeft },
  });
}

function pendingEnded(): AuthflowError {
  return authErrors.create('mfa_pending_invalid');
}
