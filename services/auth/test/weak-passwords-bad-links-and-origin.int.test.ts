// Issue 13, as a user meets it: weak passwords refused with a reason (API, form, any provider),
// broken mail links answered with a page in a browser, and signed-in calls needing Origin.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySessionStore, sessionIdFromToken } from '@authflow/sessions';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthApp } from '../src/app.js';
import { loadAuthConfig } from '../src/config/load-config.js';
import type { IdentityProvider } from '../src/identity/identity-provider.js';
import { createRecordingMailer } from './support/recording-mailer.js';
import { TEST_HANDOFF_SECRET } from './support/stack-harness.js';

const ORIGIN = 'http://localhost:8000';
const STRONG = 'violet kestrel harbour lantern';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xhtml+xml;q=0.9,*/*;q=0.8' };
const mailer = createRecordingMailer();
const store = new MemorySessionStore();
let app: FastifyInstance;

async function authApp(dependencies: Parameters<typeof buildAuthApp>[1]): Promise<FastifyInstance> {
  const config = loadAuthConfig({
    AUTHFLOW_HANDOFF_SECRET: TEST_HANDOFF_SECRET,
    AUTH_PUBLIC_URL: ORIGIN,
    AUTHFLOW_COOKIE_SECURE: 'false',
    AUTH_LOG_LEVEL: 'silent',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
    AUTH_ARGON2_MEMORY_KIB: '1024',
    AUTH_ARGON2_ITERATIONS: '1',
    AUTH_DATA_DIR: await mkdtemp(join(tmpdir(), 'authflow-issue13-')),
  });
  return buildAuthApp(config, { collectProcessMetrics: false, ...dependencies });
}

function post(
  target: FastifyInstance,
  path: string,
  body: object,
  headers: Record<string, string> = { origin: ORIGIN },
) {
  return target.inject({
    method: 'POST',
    url: `/api/v1/simple_auth/${path}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

interface ErrorBody {
  error: { code: string; message: string; reasons: string[]; suggestions: string[] };
}

beforeAll(async () => {
  app = await authApp({ sessionStore: store, mailer });
}, 60_000);
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('weak passwords', () => {
  it('refuses aaaaaaaaaa at sign-up with 422 weak_password and a reason in plain words', async () => {
    const answer = await post(app, 'signup', { email: 'ada@example.com', password: 'aaaaaaaaaa' });
    expect(answer.statusCode).toBe(422);
    const { error } = answer.json<ErrorBody>();
    expect(error.code).toBe('weak_password');
    expect(error.reasons).toEqual(['guessable']);
    expect(error.message).toContain('Repeated characters like "aaa" are easy to guess.');
    expect(error.suggestions).toContain('Avoid repeated words and characters.');
  });

  it('refuses the email address as the password, saying so', async () => {
    const email = 'grace.hopper@example.com';
    const answer = await post(app, 'signup', { email, password: email });
    expect(answer.statusCode).toBe(422);
    expect(answer.json<ErrorBody>().error).toMatchObject({
      code: 'weak_password',
      reasons: ['personal'],
      message: expect.stringContaining(
        "Don't use your email address or name in your password.",
      ) as string,
    });
  });

  it('accepts a strong passphrase', async () => {
    const answer = await post(app, 'signup', { email: 'strong@example.com', password: STRONG });
    expect(answer.statusCode).toBe(202);
  });

  it('shows the reason on the sign-up form', async () => {
    const form = await app.inject({ method: 'GET', url: '/auth/signup', headers: HTML });
    const csrf = /name="_csrf"\s+value="([^"]+)"/u.exec(form.body)?.[1] ?? '';
    const cookie = form.cookies.map(({ name, value }) => `${name}=${value}`).join('; ');
    const answer = await app.inject({
      method: 'POST',
      url: '/auth/signup',
      headers: {
        ...HTML,
        origin: ORIGIN,
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        email: 'ada@example.com',
        password: 'aaaaaaaaaa',
        _csrf: csrf,
      }).toString(),
    });
    expect(answer.statusCode).toBe(422);
    expect(answer.headers['content-type']).toContain('text/html');
    expect(answer.body).toContain('Repeated characters like &quot;aaa&quot; are easy to guess.');
  });

  it('refuses a weak new password at reset before the token is looked at', async () => {
    const answer = await post(app, 'reset-password/update', {
      token: 'not-a-real-token',
      password: 'aaaaaaaaaa',
    });
    expect(answer.statusCode).toBe(422);
    expect(answer.json<ErrorBody>().error.code).toBe('weak_password');
  });

  it('refuses the account address as the new password at reset, and the link still works', async () => {
    const email = `reset-owner-${Date.now()}@example.com`;
    expect((await post(app, 'signup', { email, password: STRONG })).statusCode).toBe(202);
    expect((await post(app, 'forgot-password', { email })).statusCode).toBe(202);
    let token: string | undefined;
    for (let i = 0; i < 50 && token === undefined; i += 1) {
      token = mailer.lastToken(email, 'reset_password');
      if (token === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(token).toBeDefined();
    const weak = await post(app, 'reset-password/update', { token, password: email });
    expect(weak.statusCode).toBe(422);
    expect(weak.json<ErrorBody>().error.reasons).toContain('personal');
    // The refusal did not use the link up.
    const strong = await post(app, 'reset-password/update', {
      token,
      password: 'amber falcon orchard compass',
    });
    expect(strong.statusCode).toBe(200);
  });

  it('never calls the identity provider (Supabase too) with a weak password', async () => {
    const calls: string[] = [];
    // Every operation is recorded and resolves; only readiness and close are real.
    const provider = new Proxy(
      { name: 'supabase', ping: () => Promise.resolve(), close: () => Promise.resolve() },
      {
        get: (target, property) =>
          typeof property === 'symbol' || property === 'then' || property in target
            ? (target as Record<PropertyKey, unknown>)[property]
            : () => {
                calls.push(property);
                return Promise.resolve(undefined);
              },
      },
    ) as unknown as IdentityProvider;
    const supabaseLike = await authApp({
      sessionStore: new MemorySessionStore(),
      mailer,
      identityProvider: provider,
    });
    try {
      const email = 'sb@example.com';
      expect(
        (await post(supabaseLike, 'signup', { email, password: 'aaaaaaaaaa' })).statusCode,
      ).toBe(422);
      expect((await post(supabaseLike, 'signup', { email, password: email })).statusCode).toBe(422);
      expect(
        (
          await post(supabaseLike, 'reset-password/update', {
            token: 'abc',
            password: 'aaaaaaaaaa',
          })
        ).statusCode,
      ).toBe(422);
      expect(calls).toEqual([]);
      expect((await post(supabaseLike, 'signup', { email, password: STRONG })).statusCode).toBe(
        202,
      );
      expect(calls).toEqual(['signUp']);
    } finally {
      await supabaseLike.close();
    }
  });
});

describe('mail links opened in a browser with a missing or empty token', () => {
  it.each([
    ['no token', '/api/v1/simple_auth/verify-email'],
    ['an empty token', '/api/v1/simple_auth/verify-email?token='],
    ['a token with bad characters', '/api/v1/simple_auth/verify-email?token=%3Cscript%3E'],
    ['two tokens', '/api/v1/simple_auth/verify-email?token=a&token=b'],
  ])(
    'verify-email with %s: a branded page for browsers, JSON for API clients',
    async (_name, url) => {
      const browser = await app.inject({ method: 'GET', url, headers: HTML });
      expect(browser.statusCode).toBe(303);
      expect(browser.headers.location).toBe('/auth/email-verified?status=invalid');
      const page = await app.inject({
        method: 'GET',
        url: browser.headers.location,
        headers: HTML,
      });
      expect(page.statusCode).toBe(400);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('Link invalid or expired');

      const api = await app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      expect(api.statusCode).toBe(400);
      expect(api.json<ErrorBody>().error.code).toBe('validation_failed');
    },
  );

  it.each([
    ['no token', '/auth/reset-password'],
    ['an empty token', '/auth/reset-password?token='],
    ['two tokens', '/auth/reset-password?token=a&token=b'],
  ])('the reset page with %s: a branded 400 page', async (_name, url) => {
    const page = await app.inject({ method: 'GET', url, headers: HTML });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['x-authflow-error']).toBe('validation_failed');
    expect(page.body).toContain('Link invalid or incomplete');
    expect(page.body).toContain('/auth/static/style.css');
  });
});

describe('state-changing JSON calls and Origin', () => {
  async function signedInCookie(): Promise<string> {
    const email = `origin-${Date.now()}-${Math.random()}@example.com`;
    expect((await post(app, 'signup', { email, password: STRONG })).statusCode).toBe(202);
    const signIn = await post(app, 'signin', { email, password: STRONG });
    expect(signIn.statusCode).toBe(200);
    const session = signIn.cookies.find(({ name }) => name === 'authflow_session');
    return `authflow_session=${session?.value ?? ''}`;
  }

  it('accepts sign-up, sign-in and forgot-password without Origin (no cookie: nothing to forge)', async () => {
    const email = `curl-${Date.now()}@example.com`;
    expect((await post(app, 'signup', { email, password: STRONG }, {})).statusCode).toBe(202);
    expect((await post(app, 'signin', { email, password: STRONG }, {})).statusCode).toBe(200);
    expect((await post(app, 'forgot-password', { email }, {})).statusCode).toBe(202);
  });

  it('refuses a call that carries the session cookie without Origin, Referer or Sec-Fetch-Site', async () => {
    const cookie = await signedInCookie();
    const refused = await post(app, 'logout', {}, { cookie });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<ErrorBody>().error.code).toBe('csrf_failed');
    const foreignReferer = await post(
      app,
      'logout',
      {},
      { cookie, referer: 'https://evil.example/x' },
    );
    expect(foreignReferer.statusCode).toBe(403);
    // Still signed in: the refused calls ended nothing.
    const sessionId = sessionIdFromToken(cookie.slice('authflow_session='.length));
    expect(await store.find(sessionId)).not.toBeNull();
  });

  it('refuses a signed-in call (one the gateway gave an assertion) without Origin, before anything else', async () => {
    for (const path of ['logout', 'logout-others', 'logout-all']) {
      const refused = await post(app, path, {}, { 'x-authflow-assertion': 'a.b.c' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<ErrorBody>().error.code).toBe('csrf_failed');
    }
  });

  it('accepts it with an allowed Origin, a same-site Referer, or Sec-Fetch-Site: same-origin', async () => {
    const proofs: Record<string, string>[] = [
      { origin: ORIGIN },
      { referer: `${ORIGIN}/auth/sessions` },
      { 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of proofs) {
      const cookie = await signedInCookie();
      expect((await post(app, 'logout', {}, { cookie, ...headers })).statusCode).toBe(204);
    }
  });
});
