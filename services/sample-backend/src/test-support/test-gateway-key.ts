// Test-only stand-in for the gateway's signer: an ES256 key, its public JWKS, and assertions made with jose.
import { type CryptoKey, exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';

export const TEST_ISSUER = 'http://localhost:8000';
export const TEST_AUDIENCE = 'sample-backend';

export interface TestGatewayKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** What the gateway publishes at /.well-known/jwks.json. */
  readonly jwks: JSONWebKeySet;
}

export async function createTestGatewayKey(kid = 'test-gateway-1'): Promise<TestGatewayKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwks: { keys: [publicJwk] } };
}

export interface TestClaims {
  readonly iss?: string;
  readonly aud?: string;
  readonly sub?: string;
  readonly email?: string;
  readonly roles?: readonly string[];
  readonly sid?: string;
  readonly amr?: readonly string[];
  /** Epoch seconds. */
  readonly iat?: number;
  readonly exp?: number;
}

export const DEFAULT_CLAIMS = {
  sub: 'user-42',
  email: 'ada@example.com',
  roles: ['member', 'billing:read'],
  sid: 'W6bmrP0s1Xw2n4Rk8sBqgk2xV8m0m7bUuY2Gm0m3dXc',
  amr: ['pwd'],
  provider: 'builtin',
} as const;

/** Signs like the gateway: ES256, `typ: JWT`, its `kid`, 60 s lifetime. */
export async function signTestAssertion(
  key: TestGatewayKey,
  claims: TestClaims = {},
): Promise<string> {
  const iat = claims.iat ?? Math.floor(Date.now() / 1_000);
  return new SignJWT({
    email: claims.email ?? DEFAULT_CLAIMS.email,
    roles: [...(claims.roles ?? DEFAULT_CLAIMS.roles)],
    sid: claims.sid ?? DEFAULT_CLAIMS.sid,
    amr: [...(claims.amr ?? DEFAULT_CLAIMS.amr)],
    provider: DEFAULT_CLAIMS.provider,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid })
    .setIssuer(claims.iss ?? TEST_ISSUER)
    .setAudience(claims.aud ?? TEST_AUDIENCE)
    .setSubject(claims.sub ?? DEFAULT_CLAIMS.sub)
    .setIssuedAt(iat)
    .setExpirationTime(claims.exp ?? iat + 60)
    .sign(key.privateKey);
}
