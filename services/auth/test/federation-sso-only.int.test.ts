// An SSO-only deployment (AUTH_LOGIN_METHODS=sso) that makes no accounts (AUTH_OIDC_JIT=false):
// no password anywhere, and an outside identity opens only an account it is linked to.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  firefoxOnLinux,
  startTestOpenIdProvider,
  type TestOpenIdProvider,
} from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Stack, startStack } from './support/stack-harness.js';

const LAPTOP = firefoxOnLinux.headers;
const CLIENT = { clientId: 'authflow-sso-only', clientSecret: 'another-client-secret' };

let op: TestOpenIdProvider;
let stack: Stack;

beforeAll(async () => {
  op = await startTestOpenIdProvider({
    clients: [{ ...CLIENT, redirectUris: ['http://127.0.0.1/not-yet'] }],
  });
  const folder = await mkdtemp(join(tmpdir(), 'authflow-sso-only-'));
  const providersFile = join(folder, 'providers.json');
  await writeFile(
    providersFile,
    JSON.stringify({
      providers: [
        {
          id: 'corp',
          type: 'oidc',
          name: 'Corp SSO',
          issuer: op.issuer,
          clientId: CLIENT.clientId,
          clientSecret: CLIENT.clientSecret,
        },
      ],
    }),
  );
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: {
      AUTH_PROVIDERS_FILE: providersFile,
      AUTH_LOGIN_METHODS: 'sso',
      AUTH_OIDC_JIT: 'false',
    },
  });
  await op.setClient({
    ...CLIENT,
    redirectUris: [new URL('/auth/sso/corp/callback', stack.authConfig.server.publicUrl).href],
  });
}, 60_000);

afterAll(async () => {
  await stack.close();
  await op.close();
});

describe('SSO only, no accounts made at sign-in', () => {
  it('shows only the provider button, and takes no password on the pages or the API', async () => {
    const browser = stack.browser(LAPTOP);
    const page = await browser.get('/auth/login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign in with Corp SSO');
    expect(page.body).not.toContain('name="password"');
    expect(page.body).not.toContain('/auth/signup');
    const json = { email: 'someone@example.com', password: 'correct horse battery staple' };
    expect((await browser.post('/api/v1/simple_auth/signin', { json })).status).toBe(404);
    expect((await browser.post('/api/v1/simple_auth/signup', { json })).status).toBe(404);
    expect((await browser.get('/auth/signup')).status).toBe(404);
  });

  it('refuses an identity linked to no account, with a page', async () => {
    const sub = `nobody-${Date.now()}`;
    op.setAccount({ sub, email: `${sub}@corp.example`, email_verified: true });
    const browser = stack.browser(LAPTOP);
    const started = await browser.get('/auth/sso/corp');
    const callback = await op.login(String(started.headers.location), sub);
    const answer = await browser.get(`${callback.pathname}${callback.search}`);
    expect(answer.status).toBe(403);
    expect(answer.headers['x-authflow-error']).toBe('account_not_found');
    expect(answer.headers['content-type']).toMatch(/text\/html/u);
    expect(browser.jar.has('authflow_session')).toBe(false);
  });
});
