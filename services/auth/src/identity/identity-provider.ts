// The IdentityProvider port: accounts and credentials, wherever they live (built-in Postgres, Supabase).

export interface IdentityUser {
  readonly id: string;
  /** As the user typed it at sign-up; compared case-insensitively. */
  readonly email: string;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
}

/** Facts about the request an operation serves (rate limits, IP forwarding, audit). */
export interface RequestContext {
  readonly ip: string;
  readonly requestId: string;
}

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

export interface PasswordChange {
  readonly userId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
}

export interface EmailChangeRequest {
  readonly userId: string;
  readonly currentPassword: string;
  readonly newEmail: string;
}

/**
 * `changed`: the account now has the new address. `pending`: this link was one of two (Supabase's
 * "secure email change" also mails the current address) and the other has yet to be followed.
 */
export type EmailChangeOutcome =
  { readonly status: 'changed'; readonly user: IdentityUser } | { readonly status: 'pending' };

/** A user's own data as the provider keeps it: plain JSON values, no secrets. */
export type UserExport = Readonly<Record<string, unknown>>;

/**
 * Every method answers the same way whether or not an account exists, except `signIn` and
 * the token-based ones, whose errors are deliberately uniform (`invalid_credentials`,
 * `invalid_token`). Providers send their own mail (verification, reset).
 */
export interface IdentityProvider {
  readonly name: 'builtin' | 'supabase';
  /**
   * Registers an account and sends a verification mail. For an address that already has an
   * account nothing is created and the call resolves the same way.
   */
  signUp(input: Credentials, context: RequestContext): Promise<void>;
  /**
   * The account, or `invalid_credentials` / `email_not_confirmed` / `account_disabled` /
   * `rate_limited`. `email_not_confirmed` and `account_disabled` only after the right password.
   */
  signIn(input: Credentials, context: RequestContext): Promise<IdentityUser>;
  /** Sends a reset mail when the address has an account; resolves the same way either way. */
  requestPasswordReset(input: { readonly email: string }, context: RequestContext): Promise<void>;
  /** Sets a new password with a reset token (single use, expiring); `invalid_token` otherwise. */
  resetPassword(
    input: { readonly token: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser>;
  /** Confirms the address with a verification token (single use, expiring); `invalid_token` otherwise. */
  verifyEmail(input: { readonly token: string }, context: RequestContext): Promise<IdentityUser>;
  getUser(userId: string): Promise<IdentityUser | null>;
  /**
   * Account self-service for a signed-in user; each one checks `currentPassword` first
   * (`invalid_credentials`). Notices about the change (to the old address, a goodbye) are the
   * caller's to send; the provider sends only the mail that carries a link.
   *
   * A new password for the account: `weak_password` (reasons, `reused` for the current one).
   * Other sessions at the provider end; AuthFlow's own are the caller's.
   */
  changePassword(input: PasswordChange, context: RequestContext): Promise<IdentityUser>;
  /**
   * Mails a confirmation link (single use, expiring) to `newEmail`; nothing changes until it is
   * followed. `validation_failed` with `reasons: ['taken']` when another account has the address,
   * `['unchanged']` when it is the account's own.
   */
  requestEmailChange(input: EmailChangeRequest, context: RequestContext): Promise<IdentityUser>;
  /** Follows an email-change link; `invalid_token` when unknown, used or expired. */
  confirmEmailChange(
    input: { readonly token: string },
    context: RequestContext,
  ): Promise<EmailChangeOutcome>;
  /** Everything the provider stores about the user, minus secrets (hashes, tokens); null when unknown. */
  exportUser(userId: string): Promise<UserExport | null>;
  /** Deletes the account for good, after checking its password; returns what it was. */
  deleteUser(
    input: { readonly userId: string; readonly password: string },
    context: RequestContext,
  ): Promise<IdentityUser>;
  /** Called when AuthFlow ends every session of a user (password reset, logout-all). */
  endAllSessions(userId: string): Promise<void>;
  /** Readiness: resolves when the provider can serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type IdentityErrorCode =
  | 'invalid_credentials'
  | 'email_not_confirmed'
  | 'account_disabled'
  | 'weak_password'
  | 'validation_failed'
  | 'invalid_token'
  | 'rate_limited'
  | 'mfa_required'
  | 'identity_provider_unavailable'
  | 'identity_store_unavailable';

export interface IdentityErrorDetails {
  /**
   * weak_password: which rules failed (`length`, `common`, `characters`, `pwned`, `reused`);
   * validation_failed on an email change: `taken`, `unchanged`.
   */
  readonly reasons?: readonly string[];
  /** rate_limited, identity_*_unavailable: when to try again. */
  readonly retryAfterSeconds?: number;
  /** validation_failed: which fields. */
  readonly fields?: readonly string[];
}

/** A refusal the caller can show; messages come from the auth error registry, not the provider. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly code: IdentityErrorCode;
  readonly details: IdentityErrorDetails;

  constructor(
    code: IdentityErrorCode,
    details: IdentityErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, options);
    this.code = code;
    this.details = details;
  }
}

export function isIdentityError(error: unknown, code?: IdentityErrorCode): error is IdentityError {
  return error instanceof IdentityError && (code === undefined || error.code === code);
}
