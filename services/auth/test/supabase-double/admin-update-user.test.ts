// PUT /admin/users/{id} through admin.updateUserById: app_metadata, passwords, and bans.
import { isAuthSessionMissingError } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './go-duration.js';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest, signInSession } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const admin = () => createSdkClient(double(), { key: 'service' });
const sdk = () => createSdkClient(double());
const HUNDRED_YEARS_MS = 876_000 * 3_600_000;

function seedKim() {
  return double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
}

const signIn = (password = 'pw-123456', email = 'kim@example.com') =>
  sdk().auth.signInWithPassword({ email, password });

describe('admin.updateUserById app_metadata', () => {
  it('merges keys into app_metadata, which the next tokens carry; null removes a key', async () => {
    const user = seedKim();
    const { data, error } = await admin().auth.admin.updateUserById(user.id, {
      app_metadata: { roles: ['admin', 'billing:read'] },
    });
    expect(error).toBeNull();
    expect(data.user?.app_metadata).toEqual({
      provider: 'email',
      providers: ['email'],
      roles: ['admin', 'billing:read'],
    });
    expect(double().findUser('kim@example.com')?.app_metadata).toEqual(data.user?.app_metadata);
    const session = await signInSession(double(), 'kim@example.com', 'pw-123456');
    expect(decodeJwt(session.access_token).app_metadata).toEqual(data.user?.app_metadata);
    expect(session.user.app_metadata.roles).toEqual(['admin', 'billing:read']);

    await admin().auth.admin.updateUserById(user.id, { app_metadata: { roles: [] } });
    expect(double().findUser('kim@example.com')?.app_metadata.roles).toEqual([]);
    await admin().auth.admin.updateUserById(user.id, { app_metadata: { roles: null } });
    expect(double().findUser('kim@example.com')?.app_metadata).toEqual({
      provider: 'email',
      providers: ['email'],
    });
  });

  it('answers 404 user_not_found for an unknown id and 403 not_admin to the anon key', async () => {
    const user = seedKim();
    const missing = await admin().auth.admin.updateUserById(crypto.randomUUID(), {
      app_metadata: { roles: ['admin'] },
    });
    expect(missing.error).toMatchObject({ status: 404, code: 'user_not_found' });
    const anon = await sdk().auth.admin.updateUserById(user.id, {
      app_metadata: { roles: ['admin'] },
    });
    expect(anon.error).toMatchObject({ status: 403, code: 'not_admin' });
    expect(double().findUser('kim@example.com')?.app_metadata.roles).toBeUndefined();
  });

  it('refuses fields out of the double scope, and a body of the wrong shape', async () => {
    const user = seedKim();
    const outOfScope = await admin().auth.admin.updateUserById(user.id, {
      email: 'new@example.com',
    });
    expect(outOfScope.error).toMatchObject({ status: 400, code: 'validation_failed' });
    const put = (body: string) =>
      rawRequest(double(), 'PUT', `/admin/users/${user.id}`, {
        headers: {
          apikey: double().serviceRoleKey,
          authorization: `Bearer ${double().serviceRoleKey}`,
        },
        body,
      });
    expect((await put('{"app_metadata": ["admin"]}')).json).toMatchObject({
      error_code: 'bad_json',
    });
    expect((await put('{"ban_duration": 5}')).json).toMatchObject({ error_code: 'bad_json' });
  });
});

describe('admin.updateUserById password', () => {
  it('sets a password under the project policy and logs out every session', async () => {
    const user = seedKim();
    const before = await signInSession(double(), 'kim@example.com', 'pw-123456');
    const weak = await admin().auth.admin.updateUserById(user.id, { password: 'abc' });
    expect(weak.error).toMatchObject({ status: 422, code: 'weak_password' });
    const { error } = await admin().auth.admin.updateUserById(user.id, {
      password: 'new-pw-98765',
    });
    expect(error).toBeNull();
    expect(double().sessionIds('kim@example.com')).toEqual([]);
    // 403 session_not_found, which auth-js reports as AuthSessionMissingError.
    expect(isAuthSessionMissingError((await sdk().auth.getUser(before.access_token)).error)).toBe(
      true,
    );
    expect((await signIn()).error).toMatchObject({ code: 'invalid_credentials' });
    expect((await signIn('new-pw-98765')).error).toBeNull();
  });
});

