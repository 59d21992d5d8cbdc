import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, firefoxOnLinux } from '@authflow/testing';
import { type Stack, startStack, supabaseAuthEnv } from './support/stack-harness.js';
import { startSupabaseDouble, type SupabaseDouble } from './supabase-double/supabase-double.js';

let double: SupabaseDouble;
let stack: Stack;
const json = { accept: 'application/json' };

beforeAll(async () => {
  double = await startSupabaseDouble({ settings: { autoconfirm: false } });
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: supabaseAuthEnv(double),
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  await double.close();
});

/**
 * The links the project's mail templates produce once configured as the README says:
 * `{{ .SiteURL }}/api/v1/simple_auth/verify-email?token={{ .TokenHash }}` and
 * `{{ .SiteURL }}/auth/reset-password?token={{ .TokenHash }}`.
 */
function mailedLink(email: string, type: 'signup' | 'recovery'): string {
  const mail = double.lastEmail({ email, type });
  if (mail === undefined) throw new Error(`no ${type} mail to ${email}`);
  return type === 'signup'
    ? `/api/v1/simple_auth/verify-email?token=${mail.tokenHash}`
    : `/auth/reset-password?token=${mail.tokenHash}`;
}

describe('the whole story with Supabase Auth as identity provider', () => {
  it('signs up, confirms, signs in through the gateway, resets the password, and every old session ends', async () => {
    const email = `supa-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const laptop = stack.browser(chromeOnMac.headers);

    expect(
      (await laptop.post('/api/v1/simple_auth/signup', { json: { email, password } })).status,
    ).toBe(202);
    const confirm = await laptop.get(mailedLink(email, 'signup'), { accept: 'text/html' });
    expect(confirm.headers.location).toBe('/auth/email-verified?status=ok');

    const signIn = await laptop.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(signIn.status).toBe(200);
    expect(signIn.json()).toMatchObject({ user: { email, email_verified: true } });
    const phone = stack.browser(firefoxOnLinux.headers);
    expect(
      (await phone.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
    ).toBe(200);

    // Through the gateway: the protected app and the inventory, with Supabase's user id.
    expect((await laptop.get('/app/home')).status).toBe(200);
    expect(stack.backend.received.at(-1)?.headers['x-authflow-user-id']).toBe(
      double.findUser(email)?.id,
    );
    const listed = await laptop.get('/api/v1/simple_auth/sessions', json);
    expect(listed.json<{ sessions: unknown[] }>().sessions).toHaveLength(2);
    // Supabase tokens never reach a browser. Each AuthFlow session keeps its Supabase session
    // (sealed, in Redis) to call Supabase's MFA API for the user, and no other stays open.
    expect(JSON.stringify(signIn.headers) + signIn.body).not.toMatch(/eyJ[\w-]+\.eyJ/u);
    expect(double.sessionIds(email)).toHaveLength(2);

    expect(
      (
        await stack
          .browser(chromeOnMac.headers)
          .post('/api/v1/simple_auth/forgot-password', { json: { email } })
      ).status,
    ).toBe(202);
    const token =
      new URL(mailedLink(email, 'recovery'), 'http://x').searchParams.get('token') ?? '';
    const newPassword = 'tr0ub4dor & 3 green apples';
    const reset = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/reset-password/update', {
        json: { token, password: newPassword },
      });
    expect(reset.status).toBe(200);

    for (const browser of [laptop, phone]) {
      expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(401);
      expect((await browser.get('/app/home', json)).status).toBe(401);
    }
    const old = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(old.json<{ error: { code: string } }>().error.code).toBe('invalid_credentials');
    expect(
      (
        await stack
          .browser(chromeOnMac.headers)
          .post('/api/v1/simple_auth/signin', { json: { email, password: newPassword } })
      ).status,
    ).toBe(200);
  });

  it('signs out everywhere: every browser is out, through auth and the gateway, and no Supabase session is left', async () => {
    const email = `supa-all-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const laptop = stack.browser(chromeOnMac.headers);
    await laptop.post('/api/v1/simple_auth/signup', { json: { email, password } });
    await laptop.get(mailedLink(email, 'signup'), { accept: 'text/html' });
    const phone = stack.browser(firefoxOnLinux.headers);
    for (const browser of [laptop, phone]) {
      const signedIn = await browser.post('/api/v1/simple_auth/signin', {
        json: { email, password },
      });
      expect(signedIn.status).toBe(200);
      expect((await browser.get('/app/home')).status).toBe(200);
    }

    const all = await laptop.post('/api/v1/simple_auth/logout-all', { json: {} });
    expect(all.status).toBe(200);
    expect(all.json()).toEqual({ revoked: 2 });
    for (const browser of [laptop, phone]) {
      expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(401);
      expect((await browser.get('/app/home', json)).status).toBe(401);
    }
    expect(double.sessionIds(email)).toEqual([]);
  });

  it("passes Supabase's rate limit on as 429 rate_limited with Retry-After, without opening the breaker", async () => {
    const email = `limited-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    double.createUser({ email, password, confirmed: true });
    double.injectFault({ kind: 'request-rate-limit', pathPrefix: '/token', times: 5 });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const limited = await stack
        .browser(chromeOnMac.headers)
        .post('/api/v1/simple_auth/signin', { json: { email, password } });
      expect(limited.status).toBe(429);
      expect(limited.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // A rate limit is Supabase working as designed, not an outage: the next sign-in goes through.
    const signedIn = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(signedIn.status).toBe(200);
    double.clearFaults();
  });

  it('answers 503 identity_provider_unavailable quickly while Supabase is down, and existing sessions keep working', async () => {
    const email = `down-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    double.createUser({ email, password, confirmed: true });
    const browser = stack.browser(chromeOnMac.headers);
    expect(
      (await browser.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
    ).toBe(200);

    double.injectFault({ kind: 'server-error', times: 20 });
    const refused = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(refused.status).toBe(503);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe(
      'identity_provider_unavailable',
    );
    expect(refused.headers['retry-after']).toBe('5');
    expect((await browser.get('/app/home')).status).toBe(200);
    double.clearFaults();
  });
});
