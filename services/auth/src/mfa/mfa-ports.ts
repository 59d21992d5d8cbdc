// The second-factor ports: what the MFA flows need from wherever factors, codes and pending
// sign-ins live. Adapters: built-in (Postgres/PGlite), Supabase (its MFA API), Redis and memory.

/** A second factor as lists and pages show it; never a secret. */
export interface FactorSummary {
  readonly id: string;
  readonly kind: 'totp' | 'email';
  /** What the user named it (TOTP) or the address codes go to (email). */
  readonly label: string;
  /** A TOTP factor is `pending` until a first valid code confirms it. */
  readonly status: 'pending' | 'active';
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

/** Whose factor, and (Supabase) which kept provider session to call the provider with. */
export interface FactorOwner {
  readonly userId: string;
  readonly email: string;
  /**
   * Supabase only: the key under which the user's Supabase session is kept (encrypted) in the
   * provider-session vault: a pending sign-in's id or an AuthFlow session id. Ignored by built-in.
   */
  readonly providerSessionKey?: string;
}

export interface TotpEnrollment {
  readonly factorId: string;
  /** Base32, shown once beside the QR code for manual entry. */
  readonly secret: string;
  /** `otpauth://totp/...` (SHA1, 6 digits, 30 s). */
  readonly uri: string;
}

/**
 * TOTP factors (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step). Built-in: secrets encrypted in the
 * auth database. Supabase: factors live in Supabase (enroll / challenge / verify).
 * Every accepted code is accepted once: a replay inside its window is refused.
 */
export interface TotpFactors {
  readonly home: 'authflow' | 'supabase';
  /** Active and pending TOTP factors of the user, oldest first. */
  list(owner: FactorOwner): Promise<FactorSummary[]>;
  /** A new pending factor; at most one pending per user (an older pending one is replaced). */
  beginEnrollment(owner: FactorOwner, label: string): Promise<TotpEnrollment>;
  /** Activates a pending factor with its first code; `false` when the code is wrong or used. */
  confirmEnrollment(owner: FactorOwner, factorId: string, code: string): Promise<boolean>;
  /** Checks a code against an active factor; `false` when wrong, replayed, or not the user's. */
  verify(owner: FactorOwner, factorId: string, code: string): Promise<boolean>;
  /** Removes one of the user's factors; `false` when it is not theirs. */
  remove(owner: FactorOwner, factorId: string): Promise<boolean>;
}

/** AuthFlow's own factor data in both modes: recovery codes and the email factor. */
export interface FactorStore {
  /** Replaces the user's recovery codes by these (stored hashed); the old set stops working. */
  replaceRecoveryCodes(userId: string, codes: readonly string[]): Promise<void>;
  /** Spends one unused code (single use, atomic); `false` when unknown or spent. */
  useRecoveryCode(userId: string, code: string): Promise<boolean>;
  /** How many unused recovery codes the user has (0 when none were made). */
  remainingRecoveryCodes(userId: string): Promise<number>;
  /** Turns the email factor on or off for the user. */
  setEmailFactor(userId: string, enabled: boolean, address: string): Promise<void>;
  /** The email factor, when on. */
  emailFactor(userId: string): Promise<FactorSummary | null>;
  /** Records use of a factor (`lastUsedAt`), for the settings page. */
  touchEmailFactor(userId: string): Promise<void>;
  /** Forgets everything of the user (account deletion). */
  deleteUser(userId: string): Promise<void>;
}

/** A sign-in that passed the password and waits for a second factor. Not a session. */
export interface PendingSignIn {
  readonly id: string;
  readonly userId: string;
  readonly email: string;
  /** The device the password came from (fingerprint digest): completed only from it. */
  readonly fingerprint: string;
  /** The verified handoff `next` to honour after the challenge. */
  readonly next: string | undefined;
  /** Methods used so far (RFC 8176), e.g. `["pwd"]`. */
  readonly amr: readonly string[];
  readonly provider: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly attemptsLeft: number;
}

export type NewPendingSignIn = Omit<
  PendingSignIn,
  'id' | 'createdAt' | 'expiresAt' | 'attemptsLeft'
>;

export interface TrustedDevice {
  readonly id: string;
  readonly userId: string;
  /** Fingerprint digest of the device it was issued to. */
  readonly fingerprint: string;
  readonly deviceLabel: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * Short-lived second-factor state, shared by every auth instance (Redis), or in memory for a
 * single process: pending sign-ins, email codes, used-code claims, trusted devices, kept
 * provider sessions. Every method throws `SessionStoreUnavailableError` when Redis is down.
 */
export interface MfaStateStore {
  /** Stores a pending sign-in for `ttlMs` with `maxAttempts` wrong codes allowed; returns its token (the id is its SHA-256). */
  createPending(
    input: NewPendingSignIn,
    options: { ttlMs: number; maxAttempts: number },
  ): Promise<{ token: string; pending: PendingSignIn }>;
  findPending(token: string): Promise<PendingSignIn | null>;
  /** Counts a wrong code; the pending sign-in is deleted when none are left. Returns attempts left. */
  recordPendingFailure(token: string): Promise<number>;
  /** Atomically reads and deletes: only one completion wins. */
  consumePending(token: string): Promise<PendingSignIn | null>;
  deletePending(token: string): Promise<void>;

  /**
   * A fresh 6-digit code for `subject` (a pending id or a session id), valid `ttlMs`, replacing
   * any earlier one; refused with `retryAfterMs` when one was issued less than `resendAfterMs` ago.
   */
  issueEmailCode(
    subject: string,
    options: { ttlMs: number; resendAfterMs: number; maxAttempts: number },
  ): Promise<{ code: string } | { retryAfterMs: number }>;
  /** Single use; wrong attempts counted (the code dies after `maxAttempts`). */
  verifyEmailCode(subject: string, code: string): Promise<boolean>;

  /** `true` the first time a key is claimed within `ttlMs` (used TOTP codes). */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;

  trustDevice(input: Omit<TrustedDevice, 'id' | 'createdAt'>): Promise<TrustedDevice>;
  findTrustedDevice(userId: string, id: string): Promise<TrustedDevice | null>;
  listTrustedDevices(userId: string): Promise<TrustedDevice[]>;
  revokeTrustedDevice(userId: string, id: string): Promise<boolean>;
  revokeAllTrustedDevices(userId: string): Promise<number>;

  /** Opaque (already encrypted) values kept for `ttlMs`: provider sessions (Supabase). */
  putSecret(key: string, value: string, ttlMs: number): Promise<void>;
  getSecret(key: string): Promise<string | null>;
  deleteSecret(key: string): Promise<void>;
  close(): Promise<void>;
}
