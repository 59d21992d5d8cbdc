// The built-in IdentityProvider: accounts in Postgres (or PGlite), Argon2id passwords, mailed tokens.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Branding } from '../../branding.js';
import type { Mailer, MailMessage } from '../../mail/mailer.js';
import {
  accountExistsMail,
  passwordChangedMail,
  passwordResetMail,
  verificationMail,
} from '../../mail/mail-templates.js';
import { normaliseEmail } from '../email.js';
import {
  type Credentials,
  IdentityError,
  type IdentityProvider,
  type IdentityUser,
  type RequestContext,
} from '../identity-provider.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';
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
    // Checked only after the password: the answer tells nothing to someone without it.
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
    const userId = await this.#users.consumeToken(hashToken(input.token), 'reset_password', now);
    if (userId === undefined) throw new IdentityError('invalid_token');
    const passwordHash = await this.#options.hasher.hash(input.password);
    const user = await this.#users.transaction(async (tx) => {
      await this.#users.setPasswordHash(userId, passwordHash, now, true, tx);
      await this.#users.retireTokens(userId, 'reset_password', now, tx);
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

function toIdentityUser(row: UserRow): IdentityUser {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    roles: [...row.roles],
  };
}
