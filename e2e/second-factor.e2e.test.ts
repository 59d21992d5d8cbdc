import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { AuthenticatorApp } from './support/authenticator-app.ts';
import { watchedPage } from './support/browser.ts';
import { confirmedAccount, useBrowserSuite } from './support/suite.ts';

const suite = useBrowserSuite();
const password = 'correct horse battery staple';

async function signIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/auth/logout`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${url}/auth/logged-out`);
}

interface Enrolled {
  readonly app: AuthenticatorApp;
  readonly recoveryCodes: string[];
}

/**
 * From the security page of a signed-in user: sets up an authenticator app with the key the
 * enrollment page shows, confirms it with a first code, and keeps the recovery codes shown once.
 */
async function enrolAuthenticator(
  page: Page,
  url: string,
  screenshot: (name: string) => Promise<void>,
): Promise<Enrolled> {
  const section = page.getByRole('region', { name: 'Authenticator app' });
  await section.getByLabel('Name for the new authenticator app').fill('E2E phone');
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect.poll(() => page.textContent('h1')).toBe('Set up your authenticator app');
  await expect.poll(() => page.getByRole('img', { name: 'QR code' }).isVisible()).toBe(true);
  const secret = (await page.locator('code.secret').textContent()) ?? '';
  expect(secret).toMatch(/^[A-Z2-7 ]{32,}$/u);
  // The QR code's URI holds the same key an app scanning it would get.
  const uri = new URL(
    (await page
      .getByRole('link', { name: 'Open in an authenticator app on this device' })
      .getAttribute('href')) ?? '',
  );
  expect(uri.protocol).toBe('otpauth:');
  expect(uri.searchParams.get('secret')).toBe(secret.replace(/ /gu, ''));
  await screenshot('enrol-authenticator');

  const app = new AuthenticatorApp(secret);
  await page.getByLabel('Code from your authenticator app').fill(await app.nextCode());
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect.poll(() => page.textContent('h1')).toBe('Save your recovery codes');
  const recoveryCodes = await page
    .getByRole('list', { name: 'Your recovery codes' })
    .getByRole('listitem')
    .allTextContents();
  expect(recoveryCodes).toHaveLength(10);
  expect(new Set(recoveryCodes).size).toBe(10);
  await screenshot('recovery-codes');

  await page.getByRole('link', { name: 'I have saved my codes, continue' }).click();
  await page.waitForURL(`${url}/auth/security`);
  await expect.poll(() => page.textContent('body')).toContain('You have 10 recovery codes left.');
  return { app, recoveryCodes: recoveryCodes.map((code) => code.trim()) };
}

/** Signs up, signs in on the security page and sets up an authenticator app there. */
async function enrolledUser(
  page: Page,
  url: string,
  email: string,
  shot: (name: string) => Promise<void>,
): Promise<Enrolled> {
  await confirmedAccount(suite.stack, email, password);
  await page.goto(`${url}/auth/security`);
  // Not signed in: the login page, then back to the security settings.
  await signIn(page, email);
  await page.waitForURL(`${url}/auth/security`);
  await expect.poll(() => page.textContent('h1')).toBe('Security settings');
  await shot('security-settings');
  return enrolAuthenticator(page, url, shot);
}

/** For a test whose enrollment screenshots another test already takes. */
const noShot = (): Promise<void> => Promise.resolve();

/** Signs in with the password on the way to /app/ and stops at the second-factor challenge. */
async function signInToChallenge(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/app/`);
  expect(new URL(page.url()).pathname).toBe('/auth/login');
  await signIn(page, email);
  await page.waitForURL(`${url}/auth/mfa`);
  await expect.poll(() => page.textContent('h1')).toBe('Confirm it is you');
}

describe('second factors, in a real browser, through nginx and the gateway', () => {
  it('sets up an authenticator app, signs out, signs in with password and code, and reaches /app/ at aal2', async () => {
    const email = `e2e-mfa-totp-${Date.now()}@example.com`;
    const { stack, browser } = suite;
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'second-factor-totp');
    const { app } = await enrolledUser(page, stack.url, email, screenshot);
    await screenshot('authenticator-on');

    await signOut(page, stack.url);
    await signInToChallenge(page, stack.url, email);
    // No session yet: the password alone opens nothing behind the gateway.
    expect(await context.cookies()).not.toContainEqual(
      expect.objectContaining({ name: 'authflow_session' }),
    );
    await screenshot('challenge');
    await page.getByLabel('Code from your authenticator app').fill(await app.nextCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/app/`);
    await expect.poll(() => page.textContent('h1')).toBe(`Hello, ${email}`);
    await expect.poll(() => page.textContent('body')).toContain('a password and a one-time code');
    await screenshot('app-home');

    // The backend's view, from the assertion it verified.
    const profile = await page.evaluate(async () => {
      const response = await fetch('/app/api/profile');
      return (await response.json()) as { email: string; amr: string[] };
    });
    expect(profile.email).toBe(email);
    expect(profile.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    // The assertion itself, as the gateway signs it for this browser's session (forward-auth).
    const assertion = await page.evaluate(async () => {
      const response = await fetch('/verify');
      return { status: response.status, token: response.headers.get('x-authflow-assertion') };
    });
    expect(assertion.status).toBe(200);
    const claims = decodeJwt(assertion.token ?? '');
    expect(claims).toMatchObject({ email, aal: 'aal2', acr: 'aal2' });
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs in with a recovery code instead, and that code works only once', async () => {
    const email = `e2e-mfa-recovery-${Date.now()}@example.com`;
    const { stack, browser } = suite;
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'second-factor-recovery');
    const { recoveryCodes } = await enrolledUser(page, stack.url, email, noShot);
    const [first = '', second = ''] = recoveryCodes;

    await signOut(page, stack.url);
    await signInToChallenge(page, stack.url, email);
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    expect(new URL(page.url()).searchParams.get('method')).toBe('recovery');
    await page.getByLabel('Recovery code').fill(first);
    await screenshot('recovery-code');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/app/`);
    await expect.poll(() => page.textContent('h1')).toBe(`Hello, ${email}`);
    // Using a recovery code is mailed to the owner: a takeover does not go unnoticed.
    await stack.smtp.waitForMessage(
      (message) => message.to.includes(email) && /recovery code/iu.test(message.subject),
    );
    expect(problems).toEqual([]);

    await signOut(page, stack.url);
    await signInToChallenge(page, stack.url, email);
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(first);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not correct/iu);
    await screenshot('recovery-code-used-already');
    // The refusal is a 401, which Chromium reports on the console; that one line is expected.
    expect(problems).toEqual([expect.stringMatching(/\/auth\/mfa: .*status of 401/u)]);
    problems.length = 0;

    await page.getByLabel('Recovery code').fill(second);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/app/`);
    await page.goto(`${stack.url}/auth/security`);
    await expect.poll(() => page.textContent('body')).toContain('You have 8 recovery codes left.');
    await screenshot('security-settings-after');
    expect(problems).toEqual([]);
    await context.close();
  });
});
