// Admin routes: service key required, getUserById, deleteUser's two requests, generateLink.
import { isAuthApiError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest, signInSession } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const admin = () => createSdkClient(double(), { key: 'service' });

describe('admin authorisation', () => {
  it('refuses the anon key as bearer with 403 not_admin', async () => {
    const user = double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
    const { data, error } = await createSdkClient(double()).auth.admin.getUserById(user.id);
    expect(data.user).toBeNull();
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 403, code: 'not_admin' });
  });

  it('refuses a user access token with 403 not_admin and no bearer with 401 no_authorization', async () => {
    const user = double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'kim@example.com', 'pw-123456');
    const v2024 = { 'x-supabase-api-version': '2024-01-01' };
    const asUser = await rawRequest(double(), 'GET', `/admin/users/${user.id}`, {
      headers: { ...v2024, authorization: `Bearer ${session.access_token}` },
    });
    const anonymous = await rawRequest(double(), 'GET', `/admin/users/${user.id}`, {
      headers: v2024,
    });
    expect(asUser.status).toBe(403);
    expect(asUser.json).toMatchObject({ code: 'not_admin' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ code: 'no_authorization' });
  });

  it('accepts a JWT with role service_role as admin bearer', async () => {
    const user = double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
    const serviceJwt = await double().mintJwt({ role: 'service_role' });
    const client = createSdkClient(double(), {
      headers: { Authorization: `Bearer ${serviceJwt}` },
    });
    const { data, error } = await client.auth.admin.getUserById(user.id);
    expect(error).toBeNull();
    expect(data.user?.id).toBe(user.id);
    expect(double().lastRequest()?.headers.apikey).toBe(double().anonKey);
  });
});

describe('admin users', () => {
  it('getUserById returns the bare user; an unknown id is 404 user_not_found', async () => {
    const user = double().createUser({
      email: 'kim@example.com',
      password: 'pw-123456',
      data: { n: 1 },
    });
    const found = await admin().auth.admin.getUserById(user.id);
    expect(found.error).toBeNull();
    expect(found.data.user).toEqual(user);

    const missing = await admin().auth.admin.getUserById(crypto.randomUUID());
    expect(missing.error).toMatchObject({ status: 404, code: 'user_not_found' });
  });

  it('deleteUser sends GET then DELETE with should_soft_delete; the DELETE answers {}', async () => {
    const user = double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'kim@example.com', 'pw-123456');
    double().clearRequests();

    const { data, error } = await admin().auth.admin.deleteUser(user.id);
    expect(error).toBeNull();
    expect(data.user?.id).toBe(user.id);
    const calls = double()
      .requests()
      .map((r) => ({ method: r.method, path: r.authPath, body: r.body }));
    expect(calls).toEqual([
      { method: 'GET', path: `/admin/users/${user.id}`, body: undefined },
      { method: 'DELETE', path: `/admin/users/${user.id}`, body: { should_soft_delete: false } },
    ]);
    expect(double().findUser('kim@example.com')).toBeUndefined();
    expect((await admin().auth.admin.getUserById(user.id)).error).toMatchObject({
      status: 404,
      code: 'user_not_found',
    });
    const stale = await createSdkClient(double()).auth.getUser(session.access_token);
    expect(stale.error).toMatchObject({ status: 403, code: 'user_not_found' });
  });

  it('answers the DELETE itself with 200 {} and 404 for an unknown id', async () => {
    const user = double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
    const del = (id: string) =>
      rawRequest(double(), 'DELETE', `/admin/users/${id}`, {
        headers: {
          apikey: double().serviceRoleKey,
          authorization: `Bearer ${double().serviceRoleKey}`,
        },
        body: JSON.stringify({ should_soft_delete: false }),
      });
    const first = await del(user.id);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({});
    const second = await del(user.id);
    expect(second.status).toBe(404);
    expect(second.json).toMatchObject({ error_code: 'user_not_found' });
  });

  it('soft delete keeps the row with deleted_at and ends the sessions', async () => {
    const user = double().createUser({ email: 'kim@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'kim@example.com', 'pw-123456');
    await admin().auth.admin.deleteUser(user.id, true);
    const { data } = await admin().auth.admin.getUserById(user.id);
    expect(data.user?.deleted_at).toEqual(expect.any(String));
    expect(data.user?.email).toBe('');
    const stale = await createSdkClient(double()).auth.getUser(session.access_token);
    expect(stale.error).toMatchObject({ status: 403 });
  });
});

describe('admin.generateLink', () => {
  it('returns a hashed_token that verifyOtp accepts, without sending email', async () => {
    const signup = await admin().auth.admin.generateLink({
      type: 'signup',
      email: 'lin@example.com',
      password: 'pw-123456',
      options: { redirectTo: 'https://app.test/done' },
    });
    expect(signup.error).toBeNull();
    expect(signup.data.properties).toMatchObject({
      hashed_token: expect.stringMatching(/^[0-9a-f]+$/),
      verification_type: 'signup',
      redirect_to: 'https://app.test/done',
      email_otp: expect.stringMatching(/^\d{6}$/),
    });
    expect(signup.data.user?.email).toBe('lin@example.com');
    const verified = await createSdkClient(double()).auth.verifyOtp({
      token_hash: signup.data.properties!.hashed_token,
      type: 'signup',
    });
    expect(verified.error).toBeNull();

    const recovery = await admin().auth.admin.generateLink({
      type: 'recovery',
      email: 'lin@example.com',
    });
    const reset = await createSdkClient(double()).auth.verifyOtp({
      token_hash: recovery.data.properties!.hashed_token,
      type: 'recovery',
    });
    expect(reset.error).toBeNull();
    expect(double().sentEmails()).toEqual([]);
  });
});
