// Test-only stand-in for the gateway's signer: ES256 keys, assertions, and hand-built forgeries.
import { createHmac } from 'node:crypto';
import { base64url, CompactSign, type CryptoKey, exportJWK, generateKeyPair, type JWK } from 'jose';

export const ISSUER = 'https://gateway.test';
export const AUDIENCE = 'sample-backend';

export interface TestSigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public JWK as the gateway publishes it. */
  readonly publicJwk: JWK;
}

let keyCounter = 0;

export async function createSigningKey(kid = `key-${++keyCounter}`): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, publicKey, publicJwk };
}

export type Claims = Readonly<Record<string, unknown>>;

/** The claims the gateway signs; an override set to `undefined` removes the claim. */
export function assertionClaims(overrides: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-123',
    email: 'ada@example.com',
    roles: ['user', 'billing:read'],
    sid: 'W6bmrP0s1Xw2n4Rk8sBqgk2xV8m0m7bUuY2Gm0m3dXc',
    amr: ['pwd'],
    iat: now,
    exp: now + 60,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) Reflect.deleteProperty(claims, name);
    else claims[name] = value;
  }
  return claims;
}

/**
 * Signs like the gateway. CompactSign rather than SignJWT so that tests can sign claims of
 * any type (a string `roles`, a list `aud`), which SignJWT would refuse to build.
 */
export async function signAssertion(
  key: TestSigningKey,
  overrides: Claims = {},
  header: Claims = {},
): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(assertionClaims(overrides)));
  return new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid, ...header })
    .sign(key.privateKey);
}

export function encodeSegment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** A token built by hand, bypassing jose's signer (which refuses to build forgeries). */
export function craftToken(header: Claims, claims: Claims, signature = ''): string {
  return `${encodeSegment(header)}.${encodeSegment(claims)}.${signature}`;
}

/** The classic key-confusion forgery: HS256 with the verifier's public key as the secret. */
export function hmacToken(secret: string | Uint8Array, header: Claims, claims: Claims): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}
