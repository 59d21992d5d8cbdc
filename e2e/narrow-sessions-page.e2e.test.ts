import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { watchedPage, type WatchedPage } from './support/browser.ts';
import { confirmedAccount, useBrowserSuite } from './support/suite.ts';
import type { SplitStack } from './support/split-stack.ts';

const suite = useBrowserSuite();

async function signedIn(
  stack: SplitStack,
  browser: Browser,
  viewport: { width: number; height: number },
  credentials: { email: string; password: string },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const watched = await watchedPage(context, 'narrow-sessions-page');
  await watched.page.goto(`${stack.url}/auth/login`);
  await watched.page.getByLabel('Email address').fill(credentials.email);
  await watched.page.getByLabel('Password').fill(credentials.password);
  await watched.page.getByRole('button', { name: 'Sign in' }).click();
  await watched.page.waitForURL(`${stack.url}/app/`);
  return watched;
}

describe('the sessions page on a 320 px wide phone', () => {
  it('lists every device as a card, with its Sign out button on screen and no sideways scrolling', async () => {
    const { stack, browser } = suite;
    const credentials = {
      email: `narrow-${Date.now()}@example.com`,
      password: 'correct horse battery staple',
    };
    await confirmedAccount(stack, credentials.email, credentials.password);
    // Another device first, so the phone's page has a session to sign out.
    const laptop = await signedIn(stack, browser, { width: 1280, height: 800 }, credentials);
    const phone = await signedIn(stack, browser, { width: 320, height: 640 }, credentials);

    await phone.page.goto(`${stack.url}/auth/sessions`);
    await phone.page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await phone.screenshot('sessions-320px');
    // Evaluated in the page (a string: the test's own types have no DOM).
    const widths = await phone.page.evaluate<{
      scroll: number;
      client: number;
      tableScroll: number[];
    }>(`({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      tableScroll: [...document.querySelectorAll('.table-scroll')].map(
        (element) => element.scrollWidth - element.clientWidth,
      ),
    })`);
    expect(widths.client).toBe(320);
    expect(widths.scroll).toBe(widths.client);
    expect(widths.tableScroll.every((overflow) => overflow <= 0)).toBe(true);

    // The per-device button (its accessible name is "Sign out <device>").
    const signOut = phone.page.locator('form[action="/auth/sessions/revoke"] button');
    await expect(signOut.count()).resolves.toBe(1);
    const box = await signOut.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 320).toBe(true);

    // And it works: the laptop's session ends.
    await signOut.click();
    await phone.page.waitForURL(`${stack.url}/auth/sessions?notice=revoked`);
    await expect(phone.page.getByRole('button', { name: /^Sign out .+/u }).count()).resolves.toBe(
      0,
    );
    expect([...phone.problems, ...laptop.problems]).toEqual([]);
    await Promise.all([phone.page.context().close(), laptop.page.context().close()]);
  });
});
