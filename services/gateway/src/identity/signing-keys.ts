// The gateway's ES256 signing keys: several published for rotation, one active; file or generated.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@authflow/config';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  type CryptoKey,
  type JWK,
} from 'jose';
import { z } from 'zod';

export interface SigningKeys {
  readonly activeKid: string;
  readonly privateKey: CryptoKey;
  /** What `/.well-known/jwks.json` serves: public halves of every configured key. */
  readonly jwks: { readonly keys: readonly JWK[] };
  /** True when made up at start (development): replicas would each sign with their own key. */
  readonly generated: boolean;
}

const keyEntry = z.union([
  z.strictObject({ kid: z.string().min(1).max(128), pem: z.string().min(1) }),
  z.strictObject({ kid: z.string().min(1).max(128), jwk: z.record(z.string(), z.unknown()) }),
]);

/**
 * `{ "activeKid": "2026-11", "keys": [{ "kid": "2026-11", "pem": "-----BEGIN PRIVATE KEY-----..." },
 * { "kid": "2026-05", "pem": "-----BEGIN PUBLIC KEY-----..." }] }`. Entries may give a JWK
 * instead of a PEM. The active key needs its private half; retired keys only their public one.
 */
const keysFileSchema = z.strictObject({
  activeKid: z.string().min(1),
  keys: z.array(keyEntry).min(1),
});

const ALGORITHM = 'ES256';

export async function loadSigningKeys(path: string): Promise<SigningKeys> {
  const fail = (problem: string): never => {
    throw new ConfigError([`GATEWAY_SIGNING_KEYS_FILE (${path}): ${problem}`]);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    return fail(error instanceof SyntaxError ? 'not valid JSON' : 'cannot be read');
  }
  const parsed = keysFileSchema.safeParse(raw);
  if (!parsed.success)
    return fail(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  const published: JWK[] = [];
  let privateKey: CryptoKey | undefined;
  for (const entry of parsed.data.keys) {
    let key: { publicJwk: JWK; privateKey?: CryptoKey };
    try {
      key = 'pem' in entry ? await importPem(entry.pem) : await importJwkEntry(entry.jwk);
    } catch {
      return fail(`key ${entry.kid} is not an EC P-256 key in PEM (PKCS#8 or SPKI) or JWK form`);
    }
    if (published.some((jwk) => jwk.kid === entry.kid))
      return fail(`key id ${entry.kid} appears twice`);
    published.push({ ...key.publicJwk, kid: entry.kid, alg: ALGORITHM, use: 'sig' });
    if (entry.kid === parsed.data.activeKid) {
      privateKey = key.privateKey ?? fail(`the active key ${entry.kid} has no private half`);
    }
  }
  if (privateKey === undefined)
    return fail(`activeKid ${parsed.data.activeKid} is not among the keys`);
  return {
    activeKid: parsed.data.activeKid,
    privateKey,
    jwks: { keys: published },
    generated: false,
  };
}

/** A fresh key for development; its id is the RFC 7638 thumbprint. */
export async function generateSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    activeKid: kid,
    privateKey,
    jwks: { keys: [{ ...publicJwk, kid, alg: ALGORITHM, use: 'sig' }] },
    generated: true,
  };
}

async function importPem(pem: string): Promise<{ publicJwk: JWK; privateKey?: CryptoKey }> {
  if (pem.includes('PRIVATE KEY')) {
    const privateKey = await importPKCS8(pem, ALGORITHM, { extractable: true });
    return { publicJwk: publicHalf(await exportJWK(privateKey)), privateKey };
  }
  return {
    publicJwk: publicHalf(await exportJWK(await importSPKI(pem, ALGORITHM, { extractable: true }))),
  };
}

async function importJwkEntry(
  jwk: Record<string, unknown>,
): Promise<{ publicJwk: JWK; privateKey?: CryptoKey }> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('not a P-256 key');
  const key = await importJWK({ ...jwk, alg: ALGORITHM }, ALGORITHM, { extractable: true });
  if (key instanceof Uint8Array) throw new Error('symmetric key');
  return typeof jwk.d === 'string'
    ? { publicJwk: publicHalf(jwk), privateKey: key }
    : { publicJwk: publicHalf(jwk) };
}

function publicHalf(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, y };
}
