// Resolves the gateway's public key for an assertion's `kid`, from its JWKS URL or a static set.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type CryptoKey,
  errors,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
} from 'jose';
import { AssertionError } from './assertion-error.js';
import type { KeySourceConfig } from './verifier-options.js';

export type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

/**
 * Builds the resolver once, so its JWKS cache lives as long as the verifier. jose's remote set
 * fetches on first use and when the cache is older than `cacheMaxAgeMs`, refetches on an
 * unknown `kid` at most once per `cooldownMs`, and shares one in-flight fetch between callers.
 */
export function createKeyResolver(source: KeySourceConfig): KeyResolver {
  const resolve =
    source.kind === 'remote'
      ? createRemoteJWKSet(source.url, {
          cooldownDuration: source.cooldownMs,
          cacheMaxAge: source.cacheMaxAgeMs,
          timeoutDuration: source.timeoutMs,
        })
      : createStaticResolver(source);
  return async (header, token) => {
    // The gateway always names its key. Without a kid jose would try "the only key", which
    // would make a lone key in the set silently match anything.
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new AssertionError('malformed', 'the assertion header has no "kid"');
    }
    try {
      return await resolve(header, token);
    } catch (error) {
      throw toKeyError(error);
    }
  };
}

function createStaticResolver(
  source: Extract<KeySourceConfig, { kind: 'static' }>,
): ReturnType<typeof createLocalJWKSet> {
  try {
    return createLocalJWKSet(source.jwks);
  } catch (error) {
    throw new TypeError('Invalid gateway assertion verifier options: keys is not a valid JWKS', {
      cause: error,
    });
  }
}

/**
 * Only "no key has this kid" is the token's fault. Everything else that can go wrong here
 * (fetch refused, timed out, non-200, not a JWKS, a key jose cannot import) is the key
 * source's fault: fail closed, but as retryable.
 */
function toKeyError(error: unknown): AssertionError {
  if (error instanceof AssertionError) return error;
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AssertionError('unknown_key', "no key in the gateway's key set has this kid", {
      cause: error,
    });
  }
  const what =
    error instanceof errors.JWKSTimeout
      ? "timed out fetching the gateway's keys"
      : "could not fetch or use the gateway's keys";
  return new AssertionError('keys_unavailable', what, { cause: error });
}
