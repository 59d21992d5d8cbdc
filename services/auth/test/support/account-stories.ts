// The account self-service stories over real HTTP through the gateway, told once and run for
// each identity provider (built-in on PGlite, Supabase against the double).
import { expect, it } from 'vitest';
import { chromeOnMac, firefoxOnLinux } from '@authflow/testing';
import { BrowserClient, type Response } from './browser-client.js';
import type { Stack } from './stack-harness.js';

export interface AccountStoryHarness {
  readonly stack: () => Stack;
  /** A confirmed account with this password, ready to sign in. */
  confirmedAccount(email: string, password: string): Promise<void>;
  /** The path (with `?token=`) of the email-change link mailed to `newEmail`. */
  emailChangeLink(newEmail: string): Promise<string>;
}

export const password = 'correct horse battery staple';
export const newPassword = 'tr0ub4dor & 3 green apples';
const json = { accept: 'application/json' };
const ACCOUNT = '/api/v1/simple_auth/account';

let counter = 0;
export const newEmail = (label: string): string =>
  `${label}-${Date.now()}-${(counter += 1)}@example.com`;

const codeOf = (response: Response): string =>
  response.json<{ error: { code: string } }>().error.code;

export function describeAccountStories(harness: AccountStoryHarness): void {
  const stack = () => harness.stack();

  async function signedIn(email: string, profile = chromeOnMac.headers): Promise<BrowserClient> {
    const browser = stack().browser(profile);
    const signIn = await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect(signIn.status).toBe(200);
    return browser;
  }

  async function signInStatus(email: string, secret: string): Promise<number> {
    return (
      await stack()
        .browser(chromeOnMac.headers)
        .post('/api/v1/simple_auth/signin', { json: { email, password: secret } })
    ).status;
  }

  const mailTo = (to: string, subject: RegExp) =>
    stack().smtp.waitForMessage(
      (message) => message.to.includes(to) && subject.test(message.subject),
    );

  it('refuses a guessable new password, or the address itself, with the policy reason', async () => {
    const email = newEmail('pw-weak');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);
    for (const [weak, reason] of [
      ['aaaaaaaaaa', 'guessable'],
      [email, 'personal'],
    ] as const) {
      const refused = await laptop.post(`${ACCOUNT}/password`, {
        json: { current_password: password, new_password: weak },
      });
      expect([refused.status, codeOf(refused)]).toEqual([422, 'weak_password']);
      expect(refused.json<{ error: { reasons: string[] } }>().error.reasons).toContain(reason);
    }
    expect(await signInStatus(email, password)).toBe(200);
  });

  it('changes the password with the current one: the other device is signed out, this one stays, the old password stops working', async () => {
    const email = newEmail('pw');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);
    const phone = await signedIn(email, firefoxOnLinux.headers);

    const wrong = await laptop.post(`${ACCOUNT}/password`, {
      json: { current_password: 'not my password', new_password: newPassword },
    });
    expect([wrong.status, codeOf(wrong)]).toEqual([401, 'invalid_credentials']);
    const weak = await laptop.post(`${ACCOUNT}/password`, {
      json: { current_password: password, new_password: 'short' },
    });
    expect([weak.status, codeOf(weak)]).toEqual([422, 'weak_password']);
    const missing = await laptop.post(`${ACCOUNT}/password`, { json: { new_password: 'x' } });
    expect([missing.status, codeOf(missing)]).toEqual([400, 'validation_failed']);

    const changed = await laptop.post(`${ACCOUNT}/password`, {
      json: { current_password: password, new_password: newPassword },
    });
    expect(changed.status).toBe(200);
    expect(changed.json()).toEqual({ status: 'password_changed', revoked: 1 });
    expect((await laptop.get('/api/v1/simple_auth/me', json)).status).toBe(200);
    expect((await phone.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    expect(await signInStatus(email, password)).toBe(401);
    expect(await signInStatus(email, newPassword)).toBe(200);
    const notice = await mailTo(email, /password was changed/iu);
    expect(notice.text).toMatch(/every other session was signed out/iu);
  });

  it('keeps the other sessions when asked to', async () => {
    const email = newEmail('keep');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);
    const phone = await signedIn(email, firefoxOnLinux.headers);
    const changed = await laptop.post(`${ACCOUNT}/password`, {
      json: { current_password: password, new_password: newPassword, sign_out_others: false },
    });
    expect(changed.json()).toEqual({ status: 'password_changed', revoked: 0 });
    expect((await phone.get('/api/v1/simple_auth/me', json)).status).toBe(200);
  });

  it('changes the email address only once the link sent to the new address is followed', async () => {
    const email = newEmail('old');
    const moved = newEmail('new');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);

    const requested = await laptop.post(`${ACCOUNT}/email`, {
      json: { current_password: password, new_email: moved },
    });
    expect(requested.status).toBe(202);
    const notice = await mailTo(email, /about to change/iu);
    expect(notice.text).toContain(moved);
    const link = await harness.emailChangeLink(moved);
    expect(link).toMatch(/^\/auth\/account\/email\/confirm\?token=/u);
    // Nothing has changed yet.
    expect(await signInStatus(email, password)).toBe(200);
    expect(await signInStatus(moved, password)).toBe(401);

    // The link opens a page; only its button (with the CSRF token) changes the address.
    const anywhere = stack().browser(firefoxOnLinux.headers);
    const confirmPage = await anywhere.get(link, { accept: 'text/html' });
    expect(confirmPage.status).toBe(200);
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const confirmed = await anywhere.post('/auth/account/email/confirm', {
      form: { _csrf: BrowserClient.csrfTokenOf(confirmPage.body), token },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain(moved);

    // Every session ended (each carried the old address); the new address signs in, the old not.
    expect((await laptop.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    expect(await signInStatus(moved, password)).toBe(200);
    expect(await signInStatus(email, password)).toBe(401);
    const again = await anywhere.post('/auth/account/email/confirm', {
      form: { _csrf: BrowserClient.csrfTokenOf(confirmPage.body), token },
    });
    expect([again.status, again.headers['x-authflow-error']]).toEqual([400, 'invalid_token']);
  });

  it('refuses an address that belongs to another account, and says so to the owner', async () => {
    const email = newEmail('mine');
    const other = newEmail('theirs');
    await harness.confirmedAccount(email, password);
    await harness.confirmedAccount(other, password);
    const laptop = await signedIn(email);
    const taken = await laptop.post(`${ACCOUNT}/email`, {
      json: { current_password: password, new_email: other },
    });
    expect(taken.status).toBe(400);
    expect(taken.json()).toMatchObject({
      error: {
        code: 'validation_failed',
        message: 'This address belongs to another account.',
        fields: ['new_email'],
      },
    });
    const wrong = await laptop.post(`${ACCOUNT}/email`, {
      json: { current_password: 'not my password', new_email: newEmail('x') },
    });
    expect(codeOf(wrong)).toBe('invalid_credentials');
  });

  it('downloads the data as an attachment: profile and sessions, no hash, no token', async () => {
    const email = newEmail('export');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);
    await signedIn(email, firefoxOnLinux.headers);
    const exported = await laptop.get(`${ACCOUNT}/export`, json);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toMatch(
      /^attachment; filename="account-data-\d{4}-\d{2}-\d{2}\.json"$/u,
    );
    const data = exported.json<{
      profile: { email: string };
      sessions: { current: boolean; device_label: string }[];
      devices: unknown[];
    }>();
    expect(data.profile.email).toBe(email);
    expect(data.sessions).toHaveLength(2);
    expect(data.sessions.filter((session) => session.current)).toHaveLength(1);
    expect(data.devices).toHaveLength(2);
    const cookie = [...laptop.jar.values()];
    for (const secret of [...cookie, password]) expect(exported.body).not.toContain(secret);
    expect(exported.body).not.toMatch(/\$argon2|password_hash|encrypted_password/u);
  });

  it('deletes the account with its password: every session ends, the cookie expires, sign-in fails', async () => {
    const email = newEmail('bye');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);
    const phone = await signedIn(email, firefoxOnLinux.headers);
    const wrong = await laptop.post(`${ACCOUNT}/delete`, { json: { password: newPassword } });
    expect([wrong.status, codeOf(wrong)]).toEqual([401, 'invalid_credentials']);
    expect((await laptop.get('/api/v1/simple_auth/me', json)).status).toBe(200);

    const deleted = await laptop.post(`${ACCOUNT}/delete`, { json: { password } });
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toEqual({ status: 'deleted' });
    expect(String(deleted.headers['set-cookie'])).toMatch(/authflow_session=;.*Max-Age=0/iu);
    for (const browser of [laptop, phone])
      expect((await browser.get('/api/v1/simple_auth/me', json)).status).toBe(401);
    const listed = await stack()
      .browser(chromeOnMac.headers)
      .post('/api/v1/simple_auth/signin', { json: { email, password } });
    expect([listed.status, codeOf(listed)]).toEqual([401, 'invalid_credentials']);
    await mailTo(email, /account was deleted/iu);
  });

  it('keeps the account pages and API to signed-in users, and the forms to this site', async () => {
    const anonymous = stack().browser(chromeOnMac.headers);
    const page = await anonymous.get('/auth/account', { accept: 'text/html' });
    expect(page.status).toBe(302);
    expect(page.headers.location).toMatch(/^\/auth\/login\?next=/u);
    const api = await anonymous.get(`${ACCOUNT}/export`, json);
    expect(api.status).toBe(401);

    const email = newEmail('page');
    await harness.confirmedAccount(email, password);
    const laptop = await signedIn(email);
    const account = await laptop.get('/auth/account', { accept: 'text/html' });
    expect(account.status).toBe(200);
    expect(account.body).toContain(email);
    const noToken = await laptop.post('/auth/account/password', {
      form: { current_password: password, new_password: newPassword, sign_out_others: 'on' },
    });
    expect([noToken.status, noToken.headers['x-authflow-error']]).toEqual([403, 'csrf_failed']);
    const csrf = BrowserClient.csrfTokenOf(account.body);
    const wrong = await laptop.post('/auth/account/password', {
      form: { _csrf: csrf, current_password: 'not my password', new_password: newPassword },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('The current password is not correct.');
    const changed = await laptop.post('/auth/account/password', {
      form: { _csrf: csrf, current_password: password, new_password: newPassword },
    });
    expect([changed.status, changed.headers.location]).toEqual([
      303,
      '/auth/account?notice=password',
    ]);
    expect(await signInStatus(email, newPassword)).toBe(200);
  });
}
