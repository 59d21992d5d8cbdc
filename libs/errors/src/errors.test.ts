import { request } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientErrorHandler } from './client-error-handler.js';
import { errorHandlerPlugin } from './error-handler.plugin.js';
import { AuthflowError, defineErrorRegistry, errorBody } from './error-registry.js';
import { readErrorTable } from './readme-error-table.js';

const registry = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  validation_failed: { status: 400, message: 'Some fields are not valid.' },
  session_invalid: { status: 401, message: 'The session is not valid.' },
  not_found: { status: 404, message: 'Nothing here.' },
  payload_too_large: { status: 413, message: 'The body is too large.' },
  store_down: { status: 503, message: 'Try again shortly.' },
  internal_error: { status: 500, message: 'Something went wrong.' },
});

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function buildApp(errorHeader = true): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 100, logger: false });
  apps.push(app);
  await app.register(errorHandlerPlugin, {
    registry,
    badRequestCode: 'bad_request',
    validationCode: 'validation_failed',
    payloadTooLargeCode: 'payload_too_large',
    notFoundCode: 'not_found',
    internalCode: 'internal_error',
    errorHeader,
  });
  app.post('/echo', (req) => req.body);
  app.post(
    '/typed',
    {
      schema: {
        body: { type: 'object', required: ['email'], properties: { email: { type: 'string' } } },
      },
    },
    () => ({ ok: true }),
  );
  app.get('/denied', () => {
    throw registry.create('store_down', {
      headers: { 'retry-after': '2' },
      details: { login_url: '/auth/login' },
    });
  });
  app.get('/bug', () => {
    throw new Error('secret internals at /srv/app.ts:12');
  });
  return app;
}

/** A bare app with the plugin on the minimal options plus `extra` (routes added by the test). */
async function appWith(
  extra: Partial<Parameters<typeof errorHandlerPlugin>[1]>,
): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(errorHandlerPlugin, {
    registry,
    badRequestCode: 'bad_request',
    payloadTooLargeCode: 'payload_too_large',
    notFoundCode: 'not_found',
    internalCode: 'internal_error',
    ...extra,
  });
  return app;
}

/** A service's own page for an error. */
const renderParagraph = (_request: unknown, reply: FastifyReply, error: AuthflowError): boolean => {
  void reply.code(error.statusCode).type('text/html').send(`<p>${error.code}</p>`);
  return true;
};

describe('defineErrorRegistry', () => {
  it('creates errors with their status, message and extras', () => {
    const error = registry.create('session_invalid', { details: { login_url: '/x' } });
    expect(error).toBeInstanceOf(AuthflowError);
    expect(error).toMatchObject({
      code: 'session_invalid',
      statusCode: 401,
      message: 'The session is not valid.',
    });
    expect(error.details).toEqual({ login_url: '/x' });
    expect(registry.has('session_invalid')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    expect(registry.status('store_down')).toBe(503);
  });

  it('refuses codes that are not snake_case and statuses that are not errors', () => {
    expect(() => defineErrorRegistry({ BadCode: { status: 400, message: 'x' } })).toThrow(
      'snake_case',
    );
    expect(() => defineErrorRegistry({ fine: { status: 302, message: 'x' } })).toThrow(
      'not 4xx/5xx',
    );
  });

  it('renders the envelope with the request id and details', () => {
    expect(errorBody('c', 'm', 'req-1', { login_url: '/l' })).toEqual({
      error: { login_url: '/l', code: 'c', message: 'm', request_id: 'req-1' },
    });
  });
});

describe('errorHandlerPlugin', () => {
  it('answers a thrown registry error with its status, headers and envelope', async () => {
    const app = await buildApp();
    const response = await app.inject({ url: '/denied' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.headers['x-authflow-error']).toBe('store_down');
    expect(response.json()).toEqual({
      error: {
        code: 'store_down',
        message: 'Try again shortly.',
        request_id: expect.any(String),
        login_url: '/auth/login',
      },
    });
  });

  it('maps malformed JSON to bad_request without echoing the body', async () => {
    const app = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"password": "hunter2"',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('bad_request');
    expect(response.body).not.toContain('hunter2');
  });

  it('maps schema validation failures to the validation code with field paths', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/typed', payload: { name: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'validation_failed',
      fields: [{ path: '' }],
    });
  });

  it('maps an oversized body to payload_too_large', async () => {
    const app = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: { big: 'x'.repeat(500) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('maps an unsupported content type to bad_request', async () => {
    const app = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('bad_request');
  });

  it('answers unknown routes with not_found', async () => {
    const app = await buildApp();
    const response = await app.inject({ url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });

  it('hides unexpected errors behind internal_error', async () => {
    const app = await buildApp(false);
    const response = await app.inject({ url: '/bug' });
    expect(response.statusCode).toBe(500);
    expect(response.json().error).toMatchObject({
      code: 'internal_error',
      message: 'Something went wrong.',
    });
    expect(response.body).not.toContain('/srv/app.ts');
    expect(response.headers['x-authflow-error']).toBeUndefined();
  });

  it('lets a service map its own errors to registry codes', async () => {
    const app = await appWith({
      mapError: (error) =>
        (error as { code?: string }).code === 'PLUGIN_FORBIDDEN'
          ? registry.create('session_invalid')
          : undefined,
    });
    app.get('/plugin', () => {
      throw Object.assign(new Error('nope'), { code: 'PLUGIN_FORBIDDEN', statusCode: 403 });
    });
    app.get('/other', () => {
      throw Object.assign(new Error('other'), { code: 'OTHER', statusCode: 418 });
    });
    expect((await app.inject({ url: '/plugin' })).json().error.code).toBe('session_invalid');
    expect((await app.inject({ url: '/other' })).json().error.code).toBe('bad_request');
  });

  it('lets a service render an error itself', async () => {
    const app = await appWith({ render: renderParagraph });
    const response = await app.inject({ url: '/missing' });
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toBe('<p>not_found</p>');
  });

  it("keeps the error's headers on a page the service renders", async () => {
    const app = await appWith({ errorHeader: true, render: renderParagraph });
    app.get('/denied', () => {
      throw registry.create('store_down', { headers: { 'retry-after': '2' } });
    });
    const response = await app.inject({ url: '/denied' });
    expect(response.body).toBe('<p>store_down</p>');
    expect(response.headers['retry-after']).toBe('2');
    expect(response.headers['x-authflow-error']).toBe('store_down');
  });
});

describe('createClientErrorHandler', () => {
  it('answers oversized headers with 431 and the envelope', async () => {
    const app = Fastify({
      http: { maxHeaderSize: 1024 },
      clientErrorHandler: createClientErrorHandler({
        badRequest: 'bad_request',
        headersTooLarge: 'headers_too_large',
      }),
    });
    apps.push(app);
    app.get('/', () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = request(
        { port, host: '127.0.0.1', path: '/', headers: { 'x-big': 'y'.repeat(4096) } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'headers_too_large' } });
  });
});

describe('readErrorTable', () => {
  it('reads code and status columns of a Markdown table', () => {
    const markdown = [
      '## Errors',
      '',
      '| code | status | when |',
      '| --- | --- | --- |',
      '| `session_invalid` | 401 | expired |',
      '| `store_down` | 503 | Redis |',
      '',
      '| other | table |',
      '| `x` | 1 |',
    ].join('\n');
    expect(readErrorTable(markdown)).toEqual([
      { code: 'session_invalid', status: 401 },
      { code: 'store_down', status: 503 },
    ]);
  });
});
