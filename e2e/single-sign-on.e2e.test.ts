// Sign-in with an existing identity provider, in a real browser through nginx and the gateway,
// against a real OpenID Provider (oidc-provider): the login page's button, the provider's sign-in
// and consent pages, and back to /app/ with the provider and the groups' roles in the assertion.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestOpenIdProvider, type TestOpenIdProvider } from '@authflow/testing';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SharedRedisStack, startFaultStack } from '../faults/support/fault-stack.ts';
import { launchChromium, watchedPage } from './support/browser.ts';
import { ARTIFACTS } from './support/split-stack.ts';

const CLIENT = { clientId: 'authflow-e2e', clientSecret: 'an-e2e-client-secret' };

let op: TestOpenIdProvider;
let stack: SharedRedisStack;
let browser: Browser;

beforeAll(async () => {
  op = await startTestOpenIdProvider({
    clients: [{ ...CLIENT, redirectUris: ['http://127.0.0.1/not-yet'] }],
  });
  const folder = await mkdtemp(join(tmpdir(), 'authflow-e2e-sso-'));
  const providersFile = join(folder, 'providers.yaml');
  await writeFile(
    providersFile,
    [
      'providers:',
      '  - id: corp',
      '    type: oidc',
      '    name: Corp SSO',
      '    icon: okta',
      `    issuer: ${op.issuer}`,
      `    clientId: ${CLIENT.clientId}`,
      `    clientSecret: ${CLIENT.clientSecret}`,
      '    groupsToRoles:',
      '      engineering: [engineer]',
      '',
    ].join('\n'),
  );
  stack = await startFaultStack({
    scenario: 'e2e-sso',
    redisUrl: inject('redisUrl'),
    logFolder: join(ARTIFACTS, 'logs'),
    edge: true,
    edgeValues: { EDGE_RATE_AUTH: '600r/m' },
    authEnv: { AUTH_PROVIDERS_FILE: providersFile },
  });
  await op.setClient({ ...CLIENT, redirectUris: [`${stack.url}/auth/sso/corp/callback`] });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser.close();
  await stack.stop();
  await op.close();
});

describe('single sign-on, in a real browser, through nginx and the gateway', () => {
  it('signs in with the company provider and reaches /app/ with its provider and roles', async () => {
    const sub = `e2e-sso-${Date.now()}`;
    const email = `${sub}@corp.example`;
    op.setAccount({ sub, email, email_verified: true, name: 'Ada', groups: ['engineering'] });
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'single-sign-on');

    await page.goto(`${stack.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    await screenshot('login-with-provider');
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();

    // The provider's own pages.
    await page.waitForURL((url) => url.origin === new URL(op.issuer).origin);
    await page.getByLabel('Login').fill(sub);
    await page.getByLabel('Password').fill('anything');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL(`${stack.url}/app/`);
    await expect.poll(() => page.textContent('h1')).toBe(`Hello, ${email}`);
    await screenshot('app-home');

    const profile = await page.evaluate(async () => {
      const response = await fetch('/app/api/profile');
      return (await response.json()) as { email: string; provider: string; roles: string[] };
    });
    expect(profile).toMatchObject({ email, provider: 'corp' });
    expect(profile.roles).toContain('engineer');
    const assertion = await page.evaluate(async () => {
      const response = await fetch('/verify');
      return { status: response.status, token: response.headers.get('x-authflow-assertion') };
    });
    expect(assertion.status).toBe(200);
    const claims = decodeJwt(assertion.token ?? '');
    expect(claims).toMatchObject({ email, provider: 'corp', aal: 'aal1' });
    expect(claims.amr).toEqual(['fed']);
    expect(claims.roles).toContain('engineer');
    expect(problems).toEqual([]);
    await context.close();
  });
});
