// Sign-in with Supabase's own OAuth (PKCE), Supabase Auth as identity provider, through the real
// gateway: the providers file names `type: supabase`, the wire double plays GoTrue's /authorize
// (the provider hop settled through its side channel) and the PKCE code exchange. The Supabase
// session kept from the exchange is what Supabase's MFA API checks an authenticator app with.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, firefoxOnLinux } from '@authflow/testing';
import { BrowserClient, type Response } from './support/browser-client.js';
import { type Stack, startStack, supabaseAuthEnv } from './support/stack-harness.js';
import { startSupabaseDouble, type SupabaseDouble } from './supabase-double/supabase-double.js';
import { createSdkClient } from './supabase-double/test-support/sdk-clients.js';

let double: SupabaseDouble;
let stack: Stack;
let publicUrl: string;
let counter = 0;
const PASSWORD = 'correct horse battery staple';
const JSON_ACCEPT = { accept: 'application/json' };
const SESSION_COOKIE = 'authflow_session';
const PENDING_COOKIE = 'authflow_mfa_pending';
const FLOW_COOKIE = 'authflow_sso';
const unique = (label: string) => `${label}-${Date.now()}-${(counter += 1)}@example.com`;

beforeAll(async () => {
  double = await startSupabaseDouble({ settings: { externalProviders: ['github'] } });
  const folder = await mkdtemp(join(tmpdir(), 'authflow-supabase-providers-'));
  const providersFile = join(folder, 'providers.yaml');
  await writeFile(
    providersFile,
    [
      'providers:',
      '  - { id: github, type: supabase, name: GitHub, supabaseProvider: github }',
      '',
    ].join('\n'),
  );
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: {
      ...supabaseAuthEnv(double),
      AUTH_PROVIDERS_FILE: providersFile,
      AUTH_LOGIN_MAX_FAILURES_PER_IP: '10000',
    },
  });
  publicUrl = stack.authConfig.server.publicUrl.replace(/\/+$/u, '');
  // The project's URL configuration: the Site URL elsewhere, so only the allow list lets
  // AuthFlow's callback (with its `?state=`) through; anything else would land on the Site URL.
  double.configure({
    siteUrl: 'https://site.example.test',
    redirectAllowList: [`${publicUrl}/auth/sso/**`],
  });
}, 60_000);

afterAll(async () => {
  await stack.close();
  await double.close();
});

afterEach(() => {
  expect(double.internalErrors()).toEqual([]);
});

/** The login button: AuthFlow's 303 to Supabase's /authorize. */
async function start(browser: BrowserClient): Promise<URL> {
  const started = await browser.get('/auth/sso/github', { accept: 'text/html' });
  expect(started.status).toBe(303);
  return new URL(String(started.headers.location));
}

