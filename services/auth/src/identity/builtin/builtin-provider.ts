// The built-in IdentityProvider: accounts in Postgres (or PGlite), Argon2id passwords, mailed tokens.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Branding } from '../../branding.js';
import type { Mailer, MailMessage } from '../../mail/mailer.js';
import {
  accountExistsMail,
  emailChangeMail,
  passwordChangedMail,
  passwordResetMail,
  verificationMail,
} from '../../mail/mail-templates.js';
import { normaliseEmail } from '../email.js';
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
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';
import { isOwnersWord } from './password-strength.js';
import { type TokenPurpose, type UserRow, UserStore } from './user-store.js';
import type { Database } from './database.js';
import { isDatabaseUnavailableError } from './database-unavailable.js';

export interface BuiltinProviderOptions {
  readonly db: Database;
  readonly hasher: PasswordHasher;
  readonly mailer: Mailer;
  readonly branding: Branding;
  /** Where links in mail point (the API verifies email, the reset page takes a new password). */
  readonly links: {
    verifyEmail(token: string): string;
    resetPassword(token: string): string;
    login(): string;
    forgotPassword(): string;
    /** The email-change confirmation page; by default `/auth/account/email/confirm` beside the login page. */
    confirmEmailChange?(token: string): string;
  };
  readonly requireEmailVerification: boolean;
  readonly verificationTokenTtlMs: number;
  readonly resetTokenTtlMs: number;
  /** No second mail of a kind to one address within this window (mail bombing, budget). */
  readonly mailCooldownMs?: number;
  readonly defaultRoles?: readonly string[];
  /** The Retry-After of `identity_store_unavailable` (the database breaker's reset time). */
  readonly unavailableRetryAfterSeconds?: number;
  readonly logger: {
    warn(details: object, message: string): void;
    error(details: object, message: string): void;
  };
  readonly clock?: () => number;
}

export class BuiltinIdentityProvider implements IdentityProvider {
  readonly name = 'builtin';
  readonly #users: UserStore;
  readonly #options: BuiltinProviderOptions;
  readonly #clock: () => number;
  /** "Someone tried to sign up with your address" notices: at most one per cooldown per account. */
  readonly #noticeCooldown: Cooldown;

  constructor(options: BuiltinProviderOptions) {
    this.#options = options;
    this.#users = new UserStore(options.db);
    this.#clock = options.clock ?? Date.now;
    this.#noticeCooldown = new Cooldown(options.mailCooldownMs ?? 60_000, this.#clock);
  }

  signUp(input: Credentials, context: RequestContext): Promise<void> {
    return this.#available(() => this.#signUp(input, context));
  }

  signIn(input: Credentials, context: RequestContext): Promise<IdentityUser> {
    return this.#available(() => this.#signIn(input, context));
  }

  requestPasswordReset(input: { readonly email: string }, context: RequestContext): Promise<void> {
    return this.#available(() => this.#requestPasswordReset(input, context));
  }

  resetPassword(
    input: { readonly token: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser> {
    return this.#available(() => this.#resetPassword(input, context));
  }

  verifyEmail(input: { readonly token: string }, context: RequestContext): Promise<IdentityUser> {
    return this.#available(() => this.#verifyEmail(input, context));
  }

  getUser(userId: string): Promise<IdentityUser | null> {
    return this.#available(() => this.#getUser(userId));
  }

  changePassword(input: PasswordChange, context: RequestContext): Promise<IdentityUser> {
    return this.#available(() => this.#changePassword(input, context));
  }

  requestEmailChange(input: EmailChangeRequest, context: RequestContext): Promise<IdentityUser> {
    return this.#available(() => this.#requestEmailChange(input, context));
  }

  confirmEmailChange(
    input: { readonly token: string },
    context: RequestContext,
  ): Promise<EmailChangeOutcome> {
    return this.#available(() => this.#confirmEmailChange(input, context));
  }

  exportUser(userId: string): Promise<UserExport | null> {
    return this.#available(() => this.#exportUser(userId));
  }

  deleteUser(
    input: { readonly userId: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser> {
    return this.#available(() => this.#deleteUser(input, context));
  }

  /**
   * An account for a first sign-in with an outside provider that verified the address: already
   * verified, with a random password nobody knows (usable only after a reset). `undefined` when
   * the address has an account: linking to it is the caller's decision, never this one's.
   */
  createExternalAccount(input: { readonly email: string }): Promise<IdentityUser | undefined> {
    return this.#available(async () => {
      const passwordHash = await this.#options.hasher.hash(randomBytes(32).toString('base64url'));
      const now = this.#now();
      const created = await this.#users.create({
        id: randomUUID(),
        email: normaliseEmail(input.email),
        passwordHash,
        roles: this.#options.defaultRoles ?? ['user'],
        now,
      });
      if (created === undefined) return undefined;
      const verified = await this.#users.markEmailVerified(created.id, now);
      return toIdentityUser(verified ?? created);
    });
  }

