// OAuth sign-in with PKCE through supabase-js: GET /authorize with the provider simulated through
// the side channel, account creation and linking, and POST /token?grant_type=pkce with its refusals.
import { createHash, randomBytes } from 'node:crypto';
import { createClient, isAuthApiError } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest } from './test-support/sdk-clients.js';

const double = useSupabaseDouble({ settings: { externalProviders: ['github', 'google'] } });
const CALLBACK = 'https://app.test/auth/callback?state=s-123';
const v2024 = { 'x-supabase-api-version': '2024-01-01' };

/** A PKCE client with a storage the test can read, as a server-side adapter keeps the verifier. */
function pkceClient() {
  const store = new Map<string, string>();
  const client = createClient(double().url, double().anonKey, {
    auth: {
      flowType: 'pkce',
      persistSession: true,
      storage: {
        getItem: (key) => store.get(key) ?? null,
        setItem: (key, value) => {
          store.set(key, value);
        },
        removeItem: (key) => {
          store.delete(key);
        },
      },
      autoRefreshToken: false,
      detectSessionInUrl: false,
    },
  });
  return { auth: client.auth, store };
}

interface Landing {
  readonly status: number;
  readonly location: URL | null;
  readonly json: unknown;
}

/** A browser navigation: no apikey, the redirect reported instead of followed. */
async function navigate(url: string, headers: Record<string, string> = {}): Promise<Landing> {
  const response = await fetch(url, { redirect: 'manual', headers });
  const text = await response.text();
  const location = response.headers.get('location');
  return {
    status: response.status,
    location: location === null ? null : new URL(location),
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** signInWithOAuth through supabase-js, then the authorize URL as a browser would open it. */
async function startWithSdk(provider: 'github' | 'google' = 'github', redirectTo = CALLBACK) {
  const pkce = pkceClient();
  const { data, error } = await pkce.auth.signInWithOAuth({
    provider,
    options: { redirectTo, skipBrowserRedirect: true },
  });
  expect(error).toBeNull();
  const landing = await navigate(data.url!);
  return { ...pkce, url: new URL(data.url!), landing };
}

async function signInWithSdk(provider: 'github' | 'google' = 'github') {
  const flow = await startWithSdk(provider);
  const code = flow.landing.location?.searchParams.get('code');
  expect(code).toEqual(expect.any(String));
  const { data, error } = await flow.auth.exchangeCodeForSession(code!);
  expect(error).toBeNull();
  return data;
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const newVerifier = () => randomBytes(32).toString('hex');

function authorizeUrl(params: Record<string, string>): string {
  return `${double().authUrl}/authorize?${new URLSearchParams(params).toString()}`;
}

function pkceParams(verifier: string, extra: Record<string, string> = {}) {
  return {
    provider: 'github',
    redirect_to: CALLBACK,
    code_challenge: challengeOf(verifier),
    code_challenge_method: 's256',
    ...extra,
  };
}

/** A code for a GitHub sign-in of grace@example.com, started with raw PKCE parameters. */
async function codeFor(verifier: string, method: 's256' | 'plain' = 's256'): Promise<string> {
  double().oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
  const challenge = method === 'plain' ? verifier : challengeOf(verifier);
  const landing = await navigate(
    authorizeUrl(
      pkceParams(verifier, { code_challenge: challenge, code_challenge_method: method }),
    ),
  );
  const code = landing.location?.searchParams.get('code');
  if (code == null) throw new Error(`no code: ${landing.status} ${landing.location?.href}`);
  return code;
}

const exchange = (code: string, verifier: string, headers: Record<string, string> = v2024) =>
  rawRequest(double(), 'POST', '/token?grant_type=pkce', {
    headers,
    body: JSON.stringify({ auth_code: code, code_verifier: verifier }),
  });

describe('sign-in with an OAuth provider through supabase-js', () => {
  it('signs a new GitHub user in: 302 back with a code, then a session with amr oauth', async () => {
    double().oauth.nextSignIn({
      provider: 'github',
      email: 'Grace@Example.com',
      userMetadata: { full_name: 'Grace Hopper', user_name: 'grace' },
    });
    const flow = await startWithSdk();
    expect(flow.url.pathname).toBe('/auth/v1/authorize');
    expect(flow.url.searchParams.get('provider')).toBe('github');
    expect(flow.url.searchParams.get('redirect_to')).toBe(CALLBACK);
    expect(flow.url.searchParams.get('code_challenge_method')).toBe('s256');
    expect(flow.url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);

    expect(flow.landing.status).toBe(302);
    const location = flow.landing.location!;
    expect(`${location.origin}${location.pathname}`).toBe('https://app.test/auth/callback');
    expect(location.searchParams.get('state')).toBe('s-123');
    const code = location.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // A browser navigation: no apikey, and the gateway lets it through.
    expect(double().lastRequest({ authPath: '/authorize' })?.headers.apikey).toBeUndefined();
    expect(double().oauth.pending()).toBe(0);

    const { data, error } = await flow.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    const user = data.user!;
    expect(user).toMatchObject({
      email: 'grace@example.com',
      app_metadata: { provider: 'github', providers: ['github'] },
      user_metadata: {
        full_name: 'Grace Hopper',
        user_name: 'grace',
        email: 'grace@example.com',
        email_verified: true,
      },
    });
    expect(user.email_confirmed_at).toEqual(expect.any(String));
    const subject = user.identities?.[0]?.id;
    expect(subject).toMatch(/^\d+$/);
    expect(user.identities).toEqual([
      expect.objectContaining({
        id: subject,
        user_id: user.id,
        provider: 'github',
        email: 'grace@example.com',
        identity_data: {
          full_name: 'Grace Hopper',
          user_name: 'grace',
          email: 'grace@example.com',
          email_verified: true,
          phone_verified: false,
          provider_id: subject,
          sub: subject,
        },
        last_sign_in_at: expect.any(String),
      }),
    ]);
    const claims = decodeJwt(data.session!.access_token);
    expect(claims).toMatchObject({ sub: user.id, aal: 'aal1', app_metadata: user.app_metadata });
    expect(claims.amr).toEqual([{ method: 'oauth', timestamp: expect.any(Number) }]);
    expect(data.session?.provider_token).toEqual(expect.any(String));
    expect(double().lastRequest({ authPath: '/token' })?.body).toEqual({
      auth_code: code,
      code_verifier: expect.stringMatching(/^[0-9a-f]{112}$/),
    });
    expect(double().findUser('grace@example.com')?.id).toBe(user.id);
  });

  it('links GitHub, then Google, to the account holding the same verified address', async () => {
    const seeded = double().createUser({
      email: 'ada@example.com',
      password: 'pw-123456',
      data: { name: 'Ada' },
    });
    double().oauth.nextSignIn({
      provider: 'github',
      email: 'ADA@example.com',
      userMetadata: { full_name: 'Ada Lovelace' },
    });
    const github = await signInWithSdk('github');
    expect(github.user?.id).toBe(seeded.id);
    expect(github.user?.app_metadata).toEqual({
      provider: 'email',
      providers: ['email', 'github'],
    });
    expect(github.user?.user_metadata).toMatchObject({ name: 'Ada', full_name: 'Ada Lovelace' });

    double().oauth.nextSignIn({ provider: 'google', email: 'ada@example.com' });
    const google = await signInWithSdk('google');
    expect(google.user?.id).toBe(seeded.id);
    expect(google.user?.identities?.map((identity) => identity.provider)).toEqual([
      'email',
      'github',
      'google',
    ]);
    expect(double().findUser('ada@example.com')?.app_metadata.providers).toEqual([
      'email',
      'github',
      'google',
    ]);
    // The password still works: linking takes nothing away from a confirmed account.
    const password = await createSdkClient(double()).auth.signInWithPassword({
      email: 'ada@example.com',
      password: 'pw-123456',
    });
    expect(password.error).toBeNull();
  });

  it('finds a returning person by provider subject, even with a new address at the provider', async () => {
    double().oauth.nextSignIn({ provider: 'github', email: 'old@example.com', subject: '42' });
    const first = await signInWithSdk();
    double().oauth.nextSignIn({ provider: 'github', email: 'new@example.com', subject: '42' });
    const second = await signInWithSdk();
    expect(second.user?.id).toBe(first.user?.id);
    expect(second.user?.identities).toHaveLength(1);
    expect(second.user?.identities?.[0]).toMatchObject({
      id: '42',
      email: 'new@example.com',
      identity_data: { email: 'new@example.com', sub: '42' },
    });
    // The account keeps its address; only the identity follows the provider.
    expect(second.user?.email).toBe('old@example.com');
  });

  it('takes over an unconfirmed password account: its password and metadata go', async () => {
    const squatter = double().createUser({
      email: 'victim@example.com',
      password: 'squatter-pw',
      confirmed: false,
      data: { name: 'Mallory' },
    });
    double().oauth.nextSignIn({ provider: 'github', email: 'victim@example.com' });
    const { user } = await signInWithSdk();
    expect(user?.id).toBe(squatter.id);
    expect(user?.email_confirmed_at).toEqual(expect.any(String));
    expect(user?.identities?.map((identity) => identity.provider)).toEqual(['github']);
    expect(user?.app_metadata.providers).toEqual(['github']);
    expect(user?.user_metadata.name).toBeUndefined();
    const password = await createSdkClient(double()).auth.signInWithPassword({
      email: 'victim@example.com',
      password: 'squatter-pw',
    });
    expect(password.error?.code).toBe('invalid_credentials');
  });
});

describe('addresses the provider did not verify', () => {
  it('never links them: a new account without the address, refused until verified', async () => {
    const ada = double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
    double().oauth.nextSignIn({
      provider: 'github',
      email: 'ada@example.com',
      emailVerified: false,
    });
    const { landing } = await startWithSdk();
    expect(landing.status).toBe(302);
    expect(landing.location?.searchParams.get('error')).toBe('access_denied');
    expect(landing.location?.searchParams.get('error_code')).toBe(
      'provider_email_needs_verification',
    );
    expect(landing.location?.searchParams.get('error_description')).toBe(
      'Unverified email with github. Verify the email with github in order to sign in',
    );
    expect(double().findUser('ada@example.com')?.identities).toEqual([
      expect.objectContaining({ provider: 'email', user_id: ada.id }),
    ]);
    const admin = createSdkClient(double(), { key: 'service' }).auth.admin;
    const { data } = await admin.listUsers();
    expect(data.users.map((user) => user.email).sort()).toEqual(['', 'ada@example.com']);
    expect(double().sentEmails()).toEqual([]);
  });

  it('mails a confirmation for an unclaimed address and refuses; autoconfirm signs in', async () => {
    double().oauth.nextSignIn({
      provider: 'github',
      email: 'lin@example.com',
      emailVerified: false,
    });
    const refused = await startWithSdk();
    expect(refused.landing.location?.searchParams.get('error_description')).toBe(
      'Unverified email with github. A confirmation email has been sent to your github email',
    );
    expect(double().lastEmail({ type: 'signup', email: 'lin@example.com' })?.redirectTo).toBe(
      CALLBACK,
    );

    double().configure({ autoconfirm: true });
    double().oauth.nextSignIn({
      provider: 'google',
      email: 'kai@example.com',
      emailVerified: false,
    });
    const { user } = await signInWithSdk('google');
    expect(user?.email).toBe('kai@example.com');
    expect(user?.email_confirmed_at).toEqual(expect.any(String));
  });
});

describe('GET /authorize refusals come back as redirects', () => {
  it('puts error, error_code and error_description on redirect_to, keeping its query', async () => {
    double().oauth.nextRefusal({
      error: 'access_denied',
      errorCode: 'consent_refused',
      description: 'The user has denied your application access.',
    });
    const { landing } = await startWithSdk();
    expect(landing.status).toBe(302);
    const location = landing.location!;
    expect(`${location.origin}${location.pathname}`).toBe('https://app.test/auth/callback');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_code: 'consent_refused',
      error_description: 'The user has denied your application access.',
      state: 's-123',
    });
    expect(Object.fromEntries(new URLSearchParams(location.hash.slice(1)))).toEqual({
      error: 'access_denied',
      error_code: 'consent_refused',
      error_description: 'The user has denied your application access.',
      sb: '',
    });
  });

  it('leaves error_code out of a provider refusal that has none, as GoTrue relays it', async () => {
    double().oauth.nextRefusal({ error: 'access_denied', description: 'no' });
    const { landing } = await startWithSdk();
    expect(landing.location?.searchParams.has('error_code')).toBe(false);
    expect(landing.location?.searchParams.get('error')).toBe('access_denied');
  });

  it('answers like a refusing provider when nothing is queued', async () => {
    const { landing } = await startWithSdk();
    expect(landing.status).toBe(302);
    expect(landing.location?.searchParams.get('error')).toBe('access_denied');
    expect(landing.location?.searchParams.get('error_description')).toMatch(/nextSignIn/);
    expect(landing.location?.searchParams.has('code')).toBe(false);
  });

  it('takes queued outcomes oldest first, skipping those for another provider', async () => {
    double().oauth.nextRefusal({ provider: 'google', error: 'access_denied' });
    double().oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    expect(double().oauth.pending()).toBe(2);
    const github = await startWithSdk('github');
    expect(github.landing.location?.searchParams.has('code')).toBe(true);
    const google = await startWithSdk('google');
    expect(google.landing.location?.searchParams.get('error')).toBe('access_denied');
    expect(double().oauth.pending()).toBe(0);
  });

  it('refuses a banned account with user_banned and new accounts when sign-ups are off', async () => {
    const ada = double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
    const admin = createSdkClient(double(), { key: 'service' }).auth.admin;
    await admin.updateUserById(ada.id, { ban_duration: '1h' });
    double().oauth.nextSignIn({ provider: 'github', email: 'ada@example.com' });
    const banned = await startWithSdk();
    expect(Object.fromEntries(banned.landing.location!.searchParams)).toMatchObject({
      error: 'access_denied',
      error_code: 'user_banned',
      error_description: 'User is banned',
    });
    // Refused before anything is linked (GoTrue rolls the linking back).
    expect(double().findUser('ada@example.com')?.app_metadata.providers).toEqual(['email']);

    double().configure({ signupDisabled: true });
    double().oauth.nextSignIn({ provider: 'github', email: 'new@example.com' });
    const closed = await startWithSdk();
    expect(closed.landing.location?.searchParams.get('error_code')).toBe('signup_disabled');
    expect(double().findUser('new@example.com')).toBeUndefined();
  });
});

describe('GET /authorize validation (JSON 400, no redirect)', () => {
  async function refusal(params: Record<string, string>) {
    const landing = await navigate(authorizeUrl(params), v2024);
    expect(landing.status).toBe(400);
    expect(landing.location).toBeNull();
    return landing.json;
  }

  it('refuses unknown and disabled providers; names are case-insensitive', async () => {
    const verifier = newVerifier();
    expect(await refusal(pkceParams(verifier, { provider: 'nosuch' }))).toEqual({
      code: 'validation_failed',
      message: 'Unsupported provider: Provider nosuch could not be found',
    });
    expect(await refusal(pkceParams(verifier, { provider: 'gitlab' }))).toEqual({
      code: 'validation_failed',
      message: 'Unsupported provider: provider is not enabled',
    });
    const legacy = await navigate(authorizeUrl(pkceParams(verifier, { provider: 'gitlab' })));
    expect(legacy.json).toMatchObject({ code: 400, error_code: 'validation_failed' });
    const mixedCase = await navigate(authorizeUrl(pkceParams(verifier, { provider: 'GitHub' })));
    expect(mixedCase.status).toBe(302);
  });

  it('checks the PKCE parameters: both or neither, 43 to 128 characters, the alphabet, the method', async () => {
    double().oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const base = { provider: 'github', redirect_to: CALLBACK };
    const pair = 'PKCE flow requires code_challenge_method and code_challenge';
    expect(await refusal({ ...base, code_challenge: 'a'.repeat(43) })).toMatchObject({
      message: pair,
    });
    expect(await refusal({ ...base, code_challenge_method: 's256' })).toMatchObject({
      message: pair,
    });
    for (const length of [42, 129]) {
      expect(
        await refusal({
          ...base,
          code_challenge: 'a'.repeat(length),
          code_challenge_method: 's256',
        }),
      ).toMatchObject({ message: 'code challenge has to be between 43 and 128 characters' });
    }
    expect(
      await refusal({
        ...base,
        code_challenge: `${'a'.repeat(42)}+`,
        code_challenge_method: 's256',
      }),
    ).toMatchObject({
      message:
        'code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes',
    });
    expect(
      await refusal({ ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'S512' }),
    ).toMatchObject({ message: 'Invalid code_challenge_method' });
    expect(await refusal(base)).toMatchObject({ message: expect.stringMatching(/only the PKCE/) });
    // Refusals before the provider take nothing from the queue.
    expect(double().oauth.pending()).toBe(1);
    const upperCase = await navigate(
      authorizeUrl(pkceParams(newVerifier(), { code_challenge_method: 'S256' })),
    );
    expect(upperCase.location?.searchParams.has('code')).toBe(true);
  });

  it('lands on the Site URL when redirect_to is not allowed, or on an allowed Referer', async () => {
    double().configure({
      siteUrl: 'https://site.test',
      redirectAllowList: ['https://*.preview.test/**'],
    });
    const verifier = newVerifier();
    const elsewhere = pkceParams(verifier, { redirect_to: 'https://evil.test/cb' });
    const site = await navigate(authorizeUrl(elsewhere));
    expect(site.location?.origin).toBe('https://site.test');
    expect(site.location?.pathname).toBe('/');

    const referred = await navigate(authorizeUrl(elsewhere), {
      referer: 'https://pr-7.preview.test/login',
    });
    expect(`${referred.location?.origin}${referred.location?.pathname}`).toBe(
      'https://pr-7.preview.test/login',
    );
  });
});

describe('POST /token?grant_type=pkce', () => {
  it('refuses empty values with validation_failed and unknown codes with 404 flow_state_not_found', async () => {
    const empty = await exchange('', newVerifier());
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual({
      code: 'validation_failed',
      message: 'invalid request: both auth code and code verifier should be non-empty',
    });
    expect((await exchange('some-code', '')).status).toBe(400);
    const unknown = await exchange('8d1c2d4e-0000-4000-8000-000000000000', newVerifier());
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      code: 'flow_state_not_found',
      message: 'invalid flow state, no valid flow state found',
    });
  });

  it('expires the code 300 s after /authorize: 422 flow_state_expired on the double clock', async () => {
    const fresh = newVerifier();
    const freshCode = await codeFor(fresh);
    double().advanceClock(299_000);
    expect((await exchange(freshCode, fresh)).status).toBe(200);

    double().oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const late = await startWithSdk();
    double().advanceClock(301_000);
    const { error } = await late.auth.exchangeCodeForSession(
      late.landing.location!.searchParams.get('code')!,
    );
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 422, code: 'flow_state_expired' });
  });

  it('refuses a wrong verifier with 400 bad_code_verifier and keeps the flow for the right one', async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier);
    const wrong = await exchange(code, newVerifier());
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({
      code: 'bad_code_verifier',
      message: 'code challenge does not match previously saved code verifier',
    });
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('exchanges a code once: the second exchange is 404 flow_state_not_found', async () => {
    double().oauth.nextSignIn({ provider: 'github', email: 'grace@example.com' });
    const flow = await startWithSdk();
    const code = flow.landing.location!.searchParams.get('code')!;
    const verifier = JSON.parse(flow.store.get('sb-127-auth-token-code-verifier')!) as string;
    const first = await flow.auth.exchangeCodeForSession(code);
    expect(first.error).toBeNull();
    const second = await exchange(code, verifier);
    expect(second.status).toBe(404);
    expect(second.json).toMatchObject({ code: 'flow_state_not_found' });
  });

  it('accepts the plain method, where the verifier is the challenge', async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier, 'plain');
    expect((await exchange(code, challengeOf(verifier))).status).toBe(400);
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('answers a Session like the password grant, with provider_token, whose refresh token rotates', async () => {
    const verifier = newVerifier();
    const response = await exchange(await codeFor(verifier), verifier);
    expect(response.status).toBe(200);
    const body = response.json as Record<string, unknown>;
    expect(body).toMatchObject({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 3600,
      expires_at: expect.any(Number),
      refresh_token: expect.any(String),
      provider_token: expect.any(String),
      user: expect.objectContaining({ email: 'grace@example.com' }),
    });
    expect(body).not.toHaveProperty('provider_refresh_token');
    const user = body.user as { id: string };
    expect(response.headers.get('sb-auth-user-id')).toBe(user.id);
    expect(double().sessionIds('grace@example.com')).toEqual([
      response.headers.get('sb-auth-session-id'),
    ]);
    const refreshed = await createSdkClient(double()).auth.refreshSession({
      refresh_token: body.refresh_token as string,
    });
    expect(refreshed.error).toBeNull();
    expect(decodeJwt(refreshed.data.session!.access_token).amr).toEqual([
      { method: 'oauth', timestamp: expect.any(Number) },
    ]);
  });

  it('forgets queued outcomes and pending codes on reset()', async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier);
    double().oauth.nextSignIn({ provider: 'github', email: 'later@example.com' });
    double().reset();
    expect(double().oauth.pending()).toBe(0);
    expect((await exchange(code, verifier)).status).toBe(404);
  });
});
