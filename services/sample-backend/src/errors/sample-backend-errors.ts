// Every code the sample backend answers with; the README's error table is checked against this.
import { defineErrorRegistry } from '@authflow/errors';

export const sampleBackendErrors = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  unauthenticated: {
    status: 401,
    message:
      'This service accepts only requests forwarded by the AuthFlow gateway with a valid assertion.',
  },
  forbidden: { status: 403, message: 'You may not access this resource.' },
  not_found: { status: 404, message: 'Nothing is served at this address.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  upstream_unavailable: {
    status: 503,
    message: "The gateway's signing keys could not be fetched; retry shortly.",
  },
});

export type SampleBackendErrorCode = Parameters<typeof sampleBackendErrors.create>[0];
