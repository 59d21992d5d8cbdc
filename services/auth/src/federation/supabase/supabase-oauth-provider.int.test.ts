// SupabaseOAuthProvider over the wire: the PKCE flow against the contract double, its refusals and outages.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startSupabaseDouble,
  type SupabaseDouble,
} from '../../../test/supabase-double/supabase-double.js';
import { FederationError, type AuthorizationStart } from '../external-provider.js';
import {
  SupabaseOAuthProvider,
  type SupabaseOAuthProviderOptions,
} from './supabase-oauth-provider.js';

const state = 'st_0123456789abcdef';
const redirectUri = `http://localhost:8000/auth/federation/github/callback?state=${state}`;

function providerFor(
  double: SupabaseDouble,
  overrides: Partial<SupabaseOAuthProviderOptions> = {},
): SupabaseOAuthProvider {
  return new SupabaseOAuthProvider({
    id: 'corp-github',
    supabaseProvider: 'github',
    url: double.url,
    anonKey: double.anonKey,
    scopes: ['read:org'],
    timeoutMs: 2_000,
    ...overrides,
  });
}

/** The browser's part: open the authorize URL, come back on the redirect Supabase gives. */
async function visit(start: AuthorizationStart): Promise<URL> {
  const response = await fetch(start.url, { redirect: 'manual' });
  await response.text();
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) {
    throw new Error(`authorize answered ${response.status}`);
  }
  return new URL(location);
}

async function refusalOf(promise: Promise<unknown>): Promise<FederationError> {
  const error: unknown = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FederationError);
  return error as FederationError;
}

/** Nothing secret in what a log would print: message, detail, and the cause chain. */
function expectNoSecrets(error: FederationError, secrets: readonly string[]): void {
  const seen: string[] = [error.message, error.detail ?? '', JSON.stringify(error)];
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
    seen.push(cause.message, JSON.stringify(cause), String(cause));
  }
  for (const secret of secrets) for (const text of seen) expect(text).not.toContain(secret);
}

