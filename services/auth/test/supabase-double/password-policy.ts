// GoTrue's password checks: the hard 72-byte limit (400) and the configurable strength policy (422).
import { goTrueErrors, type WeakPasswordReason } from './gotrue-errors.js';
import type { PasswordPolicy } from './settings.js';

const MAX_PASSWORD_BYTES = 72;

/** Stand-in for the HIBP lookup; only consulted when `rejectKnownWeak` is on. */
const KNOWN_WEAK_PASSWORDS: ReadonlySet<string> = new Set([
  '123456',
  '12345678',
  '123456789',
  'password',
  'password1',
  'password123',
  'qwerty',
  'qwerty123',
  'letmein',
  'iloveyou',
]);

export interface WeakPasswordVerdict {
  readonly message: string;
  readonly reasons: readonly WeakPasswordReason[];
}

export function isPasswordTooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
}

/** Returns why `password` fails `policy`, or `null` when it passes. Messages joined as GoTrue does. */
export function findPasswordWeakness(
  password: string,
  policy: PasswordPolicy,
): WeakPasswordVerdict | null {
  const reasons: WeakPasswordReason[] = [];
  const messages: string[] = [];
  if (Buffer.byteLength(password, 'utf8') < policy.minLength) {
    reasons.push('length');
    messages.push(`Password should be at least ${policy.minLength} characters.`);
  }
  const sets = policy.requiredCharacters.filter((set) => set !== '');
  if (sets.some((set) => !Array.from(set).some((char) => password.includes(char)))) {
    reasons.push('characters');
    messages.push(`Password should contain at least one character of each: ${sets.join(', ')}.`);
  }
  if (policy.rejectKnownWeak && KNOWN_WEAK_PASSWORDS.has(password.toLowerCase())) {
    reasons.push('pwned');
    messages.push('Password is known to be weak and easy to guess, please choose a different one.');
  }
  return reasons.length === 0 ? null : { message: messages.join(' '), reasons };
}

/** Throws 400 `validation_failed` over 72 bytes, else 422 `weak_password` with reasons. */
export function assertPasswordAcceptable(password: string, policy: PasswordPolicy): void {
  if (isPasswordTooLong(password)) throw goTrueErrors.passwordTooLong();
  const weakness = findPasswordWeakness(password, policy);
  if (weakness !== null) throw goTrueErrors.weakPassword(weakness.message, weakness.reasons);
}
