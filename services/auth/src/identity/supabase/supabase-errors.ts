// Supabase Auth refusals → AuthFlow identity errors, by error code and class, never by message text.
import {
  isAuthApiError,
  isAuthRetryableFetchError,
  isAuthSessionMissingError,
  isAuthWeakPasswordError,
} from '@supabase/supabase-js';
import { IdentityError } from '../identity-provider.js';

/** GoTrue's 429s carry no Retry-After; its per-IP buckets refill within about a minute. */
const RATE_LIMIT_RETRY_SECONDS = 60;

const RATE_LIMITED = new Set([
  'over_request_rate_limit',
  'over_email_send_rate_limit',
  'over_sms_send_rate_limit',
]);
const INVALID_INPUT = new Set([
  'validation_failed',
  'email_address_invalid',
  'bad_json',
  'email_address_not_authorized',
]);
const INVALID_TOKEN = new Set([
  'otp_expired',
  'otp_disabled',
  'flow_state_expired',
  'flow_state_not_found',
  'bad_code_verifier',
]);

/**
 * The AuthFlow error for a supabase-js error. Network failures, timeouts and 5xx become
 * `identity_provider_unavailable` (the breaker counts those); anything unexpected (a bad API
 * key, a disabled provider) too, since the caller cannot fix it.
 */
export function fromSupabaseError(error: unknown): IdentityError {
  if (isAuthRetryableFetchError(error))
    return new IdentityError('identity_provider_unavailable', {}, { cause: error });
  if (isAuthWeakPasswordError(error)) {
    return new IdentityError(
      'weak_password',
      { reasons: error.reasons.length > 0 ? error.reasons : ['policy'] },
      { cause: error },
    );
  }
  if (isAuthSessionMissingError(error))
    return new IdentityError('invalid_token', {}, { cause: error });
  if (!isAuthApiError(error))
    return new IdentityError('identity_provider_unavailable', {}, { cause: error });
  const code = error.code ?? '';
  // `user_banned` (an account an administrator disabled) is NOT `account_disabled`: GoTrue's
  // password grant checks the ban before the password (internal/api/token.go at bc32168:
  // IsBanned() then Authenticate()), so it answers anyone who names the address. Telling them
  // would reveal which addresses exist and are disabled; it reads like a wrong password instead.
  if (code === 'invalid_credentials' || code === 'user_banned')
    return new IdentityError('invalid_credentials', {}, { cause: error });
  if (code === 'email_not_confirmed')
    return new IdentityError('email_not_confirmed', {}, { cause: error });
  // A user with a verified authenticator changing their address from a session that has not
  // passed it at Supabase: a refusal about the second factor, not an outage.
  if (code === 'insufficient_aal') return new IdentityError('mfa_required', {}, { cause: error });
  if (code === 'weak_password')
    return new IdentityError('weak_password', { reasons: ['policy'] }, { cause: error });
  if (code === 'same_password')
    return new IdentityError('weak_password', { reasons: ['reused'] }, { cause: error });
  if (RATE_LIMITED.has(code))
    return new IdentityError(
      'rate_limited',
      { retryAfterSeconds: RATE_LIMIT_RETRY_SECONDS },
      { cause: error },
    );
  if (INVALID_TOKEN.has(code)) return new IdentityError('invalid_token', {}, { cause: error });
  if (INVALID_INPUT.has(code))
    return new IdentityError('validation_failed', { fields: ['email'] }, { cause: error });
  return new IdentityError('identity_provider_unavailable', {}, { cause: error });
}

/** True for the outcomes that say Supabase itself is in trouble (what the breaker counts). */
export function isOutage(error: unknown): boolean {
  return error instanceof IdentityError && error.code === 'identity_provider_unavailable';
}
