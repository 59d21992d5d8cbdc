// Publishes the gateway's public signing keys at /.well-known/jwks.json.
import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from './signing-keys.js';

export function jwksRoutes(
  app: FastifyInstance,
  options: { keys: SigningKeys },
  done: () => void,
): void {
  const body = JSON.stringify(options.keys.jwks);
  app.get(
    '/.well-known/jwks.json',
    { config: { metricsRoute: 'jwks' }, logLevel: 'warn' },
    (_request, reply) =>
      reply
        .type('application/jwk-set+json')
        .header('cache-control', 'public, max-age=300')
        .send(body),
  );
  done();
}