  async #signUp(input: Credentials, _context: RequestContext): Promise<void> {
    const email = normaliseEmail(input.email);
    requireAcceptablePassword(input.password);
    // Hashed whether or not the address is taken, so the answer takes as long either way.
    const passwordHash = await this.#options.hasher.hash(input.password);
    const now = this.#now();
    const created = await this.#users.create({
      id: randomUUID(),
      email,
      passwordHash,
      roles: this.#options.defaultRoles ?? ['user'],
      now,
    });
    if (created !== undefined) {
      if (this.#options.requireEmailVerification) await this.#sendVerification(created);
      else await this.#users.markEmailVerified(created.id, now);
      return;
    }
    // The address has an account. Say nothing different to the caller; tell the owner instead
    // (or resend the verification link if the account was never confirmed).
    const existing = await this.#users.findByEmail(email);
    if (existing === undefined) return;
    if (existing.email_verified_at === null && this.#options.requireEmailVerification) {
      await this.#sendVerification(existing);
    } else if (this.#noticeCooldown.tryAcquire(existing.id)) {
      await this.#send(
        accountExistsMail(this.#options.branding, {
          to: existing.email,
          loginLink: this.#options.links.login(),
          resetLink: this.#options.links.forgotPassword(),
        }),
      );
    }
  }

  async #signIn(input: Credentials, _context: RequestContext): Promise<IdentityUser> {
    const user = await this.#users.findByEmail(input.email.trim());
    if (user === undefined) {
      // The same Argon2id work as a real check: timing does not tell unknown addresses apart.
      await this.#options.hasher.verifyDummy(input.password);
      throw new IdentityError('invalid_credentials');
    }
    if (!(await this.#options.hasher.verify(user.password_hash, input.password)))
      throw new IdentityError('invalid_credentials');
    // Both checked only after the password: the answers tell nothing to someone without it.
    if (user.disabled_at !== null) throw new IdentityError('account_disabled');
    if (this.#options.requireEmailVerification && user.email_verified_at === null)
      throw new IdentityError('email_not_confirmed');
    if (this.#options.hasher.needsRehash(user.password_hash)) {
      await this.#users.setPasswordHash(
        user.id,
        await this.#options.hasher.hash(input.password),
        this.#now(),
        false,
      );
    }
    return toIdentityUser(user);
  }

  async #requestPasswordReset(
    input: { readonly email: string },
    _context: RequestContext,
  ): Promise<void> {
    const email = normaliseEmail(input.email);
    const user = await this.#users.findByEmail(email);
    if (user === undefined || !(await this.#coolingDown(user.id, 'reset_password'))) return;
    const token = await this.#issueToken(user.id, 'reset_password', this.#options.resetTokenTtlMs);
    await this.#send(
      passwordResetMail(this.#options.branding, {
        to: user.email,
        link: this.#options.links.resetPassword(token),
        expiresInMinutes: Math.round(this.#options.resetTokenTtlMs / 60_000),
      }),
    );
  }

  async #resetPassword(
    input: { readonly token: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser> {
    requireAcceptablePassword(input.password);
    const now = this.#now();
    // The token names the account only once it is used: the password (already checked against
    // the policy by the flow) is then checked against the account's address, and a refusal
    // rolls the use back (the link still works).
    const userId = await this.#users.transaction(async (tx) => {
      const owner = await this.#users.consumeToken(
        hashToken(input.token),
        'reset_password',
        now,
        tx,
      );
      if (owner === undefined) return undefined;
      const row = await this.#users.findById(owner, tx);
      if (row !== undefined && isOwnersWord(input.password, { email: row.email }))
        throw new IdentityError('weak_password', { reasons: ['personal'] });
      return owner;
    });
    if (userId === undefined) throw new IdentityError('invalid_token');
    const passwordHash = await this.#options.hasher.hash(input.password);
    const user = await this.#users.transaction(async (tx) => {
      await this.#users.setPasswordHash(userId, passwordHash, now, true, tx);
      await this.#users.retireTokens(userId, 'reset_password', now, tx);
      // A pending email change dies with the old password: the owner may be taking the account back.
      await this.#users.retireTokens(userId, 'change_email', now, tx);
      // Following a link from the mailbox proves the address as well.
      return this.#users.markEmailVerified(userId, now, tx);
    });
    if (user === undefined) throw new IdentityError('invalid_token');
    // The password has changed already: a notice that cannot be queued is logged, not answered.
    await this.#send(
      passwordChangedMail(this.#options.branding, { to: user.email, when: now, ip: context.ip }),
    ).catch((error: unknown) => {
      this.#options.logger.warn(
        { kind: 'password_changed', code: (error as { code?: unknown }).code },
        'the password-changed notice could not be queued',
      );
    });
    return toIdentityUser(user);
  }

  async #verifyEmail(
    input: { readonly token: string },
    _context: RequestContext,
  ): Promise<IdentityUser> {
    const now = this.#now();
    const user = await this.#users.transaction(async (tx) => {
      const userId = await this.#users.consumeToken(
        hashToken(input.token),
        'verify_email',
        now,
        tx,
      );
      return userId === undefined ? undefined : this.#users.markEmailVerified(userId, now, tx);
    });
    if (user === undefined) throw new IdentityError('invalid_token');
    return toIdentityUser(user);
  }

  /** The account of a signed-in user, once its password checks out; `invalid_credentials` otherwise. */
  async #reauthenticate(userId: string, password: string): Promise<UserRow> {
    const user = await this.#users.findById(userId);
    if (user === undefined) {
      await this.#options.hasher.verifyDummy(password);
      throw new IdentityError('invalid_credentials');
    }
    if (!(await this.#options.hasher.verify(user.password_hash, password)))
      throw new IdentityError('invalid_credentials');
    return user;
  }

  async #changePassword(input: PasswordChange, _context: RequestContext): Promise<IdentityUser> {
    requireAcceptablePassword(input.newPassword);
    const user = await this.#reauthenticate(input.userId, input.currentPassword);
    if (await this.#options.hasher.verify(user.password_hash, input.newPassword))
      throw new IdentityError('weak_password', { reasons: ['reused'] });
    const passwordHash = await this.#options.hasher.hash(input.newPassword);
    const now = this.#now();
    await this.#users.transaction(async (tx) => {
      await this.#users.setPasswordHash(user.id, passwordHash, now, true, tx);
      // A reset link sent before the change must not undo it.
      await this.#users.retireTokens(user.id, 'reset_password', now, tx);
    });
    return toIdentityUser(user);
  }

  async #requestEmailChange(
    input: EmailChangeRequest,
    _context: RequestContext,
  ): Promise<IdentityUser> {
    const newEmail = normaliseEmail(input.newEmail);
    const user = await this.#reauthenticate(input.userId, input.currentPassword);
    if (newEmail.toLowerCase() === user.email.toLowerCase())
      throw new IdentityError('validation_failed', { fields: ['email'], reasons: ['unchanged'] });
    // The caller proved the password: telling them the address is taken reveals nothing new to
    // a stranger, and hiding it would leave them waiting for a link that cannot work.
    if ((await this.#users.findByEmail(newEmail)) !== undefined)
      throw new IdentityError('validation_failed', { fields: ['email'], reasons: ['taken'] });
    const ttlMs = this.#options.verificationTokenTtlMs;
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    await this.#users.issueToken({
      hash: hashToken(token),
      userId: user.id,
      purpose: 'change_email',
      now,
      expiresAt: new Date(now.getTime() + ttlMs),
      newEmail,
    });
    await this.#send(
      emailChangeMail(this.#options.branding, {
        to: newEmail,
        link: this.#confirmEmailChangeLink(token),
        expiresInHours: Math.round(ttlMs / 3_600_000),
      }),
    );
    return toIdentityUser(user);
  }

  async #confirmEmailChange(
    input: { readonly token: string },
    _context: RequestContext,
  ): Promise<EmailChangeOutcome> {
    const now = this.#now();
    const changed = await this.#users.transaction(async (tx) => {
      const token = await this.#users.consumeEmailChangeToken(hashToken(input.token), now, tx);
      if (token === undefined) return undefined;
      const user = await this.#users.changeEmail(token.user_id, token.new_email, now, tx);
      if (user === 'taken' || user === undefined) return user;
      // Links sent to the old address (reset, verification) no longer belong to the account.
      for (const purpose of ['reset_password', 'verify_email', 'change_email'] as const)
        await this.#users.retireTokens(user.id, purpose, now, tx);
      return user;
    });
    if (changed === undefined) throw new IdentityError('invalid_token');
    if (changed === 'taken')
      throw new IdentityError('validation_failed', { fields: ['email'], reasons: ['taken'] });
    return { status: 'changed', user: toIdentityUser(changed) };
  }

  async #exportUser(userId: string): Promise<UserExport | null> {
    const profile = await this.#users.findProfile(userId);
    if (profile === undefined) return null;
    const pending = await this.#users.pendingEmailChange(userId, this.#now());
    return {
      id: profile.id,
      email: profile.email,
      email_verified_at: iso(profile.email_verified_at),
      roles: [...profile.roles],
      created_at: iso(profile.created_at),
      updated_at: iso(profile.updated_at),
      password_changed_at: iso(profile.password_changed_at),
      pending_email_change:
        pending === undefined
          ? null
          : {
              new_email: pending.new_email,
              requested_at: iso(pending.created_at),
              expires_at: iso(pending.expires_at),
            },
    };
  }

  async #deleteUser(
    input: { readonly userId: string; readonly password: string },
    _context: RequestContext,
  ): Promise<IdentityUser> {
    const user = await this.#reauthenticate(input.userId, input.password);
    await this.#users.deleteUser(user.id);
    return toIdentityUser(user);
  }

  #confirmEmailChangeLink(token: string): string {
    const { links } = this.#options;
    if (links.confirmEmailChange !== undefined) return links.confirmEmailChange(token);
    const page = links.login().replace(/\/auth\/login$/u, '/auth/account/email/confirm');
    return `${page}?token=${encodeURIComponent(token)}`;
  }

  async #getUser(userId: string): Promise<IdentityUser | null> {
    const user = await this.#users.findById(userId);
    return user === undefined ? null : toIdentityUser(user);
  }

  /** Built-in accounts keep no sessions of their own: AuthFlow's sessions are all there is. */
  endAllSessions(): Promise<void> {
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return this.#available(() => this.#users.ping());
  }

  close(): Promise<void> {
    return this.#options.db.close();
  }

  async #sendVerification(user: UserRow): Promise<void> {
    if (!(await this.#coolingDown(user.id, 'verify_email'))) return;
    const token = await this.#issueToken(
      user.id,
      'verify_email',
      this.#options.verificationTokenTtlMs,
    );
    await this.#send(
      verificationMail(this.#options.branding, {
        to: user.email,
        link: this.#options.links.verifyEmail(token),
        expiresInHours: Math.round(this.#options.verificationTokenTtlMs / 3_600_000),
      }),
    );
  }

  async #issueToken(userId: string, purpose: TokenPurpose, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    await this.#users.issueToken({
      hash: hashToken(token),
      userId,
      purpose,
      now,
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    return token;
  }

  /** True when a mail of this purpose may go out now (none within the cooldown). */
  async #coolingDown(userId: string, purpose: TokenPurpose): Promise<boolean> {
    const last = await this.#users.lastTokenIssuedAt(userId, purpose);
    return (
      last === undefined ||
      this.#clock() - last.getTime() >= (this.#options.mailCooldownMs ?? 60_000)
    );
  }

  /**
   * Hands the message to the mailer, which in the service is the durable mail queue: this
   * resolves once the message is queued (a database insert), and the queue's worker sends it
   * after the answer, so a slow or failing mail server neither delays the answer (timing would
   * tell new addresses from taken ones) nor loses the mail.
   */
  async #send(message: MailMessage): Promise<void> {
    await this.#options.mailer.send(message);
  }

  /** The database not answering is the provider's refusal, not a bug: 503 with a retry hint. */
  async #available<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailableError(error)) throw error;
      throw new IdentityError(
        'identity_store_unavailable',
        { retryAfterSeconds: this.#options.unavailableRetryAfterSeconds ?? 5 },
        { cause: error },
      );
    }
  }

  #now(): Date {
    return new Date(this.#clock());
  }
}

/** Remembers keys for a while (bounded); per instance, which is enough to stop mail bombing. */
class Cooldown {
  readonly #until = new Map<string, number>();
  readonly #windowMs: number;
  readonly #clock: () => number;

  constructor(windowMs: number, clock: () => number) {
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  tryAcquire(key: string): boolean {
    const now = this.#clock();
    if ((this.#until.get(key) ?? 0) > now) return false;
    if (this.#until.size >= 10_000) {
      for (const [entry, until] of this.#until) if (until <= now) this.#until.delete(entry);
    }
    this.#until.set(key, now + this.#windowMs);
    return true;
  }
}

/** Tokens are stored as SHA-256: a database read never yields a usable link. */
function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function requireAcceptablePassword(password: string): void {
  const problems = checkPassword(password);
  if (problems.length > 0) throw new IdentityError('weak_password', { reasons: problems });
}

function iso(date: Date | null): string | null {
  return date === null ? null : new Date(date).toISOString();
}

function toIdentityUser(row: UserRow): IdentityUser {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    roles: [...row.roles],
  };
}
