import { startJwksServer } from '@authflow/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  type GatewayAssertionPluginOptions,
  gatewayAssertionPlugin,
  KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './fastify-plugin.js';
import {
  AUDIENCE,
  createSigningKey,
  ISSUER,
  signAssertion,
  type TestSigningKey,
} from './test-support/gateway-signer.js';

let gatewayKey: TestSigningKey;
let staticKeys: GatewayAssertionPluginOptions;

beforeAll(async () => {
  gatewayKey = await createSigningKey('gw-1');
  staticKeys = { audience: AUDIENCE, issuer: ISSUER, keys: [gatewayKey.publicJwk] };
});

interface Backend {
  readonly app: FastifyInstance;
  readonly logs: string[];
  /** How many times a protected handler ran. */
  readonly handled: () => number;
}

/** A backend as a team would write it, closed when the test finishes. */
async function startBackend(options: GatewayAssertionPluginOptions): Promise<Backend> {
  const logs: string[] = [];
  let handled = 0;
  const app = Fastify({
    requestIdHeader: 'x-request-id',
    logger: { level: 'info', stream: { write: (line: string) => logs.push(line) } },
  });
  onTestFinished(() => app.close());
  await app.register(gatewayAssertionPlugin, options);
  app.get('/whoami', (request) => {
    handled += 1;
    return { identity: request.identity };
  });
  app.get('/health', (request) => ({ ok: true, identity: request.identity }));
  await app.ready();
  return { app, logs, handled: () => handled };
}

const unauthenticatedBody = (requestId: string): unknown => ({
  error: {
    code: 'unauthenticated',
    message:
      'This service accepts only requests forwarded by the AuthFlow gateway with a valid assertion.',
    request_id: requestId,
  },
});

