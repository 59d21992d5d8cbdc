// Logout scopes through auth.admin.signOut(jwt, scope), and how getUser reports revoked sessions.
import { isAuthApiError, isAuthSessionMissingError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest, signInSession } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

async function threeSessions() {
  double().createUser({ email: 'sam@example.com', password: 'pw-123456' });
  double().createUser({ email: 'other@example.com', password: 'pw-123456' });
  return {
    a: await signInSession(double(), 'sam@example.com', 'pw-123456'),
    b: await signInSession(double(), 'sam@example.com', 'pw-123456'),
    c: await signInSession(double(), 'sam@example.com', 'pw-123456'),
    other: await signInSession(double(), 'other@example.com', 'pw-123456'),
  };
}

async function isAlive(accessToken: string): Promise<boolean> {
  const { data, error } = await sdk().auth.getUser(accessToken);
  if (error !== null && !isAuthSessionMissingError(error)) throw error;
  return data.user !== null;
}

describe('admin.signOut scopes', () => {
  it('local ends only the session in the JWT', async () => {
    const { a, b, c } = await threeSessions();
    const { error } = await sdk().auth.admin.signOut(b.access_token, 'local');
    expect(error).toBeNull();
    expect([
      await isAlive(a.access_token),
      await isAlive(b.access_token),
      await isAlive(c.access_token),
    ]).toEqual([true, false, true]);
  });

  it('others ends every session of the user but the one in the JWT', async () => {
    const { a, b, c, other } = await threeSessions();
    await sdk().auth.admin.signOut(a.access_token, 'others');
    expect([
      await isAlive(a.access_token),
      await isAlive(b.access_token),
      await isAlive(c.access_token),
    ]).toEqual([true, false, false]);
    expect(await isAlive(other.access_token)).toBe(true);
  });

  it('global ends every session of that user only', async () => {
    const { a, b, other } = await threeSessions();
    await sdk().auth.admin.signOut(a.access_token, 'global');
    expect(double().sessionIds('sam@example.com')).toEqual([]);
    expect(await isAlive(b.access_token)).toBe(false);
    expect(await isAlive(other.access_token)).toBe(true);
  });

  it('reports a signed-out session as AuthSessionMissingError (status 400, no code)', async () => {
    const { a } = await threeSessions();
    await sdk().auth.admin.signOut(a.access_token, 'local');

    const { data, error } = await sdk().auth.getUser(a.access_token);
    expect(data.user).toBeNull();
    expect(isAuthSessionMissingError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'AuthSessionMissingError', status: 400, code: undefined });

    const again = await sdk().auth.admin.signOut(a.access_token, 'local');
    expect(isAuthSessionMissingError(again.error)).toBe(true);

    const refresh = await sdk().auth.refreshSession({ refresh_token: a.refresh_token });
    expect(isAuthSessionMissingError(refresh.error)).toBe(true);
  });
});

describe('POST /logout on the wire', () => {
  it('answers 204 with an empty body and no content type', async () => {
    const { a } = await threeSessions();
    const response = await rawRequest(double(), 'POST', '/logout?scope=local', {
      headers: { authorization: `Bearer ${a.access_token}` },
    });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(response.headers.get('content-type')).toBeNull();
  });

  it('auth.signOut() of a signed-in client sends its own access token, scope global by default', async () => {
    double().createUser({ email: 'sam@example.com', password: 'pw-123456' });
    const client = sdk();
    const { data } = await client.auth.signInWithPassword({
      email: 'sam@example.com',
      password: 'pw-123456',
    });
    const { error } = await client.auth.signOut();
    expect(error).toBeNull();
    const logout = double().lastRequest({ authPath: '/logout' })!;
    expect(logout.query).toEqual({ scope: 'global' });
    expect(logout.headers.authorization).toBe(`Bearer ${data.session!.access_token}`);
    expect(double().sessionIds('sam@example.com')).toEqual([]);
  });

  it('rejects an unknown scope with 400 validation_failed', async () => {
    const { a } = await threeSessions();
    const response = await rawRequest(double(), 'POST', '/logout?scope=everywhere', {
      headers: {
        authorization: `Bearer ${a.access_token}`,
        'x-supabase-api-version': '2024-01-01',
      },
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ code: 'validation_failed' });
    expect(await isAlive(a.access_token)).toBe(true);
  });
});

describe('bearer checks on user routes', () => {
  it('401 no_authorization without a bearer', async () => {
    const response = await rawRequest(double(), 'GET', '/user', {
      headers: { 'x-supabase-api-version': '2024-01-01' },
    });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ code: 'no_authorization' });
  });

  it('403 bad_jwt for garbage, a bad signature and an expired token', async () => {
    const { a } = await threeSessions();
    const [header, payload, signature] = a.access_token.split('.');
    const flipped = `${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const tampered = `${header}.${payload}.${flipped}`;

    const garbage = await sdk().auth.getUser('not-a-jwt');
    const badSignature = await sdk().auth.getUser(tampered);
    double().advanceClock(3_601_000);
    const expired = await sdk().auth.getUser(a.access_token);
    for (const { error } of [garbage, badSignature, expired]) {
      expect(isAuthApiError(error)).toBe(true);
      expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });
    }
  });

  it('403 user_not_found once the user is deleted', async () => {
    const { a } = await threeSessions();
    await createSdkClient(double(), { key: 'service' }).auth.admin.deleteUser(a.user.id);
    const { error } = await sdk().auth.getUser(a.access_token);
    expect(error).toMatchObject({ status: 403, code: 'user_not_found' });
  });
});
