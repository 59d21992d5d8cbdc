// What every browser test file shares: the split stack and Chromium, started once for the file's
// tests and stopped after them, and an account made the way a returning user's would be.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { launchChromium } from './browser.ts';
import { type SplitStack, startSplitStack } from './split-stack.ts';

export interface BrowserSuite {
  readonly stack: SplitStack;
  readonly browser: Browser;
}

/** Call at the top of a test file; read `stack` and `browser` inside tests only. */
export function useBrowserSuite(): BrowserSuite {
  let stack: SplitStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startSplitStack(inject('redisUrl'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is not started (use it inside a test)`);
    return value;
  };
  return {
    get stack() {
      return started(stack, 'the stack');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
  };
}

/** Signs up over the API and follows the confirmation link from the mail. */
export async function confirmedAccount(
  stack: SplitStack,
  email: string,
  password: string,
): Promise<void> {
  const signup = await fetch(`${stack.url}/api/v1/simple_auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({ email, password }),
  });
  expect(signup.status).toBe(202);
  const mail = await stack.smtp.waitForMessage((message) => message.to.includes(email));
  const link = mail.links.find((candidate) => candidate.includes('verify-email?token='));
  const confirmed = await fetch(link ?? '', { headers: { accept: 'application/json' } });
  expect(confirmed.status).toBe(200);
}
