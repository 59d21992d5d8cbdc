// What every browser test file shares: the split stack and Chromium, started once for the file's
// tests and stopped after them, and an account made the way a returning user's would be.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { launchChromium } from './browser.ts';
import { type SplitStack, startSplitStack } from './split-stack.ts';

/** Signs up over the API and follows the confirmation link from the mail (the fault harness's). */
export { confirmedAccount } from '../../faults/support/fault-stack.ts';

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
