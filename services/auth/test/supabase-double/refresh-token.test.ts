// The refresh-token grant: rotation, single use, and the error answers around it.
import { decodeJwt } from 'jose';
import { isAuthApiError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest, signInSession } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

describe('refresh_token grant', () => {
  it('rotates the refresh token and keeps the session and its amr', async () => {
    double().createUser({ email: 'rae@example.com', password: 'pw-123456' });
    const first = await signInSession(double(), 'rae@example.com', 'pw-123456');
    double().advanceClock(10_000);

    const { data, error } = await sdk().auth.refreshSession({ refresh_token: first.refresh_token });
    expect(error).toBeNull();
    const next = data.session!;
    expect(next.refresh_token).not.toBe(first.refresh_token);
    expect(next.access_token).not.toBe(first.access_token);
    const before = decodeJwt(first.access_token);
    const after = decodeJwt(next.access_token);
    expect(after.session_id).toBe(before.session_id);
    expect(after.amr).toEqual(before.amr);
    expect(after.iat).toBeGreaterThan(before.iat!);
  });

  it('answers refresh_token_already_used when a rotated token is presented again', async () => {
    double().createUser({ email: 'rae@example.com', password: 'pw-123456' });
    const first = await signInSession(double(), 'rae@example.com', 'pw-123456');
    await sdk().auth.refreshSession({ refresh_token: first.refresh_token });

    const { error } = await sdk().auth.refreshSession({ refresh_token: first.refresh_token });
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
  });

  it('answers refresh_token_not_found for a token it never issued', async () => {
    const { error } = await sdk().auth.refreshSession({ refresh_token: 'never-issued' });
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });

  it('answers an empty token with the OAuth-style body', async () => {
    const response = await rawRequest(double(), 'POST', '/token?grant_type=refresh_token', {
      headers: { 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify({ refresh_token: '' }),
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: 'invalid_request',
      error_description: 'refresh_token required',
    });
    expect(response.headers.get('x-sb-error-code')).toBeNull();
  });
});