describe('bans (ban_duration)', () => {
  it('bans for the duration: the password grant answers user_banned before it checks the password', async () => {
    const user = seedKim();
    const { data, error } = await admin().auth.admin.updateUserById(user.id, {
      ban_duration: '876000h',
    });
    expect(error).toBeNull();
    const bannedFor = Date.parse(data.user?.banned_until ?? '') - double().now().getTime();
    expect(bannedFor).toBeGreaterThan(HUNDRED_YEARS_MS - 60_000);
    expect(bannedFor).toBeLessThanOrEqual(HUNDRED_YEARS_MS);
    const right = await signIn();
    const wrong = await signIn('not-the-password');
    expect(right.error).toMatchObject({ status: 400, code: 'user_banned' });
    // GoTrue's token.go checks IsBanned() before user.Authenticate(): no password is tested.
    expect(wrong.error).toMatchObject({ status: 400, code: 'user_banned' });
    expect((await signIn('pw-123456', 'nobody@example.com')).error).toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('refuses a banned user on user routes, refresh and email links, without ending sessions', async () => {
    const user = seedKim();
    const session = await signInSession(double(), 'kim@example.com', 'pw-123456');
    await sdk().auth.resetPasswordForEmail('kim@example.com');
    const link = double().lastEmail({ email: 'kim@example.com', type: 'recovery' });
    await admin().auth.admin.updateUserById(user.id, { ban_duration: '1h' });
    expect((await sdk().auth.getUser(session.access_token)).error).toMatchObject({
      status: 403,
      code: 'user_banned',
    });
    const refreshed = await rawRequest(double(), 'POST', '/token?grant_type=refresh_token', {
      headers: { 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.json).toMatchObject({ code: 'user_banned' });
    const verified = await sdk().auth.verifyOtp({
      token_hash: link?.tokenHash ?? '',
      type: 'recovery',
    });
    expect(verified.error).toMatchObject({ status: 403, code: 'user_banned' });
    expect(double().sessionIds('kim@example.com')).toHaveLength(1);
  });

  it('lifts a ban with none, and a ban that has run out no longer counts', async () => {
    const user = seedKim();
    await admin().auth.admin.updateUserById(user.id, { ban_duration: '876000h' });
    const lifted = await admin().auth.admin.updateUserById(user.id, { ban_duration: 'none' });
    expect(lifted.data.user?.banned_until).toBeUndefined();
    expect((await signIn()).error).toBeNull();

    await admin().auth.admin.updateUserById(user.id, { ban_duration: '1h30m' });
    expect((await signIn()).error).toMatchObject({ code: 'user_banned' });
    double().advanceClock(90 * 60_000 + 1);
    expect((await signIn()).error).toBeNull();
    expect(double().findUser('kim@example.com')?.banned_until).toEqual(expect.any(String));
  });

  it.each(['1d', 'forever', '12', 'h'])(
    'refuses ban_duration %s with 400 validation_failed',
    async (banDuration) => {
      const user = seedKim();
      const { error } = await admin().auth.admin.updateUserById(user.id, {
        ban_duration: banDuration,
      });
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(double().findUser('kim@example.com')?.banned_until).toBeUndefined();
    },
  );
});

describe('Go durations', () => {
  it.each([
    ['876000h', HUNDRED_YEARS_MS],
    ['1h30m', 90 * 60_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['250ms', 250],
    ['-2m', -120_000],
    ['0', 0],
  ])('reads %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'invalid duration'],
    ['1', 'missing unit'],
    ['1d', 'unknown unit'],
    ['.s', 'invalid duration'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message);
  });
});
