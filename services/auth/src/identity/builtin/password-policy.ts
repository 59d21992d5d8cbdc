// Which passwords are accepted: 10 to 128 characters, not on a list of commonly used passwords.
import { dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * zxcvbn-ts's list of ~49,000 passwords seen most in breaches (MIT, maintained), compared
 * case-insensitively. Loaded once.
 */
const COMMON = new Set(dictionary['passwords-common'].map((password) => password.toLowerCase()));

export type PasswordProblem = 'length' | 'common';

/** The reasons a password is refused; empty when it is acceptable. Length counts code points. */
export function checkPassword(password: string): PasswordProblem[] {
  // Code points, as people count characters (an emoji is one), not UTF-16 units.
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are what is meant
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) return ['length'];
  return COMMON.has(password.toLowerCase()) ? ['common'] : [];
}
