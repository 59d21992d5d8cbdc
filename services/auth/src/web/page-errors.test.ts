import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import { errorHandlerOptions, errorHandlerPlugin } from '@authflow/errors';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { authErrors } from '../errors/auth-errors.js';
import { mapAuthError } from '../errors/identity-errors.js';
import { IdentityError } from '../identity/identity-provider.js';
import { BRANDING } from '../pages/test-support/fixtures.js';
import { textOf } from '../pages/test-support/markup.js';
import { PAGE_HEADERS } from './page-reply.js';
import { refusalOf, renderPageError } from './page-errors.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The auth service's error handler with the page hook, one page context and one JSON route. */
async function appFailingWith(error: unknown): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(
    errorHandlerPlugin,
    errorHandlerOptions({
      registry: authErrors,
      badRequestCode: 'bad_request',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
      mapError: mapAuthError,
      render: renderPageError,
    }),
  );
  await app.register(cookie);
  await app.register(csrfProtection);
  await app.register((pages, _options, done) => {
    pages.addHook('onRoute', (route) => {
      route.config = { ...route.config, authPage: { branding: BRANDING } };
    });
    pages.get('/auth/page', () => {
      throw error;
    });
    done();
  });
  app.get('/api/thing', () => {
    throw error;
  });
  return app;
}

describe('renderPageError, the error handler render hook', () => {
  it('draws a page route failure as a branded page with the status, code and headers', async () => {
    const app = await appFailingWith(
      authErrors.create('rate_limited', { headers: { 'retry-after': '42' } }),
    );
    const page = await app.inject('/auth/page');
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-authflow-error']).toBe('rate_limited');
    expect(page.headers['retry-after']).toBe('42');
    for (const [name, value] of Object.entries(PAGE_HEADERS))
      expect(page.headers[name]).toBe(value);
    expect(textOf(page.body, 'h1')).toBe('Too many attempts');
    expect(page.body).toContain('Too many attempts. Try again later.');
  });

  it('maps an identity refusal once, with the same code on the page as in JSON', async () => {
    const app = await appFailingWith(
      new IdentityError('identity_store_unavailable', { retryAfterSeconds: 7 }),
    );
    const page = await app.inject('/auth/page');
    const json = await app.inject('/api/thing');
    expect(page.statusCode).toBe(503);
    expect(json.statusCode).toBe(503);
    expect(page.headers['x-authflow-error']).toBe('identity_store_unavailable');
    expect(json.json<{ error: { code: string } }>().error.code).toBe('identity_store_unavailable');
    expect(page.headers['retry-after']).toBe('7');
    expect(textOf(page.body, 'h1')).toBe('Temporarily unavailable');
  });

  it('words a CSRF refusal for someone holding a form, not for a developer', async () => {
    const app = await appFailingWith(
      Object.assign(new Error('Invalid csrf token'), { code: 'FST_CSRF_INVALID_TOKEN' }),
    );
    const page = await app.inject('/auth/page');
    expect(page.statusCode).toBe(403);
    expect(page.headers['x-authflow-error']).toBe('csrf_failed');
    expect(page.body).toContain('This form expired or did not come from this site.');
    expect(page.body).not.toContain('Invalid csrf token');
  });

  it('shows a bug as a 500 page without its message', async () => {
    const app = await appFailingWith(new Error('secret internals'));
    const page = await app.inject('/auth/page');
    expect(page.statusCode).toBe(500);
    expect(page.headers['x-authflow-error']).toBe('internal_error');
    expect(textOf(page.body, 'h1')).toBe('Something went wrong');
    expect(page.body).not.toContain('secret internals');
  });

  it('leaves routes outside the page context, and unknown URLs, to the JSON envelope', async () => {
    const app = await appFailingWith(authErrors.create('rate_limited'));
    const json = await app.inject('/api/thing');
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
    const missing = await app.inject('/auth/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/json');
  });
});

describe('refusalOf', () => {
  it('turns a refusal into its registry error, for the form to show', () => {
    expect(refusalOf(new IdentityError('invalid_credentials')).code).toBe('invalid_credentials');
    expect(refusalOf(authErrors.create('weak_password')).code).toBe('weak_password');
  });

  it('lets a bug go on to the error handler', () => {
    const bug = new TypeError('undefined is not a function');
    expect(() => refusalOf(bug)).toThrow(bug);
  });
});
