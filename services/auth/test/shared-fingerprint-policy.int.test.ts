// Auth and the gateway judge a session cookie with one fingerprint policy (AUTHFLOW_FINGERPRINT_*,
// issue 14): a part the operator only observes never gets a session revoked by auth.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac } from '../../gateway/src/test-support/browsers.js';
import { BrowserClient } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

const observeUserAgent = { AUTHFLOW_FINGERPRINT_USER_AGENT: 'observe' };
let stack: Stack;
const password = 'correct horse battery staple';

beforeAll(async () => {
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: observeUserAgent,
    gatewayEnv: observeUserAgent,
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

describe('one fingerprint policy for gateway and auth', () => {
  it('keeps a session whose user agent changed working on /app/, the sessions page and /me', async () => {
    const email = `observe-${Date.now()}@example.com`;
    const browser = stack.browser(chromeOnMac.headers);
    await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
    const token = await mailedToken(stack.smtp, email, '/verify-email');
    await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, {
      accept: 'application/json',
    });
    expect(
      (await browser.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
    ).toBe(200);

    // The same browser after an update: only its user agent differs.
    const updated = new BrowserClient(stack.gateway.url, {
      ...chromeOnMac.headers,
      'user-agent': `${chromeOnMac.headers['user-agent'] ?? ''} Updated/2`,
    });
    for (const [name, value] of browser.jar) updated.jar.set(name, value);

    expect((await updated.get('/app/')).status).toBe(200);
    expect((await updated.get('/auth/sessions', { accept: 'text/html' })).status).toBe(200);
    const me = await updated.get('/api/v1/simple_auth/me', { accept: 'application/json' });
    expect(me.status).toBe(200);
    expect(me.json<{ user: { email: string } }>().user.email).toBe(email);
    // And the session is still there for the original browser.
    expect((await browser.get('/app/')).status).toBe(200);
  });
});
