// The one error the verifier throws, with a stable code a backend can log and branch on.

/** Every way an assertion can be refused; stable across versions, safe to log. */
export const ASSERTION_ERROR_CODES = [
  'missing',
  'malformed',
  'invalid_signature',
  'unknown_key',
  'expired',
  'wrong_audience',
  'wrong_issuer',
  'invalid_claims',
  'keys_unavailable',
] as const;

export type AssertionErrorCode = (typeof ASSERTION_ERROR_CODES)[number];

/**
 * An assertion was refused. Every code but `keys_unavailable` is the caller's fault (answer
 * 401); `keys_unavailable` means the gateway's keys could not be fetched (answer 503, retry).
 * The message never contains the token.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
  readonly code: AssertionErrorCode;

  constructor(code: AssertionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isAssertionError(error: unknown): error is AssertionError {
  return error instanceof AssertionError;
}

/** True when the refusal is not the request's fault and a retry may succeed. */
export function isRetryableAssertionError(error: unknown): boolean {
  return isAssertionError(error) && error.code === 'keys_unavailable';
}
