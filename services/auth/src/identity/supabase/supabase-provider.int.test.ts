import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startSupabaseDouble,
  type SupabaseDouble,
} from '../../../test/supabase-double/supabase-double.js';
import { describeIdentityProviderContract, uniqueEmail } from '../identity-provider.contract.js';
import { IdentityError, type RequestContext } from '../identity-provider.js';
import { SupabaseIdentityProvider, type SupabaseProviderOptions } from './supabase-provider.js';
import { SupabaseUserDirectory } from './supabase-user-directory.js';

const context: RequestContext = { ip: '198.51.100.23', requestId: 'supabase-test' };
const password = 'correct horse battery staple';
const links = {
  verifyEmail: 'http://localhost:8000/auth/email-verified',
  resetPassword: 'http://localhost:8000/auth/reset-password',
};

function providerFor(
  double: SupabaseDouble,
  overrides: Partial<SupabaseProviderOptions> = {},
): SupabaseIdentityProvider {
  return new SupabaseIdentityProvider({
    url: double.url,
    anonKey: double.anonKey,
    serviceRoleKey: double.serviceRoleKey,
    timeoutMs: 2_000,
    forwardClientIp: true,
    links,
    ...overrides,
  });
}

describeIdentityProviderContract(
  'Supabase (contract double)',
  async () => {
    // One link per email change, as the contract expects (secure change is tested below).
    const double = await startSupabaseDouble({
      settings: { autoconfirm: false, secureEmailChange: false },
    });
    const provider = providerFor(double);
    const types = {
      verify_email: 'signup',
      reset_password: 'recovery',
      email_change: 'email_change',
    } as const;
    return {
      provider,
      directory: new SupabaseUserDirectory(provider, { clock: () => double.now().getTime() }),
      lastToken: (email: string, kind: keyof typeof types) =>
        Promise.resolve(double.lastEmail({ email, type: types[kind] })?.tokenHash),
      advanceClock: (ms: number) => double.advanceClock(ms),
      close: async () => {
        await provider.close();
        await double.close();
      },
    };
  },
  // The double's links live an hour, like a hosted project's default. A banned user's right
  // password answers like a wrong one: GoTrue checks the ban before the password.
  {
    resetTokenTtlMs: 3_600_000,
    emailChangeTokenTtlMs: 3_600_000,
    disabledSignIn: 'invalid_credentials',
  },
);

