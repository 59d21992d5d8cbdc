// Every code the auth service answers with (DESIGN.md §8); the README's table is checked against this.
import { defineErrorRegistry } from '@authflow/errors';

export const authErrors = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  validation_failed: { status: 400, message: 'Some fields are not valid.' },
  invalid_token: { status: 400, message: 'This link is invalid or has expired.' },
  sign_in_expired: {
    status: 400,
    message:
      'This sign-in could not be completed: it expired or was started elsewhere. Start again.',
  },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  session_invalid: { status: 401, message: 'Your session has ended. Sign in again.' },
  fingerprint_mismatch: {
    status: 401,
    message: 'This session belongs to another device and has been ended. Sign in again.',
  },
  invalid_credentials: { status: 401, message: 'The email or password is not correct.' },
  invalid_code: { status: 401, message: 'That code is not correct. Check it and try again.' },
  mfa_pending_invalid: {
    status: 401,
    message: 'This sign-in has expired or was ended. Sign in again.',
  },
  email_not_confirmed: {
    status: 403,
    message: 'Confirm your email address first: follow the link we sent you.',
  },
  account_disabled: {
    status: 403,
    message: 'This account is disabled. Contact your administrator.',
  },
  forbidden: { status: 403, message: 'You do not have access to this.' },
  mfa_required: {
    status: 403,
    message: 'Confirm it is you with your second factor to continue.',
  },
  csrf_failed: {
    status: 403,
    message: 'The request did not come from this site. Reload the page and try again.',
  },
  provider_refused: {
    status: 403,
    message: 'The sign-in was cancelled or refused at the identity provider.',
  },
  email_domain_not_allowed: {
    status: 403,
    message: 'Accounts of this email domain cannot sign in here with this provider.',
  },
  email_unverified: {
    status: 403,
    message:
      'The identity provider did not confirm your email address. Sign in with your password, or confirm the address at the provider first.',
  },
  account_not_found: {
    status: 403,
    message: 'There is no account for this identity here. Ask your administrator for one.',
  },
  not_found: { status: 404, message: 'Nothing is served at this address.' },
  identity_in_use: {
    status: 409,
    message: 'This identity already opens another account.',
  },
  last_sign_in_method: {
    status: 409,
    message: 'This is the last way into your account. Set a password or link another first.',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the request as application/json.' },
  weak_password: { status: 422, message: 'Choose a stronger password.' },
  rate_limited: { status: 429, message: 'Too many attempts. Try again later.' },
  headers_too_large: { status: 431, message: 'Request header fields are too large.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  identity_provider_unavailable: {
    status: 503,
    message: 'Accounts cannot be reached right now. Try again in a few seconds.',
  },
  identity_store_unavailable: {
    status: 503,
    message: 'Accounts cannot be reached right now. Try again in a few seconds.',
  },
  external_provider_unavailable: {
    status: 503,
    message:
      'This identity provider cannot be reached right now. Try again soon, or sign in another way.',
  },
  session_store_unavailable: {
    status: 503,
    message: 'Sessions cannot be reached right now. Try again in a few seconds.',
  },
});

export type AuthErrorCode = Parameters<typeof authErrors.create>[0];
