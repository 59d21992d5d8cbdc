// Removing factors (user and admin routes), and the AAL rules an MFA user meets elsewhere in GoTrue.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import {
  createSdkClient,
  rawRequest,
  signedInClient,
  type SdkClient,
} from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const admin = () => createSdkClient(double(), { key: 'service' }).auth.admin;

async function adaWithFactor(): Promise<{ client: SdkClient; factorId: string; secret: string }> {
  double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
  const client = await signedInClient(double(), 'ada@example.com', 'pw-123456');
  const { data, error } = await client.auth.mfa.enroll({
    factorType: 'totp',
    friendlyName: 'Phone',
  });
  if (error !== null) throw error;
  return { client, factorId: data.id, secret: data.totp.secret };
}

describe('unenrol', () => {
  it('removes an unverified factor on an aal1 session and answers its id', async () => {
    const { client, factorId } = await adaWithFactor();
    const { data, error } = await client.auth.mfa.unenroll({ factorId });
    expect(error).toBeNull();
    expect(data).toEqual({ id: factorId });
    expect(double().factors('ada@example.com')).toEqual([]);
  });

  it('refuses a verified factor on an aal1 session with 422 insufficient_aal', async () => {
    double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
    const { id } = double().createTotpFactor('ada@example.com', { verified: true });
    const client = await signedInClient(double(), 'ada@example.com', 'pw-123456');
    const { error } = await client.auth.mfa.unenroll({ factorId: id });
    expect(error).toMatchObject({ status: 422, code: 'insufficient_aal' });
  });

  it('removes a verified factor on an aal2 session; the session it raised drops to aal1', async () => {
    const { client, factorId, secret } = await adaWithFactor();
    await client.auth.mfa.challengeAndVerify({ factorId, code: double().totpCode(secret) });
    const { error } = await client.auth.mfa.unenroll({ factorId });
    expect(error).toBeNull();
    // The token in hand still says aal2 until refreshed.
    const { data } = await client.auth.refreshSession();
    expect(decodeJwt(data.session!.access_token)).toMatchObject({
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: expect.any(Number) }],
    });
  });

  it('answers 404 for another user factor', async () => {
    const { client } = await adaWithFactor();
    double().createUser({ email: 'bob@example.com', password: 'pw-123456' });
    const bob = double().createTotpFactor('bob@example.com');
    const { error } = await client.auth.mfa.unenroll({ factorId: bob.id });
    expect(error).toMatchObject({ status: 404, code: 'mfa_factor_not_found' });
    expect(double().factors('bob@example.com')).toHaveLength(1);
  });
});

describe('admin factor routes', () => {
  it('lists a user factors as a bare array, empty when none', async () => {
    const { factorId } = await adaWithFactor();
    const user = double().findUser('ada@example.com')!;
    const listed = await admin().mfa.listFactors({ userId: user.id });
    expect(listed.data?.factors.map((f) => f.id)).toEqual([factorId]);
    double().createUser({ email: 'bob@example.com', password: 'pw-123456' });
    const bob = double().findUser('bob@example.com')!;
    const raw = await rawRequest(double(), 'GET', `/admin/users/${bob.id}/factors`, {
      headers: { authorization: `Bearer ${double().serviceRoleKey}` },
    });
    expect([raw.status, raw.json]).toEqual([200, []]);
  });

  it('deletes a verified factor without any AAL rule and answers the deleted factor', async () => {
    double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
    const { id } = double().createTotpFactor('ada@example.com', {
      friendlyName: 'Phone',
      verified: true,
    });
    const user = double().findUser('ada@example.com')!;
    const { error } = await admin().mfa.deleteFactor({ userId: user.id, id });
    expect(error).toBeNull();
    // auth-js 2.119.1 wraps this body once more (`data.data`); the wire carries the bare factor.
    const answer = double().lastRequest({ method: 'DELETE' });
    expect(answer?.authPath).toBe(`/admin/users/${user.id}/factors/${id}`);
    expect(double().factors('ada@example.com')).toEqual([]);
    double().createTotpFactor('ada@example.com', { friendlyName: 'Key', verified: true });
    const second = double().factors('ada@example.com')[0]!;
    const raw = await rawRequest(
      double(),
      'DELETE',
      `/admin/users/${user.id}/factors/${second.id}`,
      {
        headers: { authorization: `Bearer ${double().serviceRoleKey}` },
      },
    );
    expect([raw.status, raw.json]).toEqual([200, second]);
    const again = await admin().mfa.deleteFactor({ userId: user.id, id });
    expect(again.error).toMatchObject({ status: 404, code: 'mfa_factor_not_found' });
  });

  it('refuses the anon key as admin', async () => {
    const { factorId } = await adaWithFactor();
    const user = double().findUser('ada@example.com')!;
    const { error } = await createSdkClient(double()).auth.admin.mfa.deleteFactor({
      userId: user.id,
      id: factorId,
    });
    expect(error).toMatchObject({ status: 403, code: 'not_admin' });
  });

  it('drops the factors of a soft-deleted user', async () => {
    await adaWithFactor();
    const user = double().findUser('ada@example.com')!;
    expect(user.factors).toHaveLength(1);
    await admin().deleteUser(user.id, true);
    const { data } = await admin().getUserById(user.id);
    expect(data.user?.deleted_at).toEqual(expect.any(String));
    expect(data.user?.factors).toBeUndefined();
  });
});

describe('PUT /user for an MFA user', () => {
  it('refuses a password change on an aal1 session with 401 insufficient_aal, allows it at aal2', async () => {
    const { client, factorId, secret } = await adaWithFactor();
    await client.auth.mfa.challengeAndVerify({ factorId, code: double().totpCode(secret) });
    const aal1 = await signedInClient(double(), 'ada@example.com', 'pw-123456');
    const refused = await aal1.auth.updateUser({ password: 'pw-654321' });
    expect(refused.error).toMatchObject({ status: 401, code: 'insufficient_aal' });
    const allowed = await client.auth.updateUser({ password: 'pw-654321' });
    expect(allowed.error).toBeNull();
  });

  it('lets an aal1 session change metadata', async () => {
    double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
    double().createTotpFactor('ada@example.com', { verified: true });
    const client = await signedInClient(double(), 'ada@example.com', 'pw-123456');
    const { error } = await client.auth.updateUser({ data: { theme: 'dark' } });
    expect(error).toBeNull();
  });
});
