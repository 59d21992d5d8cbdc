// Error bodies and headers: 2024-01-01 vs legacy envelope, gateway key errors, body decoding limits.
import { isAuthApiError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

const badLogin = JSON.stringify({ email: 'nobody@example.com', password: 'whatever-pw' });

describe('API version negotiation', () => {
  it('gives the SDK error.code (it always sends X-Supabase-Api-Version: 2024-01-01)', async () => {
    const { error } = await sdk().auth.signInWithPassword({
      email: 'nobody@example.com',
      password: 'whatever-pw',
    });
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: 'invalid_credentials' });
    expect(double().lastRequest()?.headers['x-supabase-api-version']).toBe('2024-01-01');
  });

  it('answers {code, message} and echoes the version for dates from 2024-01-01 on', async () => {
    for (const version of ['2024-01-01', '2025-06-30']) {
      const response = await rawRequest(double(), 'POST', '/token?grant_type=password', {
        headers: { 'x-supabase-api-version': version },
        body: badLogin,
      });
      expect(response.status).toBe(400);
      expect(response.json).toEqual({
        code: 'invalid_credentials',
        message: 'Invalid login credentials',
      });
      expect(response.headers.get('x-supabase-api-version')).toBe('2024-01-01');
      expect(response.headers.get('x-sb-error-code')).toBe('invalid_credentials');
      expect(response.headers.get('content-type')).toBe('application/json');
    }
  });

  it('answers the legacy body without the header, or with an old or unparsable date', async () => {
    const variants: Record<string, string>[] = [
      {},
      { 'x-supabase-api-version': '2023-12-31' },
      { 'x-supabase-api-version': 'latest' },
    ];
    for (const headers of variants) {
      const response = await rawRequest(double(), 'POST', '/token?grant_type=password', {
        headers,
        body: badLogin,
      });
      expect(response.status).toBe(400);
      expect(response.json).toEqual({
        code: 400,
        error_code: 'invalid_credentials',
        msg: 'Invalid login credentials',
      });
      expect(response.headers.get('x-supabase-api-version')).toBeNull();
      expect(response.headers.get('x-sb-error-code')).toBe('invalid_credentials');
    }
  });

  it('adds weak_password.reasons in both shapes; x-sb-error-code only in the legacy one', async () => {
    const body = JSON.stringify({ email: 'weak@example.com', password: 'abc' });
    const current = await rawRequest(double(), 'POST', '/signup', {
      headers: { 'x-supabase-api-version': '2024-01-01' },
      body,
    });
    const legacy = await rawRequest(double(), 'POST', '/signup', { body });

    expect(current.status).toBe(422);
    expect(current.json).toMatchObject({
      code: 'weak_password',
      weak_password: { reasons: ['length'] },
    });
    expect(current.headers.get('x-sb-error-code')).toBeNull();
    expect(legacy.status).toBe(422);
    expect(legacy.json).toMatchObject({
      code: 422,
      error_code: 'weak_password',
      weak_password: { reasons: ['length'] },
    });
    expect(legacy.headers.get('x-sb-error-code')).toBe('weak_password');
  });
});

describe('API key gateway', () => {
  it('answers a missing key with 401 {message, hint}: no code, no version header', async () => {
    const stripApiKey: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('apikey');
      return fetch(input, { ...init, headers });
    };
    const { error } = await createSdkClient(double(), {
      fetch: stripApiKey,
    }).auth.signInWithPassword({
      email: 'a@example.com',
      password: 'pw-123456',
    });
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 401,
      code: undefined,
      message: 'No API key found in request',
    });
  });

  it('answers a wrong key the same way with "Invalid API key"', async () => {
    const { error } = await createSdkClient(double(), { key: 'sb_publishable_wrong' }).auth.signUp({
      email: 'a@example.com',
      password: 'pw-123456',
    });
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: undefined, message: 'Invalid API key' });

    const raw = await rawRequest(double(), 'GET', '/user', {
      headers: { apikey: 'wrong', 'x-supabase-api-version': '2024-01-01' },
    });
    expect(raw.status).toBe(401);
    expect(raw.json).toEqual({ message: 'Invalid API key', hint: expect.any(String) });
    expect(raw.headers.get('x-supabase-api-version')).toBeNull();
    expect(raw.headers.get('x-sb-error-code')).toBeNull();
    expect(double().sentEmails()).toEqual([]);
  });
});

describe('request bodies', () => {
  const v2024 = { 'x-supabase-api-version': '2024-01-01' };

  it('answers 400 bad_json for malformed JSON and for fields of the wrong type', async () => {
    for (const body of [
      '{"email":',
      '[1,2]',
      JSON.stringify({ email: 42, password: 'pw-123456' }),
    ]) {
      const response = await rawRequest(double(), 'POST', '/signup', { headers: v2024, body });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ code: 'bad_json' });
    }
  });

  it('answers 413 request_entity_too_large over 1 MiB', async () => {
    const body = JSON.stringify({
      email: 'big@example.com',
      password: 'pw-123456',
      pad: 'x'.repeat(1024 * 1024),
    });
    const response = await rawRequest(double(), 'POST', '/signup', { headers: v2024, body });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ code: 'request_entity_too_large' });
  });

  it('ignores unknown fields', async () => {
    const response = await rawRequest(double(), 'POST', '/signup', {
      headers: v2024,
      body: JSON.stringify({ email: 'ok@example.com', password: 'pw-123456', favourite: 'tea' }),
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ email: 'ok@example.com' });
  });

  it('answers an unsupported grant type with 400 invalid_credentials', async () => {
    const response = await rawRequest(double(), 'POST', '/token?grant_type=magic', {
      headers: v2024,
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ code: 'invalid_credentials' });
  });
});
