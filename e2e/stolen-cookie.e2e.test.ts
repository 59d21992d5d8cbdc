import {
  createRedisClient,
  RedisSessionStore,
  sessionIdFromToken,
  waitForRedis,
} from '@authflow/sessions';
import { describe, expect, it } from 'vitest';
import { watchedPage } from './support/browser.ts';
import { confirmedAccount, useBrowserSuite } from './support/suite.ts';

const suite = useBrowserSuite();
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('a session cookie copied to another browser', () => {
  it('is refused there, and the session ends for the original browser too', async () => {
    const email = `stolen-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const { stack, browser } = suite;
    await confirmedAccount(stack, email, password);

    const owner = await browser.newContext();
    const victim = await watchedPage(owner, 'stolen-cookie');
    await victim.page.goto(`${stack.url}/auth/login`);
    await victim.page.getByLabel('Email address').fill(email);
    await victim.page.getByLabel('Password').fill(password);
    await victim.page.getByRole('button', { name: 'Sign in' }).click();
    await victim.page.waitForURL(`${stack.url}/app/`);
    await victim.screenshot('owner-signed-in');
    const cookie = (await owner.cookies()).find(({ name }) => name === 'authflow_session');
    expect(cookie).toBeDefined();

    // Another device: a different user agent, the same cookie.
    const thief = await browser.newContext({ userAgent: FIREFOX });
    await thief.addCookies([
      { name: 'authflow_session', value: cookie?.value ?? '', url: stack.url },
    ]);
    const stolen = await watchedPage(thief, 'stolen-cookie-thief');
    await stolen.page.goto(`${stack.url}/app/`);
    expect(new URL(stolen.page.url()).pathname).toBe('/auth/login');
    await stolen.screenshot('thief-sent-to-login');
    const api = await stolen.page.request.get(`${stack.url}/app/api/profile`, {
      headers: { accept: 'application/json' },
    });
    expect(api.status()).toBe(401);

    // The session is gone from Redis, so the owner is signed out as well.
    const client = createRedisClient({ url: stack.redisUrl });
    await waitForRedis(client, 5_000);
    expect(
      await new RedisSessionStore({ client }).find(sessionIdFromToken(cookie?.value ?? '')),
    ).toBeNull();
    client.disconnect();
    await victim.page.goto(`${stack.url}/app/`);
    expect(new URL(victim.page.url()).pathname).toBe('/auth/login');
    await victim.screenshot('owner-signed-out');
    expect([...victim.problems, ...stolen.problems]).toEqual([]);
    await Promise.all([owner.close(), thief.close()]);
  });
});
