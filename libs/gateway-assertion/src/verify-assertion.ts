// Verifies the gateway's `x-authflow-assertion` (ES256 JWT) and returns the identity it carries.
import { errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { AssertionError, type AssertionErrorCode } from './assertion-error.js';
import { type AssertionIdentity, identityFromClaims } from './assertion-identity.js';
import { createKeyResolver } from './key-source.js';
import { type AssertionVerifierOptions, parseVerifierOptions } from './verifier-options.js';

/** The request header the gateway puts the assertion in. */
export const ASSERTION_HEADER = 'x-authflow-assertion';

/**
 * Longer tokens are refused before any parsing. A real assertion is well under 2 kB, and
 * Node refuses request headers over 16 kB by default, so nothing legitimate comes near this.
 */
export const MAX_ASSERTION_LENGTH = 16_384;

/** Resolves with the identity, or rejects with an {@link AssertionError}. */
export type AssertionVerifier = (token: string | null | undefined) => Promise<AssertionIdentity>;

/**
 * Builds a verifier for one gateway and one audience. Build it once per process and reuse it:
 * it holds the JWKS cache. Throws a `TypeError` listing every invalid option.
 */
export function createAssertionVerifier(options: AssertionVerifierOptions): AssertionVerifier {
  const config = parseVerifierOptions(options);
  const getKey = createKeyResolver(config.keySource);
  const verifyOptions: JWTVerifyOptions = {
    // Exactly one algorithm: `none`, HS256 signed with the public key's bytes ("key
    // confusion") and RS256 are all refused before any key is looked up.
    algorithms: ['ES256'],
    typ: 'JWT',
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['sub', 'sid', 'iat', 'exp'],
  };

  return async (token) => {
    const compact = checkShape(token);
    let claims: Readonly<Record<string, unknown>>;
    try {
      ({ payload: claims } = await jwtVerify(compact, getKey, verifyOptions));
    } catch (error) {
      throw toAssertionError(error);
    }
    const nowSeconds = Math.floor(Date.now() / 1000);
    return identityFromClaims(claims, {
      nowSeconds,
      clockToleranceSeconds: config.clockToleranceSeconds,
    });
  };
}

/**
 * One-shot verification. It builds a new verifier, and so a new JWKS cache, on every call:
 * with `jwksUrl`, that is one fetch per call. Prefer {@link createAssertionVerifier}.
 */
export async function verifyAssertion(
  token: string | null | undefined,
  options: AssertionVerifierOptions,
): Promise<AssertionIdentity> {
  return createAssertionVerifier(options)(token);
}

/** Cheap checks first, so junk never reaches JSON parsing or a JWKS fetch. */
function checkShape(token: string | null | undefined): string {
  if (token === undefined || token === null || token === '') {
    throw new AssertionError('missing', 'no gateway assertion in the request');
  }
  // Typed callers pass strings; JavaScript callers and header parsers may not.
  const value: unknown = token;
  // Three base64url parts; an empty signature is let through so that `alg: none` is reported
  // as the signature problem it is.
  if (
    typeof value !== 'string' ||
    value.length > MAX_ASSERTION_LENGTH ||
    !/^[\w-]+\.[\w-]+\.[\w-]*$/u.test(value)
  ) {
    throw new AssertionError('malformed', 'the gateway assertion is not a compact JWS');
  }
  return value;
}

function toAssertionError(error: unknown): AssertionError {
  if (error instanceof AssertionError) return error;
  const [code, message] = describeJoseError(error);
  // jose's claim errors carry the whole claims set (the email among them); an error that ends
  // up in a log should not, so those are not kept as the cause.
  const carriesClaims =
    error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired;
  return new AssertionError(code, message, carriesClaims ? undefined : { cause: error });
}

function describeJoseError(error: unknown): [AssertionErrorCode, string] {
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return ['invalid_signature', 'the assertion is not signed with ES256'];
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return ['invalid_signature', 'the assertion signature does not verify'];
  }
  if (error instanceof errors.JWTExpired) {
    return ['expired', 'the assertion has expired'];
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return ['wrong_issuer', 'the assertion comes from another issuer'];
    if (error.claim === 'aud') return ['wrong_audience', 'the assertion is for another audience'];
    if (error.claim === 'typ') return ['malformed', 'the assertion "typ" header is not JWT'];
    return ['invalid_claims', `the assertion "${error.claim}" claim is invalid`];
  }
  return ['malformed', 'the gateway assertion could not be parsed'];
}
