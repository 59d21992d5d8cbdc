// Maps the identity layer's refusals to the auth service's codes (messages from the registry).
import { type AuthflowError, isAuthflowError } from '@authflow/errors';
import { isSessionStoreUnavailableError } from '@authflow/sessions';
import { type IdentityError, isIdentityError } from '../identity/identity-provider.js';
import { ProviderSessionError } from '../mfa/supabase/supabase-mfa-api.js';
import { authErrors } from './auth-errors.js';

const isProviderSessionError = (error: unknown): error is ProviderSessionError =>
  error instanceof ProviderSessionError;

const RETRY_AFTER_SECONDS = 5;

export function identityErrorToAuthError(error: IdentityError): AuthflowError {
  const { details } = error;
  switch (error.code) {
    case 'weak_password':
      return authErrors.create('weak_password', {
        details: { reasons: details.reasons ?? [] },
        cause: error,
      });
    case 'validation_failed':
      return authErrors.create('validation_failed', {
        details: { fields: details.fields ?? [] },
        cause: error,
      });
    case 'rate_limited': {
      const seconds = String(Math.max(1, Math.ceil(details.retryAfterSeconds ?? 60)));
      return authErrors.create('rate_limited', {
        headers: { 'retry-after': seconds },
        cause: error,
      });
    }
    case 'identity_provider_unavailable':
    case 'identity_store_unavailable': {
      const seconds = Math.max(1, Math.ceil(details.retryAfterSeconds ?? RETRY_AFTER_SECONDS));
      return authErrors.create(error.code, {
        headers: { 'retry-after': String(seconds) },
        cause: error,
      });
    }
    default:
      return authErrors.create(error.code, { cause: error });
  }
}

/** For the error handler: identity refusals, store outages and CSRF plugin failures. */
export function mapAuthError(error: unknown): AuthflowError | undefined {
  if (isAuthflowError(error)) return error;
  if (isIdentityError(error)) return identityErrorToAuthError(error);
  // Supabase no longer has the session AuthFlow kept for this user: sign in again.
  if (isProviderSessionError(error)) return authErrors.create('session_invalid', { cause: error });
  if (isSessionStoreUnavailableError(error)) {
    return authErrors.create('session_store_unavailable', {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      cause: error,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_CSRF_MISSING_SECRET' || code === 'FST_CSRF_INVALID_TOKEN') {
    return authErrors.create('csrf_failed', { cause: error });
  }
  return undefined;
}
