// Issue 14: the gateway is the only place that decides what a session cookie is worth. Auth, with
// the real gateway in front, learns who is calling only from a valid x-authflow-assertion.
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { chromeOnMac, firefoxOnLinux, sendRaw } from '@authflow/testing';
import type { BrowserClient } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

let stack: Stack;
const password = 'correct horse battery staple';
const json = { accept: 'application/json' };
const html = { accept: 'text/html' };
const SESSIONS = '/api/v1/simple_auth/sessions';

beforeAll(async () => {
  stack = await startStack({ redisUrl: inject('redisUrl') });
}, 60_000);
afterAll(async () => {
  vi.useRealTimers();
  await stack.close();
});

let counter = 0;

/** A confirmed account signed in through the gateway: the browser holds its session cookie. */
async function signedInBrowser(profile = chromeOnMac.headers): Promise<BrowserClient> {
  const email = `decides-${Date.now()}-${(counter += 1)}@example.com`;
  const browser = stack.browser(profile);
  await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
  const token = await mailedToken(stack.smtp, email, '/verify-email');
  await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, json);
  expect(
    (await browser.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
  ).toBe(200);
  return browser;
}

/** The same browser talking to auth's own port, cookies and all, bypassing the gateway. */
function straightToAuth(browser: BrowserClient): BrowserClient {
  const direct = stack.direct(browser.profile);
  for (const [name, value] of browser.jar) direct.jar.set(name, value);
  return direct;
}

/** A real assertion for auth, signed by the gateway (its forward-auth endpoint hands one out). */
async function gatewayAssertion(browser: BrowserClient): Promise<string> {
  const verdict = await browser.get('/verify', { 'x-forwarded-uri': '/auth/sessions' });
  expect(verdict.status).toBe(200);
  return String(verdict.headers['x-authflow-assertion']);
}

const claimsOf = (assertion: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

describe('a request that bypasses the gateway', () => {
  it('is anonymous with a valid session cookie and no assertion: 401 from the API, the login page for pages', async () => {
    const browser = await signedInBrowser();
    expect((await browser.get(SESSIONS, json)).status).toBe(200);

    const direct = straightToAuth(browser);
    const sessions = await direct.get(SESSIONS, json);
    expect(sessions.status).toBe(401);
    expect(sessions.json<{ error: { code: string } }>().error.code).toBe('unauthenticated');
    expect((await direct.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    for (const page of ['/auth/sessions', '/auth/account']) {
      const answer = await direct.get(page, html);
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toMatch(/^\/auth\/login\?next=/u);
    }
    const all = await direct.post('/api/v1/simple_auth/logout-all', { json: {} });
    expect(all.status).toBe(401);
    // Nothing the direct requests did touched the session.
    expect((await browser.get(SESSIONS, json)).status).toBe(200);
  });

  it('is refused with a forged assertion (another key, the gateway kid, the right claims)', async () => {
    const browser = await signedInBrowser();
    const real = claimsOf(await gatewayAssertion(browser));
    const { keys } = (await stack.gateway.get('/.well-known/jwks.json')).json<{
      keys: { kid: string }[];
    }>();
    const attacker = await generateKeyPair('ES256');
    const forged = await new SignJWT(real)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys[0]?.kid ?? '' })
      .sign(attacker.privateKey);
    const direct = stack.direct(browser.profile);
    const headers = { ...json, 'x-authflow-assertion': forged };
    expect((await direct.get(SESSIONS, headers)).status).toBe(401);
    expect((await direct.get('/api/v1/simple_auth/me', headers)).status).toBe(401);
    const all = await direct.post('/api/v1/simple_auth/logout-all', {
      json: {},
      headers: { 'x-authflow-assertion': forged },
    });
    expect(all.status).toBe(401);
    expect((await browser.get(SESSIONS, json)).status).toBe(200);
  });

  it("is refused with the gateway's own assertion once it has expired", async () => {
    const browser = await signedInBrowser();
    const assertion = await gatewayAssertion(browser);
    const direct = stack.direct(browser.profile);
    const headers = { ...json, 'x-authflow-assertion': assertion };
    // While it is fresh it names the caller, from any path to auth (it is what the gateway says).
    expect((await direct.get(SESSIONS, headers)).status).toBe(200);
    const expiresAt = Number(claimsOf(assertion).exp) * 1000;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(expiresAt + 5 * 60_000);
      const late = await direct.get(SESSIONS, headers);
      expect(late.status).toBe(401);
      expect(late.json<{ error: { code: string } }>().error.code).toBe('unauthenticated');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('signing out', () => {
  it("through the gateway ends the assertion's session and expires the cookie", async () => {
    const browser = await signedInBrowser();
    const token = browser.jar.get('authflow_session') ?? '';
    const out = await browser.post('/api/v1/simple_auth/logout', { json: {} });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/authflow_session=;.*Max-Age=0/u);
    expect(browser.jar.has('authflow_session')).toBe(false);
    // The old cookie is worth nothing anywhere, at once: the gateway that carried the sign-out
    // dropped the session from its cache when auth's answer expired the cookie (other instances
    // learn it from the revocation message).
    browser.jar.set('authflow_session', token);
    expect((await browser.get('/app/', json)).status).toBe(401);
  });

  it('through the gateway with a session already ended still answers 204 and expires the cookie', async () => {
    const browser = await signedInBrowser();
    const [first] = (await browser.get(SESSIONS, json)).json<{ sessions: { id: string }[] }>()
      .sessions;
    await stack.gateway.store.revoke(first?.id ?? '');
    const out = await browser.post('/api/v1/simple_auth/logout', { json: {} });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('straight to auth ends the session the raw cookie names (best effort), without naming a caller', async () => {
    const browser = await signedInBrowser();
    const out = await straightToAuth(browser).post('/api/v1/simple_auth/logout', { json: {} });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await browser.get(SESSIONS, json)).status).toBe(401);
  });

  it('needs an Origin from this site when signed in (the assertion counts as signed in)', async () => {
    const browser = await signedInBrowser(firefoxOnLinux.headers);
    const refused = await browser.post('/api/v1/simple_auth/logout', {
      json: {},
      headers: { origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    // No Origin, Referer or Sec-Fetch-Site at all: fine for an anonymous call, not for this one.
    const cookie = `authflow_session=${browser.jar.get('authflow_session') ?? ''}`;
    const bare = { ...browser.profile, ...json, 'content-type': 'application/json', cookie };
    const noOrigin = await sendRaw(
      stack.gateway.url,
      'POST',
      '/api/v1/simple_auth/logout-others',
      bare,
      '{}',
    );
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.json<{ error: { code: string } }>().error.code).toBe('csrf_failed');
    expect((await browser.get(SESSIONS, json)).status).toBe(200);
  });
});
