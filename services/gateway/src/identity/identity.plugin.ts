// The gateway's signed identity (DESIGN.md §6): its signing keys, the assertion signer, and the
// public keys at /.well-known/jwks.json.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { AssertionSigner } from './assertion-signer.js';
import { generateSigningKeys, loadSigningKeys, type SigningKeys } from './signing-keys.js';

declare module 'fastify' {
  interface FastifyInstance {
    identity: { readonly keys: SigningKeys; readonly signer: AssertionSigner };
  }
}

export interface IdentityPluginOptions {
  readonly config: GatewayConfig;
  /** Keys to sign with instead of GATEWAY_SIGNING_KEYS_FILE (all-in-one, tests). */
  readonly keys?: SigningKeys | undefined;
}

export const identityPlugin = fp(
  async (app: FastifyInstance, options: IdentityPluginOptions): Promise<void> => {
    const { config } = options;
    const keys = options.keys ?? (await signingKeysFor(config, app));
    const signer = new AssertionSigner({
      keys,
      issuer: config.assertion.issuer,
      ttlSeconds: config.assertion.ttlSeconds,
      maxCached: config.sessions.cacheMaxEntries,
    });
    app.decorate('identity', { keys, signer });
    const body = JSON.stringify(keys.jwks);
    app.get(
      '/.well-known/jwks.json',
      { config: { metricsRoute: 'jwks' }, logLevel: 'warn' },
      (_request, reply) =>
        reply
          .type('application/jwk-set+json')
          .header('cache-control', 'public, max-age=300')
          .send(body),
    );
  },
  { name: '@authflow/gateway-identity', fastify: '5.x' },
);

async function signingKeysFor(config: GatewayConfig, app: FastifyInstance): Promise<SigningKeys> {
  if (config.assertion.signingKeysFile !== undefined)
    return loadSigningKeys(config.assertion.signingKeysFile);
  const keys = await generateSigningKeys();
  app.log.warn(
    { kid: keys.activeKid },
    'GATEWAY_SIGNING_KEYS_FILE is not set: signing assertions with a key generated at start. ' +
      'Every restart and every replica gets a different key; set a keys file for anything but local development.',
  );
  return keys;
}
