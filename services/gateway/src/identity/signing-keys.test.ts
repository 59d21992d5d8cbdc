import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@authflow/config';
import { decodeJwt, exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '@authflow/sessions';
import { AssertionSigner } from './assertion-signer.js';
import { generateSigningKeys, loadSigningKeys } from './signing-keys.js';

async function keysFile(contents: unknown): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'keys-'));
  const path = join(folder, 'keys.json');
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return path;
}

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const session = {
  id: 'sid-1',
  userId: 'u-1',
  email: 'a@b.c',
  roles: ['r'],
  aal: 'aal1',
  amr: ['pwd'],
  mfaAt: null,
} as Partial<SessionRecord> as SessionRecord;

describe('signing keys', () => {
  it('publishes every configured key and signs with the active one', async () => {
    const current = ec();
    const retired = ec();
    const viaJwk = await generateKeyPair('ES256', { extractable: true });
    const path = await keysFile({
      activeKid: 'current',
      keys: [
        { kid: 'current', pem: current.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
        { kid: 'retired', pem: retired.publicKey.export({ type: 'spki', format: 'pem' }) },
        { kid: 'jwk', jwk: await exportJWK(viaJwk.publicKey) },
      ],
    });
    const keys = await loadSigningKeys(path);
    expect(keys.activeKid).toBe('current');
    expect(keys.generated).toBe(false);
    expect(keys.jwks.keys.map((key) => key.kid)).toEqual(['current', 'retired', 'jwk']);
    for (const key of keys.jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const signer = new AssertionSigner({
      keys,
      issuer: 'https://gw',
      ttlSeconds: 60,
      maxCached: 10,
    });
    const token = await signer.assertionFor(session, 'app');
    const { protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet({ keys: [...keys.jwks.keys] }),
      { audience: 'app', issuer: 'https://gw' },
    );
    expect(protectedHeader.kid).toBe('current');
  });

  it.each([
    ['not JSON', '{', /not valid JSON/u],
    ['no keys', { activeKid: 'a', keys: [] }, /keys/u],
    [
      'an active key without its private half',
      {
        activeKid: 'a',
        keys: [{ kid: 'a', pem: ec().publicKey.export({ type: 'spki', format: 'pem' }) }],
      },
      /no private half/u,
    ],
    [
      'an active kid that is not listed',
      {
        activeKid: 'z',
        keys: [{ kid: 'a', pem: ec().privateKey.export({ type: 'pkcs8', format: 'pem' }) }],
      },
      /not among the keys/u,
    ],
    ['garbage PEM', { activeKid: 'a', keys: [{ kid: 'a', pem: 'nope' }] }, /not an EC P-256 key/u],
    [
      'a duplicated kid',
      {
        activeKid: 'a',
        keys: [
          { kid: 'a', pem: ec().privateKey.export({ type: 'pkcs8', format: 'pem' }) },
          { kid: 'a', pem: ec().publicKey.export({ type: 'spki', format: 'pem' }) },
        ],
      },
      /appears twice/u,
    ],
  ])('refuses %s with a configuration error', async (_name, contents, message) => {
    await expect(loadSigningKeys(await keysFile(contents))).rejects.toSatisfy(
      (error: unknown) => error instanceof ConfigError && message.test(error.problems.join(' ')),
    );
  });

  it('generates a development key identified by its thumbprint', async () => {
    const keys = await generateSigningKeys();
    expect(keys.generated).toBe(true);
    expect(keys.jwks.keys).toHaveLength(1);
    expect(keys.jwks.keys[0]?.kid).toBe(keys.activeKid);
  });

  it('renews an assertion once half its lifetime has passed', async () => {
    let now = 1_700_000_000_000;
    const signer = new AssertionSigner({
      keys: await generateSigningKeys(),
      issuer: 'i',
      ttlSeconds: 60,
      maxCached: 10,
      clock: () => now,
    });
    const first = await signer.assertionFor(session, 'app');
    now += 29_000;
    expect(await signer.assertionFor(session, 'app')).toBe(first);
    now += 2_000;
    expect(await signer.assertionFor(session, 'app')).not.toBe(first);
  });

  it('asserts the assurance level and the methods the session records', async () => {
    const signer = new AssertionSigner({
      keys: await generateSigningKeys(),
      issuer: 'i',
      ttlSeconds: 60,
      maxCached: 10,
    });
    expect(decodeJwt(await signer.assertionFor(session, 'app'))).toMatchObject({
      aal: 'aal1',
      acr: 'aal1',
      amr: ['pwd'],
    });
    const raised = { ...session, id: 'sid-2', aal: 'aal2', amr: ['pwd', 'otp'] } as SessionRecord;
    expect(decodeJwt(await signer.assertionFor(raised, 'app'))).toMatchObject({
      sid: 'sid-2',
      aal: 'aal2',
      acr: 'aal2',
      amr: ['pwd', 'otp'],
    });
  });
});
