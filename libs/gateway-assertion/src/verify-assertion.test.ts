import { CompactSign, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AssertionErrorCode } from './assertion-error.js';
import { expectRefused } from './test-support/expect-refused.js';
import {
  assertionClaims,
  AUDIENCE,
  craftToken,
  createSigningKey,
  encodeSegment,
  hmacToken,
  ISSUER,
  signAssertion,
  type TestSigningKey,
} from './test-support/gateway-signer.js';
import {
  type AssertionVerifier,
  createAssertionVerifier,
  MAX_ASSERTION_LENGTH,
  verifyAssertion,
} from './verify-assertion.js';

let gatewayKey: TestSigningKey;
let strangerKey: TestSigningKey;
let rsaJwk: JWK;
let rsaToken: string;
let verify: AssertionVerifier;

beforeAll(async () => {
  gatewayKey = await createSigningKey('gw-2025-01');
  strangerKey = await createSigningKey('stranger');
  // An RSA key the set also holds: its RS256 tokens must still be refused (ES256 only).
  const rsa = await generateKeyPair('RS256', { extractable: true });
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1' };
  rsaToken = await new CompactSign(new TextEncoder().encode(JSON.stringify(assertionClaims())))
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'rsa-1' })
    .sign(rsa.privateKey);
  verify = createAssertionVerifier({
    audience: AUDIENCE,
    issuer: ISSUER,
    keys: { keys: [gatewayKey.publicJwk, rsaJwk] },
  });
});

const now = (): number => Math.floor(Date.now() / 1000);

describe('construction', () => {
  it('throws on invalid options, before any request', () => {
    expect(() => createAssertionVerifier({ audience: '', issuer: ISSUER, keys: [] })).toThrow(
      TypeError,
    );
  });

  it('throws on static keys jose cannot read', () => {
    const unreadable = { ...gatewayKey.publicJwk, x: (): string => 'x' } as unknown as JWK;
    expect(() =>
      createAssertionVerifier({ audience: AUDIENCE, issuer: ISSUER, keys: [unreadable] }),
    ).toThrow('keys is not a valid JWKS');
  });
});

describe('a valid assertion', () => {
  it('gives the identity it carries', async () => {
    const token = await signAssertion(gatewayKey, { email: 'zoë@exämple.com' });
    const claims = assertionClaims();
    await expect(verify(token)).resolves.toEqual({
      userId: 'user-123',
      email: 'zoë@exämple.com',
      roles: ['user', 'billing:read'],
      sessionId: claims['sid'],
      amr: ['pwd'],
      aal: 'aal1',
      provider: '',
      issuer: ISSUER,
      audience: AUDIENCE,
      issuedAt: claims['iat'],
      expiresAt: claims['exp'],
    });
  });

  it('verifies in one shot with verifyAssertion and a bare key array', async () => {
    const token = await signAssertion(gatewayKey);
    const identity = await verifyAssertion(token, {
      audience: AUDIENCE,
      issuer: ISSUER,
      keys: [gatewayKey.publicJwk],
    });
    expect(identity.userId).toBe('user-123');
  });

  it('is accepted when expired by less than the clock tolerance', async () => {
    const token = await signAssertion(gatewayKey, { iat: now() - 62, exp: now() - 2 });
    await expect(verify(token)).resolves.toMatchObject({ userId: 'user-123' });
  });
});

describe('forged assertions', () => {
  it('refuses alg "none", with or without a signature', async () => {
    const header = { alg: 'none', typ: 'JWT', kid: gatewayKey.kid };
    await expectRefused(verify(craftToken(header, assertionClaims())), 'invalid_signature');
    await expectRefused(verify(craftToken(header, assertionClaims(), 'c2ln')), 'invalid_signature');
  });

  it('refuses HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid: gatewayKey.kid };
    const pem = await exportSPKI(gatewayKey.publicKey);
    for (const secret of [
      pem,
      JSON.stringify(gatewayKey.publicJwk),
      gatewayKey.publicJwk.x ?? '',
    ]) {
      await expectRefused(
        verify(hmacToken(secret, header, assertionClaims())),
        'invalid_signature',
      );
    }
  });

  it('refuses RS256 even though an RSA key with that kid is in the set', async () => {
    await expectRefused(verify(rsaToken), 'invalid_signature');
  });

  it('refuses an ES256 token naming the RSA key', async () => {
    await expectRefused(
      verify(await signAssertion(gatewayKey, {}, { kid: 'rsa-1' })),
      'unknown_key',
    );
  });

  it('refuses other ECDSA algorithms', async () => {
    const header = { alg: 'ES384', typ: 'JWT', kid: gatewayKey.kid };
    await expectRefused(verify(craftToken(header, assertionClaims(), 'c2ln')), 'invalid_signature');
  });

  it('refuses a token from a key not in the set', async () => {
    await expectRefused(verify(await signAssertion(strangerKey)), 'unknown_key');
  });

  it("refuses a token signed by another key under the gateway key's kid", async () => {
    const token = await signAssertion(strangerKey, {}, { kid: gatewayKey.kid });
    await expectRefused(verify(token), 'invalid_signature');
  });

  it('refuses a token whose claims were edited after signing', async () => {
    const [header, , signature] = (await signAssertion(gatewayKey)).split('.');
    const claims = encodeSegment(assertionClaims({ roles: ['admin'] }));
    const edited = `${header ?? ''}.${claims}.${signature ?? ''}`;
    await expectRefused(verify(edited), 'invalid_signature');
  });

  it('refuses a token without kid', async () => {
    await expectRefused(
      verify(await signAssertion(gatewayKey, {}, { kid: undefined })),
      'malformed',
    );
  });

  it.each([['at+jwt'], [undefined]])('refuses a token whose typ is %s', async (typ) => {
    await expectRefused(verify(await signAssertion(gatewayKey, {}, { typ })), 'malformed');
  });
});