describe('gateway assertion plugin', () => {
  it('answers 401 with the JSON error envelope when the assertion is missing', async () => {
    const { app, handled } = await startBackend(staticKeys);
    const response = await app.inject({
      url: '/whoami',
      headers: { 'x-request-id': 'req-missing' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-authflow-error']).toBe('unauthenticated');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual(unauthenticatedBody('req-missing'));
    expect(handled()).toBe(0);
  });

  it('does not trust identity headers sent without an assertion', async () => {
    const { app, handled } = await startBackend(staticKeys);
    const response = await app.inject({
      url: '/whoami',
      headers: {
        'x-request-id': 'req-forged',
        'x-authflow-user-id': 'admin',
        'x-authflow-email': 'admin@example.com',
        'x-authflow-roles': 'admin',
      },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(unauthenticatedBody('req-forged'));
    expect(handled()).toBe(0);
  });

  it('lets a valid assertion through and sets request.identity from it alone', async () => {
    const { app } = await startBackend(staticKeys);
    const response = await app.inject({
      url: '/whoami',
      headers: {
        'x-authflow-assertion': await signAssertion(gatewayKey, { roles: ['viewer'] }),
        // Disagrees with the assertion: the assertion wins.
        'x-authflow-user-id': 'admin',
        'x-authflow-roles': 'admin',
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      identity: {
        userId: 'user-123',
        email: 'ada@example.com',
        roles: ['viewer'],
        amr: ['pwd'],
        issuer: ISSUER,
        audience: AUDIENCE,
      },
    });
  });

  it('gives every refusal the same answer, so a caller cannot probe why', async () => {
    const { app } = await startBackend(staticKeys);
    const tokens = [
      await signAssertion(gatewayKey, { aud: 'billing' }),
      await signAssertion(gatewayKey, { exp: Math.floor(Date.now() / 1000) - 60 }),
      'garbage',
    ];
    for (const token of tokens) {
      const response = await app.inject({
        url: '/whoami',
        headers: { 'x-authflow-assertion': token, 'x-request-id': 'req-probe' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(unauthenticatedBody('req-probe'));
    }
  });

  it('logs why an assertion was refused, never the assertion itself', async () => {
    const { app, logs } = await startBackend(staticKeys);
    const token = await signAssertion(gatewayKey, { aud: 'billing' });
    await app.inject({ url: '/whoami', headers: { 'x-authflow-assertion': token } });
    const refusal = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(refusal).toContainEqual(
      expect.objectContaining({
        assertionError: 'wrong_audience',
        msg: 'gateway assertion refused',
      }),
    );
    expect(logs.join('\n')).not.toContain(token.split('.')[2]);
  });

  it('refuses a repeated assertion header', async () => {
    const { app } = await startBackend(staticKeys);
    const token = await signAssertion(gatewayKey);
    const response = await app.inject({
      url: '/whoami',
      headers: { 'x-authflow-assertion': [token, token] },
    });
    expect(response.statusCode).toBe(401);
  });

  it('lets requests isPublic accepts through without an assertion', async () => {
    const { app } = await startBackend({
      ...staticKeys,
      isPublic: (request) => request.routeOptions.url === '/health',
    });
    const health = await app.inject({ url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ ok: true, identity: null });
    expect((await app.inject({ url: '/whoami' })).statusCode).toBe(401);
  });

  it('protects only the scope it is registered in', async () => {
    const app = Fastify();
    onTestFinished(() => app.close());
    app.get('/health', () => ({ ok: true }));
    await app.register(async (protectedScope) => {
      await protectedScope.register(gatewayAssertionPlugin, staticKeys);
      protectedScope.get('/whoami', (request) => ({ userId: request.identity?.userId }));
    });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/whoami' })).statusCode).toBe(401);
    const token = await signAssertion(gatewayKey);
    const response = await app.inject({
      url: '/whoami',
      headers: { 'x-authflow-assertion': token },
    });
    expect(response.json()).toEqual({ userId: 'user-123' });
  });

  it('reads the assertion from a configured header', async () => {
    const { app } = await startBackend({ ...staticKeys, header: 'X-Gateway-Identity' });
    const token = await signAssertion(gatewayKey);
    expect(
      (await app.inject({ url: '/whoami', headers: { 'x-authflow-assertion': token } })).statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ url: '/whoami', headers: { 'x-gateway-identity': token } })).statusCode,
    ).toBe(200);
  });

  it('answers 503 with Retry-After when the JWKS cannot be fetched', async () => {
    const jwks = await startJwksServer([gatewayKey.publicJwk]);
    await jwks.stop();
    const { app, logs, handled } = await startBackend({
      audience: AUDIENCE,
      issuer: ISSUER,
      jwksUrl: jwks.url,
    });
    const response = await app.inject({
      url: '/whoami',
      headers: { 'x-authflow-assertion': await signAssertion(gatewayKey), 'x-request-id': 'r-503' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe(String(KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS));
    expect(response.headers['x-authflow-error']).toBe('upstream_unavailable');
    expect(response.json()).toEqual({
      error: {
        code: 'upstream_unavailable',
        message: "The gateway's signing keys could not be fetched; retry shortly.",
        request_id: 'r-503',
      },
    });
    expect(handled()).toBe(0);
    expect(logs.some((line) => line.includes('"assertionError":"keys_unavailable"'))).toBe(true);
  });

  it('verifies against a live JWKS', async () => {
    const jwks = await startJwksServer([gatewayKey.publicJwk]);
    const { app } = await startBackend({ audience: AUDIENCE, issuer: ISSUER, jwksUrl: jwks.url });
    const token = await signAssertion(gatewayKey);
    for (let i = 0; i < 3; i += 1) {
      const response = await app.inject({
        url: '/whoami',
        headers: { 'x-authflow-assertion': token },
      });
      expect(response.statusCode).toBe(200);
    }
    expect(jwks.requests).toBe(1);
  });

  it('fails at boot on invalid options', async () => {
    const app = Fastify();
    onTestFinished(() => app.close());
    const noKeySource = { audience: AUDIENCE, issuer: ISSUER } as GatewayAssertionPluginOptions;
    await expect(app.register(gatewayAssertionPlugin, noKeySource)).rejects.toThrow(
      'give jwksUrl or keys (none given)',
    );
  });

  it('fails at boot on a header name that is not a token', async () => {
    const app = Fastify();
    onTestFinished(() => app.close());
    await expect(
      app.register(gatewayAssertionPlugin, { ...staticKeys, header: 'x y' }),
    ).rejects.toThrow('header must be a header name');
  });
});
