// Debian's Chromium driven by playwright-core (no browser download), with screenshots and a
// record of console errors for every page.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ARTIFACTS } from './split-stack.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a closed network and a root user (see the machine notes): no sandbox, no background traffic. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and failed requests seen so far, with the URL they happened on. */
  readonly problems: string[];
  readonly screenshot: (name: string) => Promise<void>;
}

export async function watchedPage(context: BrowserContext, scenario: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`${page.url()}: console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: page error: ${error.message}`));
  const folder = join(ARTIFACTS, 'screenshots', scenario);
  await mkdir(folder, { recursive: true });
  let shot = 0;
  return {
    page,
    problems,
    screenshot: async (name) => {
      shot += 1;
      await page.screenshot({
        path: join(folder, `${String(shot).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
    },
  };
}
