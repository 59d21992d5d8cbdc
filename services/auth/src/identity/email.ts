// Email address checks at the edge of the identity layer: syntax and length, case kept as typed.
import { IdentityError } from './identity-provider.js';

/** RFC 5321 caps a forward path at 254 characters. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * Deliberately plain: one `@`, a dot in the domain, no spaces or control characters. The
 * mailbox itself is proven by the verification link, not by a regular expression.
 */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/u;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/u;

export function isValidEmail(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value) && !CONTROL_CHARACTERS.test(value);
}

/** Trimmed address, or `validation_failed` naming the field. */
export function normaliseEmail(value: string): string {
  const email = value.trim();
  if (!isValidEmail(email)) throw new IdentityError('validation_failed', { fields: ['email'] });
  return email;
}