describe('claims', () => {
  const cases: [string, Record<string, unknown>, AssertionErrorCode][] = [
    ['another audience', { aud: 'billing' }, 'wrong_audience'],
    ['no audience', { aud: undefined }, 'wrong_audience'],
    ['an audience list without this backend', { aud: ['billing', 'admin'] }, 'wrong_audience'],
    ['an audience list with this backend', { aud: [AUDIENCE, 'billing'] }, 'invalid_claims'],
    ['another issuer', { iss: 'https://evil.test' }, 'wrong_issuer'],
    ['no issuer', { iss: undefined }, 'wrong_issuer'],
    ['an expiry beyond the tolerance', { iat: now() - 70, exp: now() - 10 }, 'expired'],
    ['no expiry', { exp: undefined }, 'invalid_claims'],
    ['a string expiry', { exp: String(now() + 60) }, 'invalid_claims'],
    ['no issued-at', { iat: undefined }, 'invalid_claims'],
    ['a not-before in the future', { nbf: now() + 30 }, 'invalid_claims'],
    ['no sid', { sid: undefined }, 'invalid_claims'],
    ['no sub', { sub: undefined }, 'invalid_claims'],
    ['roles not an array', { roles: 'admin' }, 'invalid_claims'],
    ['amr holding an object', { amr: [{ method: 'pwd' }] }, 'invalid_claims'],
    ['a numeric email', { email: 1 }, 'invalid_claims'],
  ];
  it.each(cases)('refuses a signed token with %s', async (_case, overrides, code) => {
    await expectRefused(verify(await signAssertion(gatewayKey, overrides)), code);
  });

  it('keeps claim values out of the error, cause included', async () => {
    const error = await expectRefused(
      verify(await signAssertion(gatewayKey, { aud: 'billing', email: 'secret@example.com' })),
      'wrong_audience',
    );
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain('secret@example.com');
    expect(error.message).not.toContain('secret@example.com');
  });

  it('honours a zero clock tolerance', async () => {
    const strict = createAssertionVerifier({
      audience: AUDIENCE,
      issuer: ISSUER,
      keys: [gatewayKey.publicJwk],
      clockToleranceSeconds: 0,
    });
    await expectRefused(strict(await signAssertion(gatewayKey, { exp: now() - 2 })), 'expired');
  });
});

describe('garbage', () => {
  it.each([[''], [null], [undefined]])('calls %j missing', async (token) => {
    await expectRefused(verify(token), 'missing');
  });

  it.each([
    ['a word', 'garbage'],
    ['two parts', 'a.b'],
    ['four parts', 'a.b.c.d'],
    ['empty parts', '..'],
    ['non-base64url characters', 'ñ.ñ.ñ'],
    ['a NUL byte', 'a\u0000.b.c'],
    ['a Bearer prefix', 'Bearer a.b.c'],
    ['a header that is not JSON', 'abc.def.ghi'],
    ['a header that is a JSON array', `${encodeSegment([1])}.${encodeSegment({})}.c2ln`],
    ['a 100 kB string', 'a'.repeat(100_000)],
    ['a 100 kB compact shape', `${'a'.repeat(50_000)}.${'b'.repeat(50_000)}.c`],
  ])('calls %s malformed', async (_case, token) => {
    await expectRefused(verify(token), 'malformed');
  });

  it('calls a correctly signed payload that is not JSON malformed', async () => {
    const token = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: gatewayKey.kid })
      .sign(gatewayKey.privateKey);
    await expectRefused(verify(token), 'malformed');
  });

  it('refuses a correctly signed token over the size limit', async () => {
    const token = await signAssertion(gatewayKey, { padding: 'x'.repeat(MAX_ASSERTION_LENGTH) });
    expect(token.length).toBeGreaterThan(MAX_ASSERTION_LENGTH);
    await expectRefused(verify(token), 'malformed');
  });

  it('refuses values a JavaScript caller might pass by mistake', async () => {
    for (const value of [42, {}, ['a.b.c']]) {
      await expectRefused(verify(value as unknown as string), 'malformed');
    }
  });
});