describe('SupabaseIdentityProvider on the wire', () => {
  let double: SupabaseDouble;
  beforeAll(async () => {
    double = await startSupabaseDouble({
      settings: { autoconfirm: false, emailFrequencySeconds: 0 },
    });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => {
    double.reset();
  });

  it('sends apikey, the API version and the client IP with a secret key; admin calls carry only the service key', async () => {
    const provider = providerFor(double);
    expect(provider.forwardsClientIp).toBe(true);
    const email = uniqueEmail('wire');
    await provider.signUp({ email, password }, context);
    const signup = double.lastRequest({ method: 'POST', authPath: '/signup' });
    expect(signup?.headers.apikey).toBe(double.serviceRoleKey);
    expect(signup?.headers['x-supabase-api-version']).toBe('2024-01-01');
    expect(signup?.headers['sb-forwarded-for']).toBe('198.51.100.23');

    const user = await provider.getUser(double.findUser(email)?.id ?? '');
    expect(user?.email).toBe(email);
    const admin = double.lastRequest({ method: 'GET' });
    expect(admin?.path).toMatch(/^\/auth\/v1\/admin\/users\//u);
    expect(admin?.headers.apikey).toBe(double.serviceRoleKey);
    expect(admin?.headers.authorization).toBe(`Bearer ${double.serviceRoleKey}`);
    expect(admin?.headers['sb-forwarded-for']).toBeUndefined();
    await provider.close();
  });

  it('uses the publishable key and no forwarding header without a secret key', async () => {
    const legacy = await startSupabaseDouble({
      serviceRoleKey: 'legacy-service-role-jwt',
      settings: { autoconfirm: false },
    });
    const provider = providerFor(legacy);
    expect(provider.forwardsClientIp).toBe(false);
    await provider.signUp({ email: uniqueEmail('legacy'), password }, context);
    const signup = legacy.lastRequest({ method: 'POST', authPath: '/signup' });
    expect(signup?.headers.apikey).toBe(legacy.anonKey);
    expect(signup?.headers['sb-forwarded-for']).toBeUndefined();
    await provider.close();
    await legacy.close();
  });

  it('keeps no Supabase session open after a sign-in', async () => {
    const provider = providerFor(double);
    const email = uniqueEmail('nosession');
    double.createUser({ email, password, confirmed: true });
    await provider.signIn({ email, password }, context);
    expect(double.sessionIds(email)).toEqual([]);
    await provider.close();
  });

  it('answers sign-up for a confirmed address like a new one, both with confirmations on and off', async () => {
    const provider = providerFor(double);
    const email = uniqueEmail('taken');
    double.createUser({ email, password, confirmed: true });
    await expect(
      provider.signUp({ email, password: 'another good passphrase' }, context),
    ).resolves.toBeUndefined();
    double.configure({ autoconfirm: true });
    await expect(
      provider.signUp({ email, password: 'another good passphrase' }, context),
    ).resolves.toBeUndefined();
    await provider.close();
  });

  it('signs the user out everywhere at Supabase when a password is reset', async () => {
    const provider = providerFor(double);
    const email = uniqueEmail('reset');
    double.createUser({ email, password, confirmed: true });
    // A session opened outside AuthFlow (say, a mobile app talking to Supabase directly).
    const outside = await fetch(`${double.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: double.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(outside.status).toBe(200);
    expect(double.sessionIds(email)).toHaveLength(1);
    await provider.requestPasswordReset({ email }, context);
    const token = double.lastEmail({ email, type: 'recovery' })?.tokenHash ?? '';
    await provider.resetPassword({ token, password: 'tr0ub4dor & 3 green apples' }, context);
    expect(double.sessionIds(email)).toEqual([]);
    await provider.close();
  });

  describe('when Supabase misbehaves', () => {
    const unavailable = async (
      promise: Promise<unknown>,
    ): Promise<{ code: string; ms: number }> => {
      const started = performance.now();
      try {
        await promise;
      } catch (error) {
        if (error instanceof IdentityError)
          return { code: error.code, ms: performance.now() - started };
        throw error;
      }
      throw new Error('expected a refusal');
    };

    it.each([
      ['a 500', { kind: 'server-error' }, 'identity_provider_unavailable'],
      ['an HTML 502', { kind: 'bad-gateway-html' }, 'identity_provider_unavailable'],
      ['a dropped connection', { kind: 'drop-connection' }, 'identity_provider_unavailable'],
      ['429 over_request_rate_limit', { kind: 'request-rate-limit' }, 'rate_limited'],
    ] as const)('maps %s on sign-in to %s', async (_name, fault, code) => {
      const provider = providerFor(double);
      double.injectFault({ ...fault, method: 'POST', pathPrefix: '/token' });
      const outcome = await unavailable(
        provider.signIn({ email: uniqueEmail(), password }, context),
      );
      expect(outcome.code).toBe(code);
      await provider.close();
    });

    it('gives up on a 10 s delay at the configured timeout', async () => {
      const provider = providerFor(double, { timeoutMs: 300 });
      double.injectFault({ kind: 'delay', ms: 10_000, method: 'POST', pathPrefix: '/token' });
      const outcome = await unavailable(
        provider.signIn({ email: uniqueEmail(), password }, context),
      );
      expect(outcome.code).toBe('identity_provider_unavailable');
      expect(outcome.ms).toBeLessThan(2_000);
      await provider.close();
    });

    it('opens its breaker after repeated outages, answers at once without calling, and closes again', async () => {
      const provider = providerFor(double, {
        breaker: { resetTimeoutMs: 500, volumeThreshold: 3 },
      });
      double.injectFault({ kind: 'server-error', times: 3, method: 'POST', pathPrefix: '/token' });
      for (let i = 0; i < 3; i += 1)
        await unavailable(provider.signIn({ email: uniqueEmail(), password }, context));
      expect(provider.breaker.opened).toBe(true);
      double.clearRequests();
      const fast = await unavailable(provider.signIn({ email: uniqueEmail(), password }, context));
      expect(fast.code).toBe('identity_provider_unavailable');
      expect(fast.ms).toBeLessThan(50);
      expect(double.requests()).toHaveLength(0);
      // Rate limits and wrong passwords are not outages: they never open it.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const email = uniqueEmail('back');
      double.createUser({ email, password, confirmed: true });
      expect((await provider.signIn({ email, password }, context)).email).toBe(email);
      expect(provider.breaker.closed).toBe(true);
      await provider.close();
    });

    it('does not count wrong passwords or rate limits as outages', async () => {
      const provider = providerFor(double, {
        breaker: { resetTimeoutMs: 60_000, volumeThreshold: 2 },
      });
      double.injectFault({
        kind: 'request-rate-limit',
        times: 2,
        method: 'POST',
        pathPrefix: '/token',
      });
      for (let i = 0; i < 5; i += 1)
        await unavailable(provider.signIn({ email: uniqueEmail(), password }, context));
      expect(provider.breaker.closed).toBe(true);
      await provider.close();
    });
  });
});

const realUrl = process.env.AUTH_SUPABASE_TEST_URL;
const realAnon = process.env.AUTH_SUPABASE_TEST_ANON_KEY;
const realSecret = process.env.AUTH_SUPABASE_TEST_SERVICE_ROLE_KEY;
const realConfigured = realUrl !== undefined && realAnon !== undefined && realSecret !== undefined;
if (!realConfigured) {
  process.stdout.write(
    'SKIPPED: Supabase provider against a real project — set AUTH_SUPABASE_TEST_URL, AUTH_SUPABASE_TEST_ANON_KEY and AUTH_SUPABASE_TEST_SERVICE_ROLE_KEY to run it\n',
  );
}

describe.skipIf(!realConfigured)(
  'SupabaseIdentityProvider against a real Supabase project (opt-in)',
  () => {
    const provider = realConfigured
      ? new SupabaseIdentityProvider({
          url: realUrl,
          anonKey: realAnon,
          serviceRoleKey: realSecret,
          timeoutMs: 10_000,
          forwardClientIp: true,
          links,
        })
      : undefined;
    afterAll(async () => {
      await provider?.close();
    });

    it('answers readiness, refuses unknown credentials, and finds no unknown user', async () => {
      if (provider === undefined) return;
      await provider.ping();
      await expect(
        provider.signIn({ email: uniqueEmail('nobody'), password }, context),
      ).rejects.toMatchObject({ code: 'invalid_credentials' });
      expect(await provider.getUser('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('accepts a sign-up without revealing anything', async () => {
      if (provider === undefined) return;
      await expect(
        provider.signUp({ email: uniqueEmail('authflow-optin'), password }, context),
      ).resolves.toBeUndefined();
    });
  },
);
