import { describe, expect, it } from 'vitest';
import { watchedPage } from './support/browser.ts';
import { confirmedAccount, useBrowserSuite } from './support/suite.ts';

const suite = useBrowserSuite();

describe('a user who forgot their password, in a real browser', () => {
  it('asks for a link, chooses a new password, and signs in with it', async () => {
    const email = `e2e-reset-${Date.now()}@example.com`;
    const oldPassword = 'correct horse battery staple';
    const newPassword = 'tr0ub4dor & 3 green apples';
    const { stack, browser } = suite;
    await confirmedAccount(stack, email, oldPassword);
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'password-reset');

    await page.goto(`${stack.url}/app/`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    expect(new URL(page.url()).pathname).toBe('/auth/forgot-password');
    await page.getByLabel('Email address').fill(email);
    await screenshot('forgot-password');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect.poll(() => page.textContent('h1')).toMatch(/check your email/iu);

    const mail = await stack.smtp.waitForMessage(
      (message) => message.to.includes(email) && message.links.some((l) => l.includes('reset')),
    );
    const link = mail.links.find((candidate) => candidate.includes('/auth/reset-password?token='));
    expect(link?.startsWith(stack.url)).toBe(true);
    await page.goto(link ?? '');
    await page.getByLabel('New password').fill(newPassword);
    await screenshot('reset-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.textContent('h1')).toMatch(/password changed/iu);
    await screenshot('password-changed');

    await page.getByRole('link', { name: 'Sign in with your new password' }).click();
    expect(problems).toEqual([]);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(oldPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The old password no longer works: the page says so next to the form. It is answered
    // with status 401, which Chromium reports on the console; that one line is expected.
    await expect.poll(() => page.textContent('body')).toMatch(/not correct/iu);
    await screenshot('old-password-refused');
    expect(problems).toEqual([expect.stringMatching(/\/auth\/login: .*status of 401/u)]);
    problems.length = 0;
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/app/`);
    await expect.poll(() => page.textContent('body')).toContain(email);
    expect(problems).toEqual([]);
    await context.close();
  });
});
