// Redis key names of the second-factor state, all under one prefix (`authflow:mfa:`).

export const MFA_KEY_PREFIX = 'authflow:mfa:';

export interface MfaStateKeys {
  readonly prefix: string;
  /** Hash (`data` JSON, `left` attempts) of one pending sign-in, by its id (never its token). */
  pending(pendingId: string): string;
  /** Hash of the current email code of a subject (pending id or session id). */
  emailCode(subject: string): string;
  /** Marker of a used one-time value (a TOTP code), `SET NX PX`. */
  claim(key: string): string;
  /** Hash of the user's trusted devices, id → JSON; its TTL is the latest expiry. */
  trusted(userId: string): string;
  /** Opaque value kept for the caller (already encrypted). */
  secret(key: string): string;
}

/** Key builders. `prefix` lets tests and shared Redis deployments keep namespaces apart. */
export function mfaStateKeys(prefix = MFA_KEY_PREFIX): MfaStateKeys {
  return {
    prefix,
    pending: (pendingId) => `${prefix}pending:${pendingId}`,
    emailCode: (subject) => `${prefix}email_code:${subject}`,
    claim: (key) => `${prefix}claim:${key}`,
    trusted: (userId) => `${prefix}trusted:${userId}`,
    secret: (key) => `${prefix}secret:${key}`,
  };
}
