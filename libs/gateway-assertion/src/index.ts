// Public surface of @authflow/gateway-assertion: framework-free verification of the assertion.
export {
  ASSERTION_ERROR_CODES,
  AssertionError,
  type AssertionErrorCode,
  isAssertionError,
  isRetryableAssertionError,
} from './assertion-error.js';
export type { AssertionIdentity } from './assertion-identity.js';
export {
  ASSERTION_HEADER,
  type AssertionVerifier,
  createAssertionVerifier,
  MAX_ASSERTION_LENGTH,
  verifyAssertion,
} from './verify-assertion.js';
export {
  type AssertionVerifierOptions,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type RemoteKeysOptions,
  type StaticKeysOptions,
} from './verifier-options.js';
