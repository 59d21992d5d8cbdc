// Email normalisation and syntax checks as GoTrue applies them (trimmed, lower-cased, 255 chars max).
import { goTrueErrors } from './gotrue-errors.js';

const MAX_EMAIL_LENGTH = 255;
const EMAIL_PATTERN =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Throws 400 `validation_failed` for an empty, over-long or malformed (normalised) address. */
export function assertValidEmail(email: string): void {
  if (email === '') throw goTrueErrors.validationFailed('An email address is required');
  if (email.length > MAX_EMAIL_LENGTH) {
    throw goTrueErrors.validationFailed('An email address is too long');
  }
  if (!EMAIL_PATTERN.test(email)) {
    throw goTrueErrors.validationFailed('Unable to validate email address: invalid format');
  }
}
