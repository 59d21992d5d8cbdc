import { setTimeout as sleep } from 'node:timers/promises';
import { startJwksServer } from '@authflow/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAssertionError } from './assertion-error.js';
import { expectRefused } from './test-support/expect-refused.js';
import {
  AUDIENCE,
  assertionClaims,
  createSigningKey,
  hmacToken,
  ISSUER,
  signAssertion,
  type TestSigningKey,
} from './test-support/gateway-signer.js';
import type { RemoteKeysOptions } from './verifier-options.js';
import { createAssertionVerifier } from './verify-assertion.js';

let current: TestSigningKey;
let next: TestSigningKey;

beforeAll(async () => {
  current = await createSigningKey('gw-current');
  next = await createSigningKey('gw-next');
});

function remoteVerifier(jwksUrl: string, options: Partial<RemoteKeysOptions> = {}) {
  return createAssertionVerifier({ audience: AUDIENCE, issuer: ISSUER, jwksUrl, ...options });
}

describe('keys from the gateway JWKS', () => {
  it('fetches the key set once and serves later assertions from the cache', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url);
    for (let i = 0; i < 5; i += 1) {
      await expect(verify(await signAssertion(current))).resolves.toMatchObject({
        userId: 'user-123',
      });
    }
    expect(jwks.requests).toBe(1);
  });

  it('shares one fetch between concurrent first requests', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url);
    const token = await signAssertion(current);
    await Promise.all(Array.from({ length: 20 }, () => verify(token)));
    expect(jwks.requests).toBe(1);
  });

  it('follows a key rotation with exactly one refetch on the new kid', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url, { jwksCooldownMs: 0 });
    await verify(await signAssertion(current));
    expect(jwks.requests).toBe(1);

    // The gateway publishes the next key and starts signing with it.
    jwks.setKeys([current.publicJwk, next.publicJwk]);
    await expect(verify(await signAssertion(next))).resolves.toMatchObject({ userId: 'user-123' });
    expect(jwks.requests).toBe(2);

    // Both keys now come from the cache: tokens signed just before the switch still verify.
    await verify(await signAssertion(next));
    await verify(await signAssertion(current));
    expect(jwks.requests).toBe(2);
  });

  it('refetches for an unknown kid only once the cooldown is over', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url, { jwksCooldownMs: 200 });
    await verify(await signAssertion(current));
    jwks.setKeys([current.publicJwk, next.publicJwk]);

    await expectRefused(verify(await signAssertion(next)), 'unknown_key');
    expect(jwks.requests).toBe(1);

    await sleep(250);
    await expect(verify(await signAssertion(next))).resolves.toMatchObject({ userId: 'user-123' });
    expect(jwks.requests).toBe(2);
  });

  it('is not made to hammer the JWKS by a burst of unknown kids', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url);
    const stranger = await createSigningKey('stranger');
    const forged = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signAssertion(stranger, {}, { kid: `random-${i}` })),
    );
    // Cold start: the burst arrives before any key set is cached.
    const outcomes = await Promise.allSettled(forged.map((token) => verify(token)));
    const codes = outcomes.map((outcome) =>
      outcome.status === 'rejected' && isAssertionError(outcome.reason)
        ? outcome.reason.code
        : outcome.status,
    );
    expect(codes).toEqual(forged.map(() => 'unknown_key'));
    for (const token of forged.slice(0, 10)) await expectRefused(verify(token), 'unknown_key');
    expect(jwks.requests).toBe(1);
  });

  it('refuses HS256 key confusion without fetching anything', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url);
    const header = { alg: 'HS256', typ: 'JWT', kid: current.kid };
    const token = hmacToken(JSON.stringify(current.publicJwk), header, assertionClaims());
    await expectRefused(verify(token), 'invalid_signature');
    expect(jwks.requests).toBe(0);
  });

  it('refetches a key set older than its maximum age', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url, { jwksCacheMaxAgeMs: 100 });
    await verify(await signAssertion(current));
    await sleep(150);
    await verify(await signAssertion(current));
    expect(jwks.requests).toBe(2);
  });
});

describe('when the JWKS cannot be had', () => {
  it('fails with keys_unavailable when the server is down', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    await jwks.stop();
    await expectRefused(remoteVerifier(jwks.url)(await signAssertion(current)), 'keys_unavailable');
  });

  it('fails with keys_unavailable within the timeout when the server stalls', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    jwks.setMode('stall');
    const verify = remoteVerifier(jwks.url, { jwksTimeoutMs: 200 });
    const started = performance.now();
    const error = await expectRefused(verify(await signAssertion(current)), 'keys_unavailable');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error.message).toBe("timed out fetching the gateway's keys");
    expect(jwks.requests).toBe(1);
  });

  it('fails with keys_unavailable on an error status or a body that is not a JWKS', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    jwks.setMode('error');
    await expectRefused(remoteVerifier(jwks.url)(await signAssertion(current)), 'keys_unavailable');
    jwks.setMode('serve');
    jwks.setKeys([{ kty: 'EC', kid: current.kid, crv: 'P-256', x: 'not', y: 'a point' }]);
    await expectRefused(remoteVerifier(jwks.url)(await signAssertion(current)), 'keys_unavailable');
  });

  it('keeps verifying from the cache while the server is down, and recovers after', async () => {
    const jwks = await startJwksServer([current.publicJwk]);
    const verify = remoteVerifier(jwks.url, { jwksCooldownMs: 0 });
    await verify(await signAssertion(current));
    jwks.setMode('error');
    await expect(verify(await signAssertion(current))).resolves.toMatchObject({
      userId: 'user-123',
    });
    // A new kid needs a fetch, which fails: retryable, not the token's fault.
    await expectRefused(verify(await signAssertion(next)), 'keys_unavailable');
    jwks.setMode('serve');
    jwks.setKeys([current.publicJwk, next.publicJwk]);
    await expect(verify(await signAssertion(next))).resolves.toMatchObject({ userId: 'user-123' });
  });
});
