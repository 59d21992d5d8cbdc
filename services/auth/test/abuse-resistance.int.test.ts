import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac } from '@authflow/testing';
import { buildAuthApp } from '../src/app.js';
import { loadAuthConfig } from '../src/config/load-config.js';
import {
  createArgon2Hasher,
  type PasswordHasher,
} from '../src/identity/builtin/password-hasher.js';
import { createIdentityProvider } from '../src/identity/create-identity-provider.js';
import type { IdentityProvider } from '../src/identity/identity-provider.js';
import { BrowserClient } from './support/browser-client.js';
import { createRecordingMailer } from './support/recording-mailer.js';
import { type Stack, startStack, TEST_HANDOFF_SECRET } from './support/stack-harness.js';

const password = 'correct horse battery staple';
const json = { accept: 'application/json' };
const mailer = createRecordingMailer();
const work = { verify: 0, dummy: 0 };
let offsetMs = 0;
let provider: IdentityProvider;
let stack: Stack;
let secondInstance: FastifyInstance;
let second: BrowserClient;

/** The real Argon2id hasher, counting the checks each sign-in path makes. */
function countingHasher(inner: PasswordHasher): PasswordHasher {
  return {
    hash: (value) => inner.hash(value),
    verify: (stored, value) => {
      work.verify += 1;
      return inner.verify(stored, value);
    },
    verifyDummy: (value) => {
      work.dummy += 1;
      return inner.verifyDummy(value);
    },
    needsRehash: (stored) => inner.needsRehash(stored),
  };
}

beforeAll(async () => {
  const redisUrl = inject('redisUrl');
  // One account store for two auth instances, which share Redis (counters, sessions).
  const providerConfig = loadAuthConfig({
    AUTHFLOW_HANDOFF_SECRET: TEST_HANDOFF_SECRET,
    AUTH_DATA_DIR: await mkdtemp(join(tmpdir(), 'authflow-abuse-')),
    AUTH_LOG_LEVEL: 'silent',
  });
  const quiet = (await import('@authflow/observability')).createLogger({
    service: 'test',
    level: 'silent',
  });
  provider = await createIdentityProvider(providerConfig, mailer, quiet, {
    hasher: countingHasher(
      createArgon2Hasher({ memoryKib: 1_024, iterations: 1, parallelism: 1 }, 2),
    ),
    clock: () => Date.now() + offsetMs,
  });
  const dependencies = { identityProvider: provider, collectProcessMetrics: false };
  stack = await startStack({ redisUrl, authDependencies: dependencies });
  secondInstance = await buildAuthApp(stack.authConfig, dependencies);
  await secondInstance.listen({ host: '127.0.0.1', port: 0 });
  second = new BrowserClient(
    `http://127.0.0.1:${(secondInstance.server.address() as AddressInfo).port}`,
    chromeOnMac.headers,
    new URL(stack.gateway.url).origin,
  );
}, 60_000);
afterAll(async () => {
  await secondInstance.close();
  await stack.close();
  await provider.close();
});

let counter = 0;
const newEmail = (label: string) => `${label}-${Date.now()}-${(counter += 1)}@example.com`;

async function verifiedAccount(email = newEmail('user')): Promise<string> {
  await stack
    .browser(chromeOnMac.headers)
    .post('/api/v1/simple_auth/signup', { json: { email, password } });
  const token = mailer.lastToken(email, 'verify_email') ?? '';
  await stack
    .browser(chromeOnMac.headers)
    .get(`/api/v1/simple_auth/verify-email?token=${token}`, json);
  return email;
}

