// The three "address already registered" answers of POST /signup, as supabase-js reports them.
import { isAuthApiError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

describe('sign-up for an address that is already confirmed', () => {
  it('answers a fake user with a fresh id and no identities when confirmations are on', async () => {
    const real = double().createUser({ email: 'taken@example.com', password: 'pw-123456' });

    const first = await sdk().auth.signUp({
      email: 'taken@example.com',
      password: 'other-password',
      options: { data: { plan: 'pro' } },
    });
    const second = await sdk().auth.signUp({ email: 'taken@example.com', password: 'x-123456' });

    expect(first.error).toBeNull();
    expect(first.data.session).toBeNull();
    expect(first.data.user).toMatchObject({
      email: 'taken@example.com',
      role: '',
      phone: '',
      identities: [],
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: { plan: 'pro' },
    });
    expect(first.data.user?.email_confirmed_at).toBeUndefined();
    expect(first.data.user?.id).not.toBe(real.id);
    expect(second.data.user?.id).not.toBe(first.data.user?.id);
    expect(double().sentEmails()).toEqual([]);
  });

  it('answers 422 user_already_exists under autoconfirm', async () => {
    double().createUser({ email: 'taken@example.com', password: 'pw-123456' });
    double().configure({ autoconfirm: true });
    const { data, error } = await sdk().auth.signUp({
      email: 'taken@example.com',
      password: 'pw-123456',
    });
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 422, code: 'user_already_exists' });
    expect(data).toEqual({ user: null, session: null });
  });
});

describe('sign-up for an address that is registered but not confirmed', () => {
  it('answers the real user and re-sends the email once the per-user window has passed', async () => {
    const original = await sdk().auth.signUp({ email: 'slow@example.com', password: 'first-pw' });

    const tooSoon = await sdk().auth.signUp({ email: 'slow@example.com', password: 'second-pw' });
    expect(isAuthApiError(tooSoon.error)).toBe(true);
    expect(tooSoon.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    expect(double().sentEmails({ email: 'slow@example.com' })).toHaveLength(1);

    double().advanceClock(61_000);
    const again = await sdk().auth.signUp({
      email: 'slow@example.com',
      password: 'second-pw',
      options: { data: { ignored: true } },
    });
    expect(again.error).toBeNull();
    expect(again.data.user?.id).toBe(original.data.user?.id);
    expect(again.data.user?.identities).toHaveLength(1);
    expect(again.data.user?.user_metadata).toEqual({});
    const mails = double().sentEmails({ type: 'signup', email: 'slow@example.com' });
    expect(mails).toHaveLength(2);

    // The re-sent link confirms the account; the password from the second sign-up was ignored.
    await sdk().auth.verifyOtp({ token_hash: mails[1]!.tokenHash, type: 'signup' });
    const withFirst = await sdk().auth.signInWithPassword({
      email: 'slow@example.com',
      password: 'first-pw',
    });
    const withSecond = await sdk().auth.signInWithPassword({
      email: 'slow@example.com',
      password: 'second-pw',
    });
    expect(withFirst.error).toBeNull();
    expect(withSecond.error).toMatchObject({ code: 'invalid_credentials' });
  });

  it('honours a configured email window', async () => {
    double().configure({ emailFrequencySeconds: 5 });
    await sdk().auth.signUp({ email: 'quick@example.com', password: 'pw-123456' });
    double().advanceClock(4_000);
    const inside = await sdk().auth.signUp({ email: 'quick@example.com', password: 'pw-123456' });
    expect(inside.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    double().advanceClock(2_000);
    const outside = await sdk().auth.signUp({ email: 'quick@example.com', password: 'pw-123456' });
    expect(outside.error).toBeNull();
  });
});
