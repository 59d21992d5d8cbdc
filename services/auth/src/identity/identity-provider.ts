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
  /** The account, or `invalid_credentials` / `email_not_confirmed` / `rate_limited`. */
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
  /** Called when AuthFlow ends every session of a user (password reset, logout-all). */
  endAllSessions(userId: string): Promise<void>;
  /** Readiness: resolves when the provider can serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type IdentityErrorCode =
  | 'invalid_credentials'
  | 'email_not_confirmed'
  | 'weak_password'
  | 'validation_failed'
  | 'invalid_token'
  | 'rate_limited'
  | 'identity_provider_unavailable'
  | 'identity_store_unavailable';

export interface IdentityErrorDetails {
  /** weak_password: which rules failed (`length`, `common`, `characters`, `pwned`). */
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
