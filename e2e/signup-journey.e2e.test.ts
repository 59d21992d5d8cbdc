import { describe, expect, it } from 'vitest';
import { watchedPage } from './support/browser.ts';
import { useBrowserSuite } from './support/suite.ts';

const suite = useBrowserSuite();

describe('a new user, in a real browser, through nginx and the gateway', () => {
  it('is sent to sign in, signs up, confirms by mail, comes back to the app, sees their sessions, signs out', async () => {
    const email = `e2e-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const { stack, browser } = suite;
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'signup-journey');

    await page.goto(`${stack.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    expect(new URL(page.url()).searchParams.get('next')).toMatch(/^v1\./u);
    await screenshot('login');

    await page.getByRole('link', { name: 'Create an account' }).click();
    expect(new URL(page.url()).pathname).toBe('/auth/signup');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await screenshot('signup');
    await page.getByRole('button', { name: /sign up|create/iu }).click();
    await expect.poll(() => page.textContent('h1')).toMatch(/check your email/iu);
    await screenshot('check-email');

    const mail = await stack.smtp.waitForMessage((message) => message.to.includes(email));
    const link = mail.links.find((candidate) =>
      candidate.includes('/api/v1/simple_auth/verify-email?token='),
    );
    expect(link?.startsWith(stack.url)).toBe(true);
    await page.goto(link ?? '');
    expect(new URL(page.url()).pathname).toBe('/auth/email-verified');
    await screenshot('email-verified');

    // Back to the app: sign in, and the handoff brings the browser back to /app/.
    await page.goto(`${stack.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/app/`);
    await expect.poll(() => page.textContent('body')).toContain(email);
    await screenshot('app-home');

    await page.getByRole('link', { name: 'Your sessions' }).click();
    expect(new URL(page.url()).pathname).toBe('/auth/sessions');
    await expect.poll(() => page.textContent('table')).toContain('This device');
    await screenshot('sessions');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/auth/logged-out');
    await screenshot('logged-out');

    await page.goto(`${stack.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    await screenshot('login-again');
    expect(problems).toEqual([]);
    await context.close();
  });
});
