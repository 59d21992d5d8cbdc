// Sign-in with GitHub over HTTP, through the real gateway (real Redis, PGlite) against the GitHub
// wire double: the button and the redirect (PKCE S256, state), accounts made at a first sign-in
// from a verified primary address and opened again after, refusals, replays, and an API outage.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromeOnMac, firefoxOnLinux } from '@authflow/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GitHubDoubleUser } from './github-double/github-double.js';
import { useGitHubDouble } from './github-double/test-support/double-fixture.js';
import type { BrowserClient, Response } from './support/browser-client.js';
import { type Stack, startStack } from './support/stack-harness.js';

// Two devices: their user agents and languages differ (both enforced fingerprint parts).
const LAPTOP = firefoxOnLinux.headers;
const PHONE = chromeOnMac.headers;
const PROVIDER = 'github';
const CALLBACK_PATH = `/auth/sso/${PROVIDER}/callback`;
const CLIENT = { clientId: 'Ov23liAuthFlowStory', clientSecret: 'github-client-secret-for-tests' };

// The providers file needs the double's URL, so the double starts first (its hooks are registered
// before the stack's), before the stack's public URL (a free port on 127.0.0.1) is known. GitHub's
// rule for a loopback callback URL (as the double applies it) accepts any port: the callback is
// registered as the stack builds it, `new URL(CALLBACK_PATH, publicUrl)`, on 127.0.0.1 without the
// port. The first case checks the exact redirect_uri the stack sends.
const github = useGitHubDouble({
  clients: [{ ...CLIENT, redirectUris: [new URL(CALLBACK_PATH, 'http://127.0.0.1').href] }],
});
let stack: Stack;
let counter = 0;
const unique = (label: string) => `${label}-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  const folder = await mkdtemp(join(tmpdir(), 'authflow-providers-'));
  const providersFile = join(folder, 'providers.yaml');
  await writeFile(
    providersFile,
    [
      'providers:',
      `  - id: ${PROVIDER}`,
      '    type: github',
      '    name: GitHub',
      '    icon: github',
      `    webUrl: ${github().url}`,
      `    apiUrl: ${github().apiUrl}`,
      `    clientId: ${CLIENT.clientId}`,
      `    clientSecret: ${CLIENT.clientSecret}`,
      '',
    ].join('\n'),
  );
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: {
      AUTH_PROVIDERS_FILE: providersFile,
      AUTH_LOGIN_MAX_FAILURES_PER_IP: '10000',
      AUTH_BREAKER_RESET_MS: '60000',
    },
  });
}, 60_000);

afterAll(async () => {
  await stack.close();
});

/** A GitHub user who signs in next at the double, with a primary address (verified or not). */
function githubUser(label: string, extra: { verified?: boolean } = {}): GitHubDoubleUser {
  counter += 1;
  const login = unique(label);
  const user: GitHubDoubleUser = {
    id: 10_000_000 + counter,
    login,
    name: `User ${label}`,
    emails: [
      {
        email: `${login}@users.example`,
        primary: true,
        verified: extra.verified ?? true,
        visibility: 'private',
      },
      // A verified address that is not the primary one: never the account's address.
      {
        email: `${login}@other.example`,
        primary: false,
        verified: true,
        visibility: null,
      },
    ],
  };
  github().setUser(user);
  return user;
}

function primaryEmailOf(user: GitHubDoubleUser): string {
  return user.emails.find((entry) => entry.primary)?.email ?? '';
}

/** The redirect URI the stack registers for the provider, from its public URL. */
function redirectUri(): string {
  return new URL(CALLBACK_PATH, stack.authConfig.server.publicUrl).href;
}

/** Starts at the login button; returns the URL the browser is sent to. */
async function start(browser: BrowserClient): Promise<string> {
  const started = await browser.get(`/auth/sso/${PROVIDER}`);
  expect(started.status).toBe(303);
  return String(started.headers.location);
}

/** The callback GitHub sends the browser to, as a path on the gateway. */
function pathOf(callback: URL): string {
  expect(callback.origin).toBe(new URL(stack.authConfig.server.publicUrl).origin);
  return `${callback.pathname}${callback.search}`;
}

/** Button, GitHub's authorize page (Authorize or Cancel), back to the gateway's callback. */
async function signIn(
  browser: BrowserClient,
  decision: 'allow' | 'deny' = 'allow',
): Promise<{ readonly callback: URL; readonly answer: Response }> {
  const callback = await github().authorize(await start(browser), decision);
  const answer = await browser.get(pathOf(callback));
  return { callback, answer };
}

/** What the backend learns of the session: the claims of the assertion the gateway signed. */
async function claimsOf(browser: BrowserClient): Promise<Record<string, unknown>> {
  const response = await browser.get('/app/whoami', { accept: 'application/json' });
  expect(response.status).toBe(200);
  return decodeJwt(String(stack.backend.received.at(-1)?.headers['x-authflow-assertion']));
}

describe('sign-in with GitHub through the gateway', () => {
  it('shows the GitHub button and sends the browser to GitHub with PKCE S256 and state', async () => {
    const page = await stack.browser(LAPTOP).get('/auth/login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign in with GitHub');
    expect(page.body).toContain(`href="/auth/sso/${PROVIDER}"`);
    expect(page.body).toContain('name="password"');

    const browser = stack.browser(LAPTOP);
    const url = new URL(await start(browser));
    expect(`${url.origin}${url.pathname}`).toBe(github().authorizeUrl);
    expect(url.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(redirectUri());
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/u);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/u);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(['read:user', 'user:email']);
    // GitHub speaks OAuth 2.0, not OpenID Connect: no nonce.
    expect(url.searchParams.has('nonce')).toBe(false);
    // The state is bound to this browser by the flow cookie.
    expect(browser.jar.get('authflow_sso')).toBe(url.searchParams.get('state'));
    // GitHub accepts the request: its authorize page, not an error page.
    const authorizePage = await fetch(url);
    expect(authorizePage.status).toBe(200);
    expect(await authorizePage.text()).toContain('Authorize');
  });

  it('makes an account at a first sign-in with a verified primary address, and opens it again after', async () => {
    const user = githubUser('first');
    const browser = stack.browser(LAPTOP);
    const { answer } = await signIn(browser);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/app/');
    expect(browser.jar.has('authflow_session')).toBe(true);
    // The flow cookie has done its job.
    expect(browser.jar.has('authflow_sso')).toBe(false);
    const claims = await claimsOf(browser);
    expect(claims.provider).toBe(PROVIDER);
    expect(claims.amr).toEqual(['fed']);
    expect(claims.aal).toBe('aal1');
    expect(claims.email).toBe(primaryEmailOf(user));
    expect(typeof claims.sub).toBe('string');

    // The same GitHub user again, on another device: the same account.
    github().setUser(user);
    const again = stack.browser(PHONE);
    const second = await signIn(again);
    expect(second.answer.status).toBe(303);
    expect(second.answer.headers.location).toBe('/app/');
    const secondClaims = await claimsOf(again);
    expect(secondClaims.sub).toBe(claims.sub);
    expect(secondClaims.email).toBe(primaryEmailOf(user));
    expect(secondClaims.provider).toBe(PROVIDER);
  });

  it('refuses a user whose primary address is not verified, with no session', async () => {
    githubUser('unverified', { verified: false });
    const browser = stack.browser(LAPTOP);
    const { answer } = await signIn(browser);
    expect(answer.status).toBe(403);
    expect(answer.headers['x-authflow-error']).toBe('email_unverified');
    expect(answer.headers['content-type']).toMatch(/text\/html/u);
    expect(browser.jar.has('authflow_session')).toBe(false);
    // Still no way into the app.
    const app = await browser.get('/app/whoami', { accept: 'application/json' });
    expect(app.status).toBe(401);
  });

  it('shows a page, not JSON, when consent is denied at GitHub', async () => {
    githubUser('deny');
    const browser = stack.browser(LAPTOP);
    const { callback, answer } = await signIn(browser, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(answer.status).toBe(403);
    expect(answer.headers['x-authflow-error']).toBe('provider_refused');
    expect(answer.headers['content-type']).toMatch(/text\/html/u);
    expect(answer.body).toContain('<html');
    expect(browser.jar.has('authflow_session')).toBe(false);
  });

  it('refuses a denial from GitHub whatever the user clicked (refuseNext)', async () => {
    githubUser('refused');
    github().refuseNext();
    const browser = stack.browser(LAPTOP);
    const { answer } = await signIn(browser);
    expect(answer.status).toBe(403);
    expect(answer.headers['x-authflow-error']).toBe('provider_refused');
    expect(browser.jar.has('authflow_session')).toBe(false);
  });

  it('refuses a replayed callback: the state and the code work once', async () => {
    githubUser('replay');
    const browser = stack.browser(LAPTOP);
    const { callback, answer } = await signIn(browser);
    expect(answer.status).toBe(303);
    // Another browser replays the same callback with the same flow cookie value.
    const replayer = stack.browser(LAPTOP);
    replayer.jar.set('authflow_sso', callback.searchParams.get('state') ?? '');
    const replay = await replayer.get(pathOf(callback));
    expect(replay.status).toBe(400);
    expect(replay.headers['x-authflow-error']).toBe('sign_in_expired');
    expect(replay.headers['content-type']).toMatch(/text\/html/u);
    expect(replayer.jar.has('authflow_session')).toBe(false);
    // The used code under a fresh flow of its own: GitHub refuses the code a second time.
    const fresh = stack.browser(LAPTOP);
    const state = new URL(await start(fresh)).searchParams.get('state') ?? '';
    const code = callback.searchParams.get('code') ?? '';
    const reused = await fresh.get(`${CALLBACK_PATH}?code=${code}&state=${state}`);
    expect(reused.status).toBe(400);
    expect(reused.headers['x-authflow-error']).toBe('sign_in_expired');
    expect(fresh.jar.has('authflow_session')).toBe(false);
  });

  it('opens the same account after the GitHub user is renamed (the numeric id counts)', async () => {
    const user = githubUser('renamed');
    const before = stack.browser(LAPTOP);
    expect((await signIn(before)).answer.status).toBe(303);
    const claims = await claimsOf(before);
    github().setUser({ ...user, login: unique('new-login'), name: null });
    const after = stack.browser(LAPTOP);
    expect((await signIn(after)).answer.status).toBe(303);
    expect((await claimsOf(after)).sub).toBe(claims.sub);
  });

  it('answers 503 with Retry-After when the GitHub API fails, and the password login still works', async () => {
    githubUser('outage');
    github().failApi(500);
    try {
      const browser = stack.browser(LAPTOP);
      const { answer } = await signIn(browser);
      expect(answer.status).toBe(503);
      expect(answer.headers['x-authflow-error']).toBe('external_provider_unavailable');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.headers['content-type']).toMatch(/text\/html/u);
      expect(answer.body).toContain('GitHub cannot be reached');
      expect(browser.jar.has('authflow_session')).toBe(false);
      const login = await browser.get('/auth/login');
      expect(login.status).toBe(200);
      expect(login.body).toContain('name="password"');
    } finally {
      github().failApi(null);
    }
  });
});
