// ES256 signing key of the double: signs access tokens and publishes the public half as a JWK set.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface TokenSigner {
  readonly kid: string;
  /** Body of `GET /.well-known/jwks.json`. */
  jwks(): { keys: JWK[] };
  /** Signs `claims` as given (callers set `iat`/`exp`); header `{alg: ES256, kid, typ: JWT}`. */
  sign(claims: JWTPayload): Promise<string>;
  /** Verifies signature and `exp` at `nowMs`; throws a jose error otherwise. */
  verify(token: string, nowMs: number): Promise<JWTPayload>;
}

export async function createTokenSigner(): Promise<TokenSigner> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid,
    alg: 'ES256',
    use: 'sig',
    key_ops: ['verify'],
  };
  return {
    kid,
    jwks: () => ({ keys: [{ ...publicJwk }] }),
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey),
    verify: async (token, nowMs) => {
      const { payload } = await jwtVerify(token, publicKey, {
        algorithms: ['ES256'],
        currentDate: new Date(nowMs),
      });
      return payload;
    },
  };
}
