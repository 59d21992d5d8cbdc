// Sign-up (confirmations on and autoconfirm), email confirmation and password sign-in through supabase-js.
import { isAuthApiError, isAuthWeakPasswordError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { PASSWORD_CHARACTER_SETS } from './supabase-double.js';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

describe('sign-up with email confirmations on', () => {
  it('signs up, receives the confirmation email, verifies it and signs in', async () => {
    const signUp = await sdk().auth.signUp({
      email: 'Ada@Example.com',
      password: 'correct-horse',
      options: { data: { name: 'Ada' }, emailRedirectTo: 'https://app.test/welcome' },
    });
    expect(signUp.error).toBeNull();
    expect(signUp.data.session).toBeNull();
    const user = signUp.data.user!;
    expect(user).toMatchObject({
      email: 'ada@example.com',
      aud: 'authenticated',
      role: 'authenticated',
      phone: '',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: { name: 'Ada' },
      is_anonymous: false,
    });
    expect(user.email_confirmed_at).toBeUndefined();
    expect(user.confirmation_sent_at).toEqual(expect.any(String));
    expect(user.identities).toEqual([
      expect.objectContaining({
        identity_id: expect.any(String),
        id: user.id,
        user_id: user.id,
        provider: 'email',
        email: 'ada@example.com',
        identity_data: expect.objectContaining({
          sub: user.id,
          email: 'ada@example.com',
          email_verified: false,
          phone_verified: false,
          name: 'Ada',
        }),
      }),
    ]);

    const mail = double().lastEmail({ type: 'signup', email: 'ada@example.com' })!;
    expect(mail.tokenHash).toMatch(/^[0-9a-f]{56}$/);
    expect(mail.redirectTo).toBe('https://app.test/welcome');

    const verified = await sdk().auth.verifyOtp({ token_hash: mail.tokenHash, type: 'signup' });
    expect(verified.error).toBeNull();
    expect(verified.data.session?.access_token).toEqual(expect.any(String));
    expect(verified.data.user?.email_confirmed_at).toEqual(expect.any(String));

    const signIn = await sdk().auth.signInWithPassword({
      email: 'ada@example.com',
      password: 'correct-horse',
    });
    expect(signIn.error).toBeNull();
    expect(signIn.data.user?.id).toBe(user.id);
    expect(signIn.data.session?.token_type).toBe('bearer');
  });

  it('answers email_not_confirmed only after the right password; otherwise invalid_credentials', async () => {
    await sdk().auth.signUp({ email: 'bob@example.com', password: 'right-password' });

    const rightPassword = await sdk().auth.signInWithPassword({
      email: 'bob@example.com',
      password: 'right-password',
    });
    expect(isAuthApiError(rightPassword.error)).toBe(true);
    expect(rightPassword.error).toMatchObject({ status: 400, code: 'email_not_confirmed' });

    const wrongPassword = await sdk().auth.signInWithPassword({
      email: 'bob@example.com',
      password: 'wrong-password',
    });
    const unknownEmail = await sdk().auth.signInWithPassword({
      email: 'nobody@example.com',
      password: 'right-password',
    });
    expect(wrongPassword.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
    const describeError = (error: typeof wrongPassword.error) => ({
      name: error?.name,
      status: error?.status,
      code: error?.code,
      message: error?.message,
    });
    expect(describeError(unknownEmail.error)).toEqual(describeError(wrongPassword.error));
  });
});

describe('sign-up with autoconfirm', () => {
  it('returns a session straight away and sends no email', async () => {
    double().configure({ autoconfirm: true });
    const { data, error } = await sdk().auth.signUp({
      email: 'cy@example.com',
      password: 'pw-123456',
    });
    expect(error).toBeNull();
    expect(data.session?.access_token).toEqual(expect.any(String));
    expect(data.session?.user.email_confirmed_at).toEqual(expect.any(String));
    expect(double().sentEmails()).toEqual([]);
  });
});

describe('sign-up validation', () => {
  it('rejects an empty password, a password over 72 bytes and a malformed email with validation_failed', async () => {
    const empty = await sdk().auth.signUp({ email: 'v@example.com', password: '' });
    const tooLong = await sdk().auth.signUp({ email: 'v@example.com', password: 'x'.repeat(73) });
    const badEmail = await sdk().auth.signUp({ email: 'not-an-email', password: 'pw-123456' });
    for (const { error } of [empty, tooLong, badEmail]) {
      expect(isAuthApiError(error)).toBe(true);
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    }
    expect(double().findUser('v@example.com')).toBeUndefined();
  });

  it('reports a weak password with its reasons', async () => {
    double().configure({
      passwordPolicy: {
        minLength: 10,
        requiredCharacters: [PASSWORD_CHARACTER_SETS.digits, PASSWORD_CHARACTER_SETS.uppercase],
      },
    });
    const { error } = await sdk().auth.signUp({ email: 'w@example.com', password: 'short' });
    expect(isAuthWeakPasswordError(error)).toBe(true);
    expect(error).toMatchObject({ status: 422, code: 'weak_password' });
    if (!isAuthWeakPasswordError(error)) throw new Error('expected a weak-password error');
    expect(error.reasons).toEqual(['length', 'characters']);
  });

  it('flags passwords from the built-in weak list as pwned when enabled', async () => {
    double().configure({ passwordPolicy: { rejectKnownWeak: true } });
    const { error } = await sdk().auth.signUp({ email: 'p@example.com', password: 'password123' });
    if (!isAuthWeakPasswordError(error)) throw new Error('expected a weak-password error');
    expect(error.reasons).toEqual(['pwned']);
  });

  it('answers 422 signup_disabled when sign-ups are off', async () => {
    double().configure({ signupDisabled: true });
    const { error } = await sdk().auth.signUp({ email: 'd@example.com', password: 'pw-123456' });
    expect(error).toMatchObject({ status: 422, code: 'signup_disabled' });
  });

  it('ignores unknown body fields', async () => {
    const { error } = await sdk().auth.signUp({
      email: 'extra@example.com',
      password: 'pw-123456',
      options: { captchaToken: 'ignored-by-the-double' },
    });
    expect(error).toBeNull();
  });
});

describe('password sign-in', () => {
  it('reports weak_password in the success body when the password fails the current policy', async () => {
    double().createUser({ email: 'old@example.com', password: 'abc123' });
    double().configure({ passwordPolicy: { minLength: 10 } });
    const { data, error } = await sdk().auth.signInWithPassword({
      email: 'old@example.com',
      password: 'abc123',
    });
    expect(error).toBeNull();
    expect(data.session).not.toBeNull();
    expect(data.weakPassword).toEqual({ message: expect.any(String), reasons: ['length'] });
  });
});
