import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, firefoxOnLinux } from '@authflow/testing';
import { BrowserClient } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

let stack: Stack;
const password = 'correct horse battery staple';
const json = { accept: 'application/json' };

beforeAll(async () => {
  stack = await startStack({ redisUrl: inject('redisUrl') });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

let counter = 0;
const newEmail = (label: string) => `${label}-${Date.now()}-${(counter += 1)}@example.com`;

/** Signs up, confirms by the mailed link, signs in: a browser holding a session cookie. */
async function signedInBrowser(
  profile: Readonly<Record<string, string>>,
  email = newEmail('user'),
): Promise<{ browser: BrowserClient; email: string }> {
  const browser = stack.browser(profile);
  await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
  const token = await mailedToken(stack.smtp, email, '/verify-email');
  await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, json);
  const signIn = await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
  expect(signIn.status).toBe(200);
  return { browser, email };
}

describe('the sign-up story', () => {
  it('signs up, confirms by mail, signs in with the designed cookie, is known, signs out', async () => {
    const email = newEmail('ada');
    const browser = stack.browser(chromeOnMac.headers);

    const signup = await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
    expect(signup.status).toBe(202);
    expect(signup.json()).toEqual({ status: 'accepted', message: expect.any(String) });

    const refused = await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(refused.status).toBe(403);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('email_not_confirmed');

    const mail = await stack.smtp.waitForMessage((message) => message.to.includes(email));
    expect(mail.subject).toMatch(/confirm|verify/iu);
    const link =
      mail.links.find((candidate) =>
        candidate.includes('/api/v1/simple_auth/verify-email?token='),
      ) ?? '';
    expect(link.startsWith(stack.gateway.url)).toBe(true);

    const verified = await browser.get(new URL(link).pathname + new URL(link).search, {
      accept: 'text/html',
    });
    expect(verified.status).toBe(303);
    expect(verified.headers.location).toBe('/auth/email-verified?status=ok');
    expect((await browser.get('/auth/email-verified?status=ok')).status).toBe(200);

    const signIn = await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(signIn.status).toBe(200);
    expect(signIn.json()).toMatchObject({
      user: { email, email_verified: true },
      redirect_to: '/app/',
    });
    // DESIGN §5, plain-HTTP development mode: HttpOnly, SameSite=Lax, Path=/, no Domain, no Secure.
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(
      /^authflow_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/u,
    );

    const me = await browser.get('/api/v1/simple_auth/me', json);
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({
      user: { email, email_verified: true, roles: ['user'] },
      session: { device_label: 'Chrome 131 on macOS' },
    });

    const token = browser.jar.get('authflow_session') ?? '';
    const app = await browser.get('/app/home');
    expect(app.status).toBe(200);

    const logout = await browser.post('/api/v1/simple_auth/logout', { json: {} });
    expect(logout.status).toBe(204);
    expect(String(logout.headers['set-cookie'])).toContain('Max-Age=0');
    // The old token no longer names a session in Redis, whoever presents it.
    const replay = stack.browser(chromeOnMac.headers);
    replay.jar.set('authflow_session', token);
    expect((await replay.get('/api/v1/simple_auth/me', json)).status).toBe(401);
  });

  it('sends a browser that was asked to sign in back where it was going', async () => {
    const { email } = await signedInBrowser(firefoxOnLinux.headers);
    const browser = stack.browser(firefoxOnLinux.headers);
    const denied = await browser.get('/app/reports?year=2026', { accept: 'text/html' });
    expect(denied.status).toBe(302);
    const next =
      new URL(String(denied.headers.location), 'http://x').searchParams.get('next') ?? '';
    const signIn = await browser.post('/api/v1/simple_auth/signin', {
      json: { email, password, next },
    });
    expect(signIn.json<{ redirect_to: string }>().redirect_to).toBe('/app/reports?year=2026');
    // A forged or foreign next lands on the default page instead.
    const forged = await browser.post('/api/v1/simple_auth/signin', {
      json: { email, password, next: 'v1.eyJwIjoiLy9ldmlsIn0.AAAA' },
    });
    expect(forged.json<{ redirect_to: string }>().redirect_to).toBe('/app/');
  });

  it('ignores a session cookie presented at sign-in: every sign-in gets a fresh token', async () => {
    const { browser, email } = await signedInBrowser(chromeOnMac.headers);
    const first = browser.jar.get('authflow_session');
    await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(browser.jar.get('authflow_session')).not.toBe(first);
  });

  it('mails a notice when an account signs in from a device it has not used before', async () => {
    const { email } = await signedInBrowser(chromeOnMac.headers);
    const other = stack.browser(firefoxOnLinux.headers);
    await other.post('/api/v1/simple_auth/signin', { json: { email, password } });
    const notice = await stack.smtp.waitForMessage(
      (message) => message.to.includes(email) && /new sign-in|new device/iu.test(message.subject),
    );
    expect(notice.text).toContain('Firefox 133 on Linux');
  });
});

describe('password reset', () => {
  it('revokes every session, refuses the old password, and uses a link once', async () => {
    const { browser: laptop, email } = await signedInBrowser(chromeOnMac.headers);
    const phone = stack.browser(firefoxOnLinux.headers);
    expect(
      (await phone.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
    ).toBe(200);
    for (const browser of [laptop, phone])
      expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(200);

    const forgot = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/forgot-password', { json: { email } });
    expect(forgot.status).toBe(202);
    const token = await mailedToken(stack.smtp, email, '/auth/reset-password');
    const page = await stack
      .browser(chromeOnMac.headers)
      .get(`/auth/reset-password?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');

    const newPassword = 'tr0ub4dor & 3 green apples';
    const reset = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/reset-password/update', {
        json: { token, password: newPassword },
      });
    expect(reset.status).toBe(200);
    for (const browser of [laptop, phone])
      expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(401);

    const changed = await stack.smtp.waitForMessage(
      (message) =>
        message.to.includes(email) &&
        /password/iu.test(message.subject) &&
        /changed/iu.test(message.subject),
    );
    // The notice names where the change came from (the client IP as the gateway saw it).
    expect(changed.text).toContain('127.0.0.1');
    const oldPassword = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(oldPassword.json<{ error: { code: string } }>().error.code).toBe('invalid_credentials');
    expect(
      (
        await stack
          .browser(chromeOnMac.headers)
          .post('/api/v1/simple_auth/signin', { json: { email, password: newPassword } })
      ).status,
    ).toBe(200);

    const reused = await stack
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/reset-password/update', {
        json: { token, password: 'yet another good passphrase' },
      });
    expect(reused.status).toBe(400);
    expect(reused.json<{ error: { code: string } }>().error.code).toBe('invalid_token');
  });
});

describe('session inventory', () => {
  it('lists both browsers with labels, marks the current one, revokes the other, keeps the current on logout-others', async () => {
    const { browser: laptop, email } = await signedInBrowser(chromeOnMac.headers);
    const phone = stack.browser(firefoxOnLinux.headers);
    await phone.post('/api/v1/simple_auth/signin', { json: { email, password } });
    const third = stack.browser(firefoxOnLinux.headers);
    await third.post('/api/v1/simple_auth/signin', { json: { email, password } });

    const listed = await laptop.get('/api/v1/simple_auth/sessions', json);
    expect(listed.status).toBe(200);
    const sessions = listed.json<{
      sessions: {
        id: string;
        device_label: string;
        current: boolean;
        ip: string;
        created_at: string;
        last_seen_at: string;
      }[];
    }>().sessions;
    expect(sessions).toHaveLength(3);
    expect(
      sessions.filter(({ current }) => current).map(({ device_label }) => device_label),
    ).toEqual(['Chrome 131 on macOS']);
    expect(
      sessions.filter(({ device_label }) => device_label === 'Firefox 133 on Linux'),
    ).toHaveLength(2);
    for (const session of sessions) expect(Date.parse(session.created_at)).not.toBeNaN();

    const phoneSession = sessions.find(({ current }) => !current);
    const revoked = await laptop.send(
      'DELETE',
      `/api/v1/simple_auth/sessions/${phoneSession?.id ?? ''}`,
    );
    expect(revoked.status).toBe(204);
    const stillThere = (await laptop.get('/api/v1/simple_auth/sessions', json)).json<{
      sessions: unknown[];
    }>().sessions;
    expect(stillThere).toHaveLength(2);
    // The revoked browser is out at once; the other one is not.
    const meStatuses = [
      (await phone.get('/api/v1/simple_auth/me', json)).status,
      (await third.get('/api/v1/simple_auth/me', json)).status,
    ].sort();
    expect(meStatuses).toEqual([200, 401]);

    const others = await laptop.post('/api/v1/simple_auth/logout-others', { json: {} });
    expect(others.json()).toEqual({ revoked: 1 });
    expect((await phone.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    expect((await third.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    expect((await laptop.get('/api/v1/simple_auth/me', json)).status).toBe(200);
  });

  it('signs out everywhere with logout-all, the calling browser included', async () => {
    const { browser: laptop, email } = await signedInBrowser(chromeOnMac.headers);
    const phone = stack.browser(firefoxOnLinux.headers);
    expect(
      (await phone.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
    ).toBe(200);
    const all = await laptop.post('/api/v1/simple_auth/logout-all', { json: {} });
    expect(all.status).toBe(200);
    expect(all.json()).toEqual({ revoked: 2 });
    expect(String(all.headers['set-cookie'])).toContain('Max-Age=0');
    for (const browser of [laptop, phone]) {
      expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    }
  });

  it("cannot revoke someone else's session", async () => {
    const { browser: mine } = await signedInBrowser(chromeOnMac.headers);
    const { browser: theirs } = await signedInBrowser(chromeOnMac.headers);
    const theirId =
      (await theirs.get('/api/v1/simple_auth/sessions', json)).json<{
        sessions: { id: string }[];
      }>().sessions[0]?.id ?? '';
    const attempt = await mine.send('DELETE', `/api/v1/simple_auth/sessions/${theirId}`);
    expect(attempt.status).toBe(404);
    expect((await theirs.get('/api/v1/simple_auth/me', json)).status).toBe(200);
  });

  it('shows the sessions page to a signed-in browser and revokes through its forms', async () => {
    const { browser: laptop, email } = await signedInBrowser(chromeOnMac.headers);
    const phone = stack.browser(firefoxOnLinux.headers);
    await phone.post('/api/v1/simple_auth/signin', { json: { email, password } });
    const page = await laptop.get('/auth/sessions');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Firefox 133 on Linux');
    const csrf = BrowserClient.csrfTokenOf(page.body);
    const revoke = await laptop.post('/auth/sessions/revoke-others', { form: { _csrf: csrf } });
    expect(revoke.status).toBe(303);
    expect((await phone.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    const logout = await laptop.post('/auth/logout', {
      form: { _csrf: BrowserClient.csrfTokenOf((await laptop.get('/auth/sessions')).body) },
    });
    expect(logout.headers.location).toBe('/auth/logged-out');
    expect((await laptop.get('/auth/sessions')).status).toBe(302);
  });

  it('signs out from a plain link through the confirmation page', async () => {
    const { browser } = await signedInBrowser(chromeOnMac.headers);
    const page = await browser.get('/auth/logout');
    expect(page.status).toBe(200);
    const signedOut = await browser.post('/auth/logout', {
      form: { _csrf: BrowserClient.csrfTokenOf(page.body) },
    });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.location).toBe('/auth/logged-out');
    expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(401);
  });
});