describe('SupabaseOAuthProvider against the contract double', () => {
  let double: SupabaseDouble;
  beforeAll(async () => {
    double = await startSupabaseDouble({ settings: { externalProviders: ['github'] } });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => {
    double.reset();
  });

  it('starts a PKCE flow at Supabase: authorize URL, redirect with the state, the verifier kept', async () => {
    const start = await providerFor(double).start({ redirectUri, state });
    const url = new URL(start.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${double.url}/auth/v1/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      provider: 'github',
      redirect_to: redirectUri,
      scopes: 'read:org',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 's256',
    });
    expect(start.secrets).toEqual({
      state,
      codeVerifier: expect.stringMatching(/^[0-9a-f]{112}$/),
    });
    // Building the URL sends nothing.
    expect(double.requests()).toEqual([]);
  });

  it('signs a new user in: the Supabase user as the account, amr fed, no roles set yet', async () => {
    double.oauth.nextSignIn({
      provider: 'github',
      email: 'Grace@Example.com',
      userMetadata: { full_name: 'Grace Hopper', name: 'grace' },
    });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    expect(callbackUrl.searchParams.get('state')).toBe(state);
    const profile = await provider.complete({ callbackUrl, redirectUri, secrets: start.secrets });
    const user = double.findUser('grace@example.com');
    expect(profile).toEqual({
      provider: 'corp-github',
      subject: user?.id,
      email: 'grace@example.com',
      emailVerified: true,
      name: 'Grace Hopper',
      groups: [],
      amr: ['fed'],
      account: { id: user?.id, email: 'grace@example.com', emailVerified: true, roles: ['user'] },
      // The user's own Supabase session, for its MFA API (kept sealed by the flows).
      providerSession: {
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresAt: expect.any(Number),
      },
    });
    expect(profile.providerSession?.expiresAt).toBeGreaterThan(Date.now());
    const exchange = double.lastRequest({ authPath: '/token' });
    expect(exchange?.query).toEqual({ grant_type: 'pkce' });
    expect(exchange?.headers.apikey).toBe(double.anonKey);
    expect(exchange?.body).toEqual({
      auth_code: callbackUrl.searchParams.get('code'),
      code_verifier: start.secrets.codeVerifier,
    });
  });

  it('links to an existing account with the same address: the same user id comes back, with its roles', async () => {
    const existing = double.createUser({ email: 'ada@example.com', password: 'pw-123456' });
    const admin = await fetch(`${double.authUrl}/admin/users/${existing.id}`, {
      method: 'PUT',
      headers: {
        apikey: double.serviceRoleKey,
        authorization: `Bearer ${double.serviceRoleKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ app_metadata: { roles: ['admin'] } }),
    });
    expect(admin.status).toBe(200);
    double.oauth.nextSignIn({ provider: 'github', email: 'ada@example.com' });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const profile = await provider.complete({
      callbackUrl: await visit(start),
      redirectUri,
      secrets: start.secrets,
    });
    expect(profile.subject).toBe(existing.id);
    expect(profile.account).toEqual({
      id: existing.id,
      email: 'ada@example.com',
      emailVerified: true,
      roles: ['admin'],
    });
    expect(double.findUser('ada@example.com')?.app_metadata.providers).toEqual(['email', 'github']);
  });

  it('turns denied consent into provider_refused without an exchange', async () => {
    double.oauth.nextRefusal({
      error: 'access_denied',
      description: 'The user has denied your application access.',
    });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const error = await refusalOf(
      provider.complete({ callbackUrl: await visit(start), redirectUri, secrets: start.secrets }),
    );
    expect(error.code).toBe('provider_refused');
    expect(error.detail).toBe('callback: access_denied');
    expect(double.requests({ authPath: '/token' })).toEqual([]);
  });

  it('names a refusal by Supabase itself with its error code (sign-ups off)', async () => {
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    double.configure({ signupDisabled: true });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const error = await refusalOf(
      provider.complete({ callbackUrl: await visit(start), redirectUri, secrets: start.secrets }),
    );
    expect(error.code).toBe('provider_refused');
    expect(error.detail).toBe('callback: access_denied (signup_disabled)');
  });

  it('refuses a callback without a code, or with another flow state', async () => {
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const noCode = await refusalOf(
      provider.complete({ callbackUrl: new URL(redirectUri), redirectUri, secrets: start.secrets }),
    );
    expect(noCode.code).toBe('invalid_callback');
    const otherState = new URL(redirectUri);
    otherState.searchParams.set('state', 'st_other');
    otherState.searchParams.set('code', '8d1c2d4e-0000-4000-8000-000000000000');
    const mismatch = await refusalOf(
      provider.complete({ callbackUrl: otherState, redirectUri, secrets: start.secrets }),
    );
    expect(mismatch.code).toBe('invalid_callback');
    expect(double.requests({ authPath: '/token' })).toEqual([]);
  });

  it('refuses a replayed code as invalid_callback', async () => {
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    await provider.complete({ callbackUrl, redirectUri, secrets: start.secrets });
    const error = await refusalOf(
      provider.complete({ callbackUrl, redirectUri, secrets: start.secrets }),
    );
    expect(error.code).toBe('invalid_callback');
    expect(error.detail).toBe('code exchange: flow_state_not_found');
    expectNoSecrets(error, [callbackUrl.searchParams.get('code')!, start.secrets.codeVerifier]);
  });

  it('refuses the code with another flow verifier as invalid_callback', async () => {
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const other = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    const error = await refusalOf(
      provider.complete({ callbackUrl, redirectUri, secrets: other.secrets }),
    );
    expect(error.code).toBe('invalid_callback');
    expect(error.detail).toBe('code exchange: bad_code_verifier');
    expectNoSecrets(error, [
      callbackUrl.searchParams.get('code')!,
      start.secrets.codeVerifier,
      other.secrets.codeVerifier,
    ]);
  });

  it('refuses a code exchanged after five minutes as invalid_callback', async () => {
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    double.advanceClock(301_000);
    const error = await refusalOf(
      provider.complete({ callbackUrl, redirectUri, secrets: start.secrets }),
    );
    expect(error.detail).toBe('code exchange: flow_state_expired');
  });

  it('reports a failing Supabase (5xx) as provider_unavailable', async () => {
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    double.injectFault({ kind: 'server-error', method: 'POST', pathPrefix: '/token' });
    const error = await refusalOf(
      provider.complete({ callbackUrl, redirectUri, secrets: start.secrets }),
    );
    expect(error.code).toBe('provider_unavailable');
    expectNoSecrets(error, [callbackUrl.searchParams.get('code')!, start.secrets.codeVerifier]);
  });

  it('reports a Supabase that stops answering in time as provider_unavailable', async () => {
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const provider = providerFor(double, { timeoutMs: 100 });
    const start = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    double.injectFault({ kind: 'delay', ms: 1_000, method: 'POST', pathPrefix: '/token' });
    const error = await refusalOf(
      provider.complete({ callbackUrl, redirectUri, secrets: start.secrets }),
    );
    expect(error.code).toBe('provider_unavailable');
  });
});

describe('SupabaseOAuthProvider when Supabase is down', () => {
  it('reports a closed Supabase as provider_unavailable', async () => {
    const double = await startSupabaseDouble({ settings: { externalProviders: ['github'] } });
    double.oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const provider = providerFor(double);
    const start = await provider.start({ redirectUri, state });
    const callbackUrl = await visit(start);
    await double.close();
    const error = await refusalOf(
      provider.complete({ callbackUrl, redirectUri, secrets: start.secrets }),
    );
    expect(error.code).toBe('provider_unavailable');
    expect(error.detail).toBe('code exchange: no answer');
    expectNoSecrets(error, [callbackUrl.searchParams.get('code')!, start.secrets.codeVerifier]);
  });
});
