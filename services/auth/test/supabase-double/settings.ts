// Tunable project settings of the Supabase test double, mirroring the knobs a Supabase project exposes.

/** Character sets as GoTrue's `GOTRUE_PASSWORD_REQUIRED_CHARACTERS` takes them (one string per class). */
export const PASSWORD_CHARACTER_SETS = {
  digits: '0123456789',
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  symbols: '!@#$%^&*()_+-=[]{};\'\\:"|<>?,./`~',
} as const;

export interface PasswordPolicy {
  /** Minimum length in UTF-8 bytes (GoTrue compares Go string lengths). Hosted default: 6. */
  readonly minLength: number;
  /** Each entry is a set of characters; the password needs at least one character of every set. */
  readonly requiredCharacters: readonly string[];
  /** Stand-in for the HIBP check: reject passwords on a tiny built-in list with reason `pwned`. */
  readonly rejectKnownWeak: boolean;
}

export interface DoubleSettings {
  /** Mailer autoconfirm: true = "Confirm email" off (sign-up returns a session). */
  readonly autoconfirm: boolean;
  readonly signupDisabled: boolean;
  readonly passwordPolicy: PasswordPolicy;
  /** Access-token lifetime (`expires_in`). */
  readonly jwtExpirySeconds: number;
  /** Per-user email window (`GOTRUE_SMTP_MAX_FREQUENCY`). */
  readonly emailFrequencySeconds: number;
  /** Lifetime of email links (`GOTRUE_MAILER_OTP_EXP`; hosted dashboard default 1 h). */
  readonly otpExpirySeconds: number;
  /** Where email links point when no (allowed) `redirect_to` is given. */
  readonly siteUrl: string;
  /**
   * Redirect allow list in GoTrue's glob syntax (`*` = one segment, `**` = anything). `null` is a
   * double-only convenience: every http(s) `redirect_to` is accepted as given.
   */
  readonly redirectAllowList: readonly string[] | null;
  /**
   * "Secure email change" (`GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED`, default on): the current
   * address gets a link too, and both must be followed before the address changes.
   */
  readonly secureEmailChange: boolean;
  /** `GOTRUE_MFA_TOTP_ENROLL_ENABLED` / `_VERIFY_ENABLED` (default on). */
  readonly mfaTotpEnrollEnabled: boolean;
  readonly mfaTotpVerifyEnabled: boolean;
  /** `GOTRUE_MFA_MAX_ENROLLED_FACTORS` / `GOTRUE_MFA_MAX_VERIFIED_FACTORS` (10 each). */
  readonly mfaMaxEnrolledFactors: number;
  readonly mfaMaxVerifiedFactors: number;
  /** `GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION` (300 s). */
  readonly mfaChallengeExpirySeconds: number;
  /** `GOTRUE_MFA_FACTOR_EXPIRY_DURATION`: unchallenged unverified factors are purged after it (300 s). */
  readonly mfaFactorExpirySeconds: number;
  /**
   * OAuth providers enabled for `GET /authorize` (`GOTRUE_EXTERNAL_<NAME>_ENABLED`), lower-case
   * names such as `github`, `google`. None by default, as in GoTrue.
   */
  readonly externalProviders: readonly string[];
}

export interface SettingsPatch extends Partial<Omit<DoubleSettings, 'passwordPolicy'>> {
  readonly passwordPolicy?: Partial<PasswordPolicy>;
}

export const DEFAULT_SETTINGS: DoubleSettings = Object.freeze({
  autoconfirm: false,
  signupDisabled: false,
  passwordPolicy: Object.freeze({ minLength: 6, requiredCharacters: [], rejectKnownWeak: false }),
  jwtExpirySeconds: 3600,
  emailFrequencySeconds: 60,
  otpExpirySeconds: 3600,
  siteUrl: 'http://localhost:3000',
  redirectAllowList: null,
  secureEmailChange: true,
  mfaTotpEnrollEnabled: true,
  mfaTotpVerifyEnabled: true,
  mfaMaxEnrolledFactors: 10,
  mfaMaxVerifiedFactors: 10,
  mfaChallengeExpirySeconds: 300,
  mfaFactorExpirySeconds: 300,
  externalProviders: Object.freeze([]),
});

export function applySettingsPatch(base: DoubleSettings, patch: SettingsPatch): DoubleSettings {
  const next: DoubleSettings = {
    ...base,
    ...patch,
    passwordPolicy: { ...base.passwordPolicy, ...patch.passwordPolicy },
  };
  assertPositive('jwtExpirySeconds', next.jwtExpirySeconds);
  assertPositive('otpExpirySeconds', next.otpExpirySeconds);
  assertPositive('mfaChallengeExpirySeconds', next.mfaChallengeExpirySeconds);
  assertPositive('mfaFactorExpirySeconds', next.mfaFactorExpirySeconds);
  if (next.emailFrequencySeconds < 0 || next.passwordPolicy.minLength < 0) {
    throw new RangeError('supabase double: emailFrequencySeconds and minLength must be >= 0');
  }
  return Object.freeze(next);
}

function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`supabase double: ${name} must be a positive number, got ${value}`);
  }
}
