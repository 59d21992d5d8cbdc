// Password reset over the token_hash path: recover, verifyOtp(recovery), updateUser on the same client.
import {
  isAuthApiError,
  isAuthSessionMissingError,
  isAuthWeakPasswordError,
} from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest, signInSession } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

async function requestRecoveryHash(email: string): Promise<string> {
  const { error } = await sdk().auth.resetPasswordForEmail(email);
  if (error !== null) throw error;
  return double().lastEmail({ type: 'recovery', email })!.tokenHash;
}

describe('resetPasswordForEmail', () => {
  it('answers {} for known and unknown addresses and only mails the known one', async () => {
    double().createUser({ email: 'known@example.com', password: 'old-password' });

    const known = await sdk().auth.resetPasswordForEmail('known@example.com', {
      redirectTo: 'https://app.test/reset',
    });
    const unknown = await sdk().auth.resetPasswordForEmail('unknown@example.com', {
      redirectTo: 'https://app.test/reset',
    });

    expect(known).toEqual({ data: {}, error: null });
    expect(unknown).toEqual({ data: {}, error: null });
    const mails = double().sentEmails();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      type: 'recovery',
      email: 'known@example.com',
      redirectTo: 'https://app.test/reset',
      tokenHash: expect.stringMatching(/^[0-9a-f]+$/),
    });
    expect(double().lastRequest({ authPath: '/recover' })?.query).toEqual({
      redirect_to: 'https://app.test/reset',
    });
  });

  it('answers 429 inside the per-user window, which only an existing address can hit', async () => {
    double().createUser({ email: 'known@example.com', password: 'old-password' });
    await sdk().auth.resetPasswordForEmail('known@example.com');
    await sdk().auth.resetPasswordForEmail('unknown@example.com');

    const knownAgain = await sdk().auth.resetPasswordForEmail('known@example.com');
    const unknownAgain = await sdk().auth.resetPasswordForEmail('unknown@example.com');
    expect(knownAgain.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    expect(unknownAgain.error).toBeNull();
  });
});

describe('recovery link', () => {
  it('resets the password on one client; the link is single use; old password stops working', async () => {
    double().createUser({ email: 'ann@example.com', password: 'old-password' });
    const tokenHash = await requestRecoveryHash('ann@example.com');

    const client = sdk();
    const verified = await client.auth.verifyOtp({ token_hash: tokenHash, type: 'recovery' });
    expect(verified.error).toBeNull();
    expect(verified.data.session?.access_token).toEqual(expect.any(String));

    const updated = await client.auth.updateUser({ password: 'new-password' });
    expect(updated.error).toBeNull();
    expect(updated.data.user?.email).toBe('ann@example.com');

    const reused = await sdk().auth.verifyOtp({ token_hash: tokenHash, type: 'recovery' });
    expect(isAuthApiError(reused.error)).toBe(true);
    expect(reused.error).toMatchObject({ status: 403, code: 'otp_expired' });

    const oldPassword = await sdk().auth.signInWithPassword({
      email: 'ann@example.com',
      password: 'old-password',
    });
    const newPassword = await sdk().auth.signInWithPassword({
      email: 'ann@example.com',
      password: 'new-password',
    });
    expect(oldPassword.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
    expect(newPassword.error).toBeNull();
  });

  it('logs out the other sessions of the user but keeps the calling one', async () => {
    double().createUser({ email: 'ann@example.com', password: 'old-password' });
    const elsewhere = await signInSession(double(), 'ann@example.com', 'old-password');
    const client = sdk();
    await client.auth.verifyOtp({
      token_hash: await requestRecoveryHash('ann@example.com'),
      type: 'recovery',
    });

    await client.auth.updateUser({ password: 'new-password' });

    const other = await sdk().auth.getUser(elsewhere.access_token);
    expect(isAuthSessionMissingError(other.error)).toBe(true);
    const { data: current } = await client.auth.getSession();
    const self = await sdk().auth.getUser(current.session!.access_token);
    expect(self.error).toBeNull();
    expect(double().sessionIds('ann@example.com')).toHaveLength(1);
  });

  it('rejects the same password, a weak one and one over 72 characters', async () => {
    double().createUser({ email: 'ann@example.com', password: 'old-password' });
    double().configure({ passwordPolicy: { minLength: 12 } });
    const client = sdk();
    await client.auth.verifyOtp({
      token_hash: await requestRecoveryHash('ann@example.com'),
      type: 'recovery',
    });

    const same = await client.auth.updateUser({ password: 'old-password' });
    expect(isAuthApiError(same.error)).toBe(true);
    expect(same.error).toMatchObject({ status: 422, code: 'same_password' });

    const weak = await client.auth.updateUser({ password: 'short' });
    expect(isAuthWeakPasswordError(weak.error)).toBe(true);
    if (!isAuthWeakPasswordError(weak.error)) throw new Error('expected a weak-password error');
    expect(weak.error.status).toBe(422);
    expect(weak.error.reasons).toEqual(['length']);

    const tooLong = await client.auth.updateUser({ password: 'y'.repeat(73) });
    expect(tooLong.error).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('treats expired, unknown and wrong-type hashes alike: 403 otp_expired', async () => {
    double().createUser({ email: 'ann@example.com', password: 'old-password' });
    const tokenHash = await requestRecoveryHash('ann@example.com');

    const wrongType = await sdk().auth.verifyOtp({ token_hash: tokenHash, type: 'signup' });
    const unknown = await sdk().auth.verifyOtp({ token_hash: 'ab'.repeat(28), type: 'recovery' });
    double().advanceClock(3_601_000);
    const expired = await sdk().auth.verifyOtp({ token_hash: tokenHash, type: 'recovery' });
    for (const { error } of [wrongType, unknown, expired]) {
      expect(error).toMatchObject({ status: 403, code: 'otp_expired' });
    }
  });

  it('accepts type "email" for a confirmation link', async () => {
    await sdk().auth.signUp({ email: 'eve@example.com', password: 'pw-123456' });
    const mail = double().lastEmail({ type: 'signup' })!;
    const { error } = await sdk().auth.verifyOtp({ token_hash: mail.tokenHash, type: 'email' });
    expect(error).toBeNull();
    expect(double().findUser('eve@example.com')?.email_confirmed_at).toEqual(expect.any(String));
  });

  it('rejects token_hash combined with email, token or redirect_to: 400 validation_failed', async () => {
    double().createUser({ email: 'ann@example.com', password: 'old-password' });
    const tokenHash = await requestRecoveryHash('ann@example.com');
    for (const extra of [
      { email: 'ann@example.com' },
      { token: '123456' },
      { redirect_to: 'https://app.test' },
    ]) {
      const response = await rawRequest(double(), 'POST', '/verify', {
        headers: { 'x-supabase-api-version': '2024-01-01' },
        body: JSON.stringify({ token_hash: tokenHash, type: 'recovery', ...extra }),
      });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ code: 'validation_failed' });
    }
    // None of the rejected attempts used the token up.
    const { error } = await sdk().auth.verifyOtp({ token_hash: tokenHash, type: 'recovery' });
    expect(error).toBeNull();
  });
});