describe('account enumeration', () => {
  it('answers sign-up for a taken address exactly like a new one', async () => {
    const taken = await verifiedAccount();
    const [existing, fresh] = await Promise.all([
      stack
        .browser(chromeOnMac.headers)
        .post('/api/v1/simple_auth/signup', { json: { email: taken, password } }),
      stack
        .browser(chromeOnMac.headers)
        .post('/api/v1/simple_auth/signup', { json: { email: newEmail('new'), password } }),
    ]);
    expect(existing.status).toBe(fresh.status);
    expect(existing.body).toBe(fresh.body);
    // The owner is told instead.
    expect(mailer.last(taken, 'account_exists')).toBeDefined();
  });

  it('answers forgot-password for an unknown address exactly like a known one', async () => {
    const known = await verifiedAccount();
    const [forKnown, forUnknown] = await Promise.all([
      stack
        .browser(chromeOnMac.headers)
        .post('/api/v1/simple_auth/forgot-password', { json: { email: known } }),
      stack
        .browser(chromeOnMac.headers)
        .post('/api/v1/simple_auth/forgot-password', { json: { email: newEmail('ghost') } }),
    ]);
    expect(forKnown.status).toBe(202);
    expect(forUnknown.status).toBe(forKnown.status);
    expect(forUnknown.body).toBe(forKnown.body);
  });

  it('answers an unknown address and a wrong password identically, after the same Argon2id work', async () => {
    const email = await verifiedAccount();
    work.verify = 0;
    work.dummy = 0;
    const unknown = await second.post('/api/v1/simple_auth/signin', {
      json: { email: newEmail('nobody'), password },
    });
    expect(work).toEqual({ verify: 0, dummy: 1 });
    const wrong = await second.post('/api/v1/simple_auth/signin', {
      json: { email, password: 'not the password at all' },
    });
    expect(work).toEqual({ verify: 1, dummy: 1 });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    const strip = (body: string) => body.replace(/"request_id":"[^"]*"/u, '');
    expect(strip(unknown.body)).toBe(strip(wrong.body));
  });
});

describe('brute force', () => {
  it('refuses the sixth attempt on one account across two instances, even with the right password', async () => {
    const email = await verifiedAccount();
    const first = stack.direct(chromeOnMac.headers);
    const attempts = [first, first, second, first, second];
    for (const client of attempts) {
      const response = await client.post('/api/v1/simple_auth/signin', {
        json: { email, password: 'wrong wrong wrong' },
      });
      expect(response.status).toBe(401);
    }
    const sixth = await first.post('/api/v1/simple_auth/signin', {
      json: { email, password: 'wrong wrong wrong' },
    });
    expect(sixth.status).toBe(429);
    expect(sixth.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    const correct = await second.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(correct.status).toBe(429);
    expect(correct.headers['set-cookie']).toBeUndefined();
  });

  it('tells a throttled client when to retry, in the message and in Retry-After (JSON and page)', async () => {
    const email = await verifiedAccount();
    const attacker = stack.direct({ ...chromeOnMac.headers, 'x-forwarded-for': '203.0.113.50' });
    for (let i = 0; i < 5; i += 1)
      await attacker.post('/api/v1/simple_auth/signin', {
        json: { email, password: 'wrong wrong' },
      });
    const refused = await attacker.post('/api/v1/simple_auth/signin', {
      json: { email, password: 'wrong wrong' },
    });
    expect(refused.status).toBe(429);
    const seconds = Number(refused.headers['retry-after']);
    expect(seconds).toBeGreaterThan(25);
    expect(seconds).toBeLessThanOrEqual(30);
    const error = refused.json<{ error: { message: string; retry_after_seconds: number } }>().error;
    expect(error.message).toBe(`Too many failed sign-ins. Try again in ${seconds} seconds.`);
    expect(error.retry_after_seconds).toBe(seconds);

    const token = BrowserClient.csrfTokenOf((await attacker.get('/auth/login')).body);
    const page = await attacker.post('/auth/login', { form: { email, password, _csrf: token } });
    expect(page.status).toBe(429);
    expect(page.headers['content-type']).toContain('text/html');
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    expect(page.body).toMatch(/Try again in \d+ seconds\./u);
  });

  it('lets the owner sign in from their own IP while an attacker on another IP is held back', async () => {
    const email = await verifiedAccount();
    const attacker = stack.direct({ ...chromeOnMac.headers, 'x-forwarded-for': '203.0.113.51' });
    for (let i = 0; i < 12; i += 1)
      await attacker.post('/api/v1/simple_auth/signin', {
        json: { email, password: 'wrong wrong' },
      });
    const held = await attacker.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(held.status).toBe(429);

    const owner = stack.direct({ ...chromeOnMac.headers, 'x-forwarded-for': '198.51.100.52' });
    const signedIn = await owner.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers['set-cookie']).toBeDefined();
  });
});

