// Request recording: what supabase-js puts on the wire, as tests of an adapter will want to assert it.
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();

describe('request recording', () => {
  it('records apikey, bearer, version header, redirect_to and the body of a sign-up', async () => {
    await createSdkClient(double()).auth.signUp({
      email: 'rec@example.com',
      password: 'pw-123456',
      options: { emailRedirectTo: 'https://app.test/confirmed', data: { locale: 'fr' } },
    });
    const request = double().lastRequest({ method: 'POST', authPath: '/signup' })!;
    expect(request.path).toBe('/auth/v1/signup');
    expect(request.query).toEqual({ redirect_to: 'https://app.test/confirmed' });
    expect(request.headers).toMatchObject({
      apikey: double().anonKey,
      authorization: `Bearer ${double().anonKey}`,
      'x-supabase-api-version': '2024-01-01',
      'content-type': 'application/json;charset=UTF-8',
      'x-client-info': expect.stringContaining('supabase-js'),
    });
    expect(request.body).toEqual({
      email: 'rec@example.com',
      password: 'pw-123456',
      data: { locale: 'fr' },
      gotrue_meta_security: {},
      code_challenge: null,
      code_challenge_method: null,
    });
  });

  it('shows an sb-forwarded-for header passed through global.headers', async () => {
    const client = createSdkClient(double(), {
      key: 'service',
      headers: { 'Sb-Forwarded-For': '203.0.113.7' },
    });
    await client.auth.resetPasswordForEmail('rec@example.com');
    expect(double().lastRequest()?.headers).toMatchObject({
      'sb-forwarded-for': '203.0.113.7',
      apikey: double().serviceRoleKey,
    });
  });

  it('shows an sb-forwarded-for header added per request by a custom fetch', async () => {
    const forwarding: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('sb-forwarded-for', '198.51.100.23');
      return fetch(input, { ...init, headers });
    };
    await createSdkClient(double(), { fetch: forwarding }).auth.signInWithPassword({
      email: 'rec@example.com',
      password: 'pw-123456',
    });
    const request = double().lastRequest({ authPath: '/token' })!;
    expect(request.query).toEqual({ grant_type: 'password' });
    expect(request.headers['sb-forwarded-for']).toBe('198.51.100.23');
    expect(request.body).toEqual({
      email: 'rec@example.com',
      password: 'pw-123456',
      gotrue_meta_security: {},
    });
  });

  it('records verifyOtp options as sent (body and redirect_to query) and can be cleared', async () => {
    await createSdkClient(double()).auth.verifyOtp({
      token_hash: 'deadbeef',
      type: 'recovery',
      options: { redirectTo: 'https://app.test/after' },
    });
    const request = double().lastRequest({ authPath: '/verify' })!;
    expect(request.query).toEqual({ redirect_to: 'https://app.test/after' });
    expect(request.body).toEqual({
      token_hash: 'deadbeef',
      type: 'recovery',
      options: { redirectTo: 'https://app.test/after' },
      gotrue_meta_security: {},
    });

    double().clearRequests();
    expect(double().requests()).toEqual([]);
  });
});
