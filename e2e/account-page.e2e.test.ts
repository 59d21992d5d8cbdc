import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { watchedPage } from './support/browser.ts';
import { confirmedAccount, useBrowserSuite } from './support/suite.ts';

const suite = useBrowserSuite();
const password = 'correct horse battery staple';
const newPassword = 'tr0ub4dor & 3 green apples';

async function signIn(page: Page, url: string, email: string, secret: string): Promise<void> {
  await page.goto(`${url}/auth/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the account page, in a real browser', () => {
  it('changes the password, then signs in with the new one', async () => {
    const email = `e2e-account-pw-${Date.now()}@example.com`;
    const { stack, browser } = suite;
    await confirmedAccount(stack, email, password);
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'account-password');

    await page.goto(`${stack.url}/auth/account`);
    // Not signed in: the gateway-style handoff to the login page, then back here.
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/auth/account`);
    await expect.poll(() => page.textContent('h1')).toBe('Your account');
    await screenshot('account');

    const section = page.getByRole('region', { name: 'Change your password' });
    await section.getByLabel('Current password').fill(password);
    await section.getByLabel('New password').fill(newPassword);
    await section.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.textContent('body')).toContain('Your password was changed.');

    await page.goto(`${stack.url}/auth/logout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, stack.url, email, newPassword);
    await page.waitForURL(`${stack.url}/app/`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('changes the email address with the link sent to the new one', async () => {
    const email = `e2e-account-old-${Date.now()}@example.com`;
    const moved = `e2e-account-new-${Date.now()}@example.com`;
    const { stack, browser } = suite;
    await confirmedAccount(stack, email, password);
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'account-email');
    await signIn(page, stack.url, email, password);
    await page.waitForURL(`${stack.url}/app/`);
    await page.goto(`${stack.url}/auth/account`);

    const section = page.getByRole('region', { name: 'Change your email address' });
    await section.getByLabel('New email address').fill(moved);
    await section.getByLabel('Current password').fill(password);
    await section.getByRole('button', { name: 'Send confirmation link' }).click();
    await expect
      .poll(() => page.textContent('body'))
      .toContain('We sent a link to the new address');
    await stack.smtp.waitForMessage(
      (message) => message.to.includes(email) && /about to change/iu.test(message.subject),
    );
    const mail = await stack.smtp.waitForMessage((message) => message.to.includes(moved));
    const link = mail.links.find((candidate) => candidate.includes('/auth/account/email/confirm'));
    expect(link?.startsWith(stack.url)).toBe(true);

    await page.goto(link ?? '');
    await screenshot('confirm-email');
    await page.getByRole('button', { name: 'Confirm new address' }).click();
    await expect.poll(() => page.textContent('h1')).toBe('Email address changed');
    await page.getByRole('link', { name: 'Sign in with your new address' }).click();
    await page.getByLabel('Email address').fill(moved);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/app/`);
    await expect.poll(() => page.textContent('body')).toContain(moved);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('deletes the account; signing in then fails', async () => {
    const email = `e2e-account-bye-${Date.now()}@example.com`;
    const { stack, browser } = suite;
    await confirmedAccount(stack, email, password);
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'account-delete');
    await signIn(page, stack.url, email, password);
    await page.waitForURL(`${stack.url}/app/`);
    await page.goto(`${stack.url}/auth/account`);

    const section = page.getByRole('region', { name: 'Delete your account' });
    await section.getByLabel('Your password').fill(password);
    await section.getByLabel('I understand that my account is deleted for good').check();
    await section.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => page.textContent('h1')).toBe('Account deleted');
    await screenshot('deleted');
    expect(await context.cookies()).not.toContainEqual(
      expect.objectContaining({ name: 'authflow_session' }),
    );

    await signIn(page, stack.url, email, password);
    await expect.poll(() => page.textContent('body')).toMatch(/not correct/iu);
    // The refusal is a 401, which Chromium reports on the console; that one line is expected.
    expect(problems).toEqual([expect.stringMatching(/\/auth\/login: .*status of 401/u)]);
    await context.close();
  });
});
