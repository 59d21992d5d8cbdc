// Fault: the auth service crashes (SIGKILL). Browsers opening the sign-in page get a page that says
// when to retry, API clients get JSON, devices already signed in keep working (the gateway
// verifies sessions in Redis, not through auth), no cookie is cleared, and sign-in works again
// once auth is back. Issue 12, item 5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  clearsSessionCookie,
  type FaultStack,
  signedInAccount,
  signIn,
  startFaultStack,
  waitUntil,
} from './support/fault-stack.ts';
import { navigate } from './support/navigate.ts';

describe('auth killed', () => {
  let stack: FaultStack;
  let account: Account;
  beforeAll(async () => {
    stack = await startFaultStack({ scenario: 'auth-killed' });
    account = await signedInAccount(stack);
  });
  afterAll(() => stack.stop());

  it('shows browsers a retry page, answers API clients in JSON, and keeps signed-in devices working', async () => {
    const exit = await stack.auth.kill();
    expect(exit.signal).toBe('SIGKILL');

    // A browser opening the sign-in page: a 503 page, not raw JSON.
    const page = await navigate(`${stack.url}/auth/login`);
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-authflow-error']).toBe('upstream_unavailable');
    const retryAfter = String(page.headers['retry-after']);
    expect(retryAfter).toMatch(/^\d+$/u);
    expect(page.body).toContain('Back in a moment');
    expect(page.body).toContain(`Please try again in ${retryAfter} seconds.`);
    expect(page.body).toContain('<a href="">Try again now</a>');
    expect(page.body).toMatch(/Reference <code>[\w.:-]+<\/code>/u);

    // An API client signing in: JSON it can read.
    const api = await fetch(`${stack.url}/api/v1/simple_auth/signin`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        origin: stack.url,
      },
      body: JSON.stringify({ email: account.email, password: account.password }),
    });
    expect(api.status).toBe(503);
    expect(api.headers.get('content-type')).toContain('application/json');
    expect(api.headers.get('retry-after')).toMatch(/^\d+$/u);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe(
      'upstream_unavailable',
    );

    // The device already signed in still reaches the app, and nobody loses the cookie.
    const app = await fetch(`${stack.url}/app/api/profile`, { headers: account.headers });
    expect(app.status).toBe(200);
    expect(clearsSessionCookie(app)).toBe(false);
    const signedInPage = await navigate(`${stack.url}/auth/login`, account.headers);
    expect(signedInPage.status).toBe(503);
    expect(signedInPage.headers['set-cookie']).toBeUndefined();
    const signedInApi = await fetch(`${stack.url}/api/v1/simple_auth/sessions`, {
      headers: { ...account.headers, accept: 'application/json' },
    });
    expect(signedInApi.status).toBe(503);
    expect(clearsSessionCookie(signedInApi)).toBe(false);
  });

  it('signs in again once auth is back', async () => {
    const began = Date.now();
    await stack.auth.start({ waitReady: false });
    const ms = await waitUntil(
      () =>
        signIn(stack, account.email, account.password).then(
          () => true,
          () => false,
        ),
      30_000,
      'sign-in after auth restarted',
      100,
    );
    process.stdout.write(
      `[auth-killed] sign-in works again ${ms} ms after auth was restarted (${Date.now() - began} ms with the check)\n`,
    );
    // The old device was never signed out.
    expect((await fetch(`${stack.url}/app/api/profile`, { headers: account.headers })).status).toBe(
      200,
    );
    expect((await navigate(`${stack.url}/auth/login`)).status).toBe(200);
  });
});
