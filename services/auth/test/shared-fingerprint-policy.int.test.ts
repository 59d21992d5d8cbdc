// One fingerprint policy (AUTHFLOW_FINGERPRINT_*, issue 14), applied by the gateway alone: a part
// the operator only observes never gets a session revoked, and auth never judges a cookie itself.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac } from '@authflow/testing';
import { BrowserClient } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

const observeUserAgent = { AUTHFLOW_FINGERPRINT_USER_AGENT: 'observe' };
let stack: Stack;
/** Auth left at its default (enforce): it must not matter, auth never compares fingerprints. */
let gatewayOnly: Stack;
const password = 'correct horse battery staple';

beforeAll(async () => {
  [stack, gatewayOnly] = await Promise.all([
    startStack({
      redisUrl: inject('redisUrl'),
      authEnv: observeUserAgent,
      gatewayEnv: observeUserAgent,
    }),
    startStack({ redisUrl: inject('redisUrl'), gatewayEnv: observeUserAgent }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([stack.close(), gatewayOnly.close()]);
});

describe('one fingerprint policy, applied by the gateway', () => {
  it('keeps a session whose user agent changed working on /app/, the sessions page and /me', async () => {
    await expectUserAgentChangeKept(stack);
  });

  it("leaves the decision to the gateway even when auth's own setting says enforce", async () => {
    await expectUserAgentChangeKept(gatewayOnly);
  });
});

/** Signs in, then the same browser with an updated user agent is still signed in everywhere. */
async function expectUserAgentChangeKept(target: Stack): Promise<void> {
  const email = `observe-${Date.now()}-${Math.random()}@example.com`;
  const browser = target.browser(chromeOnMac.headers);
  await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
  const token = await mailedToken(target.smtp, email, '/verify-email');
  await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, {
    accept: 'application/json',
  });
  expect(
    (await browser.post('/api/v1/simple_auth/signin', { json: { email, password } })).status,
  ).toBe(200);

  // The same browser after an update: only its user agent differs.
  const updated = new BrowserClient(target.gateway.url, {
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
}