/** The browser at Supabase: /authorize answers with its redirect to AuthFlow's callback. */
async function visit(authorize: URL): Promise<URL> {
  const response = await fetch(authorize, { redirect: 'manual' });
  await response.text();
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

/** The callback, as a path on the gateway (the only entry point users have). */
function pathOf(callback: URL): string {
  return `${callback.pathname}${callback.search}`;
}

async function signInWithGitHub(browser: BrowserClient): Promise<Response> {
  const callback = await visit(await start(browser));
  expect(`${callback.origin}${callback.pathname}`).toBe(`${publicUrl}/auth/sso/github/callback`);
  return browser.get(pathOf(callback), { accept: 'text/html' });
}

/** What the backend learns of the session: the claims of the assertion the gateway signed. */
async function claimsOf(browser: BrowserClient): Promise<Record<string, unknown>> {
  const response = await browser.get('/app/whoami', JSON_ACCEPT);
  expect(response.status).toBe(200);
  return decodeJwt(String(stack.backend.received.at(-1)?.headers['x-authflow-assertion']));
}

async function adminUpdate(
  email: string,
  attributes: { app_metadata?: Record<string, unknown>; ban_duration?: string },
): Promise<void> {
  const id = double.findUser(email)?.id ?? '';
  const { error } = await createSdkClient(double, { key: 'service' }).auth.admin.updateUserById(
    id,
    attributes,
  );
  expect(error).toBeNull();
}

function expectRefusalPage(answer: Response, browser: BrowserClient): void {
  expect(answer.status).toBe(403);
  expect(answer.headers['x-authflow-error']).toBe('provider_refused');
  expect(answer.headers['content-type']).toMatch(/text\/html/u);
  expect(answer.body).toContain('<html');
  expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
  expect(browser.jar.has(FLOW_COOKIE)).toBe(false);
}

describe('sign-in with Supabase OAuth through the gateway', () => {
  it('sends the browser to Supabase with PKCE S256 and the state in redirect_to, then opens a session for the Supabase user', async () => {
    const email = unique('octo');
    double.clearRequests();
    double.oauth.nextSignIn({
      provider: 'github',
      email,
      userMetadata: { full_name: 'Mona Lisa Octocat', user_name: 'octocat' },
    });
    const browser = stack.browser(chromeOnMac.headers);
    const authorize = await start(browser);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${double.authUrl}/authorize`);
    expect(authorize.searchParams.get('provider')).toBe('github');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('s256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/u);
    const redirectTo = new URL(authorize.searchParams.get('redirect_to') ?? '');
    expect(`${redirectTo.origin}${redirectTo.pathname}`).toBe(
      `${publicUrl}/auth/sso/github/callback`,
    );
    const state = redirectTo.searchParams.get('state');
    expect(state).toMatch(/^[\w-]{43}$/u);
    // The flow cookie binds the state to this browser.
    expect(browser.jar.get(FLOW_COOKIE)).toBe(state);

    const callback = await visit(authorize);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${publicUrl}/auth/sso/github/callback`);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('code')).toMatch(/^[0-9a-f-]{36}$/u);
    expect(double.oauth.pending()).toBe(0);

    const back = await browser.get(pathOf(callback), { accept: 'text/html' });
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/app/');
    expect(browser.jar.has(SESSION_COOKIE)).toBe(true);
    expect(browser.jar.has(FLOW_COOKIE)).toBe(false);
    // Supabase tokens never reach the browser.
    expect(JSON.stringify(back.headers) + back.body).not.toMatch(/eyJ[\w-]+\.eyJ/u);

    const user = double.findUser(email);
    expect(user?.app_metadata).toMatchObject({ provider: 'github', providers: ['github'] });
    const claims = await claimsOf(browser);
    expect(claims.sub).toBe(user?.id);
    expect(claims.email).toBe(email);
    expect(claims.provider).toBe('github');
    expect(claims.amr).toEqual(expect.arrayContaining(['fed']));
    expect(claims.aal).toBe('aal1');
    // No `app_metadata.roles` yet: the default role.
    expect(claims.roles).toEqual(['user']);

    // The code exchange was Supabase's PKCE grant, once, with the publishable key.
    const exchanges = double
      .requests({ method: 'POST', authPath: '/token' })
      .filter((request) => request.query.grant_type === 'pkce');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.headers.apikey).toBe(double.anonKey);
    expect(exchanges[0]?.body).toMatchObject({ auth_code: callback.searchParams.get('code') });

    // Roles come from `app_metadata.roles` (only admins write it), read at each sign-in.
    await adminUpdate(email, { app_metadata: { roles: ['user', 'editor'] } });
    double.oauth.nextSignIn({ provider: 'github', email });
    const later = stack.browser(firefoxOnLinux.headers);
    const again = await signInWithGitHub(later);
    expect(again.status).toBe(303);
    const laterClaims = await claimsOf(later);
    // The same person at GitHub: the same Supabase user.
    expect(laterClaims.sub).toBe(user?.id);
    expect(laterClaims.roles).toEqual(expect.arrayContaining(['user', 'editor']));
    expect(laterClaims.amr).toEqual(expect.arrayContaining(['fed']));

    // Each AuthFlow session keeps its own Supabase session (for the MFA API), no other stays
    // open, and signing out ends it at Supabase too.
    expect(double.sessionIds(email)).toHaveLength(2);
    expect((await later.post('/api/v1/simple_auth/logout', { json: {} })).status).toBe(204);
    expect((await later.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
    expect(double.sessionIds(email)).toHaveLength(1);
    expect((await browser.get('/app/whoami', JSON_ACCEPT)).status).toBe(200);
  });

  it('asks for the authenticator app kept in Supabase after an SSO sign-in, and the code opens an aal2 session', async () => {
    const email = unique('mfa');
    double.createUser({ email, password: PASSWORD, confirmed: true });
    // The authenticator app is enrolled through AuthFlow, in Supabase's MFA API.
    const enroller = stack.browser(chromeOnMac.headers);
    expect(
      (
        await enroller.post('/api/v1/simple_auth/signin', {
          json: { email, password: PASSWORD },
        })
      ).status,
    ).toBe(200);
    const begun = await enroller.post('/api/v1/simple_auth/mfa/totp', {
      json: { label: 'Phone' },
    });
    expect(begun.status).toBe(201);
    const { factor_id: factorId, secret } = begun.json<{ factor_id: string; secret: string }>();
    const confirmed = await enroller.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
      json: { code: double.totpCode(secret) },
    });
    expect(confirmed.status).toBe(200);
    expect(double.factors(email)).toEqual([
      expect.objectContaining({ id: factorId, status: 'verified' }),
    ]);

    // GitHub vouches for the address: Supabase links the identity to the same user.
    double.oauth.nextSignIn({ provider: 'github', email });
    const browser = stack.browser(chromeOnMac.headers);
    const back = await signInWithGitHub(browser);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/auth/mfa');
    expect(browser.jar.has(PENDING_COOKIE)).toBe(true);
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    expect(double.findUser(email)?.app_metadata).toMatchObject({
      providers: expect.arrayContaining(['email', 'github']),
    });
    // Nothing opens the app yet.
    expect((await browser.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);

    const page = await browser.get('/auth/mfa', { accept: 'text/html' });
    expect(page.status).toBe(200);
    const wrong = await browser.post('/auth/mfa', {
      form: { _csrf: BrowserClient.csrfTokenOf(page.body), method: 'totp', code: '000000' },
    });
    expect(wrong.status).toBe(401);
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    const passed = await browser.post('/auth/mfa', {
      form: {
        _csrf: BrowserClient.csrfTokenOf(wrong.body),
        method: 'totp',
        // The next window: the enrolment's code is spent.
        code: double.totpCode(secret, 30_000),
      },
    });
    expect(passed.status).toBe(303);
    expect(passed.headers.location).toBe('/app/');
    expect(browser.jar.has(SESSION_COOKIE)).toBe(true);
    expect(browser.jar.has(PENDING_COOKIE)).toBe(false);

    // The Supabase session of the OAuth sign-in (now aal2) stays with the new AuthFlow session;
    // the enrolling password session keeps its own.
    expect(double.sessionIds(email)).toHaveLength(2);
    const claims = await claimsOf(browser);
    expect(claims.sub).toBe(double.findUser(email)?.id);
    expect(claims.provider).toBe('github');
    expect(claims.aal).toBe('aal2');
    expect(claims.amr).toEqual(expect.arrayContaining(['fed', 'otp']));
    expect(claims.amr).not.toContain('pwd');
    // The check went through Supabase's MFA API with the user's own (OAuth) session.
    const verify = double.lastRequest({ authPath: `/factors/${factorId}/verify` });
    expect(verify?.method).toBe('POST');
    expect(verify?.headers.authorization).toMatch(/^Bearer eyJ/u);
    const { amr } = decodeJwt(String(verify?.headers.authorization).slice('Bearer '.length));
    expect(amr).toEqual([expect.objectContaining({ method: 'oauth' })]);
  });

  it('lets a user who only signs in with GitHub enroll an authenticator app with the kept Supabase session', async () => {
    const email = unique('sso-only');
    double.oauth.nextSignIn({ provider: 'github', email });
    const browser = stack.browser(chromeOnMac.headers);
    expect((await signInWithGitHub(browser)).status).toBe(303);
    const begun = await browser.post('/api/v1/simple_auth/mfa/totp', { json: { label: 'Phone' } });
    expect(begun.status).toBe(201);
    const { factor_id: factorId, secret } = begun.json<{ factor_id: string; secret: string }>();
    const confirmed = await browser.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
      json: { code: double.totpCode(secret) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'active', aal: 'aal2' });
    expect(double.factors(email)).toEqual([
      expect.objectContaining({ id: factorId, status: 'verified' }),
    ]);

    double.oauth.nextSignIn({ provider: 'github', email });
    const next = stack.browser(chromeOnMac.headers);
    const back = await signInWithGitHub(next);
    expect(back.headers.location).toBe('/auth/mfa');
    const passed = await next.post('/api/v1/simple_auth/mfa/challenge', {
      json: { method: 'totp', code: double.totpCode(secret, 30_000) },
    });
    expect(passed.status).toBe(200);
    expect(passed.json()).toMatchObject({ aal: 'aal2' });
    const claims = await claimsOf(next);
    expect(claims.amr).toEqual(expect.arrayContaining(['fed', 'otp']));
  });

  it('shows a page, not JSON, when the person says no at the provider: 403 provider_refused, no session', async () => {
    double.clearRequests();
    double.oauth.nextRefusal({ error: 'access_denied', description: 'The user denied access' });
    const browser = stack.browser(chromeOnMac.headers);
    const callback = await visit(await start(browser));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.has('code')).toBe(false);
    expect(callback.searchParams.get('state')).toBe(browser.jar.get(FLOW_COOKIE));
    const answer = await browser.get(pathOf(callback), { accept: 'text/html' });
    expectRefusalPage(answer, browser);
    expect((await browser.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
    // No code was exchanged.
    expect(double.requests({ authPath: '/token' })).toEqual([]);
  });

  it('refuses a user banned in Supabase: 403 provider_refused, no session', async () => {
    const email = unique('banned');
    double.oauth.nextSignIn({ provider: 'github', email });
    expect((await signInWithGitHub(stack.browser(chromeOnMac.headers))).status).toBe(303);
    await adminUpdate(email, { ban_duration: '24h' });

    double.oauth.nextSignIn({ provider: 'github', email });
    const browser = stack.browser(chromeOnMac.headers);
    const callback = await visit(await start(browser));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_code')).toBe('user_banned');
    const answer = await browser.get(pathOf(callback), { accept: 'text/html' });
    expectRefusalPage(answer, browser);
    expect((await browser.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
  });
});
