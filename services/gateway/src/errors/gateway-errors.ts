// Every code the gateway answers with (DESIGN.md §8); the README's table is checked against this.
import { defineErrorRegistry } from '@authflow/errors';

export const gatewayErrors = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  session_invalid: { status: 401, message: 'Your session has ended. Sign in again.' },
  fingerprint_mismatch: {
    status: 401,
    message: 'This session belongs to another device and has been ended. Sign in again.',
  },
  forbidden: { status: 403, message: 'You may not access this resource.' },
  mfa_required: {
    status: 403,
    message: 'This resource needs a second factor. Confirm it to continue.',
  },
  not_found: { status: 404, message: 'Nothing is served at this address.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  rate_limited: { status: 429, message: 'Too many requests. Try again shortly.' },
  headers_too_large: { status: 431, message: 'Request header fields are too large.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  session_store_unavailable: {
    status: 503,
    message: 'Sessions cannot be checked right now. Try again in a few seconds.',
  },
  upstream_unavailable: {
    status: 503,
    message: 'The service is unavailable. Try again in a few seconds.',
  },
  upstream_timeout: { status: 504, message: 'The service did not answer in time.' },
});

export type GatewayErrorCode = Parameters<typeof gatewayErrors.create>[0];
