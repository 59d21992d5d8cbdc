// The refusal of a weak new password, as the API and the pages show it (`weak_password`).
import { authErrors } from '../errors/auth-errors.js';
import { assessPassword, type PasswordOwner } from '../identity/builtin/password-strength.js';

/**
 * Throws `weak_password` (422) with a plain-words `message`, the rule codes in `reasons` and
 * what to do in `suggestions`. Runs before any provider is called (Supabase included), at
 * sign-up, reset and change of password.
 */
export function requireStrongPassword(password: string, owner: PasswordOwner = {}): void {
  const verdict = assessPassword(password, owner);
  if (verdict.ok) return;
  throw authErrors.create('weak_password', {
    message: [verdict.message, ...verdict.suggestions].join(' '),
    details: { reasons: verdict.reasons, suggestions: verdict.suggestions },
  });
}
