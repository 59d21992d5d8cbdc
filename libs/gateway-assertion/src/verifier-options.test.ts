import { describe, expect, it } from 'vitest';
import {
  type AssertionVerifierOptions,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  parseVerifierOptions,
} from './verifier-options.js';

const publicKey = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };
const remote = { audience: 'orders', issuer: 'https://gw', jwksUrl: 'https://gw/jwks.json' };

/** JavaScript callers and config files are not held back by the static types. */
function parseUntyped(options: unknown): ReturnType<typeof parseVerifierOptions> {
  return parseVerifierOptions(options as AssertionVerifierOptions);
}

describe('parseVerifierOptions', () => {
  it('fills in the documented defaults for a JWKS URL', () => {
    expect(parseVerifierOptions(remote)).toEqual({
      audience: 'orders',
      issuer: 'https://gw',
      clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
      keySource: {
        kind: 'remote',
        url: new URL('https://gw/jwks.json'),
        cooldownMs: DEFAULT_JWKS_COOLDOWN_MS,
        cacheMaxAgeMs: DEFAULT_JWKS_CACHE_MAX_AGE_MS,
        timeoutMs: DEFAULT_JWKS_TIMEOUT_MS,
      },
    });
  });

  it('keeps explicit JWKS timings, including an unlimited cache age', () => {
    const config = parseVerifierOptions({
      ...remote,
      clockToleranceSeconds: 0,
      jwksCooldownMs: 0,
      jwksCacheMaxAgeMs: Infinity,
      jwksTimeoutMs: 250,
    });
    expect(config.clockToleranceSeconds).toBe(0);
    expect(config.keySource).toMatchObject({
      cooldownMs: 0,
      cacheMaxAgeMs: Infinity,
      timeoutMs: 250,
    });
  });

  it('accepts static keys as a JWKS or as a bare array', () => {
    const fromSet = parseVerifierOptions({
      audience: 'a',
      issuer: 'i',
      keys: { keys: [publicKey] },
    });
    const fromArray = parseVerifierOptions({ audience: 'a', issuer: 'i', keys: [publicKey] });
    expect(fromSet.keySource).toEqual({ kind: 'static', jwks: { keys: [publicKey] } });
    expect(fromArray.keySource).toEqual(fromSet.keySource);
  });

  it('reports every problem at once', () => {
    expect(() =>
      parseUntyped({ audience: '', jwksUrl: 'ftp://gw/jwks', jwksTimeoutMs: 1.5 }),
    ).toThrow(
      new TypeError(
        'Invalid gateway assertion verifier options: audience must be a non-empty string; ' +
          'issuer must be a non-empty string; jwksUrl must be an http(s) URL; ' +
          'jwksTimeoutMs must be an integer >= 1',
      ),
    );
  });

  it.each([
    ['no options at all', undefined, 'audience must be a non-empty string'],
    ['no key source', { audience: 'a', issuer: 'i' }, 'give jwksUrl or keys (none given)'],
    ['both key sources', { ...remote, keys: [publicKey] }, 'give either jwksUrl or keys, not both'],
    [
      'a URL that does not parse',
      { ...remote, jwksUrl: 'not a url' },
      'jwksUrl must be an http(s) URL',
    ],
    [
      'a negative cooldown',
      { ...remote, jwksCooldownMs: -1 },
      'jwksCooldownMs must be a number >= 0',
    ],
    ['a NaN cache age', { ...remote, jwksCacheMaxAgeMs: Number.NaN }, 'jwksCacheMaxAgeMs must be'],
    ['an infinite timeout', { ...remote, jwksTimeoutMs: Infinity }, 'jwksTimeoutMs must be'],
    ['a tolerance over 60 s', { ...remote, clockToleranceSeconds: 61 }, 'between 0 and 60'],
    [
      'a string tolerance',
      { ...remote, clockToleranceSeconds: '5' },
      'clockToleranceSeconds must be',
    ],
    ['an empty key list', { audience: 'a', issuer: 'i', keys: [] }, 'keys must be a non-empty'],
    [
      'keys that are not a list',
      { audience: 'a', issuer: 'i', keys: 'k' },
      'keys must be a non-empty',
    ],
    ['a key that is not a JWK', { audience: 'a', issuer: 'i', keys: [42] }, 'keys[0] is not a JWK'],
    [
      'a private key',
      { audience: 'a', issuer: 'i', keys: [{ ...publicKey, d: 'secret' }] },
      'keys[0] must be a public key',
    ],
    [
      'a shared secret',
      { audience: 'a', issuer: 'i', keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] },
      'keys[0] must be a public key',
    ],
    [
      'a key without kid',
      { audience: 'a', issuer: 'i', keys: [{ ...publicKey, kid: undefined }] },
      'keys[0] needs a "kid"',
    ],
    [
      'a repeated kid',
      { audience: 'a', issuer: 'i', keys: [publicKey, { ...publicKey }] },
      'keys[1] repeats kid "k1"',
    ],
  ])('refuses %s', (_case, options, problem) => {
    expect(() => parseUntyped(options)).toThrow(problem);
  });
});
