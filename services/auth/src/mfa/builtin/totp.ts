// TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30 s steps, ±1 step of clock
// drift. Which step a code matched is returned, so callers can refuse it a second time.
import { Secret, TOTP } from 'otpauth';

export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps either side of now that are accepted (clock drift, a code typed as it turns over). */
export const TOTP_WINDOW = 1;
/** RFC 4226 recommends 160 bits, the size of an HMAC-SHA1 key. */
const SECRET_BYTES = 20;

/** A fresh random secret, base32 (what apps accept for manual entry). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/Issuer:account?...` URI a QR code carries. */
export function totpUri(input: { issuer: string; account: string; secret: string }): string {
  if (input.issuer.includes(':'))
    throw new TypeError('a TOTP issuer must not contain a colon (it separates issuer and account)');
  return totpOf(input.secret, { issuer: input.issuer, label: input.account }).toString();
}

/** Digits only: spaces and dashes (as apps group them) dropped; `null` unless exactly 6 digits. */
export function normaliseTotpCode(input: string): string | null {
  const code = input.replace(/[\s-]/gu, '');
  return /^\d{6}$/u.test(code) ? code : null;
}

/** The time step `now` falls in. */
export function totpStep(now: number = Date.now()): number {
  return Math.floor(now / 1_000 / TOTP_PERIOD_SECONDS);
}

/**
 * The time step (counter) `code` belongs to when it is valid at `now` within ±1 step, else
 * `null`. Not single-use by itself: the caller records the step and refuses it and older ones.
 */
export function matchTotp(secret: string, code: string, now: number = Date.now()): number | null {
  const token = normaliseTotpCode(code);
  if (token === null) return null;
  const delta = totpOf(secret).validate({ token, timestamp: now, window: TOTP_WINDOW });
  return delta === null ? null : totpStep(now) + delta;
}

/** The code for `now`: for tests and tools that act as the authenticator app. */
export function generateTotp(secret: string, now: number = Date.now()): string {
  return totpOf(secret).generate({ timestamp: now });
}

function totpOf(secret: string, names: { issuer?: string; label?: string } = {}): TOTP {
  return new TOTP({
    ...names,
    secret: Secret.fromBase32(secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}