describe('cross-site requests', () => {
  it('refuses a form post without a valid CSRF token', async () => {
    const browser = stack.browser(chromeOnMac.headers);
    const missing = await browser.post('/auth/login', {
      form: { email: 'a@example.com', password },
    });
    expect(missing.status).toBe(403);
    expect(missing.headers['x-authflow-error']).toBe('csrf_failed');
    expect(missing.headers['content-type']).toContain('text/html');

    // A token minted for another browser's CSRF secret does not match this one's.
    const other = stack.browser(chromeOnMac.headers);
    const foreignToken = BrowserClient.csrfTokenOf((await other.get('/auth/login')).body);
    await browser.get('/auth/login');
    const forged = await browser.post('/auth/login', {
      form: { email: 'a@example.com', password, _csrf: foreignToken },
    });
    expect(forged.status).toBe(403);
  });

  it('accepts a form post with its own token', async () => {
    const email = await verifiedAccount();
    const browser = stack.browser(chromeOnMac.headers);
    const token = BrowserClient.csrfTokenOf((await browser.get('/auth/login')).body);
    const signIn = await browser.post('/auth/login', { form: { email, password, _csrf: token } });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/app/');
  });

  it('refuses JSON from a foreign origin, a cross-site fetch, and a non-JSON body', async () => {
    const browser = stack.browser(chromeOnMac.headers);
    const foreign = await browser.post('/api/v1/simple_auth/signin', {
      json: { email: 'a@example.com', password },
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json<{ error: { code: string } }>().error.code).toBe('csrf_failed');
    const crossSite = await browser.post('/api/v1/simple_auth/logout', {
      json: {},
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.json<{ error: { code: string } }>().error.code).toBe('csrf_failed');
    const plain = await browser.post('/api/v1/simple_auth/signin', {
      rawBody: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    expect(plain.json<{ error: { code: string } }>().error.code).toBe('unsupported_media_type');
  });
});

describe('bad input', () => {
  const cases: [string, { rawBody: string; headers?: Record<string, string> }, number, string][] = [
    ['malformed JSON', { rawBody: '{"email": "a@example.com", "password": ' }, 400, 'bad_request'],
    ['an empty body', { rawBody: '' }, 400, 'bad_request'],
    ['missing fields', { rawBody: '{}' }, 400, 'validation_failed'],
    [
      'fields of the wrong type',
      { rawBody: '{"email": 42, "password": ["x"]}' },
      400,
      'validation_failed',
    ],
    [
      'a 10 kB email',
      { rawBody: JSON.stringify({ email: `${'a'.repeat(10_000)}@example.com`, password }) },
      400,
      'validation_failed',
    ],
    [
      'NUL bytes',
      {
        rawBody: JSON.stringify({ email: 'a\u0000@example.com', password: 'pass\u0000word12345' }),
      },
      400,
      'validation_failed',
    ],
    [
      'a 1 MB body',
      { rawBody: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1_048_576) }) },
      413,
      'payload_too_large',
    ],
  ];

  it.each(cases)('answers %s with a stable 4xx code', async (_name, body, status, code) => {
    for (const path of ['/api/v1/simple_auth/signup', '/api/v1/simple_auth/signin']) {
      const response = await second.post(path, {
        ...body,
        headers: { 'content-type': 'application/json', ...body.headers },
      });
      expect(response.status, path).toBe(status);
      expect(response.json<{ error: { code: string } }>().error.code).toBe(code);
    }
  });

  it('answers bytes that are not UTF-8 with 400, and stays up', async () => {
    const invalid = Buffer.concat([
      Buffer.from('{"email":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('@example.com","password":"correct horse battery"}'),
    ]);
    const response = await second.post('/api/v1/simple_auth/signup', {
      rawBody: invalid,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('bad_request');
    expect((await second.get('/health/live')).status).toBe(200);
  });

  it('refuses a bad verification token and an expired reset link', async () => {
    expect(
      (await second.get('/api/v1/simple_auth/verify-email?token=nope', json)).json<{
        error: { code: string };
      }>().error.code,
    ).toBe('invalid_token');
    expect(
      (await second.get('/api/v1/simple_auth/verify-email', json)).json<{
        error: { code: string };
      }>().error.code,
    ).toBe('validation_failed');
    const email = await verifiedAccount();
    await second.post('/api/v1/simple_auth/forgot-password', { json: { email } });
    const token = mailer.lastToken(email, 'reset_password') ?? '';
    offsetMs += 31 * 60_000;
    try {
      const late = await second.post('/api/v1/simple_auth/reset-password/update', {
        json: { token, password: 'a brand new passphrase' },
      });
      expect(late.status).toBe(400);
      expect(late.json<{ error: { code: string } }>().error.code).toBe('invalid_token');
    } finally {
      offsetMs -= 31 * 60_000;
    }
  });
});
