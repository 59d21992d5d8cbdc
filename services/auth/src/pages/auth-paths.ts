// The auth service URLs the pages link and post to: the contract with the route code.

export const AUTH_PATHS = {
  login: '/auth/login',
  logout: '/auth/logout',
  signup: '/auth/signup',
  forgotPassword: '/auth/forgot-password',
  resetPassword: '/auth/reset-password',
  revokeSession: '/auth/sessions/revoke',
  revokeOtherSessions: '/auth/sessions/revoke-others',
  sessions: '/auth/sessions',
  account: '/auth/account',
  /** GET: the second-factor challenge (`?method=`, `?next=`); POST: a code. */
  mfa: '/auth/mfa',
  /** POST: send (or send again) an email code for the challenge. */
  mfaSendEmailCode: '/auth/mfa/email',
  /** The security settings page. */
  security: '/auth/security',
  /** POST: begin a TOTP enrollment (field `label`), answered with the enrollment page. */
  totpEnroll: '/auth/security/totp',
  /** POST: confirm a pending TOTP factor with its first code (`factor_id`, `code`). */
  totpConfirm: '/auth/security/totp/confirm',
  /** POST: remove a TOTP factor (`factor_id`). */
  totpRemove: '/auth/security/totp/remove',
  /** POST: turn email codes on or off (`enabled`: `true` or `false`). */
  emailFactor: '/auth/security/email',
  /** POST: make a new set of recovery codes, invalidating the old one. */
  regenerateRecoveryCodes: '/auth/security/recovery-codes',
  /** POST: stop trusting one device (`device_id`). */
  revokeTrustedDevice: '/auth/security/devices/revoke',
  /** POST: stop trusting every device. */
  revokeAllTrustedDevices: '/auth/security/devices/revoke-all',
} as const;

/**
 * Appends `?next=` when there is somewhere to return to. URL-encoded so the value stays one
 * query parameter; the routes still validate it before redirecting anywhere.
 */
export function withNext(path: string, next: string | undefined): string {
  return next !== undefined && next !== '' ? `${path}?next=${encodeURIComponent(next)}` : path;
}
