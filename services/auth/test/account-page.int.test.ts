// The account page answers like every other auth page: its notices come only from its own list,
// its headers and error page are the shared ones, and a visitor without a session is sent to
// sign in with a signed way back. Built-in accounts, over HTTP through the gateway.
import { verifyHandoff } from '@authflow/handoff';
import { chromeOnMac } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PAGE_HEADERS } from '../src/web/page-reply.js';
import { BrowserClient } from './support/browser-client.js';
import {
  mailedToken,
  type Stack,
  startStack,
  TEST_HANDOFF_SECRET,
} from './support/stack-harness.js';

const password = 'correct horse battery staple';
const html = { accept: 'text/html' };
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ redisUrl: inject('redisUrl') });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

/** Signs up, follows the mailed link and signs in: a browser on its account page. */
async function signedInBrowser(label: string): Promise<BrowserClient> {
  const email = `${label}-${Date.now()}@example.com`;
  const browser = stack.browser(chromeOnMac.headers);
  await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
  const token = await mailedToken(stack.smtp, email, '/verify-email');
  await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, {
    accept: 'application/json',
  });
  expect(
    (await browser.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
  ).toBe(200);
  return browser;
}

describe('the account page', () => {
  it('shows a notice it knows, and nothing for a query that names an Object property (regression: ?notice=constructor drew a function)', async () => {
    const browser = await signedInBrowser('notice');
    const known = await browser.get('/auth/account?notice=password', html);
    expect(known.status).toBe(200);
    expect(known.body).toContain('Your password was changed.');

    for (const notice of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'nope']) {
      const page = await browser.get(`/auth/account?notice=${notice}`, html);
      expect(page.status, notice).toBe(200);
      expect(page.body, notice).not.toContain('alert-notice');
      expect(page.body, notice).not.toMatch(/function|native code|\[object/u);
    }
  });

  it('answers with the headers of every auth page, and draws a refused form post as the shared error page', async () => {
    const browser = await signedInBrowser('headers');
    const page = await browser.get('/auth/account', html);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject(PAGE_HEADERS);

    const noToken = await browser.post('/auth/account/password', {
      form: { current_password: password, new_password: 'tr0ub4dor & 3 green apples' },
    });
    expect(noToken.status).toBe(403);
    expect(noToken.headers['x-authflow-error']).toBe('csrf_failed');
    expect(String(noToken.headers['content-type'])).toMatch(/^text\/html/u);
    expect(noToken.headers).toMatchObject(PAGE_HEADERS);
    expect(noToken.body).toContain('This form expired or did not come from this site.');
  });

  it('sends a visitor without a session to sign in, with a signed way back to the account page', async () => {
    for (const path of ['/auth/account', '/auth/account/export']) {
      const anonymous = await stack.browser(chromeOnMac.headers).get(path, html);
      expect(anonymous.status, path).toBe(302);
      const location = new URL(String(anonymous.headers.location), 'http://x');
      expect(location.pathname).toBe('/auth/login');
      expect(verifyHandoff(location.searchParams.get('next') ?? '', TEST_HANDOFF_SECRET)).toEqual({
        ok: true,
        path: '/auth/account',
      });
    }
  });

  it('shows the reason a password was refused next to its form, with the refusal status', async () => {
    const browser = await signedInBrowser('weak');
    const page = await browser.get('/auth/account', html);
    const refused = await browser.post('/auth/account/password', {
      form: {
        _csrf: BrowserClient.csrfTokenOf(page.body),
        current_password: password,
        new_password: 'short',
      },
    });
    expect(refused.status).toBe(422);
    expect(refused.headers['x-authflow-error']).toBe('weak_password');
    expect(refused.headers).toMatchObject(PAGE_HEADERS);
    expect(refused.body).toContain('Use 10 to 128 characters.');
  });
});
