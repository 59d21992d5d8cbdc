// The IdentityProvider contract: every provider (built-in, Supabase) runs this suite.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserDirectory } from '../admin/admin-ports.js';
import {
  type IdentityErrorCode,
  type IdentityProvider,
  isIdentityError,
  type RequestContext,
} from './identity-provider.js';

export interface ProviderHarness {
  readonly provider: IdentityProvider;
  /** The provider's directory of the same accounts (what administrators use). */
  readonly directory: UserDirectory;
  /** The token carried by the last verification, reset or email-change mail sent to `email`, if any. */
  lastToken(
    email: string,
    kind: 'verify_email' | 'reset_password' | 'email_change',
  ): Promise<string | undefined>;
  /** Moves the provider's clock (token expiry) forward. */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** How long reset links live for this harness (the suite steps past it). */
  readonly resetTokenTtlMs: number;
  /** How long email-change links live for this harness (default: 24 hours, the built-in one's). */
  readonly emailChangeTokenTtlMs?: number;
  /**
   * What a disabled account answers to its right password: `account_disabled` (default), or
   * `invalid_credentials` where the provider cannot tell a right password from a wrong one once
   * the account is disabled (Supabase checks a ban before the password).
   */
  readonly disabledSignIn?: 'account_disabled' | 'invalid_credentials';
}

const context: RequestContext = { ip: '203.0.113.50', requestId: 'contract' };
const strong = 'correct horse battery staple';
const stronger = 'tr0ub4dor & 3 green apples';

/** A fresh address per test: suites share one database. */
export const uniqueEmail = (label = 'user'): string =>
  `${label}-${randomBytes(5).toString('hex')}@example.com`;

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: IdentityErrorCode; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isIdentityError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected the provider to refuse');
}

export function describeIdentityProviderContract(
  name: string,
  makeHarness: () => Promise<ProviderHarness>,
  options: ContractOptions,
): void {
  describe(`IdentityProvider contract: ${name}`, () => {
    let harness: ProviderHarness;
    let provider: IdentityProvider;

    beforeAll(async () => {
      harness = await makeHarness();
      provider = harness.provider;
    }, 60_000);
    afterAll(async () => {
      await harness.close();
    });

    async function signedUpAndVerified(email = uniqueEmail(), password = strong) {
      await provider.signUp({ email, password }, context);
      const token = await harness.lastToken(email, 'verify_email');
      if (token === undefined) throw new Error('no verification mail');
      return { email, password, user: await provider.verifyEmail({ token }, context) };
    }

    it('signs up, refuses sign-in until the address is verified, then signs in', async () => {
      const email = uniqueEmail('ada');
      await expect(provider.signUp({ email, password: strong }, context)).resolves.toBeUndefined();
      expect((await refusal(provider.signIn({ email, password: strong }, context))).code).toBe(
        'email_not_confirmed',
      );
      // The unconfirmed state is revealed only to someone holding the password.
      expect(
        (await refusal(provider.signIn({ email, password: 'wrong password here' }, context))).code,
      ).toBe('invalid_credentials');
      const token = await harness.lastToken(email, 'verify_email');
      expect(token).toEqual(expect.any(String));
      const verified = await provider.verifyEmail({ token: token ?? '' }, context);
      expect(verified).toMatchObject({ email, emailVerified: true });
      const user = await provider.signIn({ email, password: strong }, context);
      expect(user).toEqual(verified);
      expect(await provider.getUser(user.id)).toEqual(user);
    });

    it('answers an unknown address and a wrong password identically', async () => {
      const { email } = await signedUpAndVerified();
      const unknown = await refusal(
        provider.signIn({ email: uniqueEmail('nobody'), password: strong }, context),
      );
      const wrong = await refusal(
        provider.signIn({ email, password: 'not the password!' }, context),
      );
      expect(unknown).toEqual({ code: 'invalid_credentials', details: {} });
      expect(wrong).toEqual(unknown);
    });

    it('treats addresses case-insensitively and never lets a second sign-up take over', async () => {
      const { email, user } = await signedUpAndVerified(uniqueEmail('Case'));
      expect(
        await provider.signIn({ email: email.toUpperCase(), password: strong }, context),
      ).toEqual(user);
      await expect(
        provider.signUp({ email: email.toLowerCase(), password: stronger }, context),
      ).resolves.toBeUndefined();
      expect((await refusal(provider.signIn({ email, password: stronger }, context))).code).toBe(
        'invalid_credentials',
      );
      expect(await provider.signIn({ email, password: strong }, context)).toEqual(user);
    });

    it('uses a verification token once', async () => {
      const email = uniqueEmail();
      await provider.signUp({ email, password: strong }, context);
      const token = (await harness.lastToken(email, 'verify_email')) ?? '';
      await provider.verifyEmail({ token }, context);
      expect((await refusal(provider.verifyEmail({ token }, context))).code).toBe('invalid_token');
      expect(
        (await refusal(provider.verifyEmail({ token: 'not-a-real-token' }, context))).code,
      ).toBe('invalid_token');
    });

    it('refuses weak passwords with reasons', async () => {
      for (const password of ['short', 'password123']) {
        const { code, details } = await refusal(
          provider.signUp({ email: uniqueEmail(), password }, context),
        );
        expect(code).toBe('weak_password');
        expect((details as { reasons?: unknown[] }).reasons?.length).toBeGreaterThan(0);
      }
      expect(['weak_password', 'validation_failed']).toContain(
        (
          await refusal(
            provider.signUp({ email: uniqueEmail(), password: 'x'.repeat(200) }, context),
          )
        ).code,
      );
    });

    it('refuses a malformed address', async () => {
      expect(
        (await refusal(provider.signUp({ email: 'not-an-address', password: strong }, context)))
          .code,
      ).toBe('validation_failed');
    });

    it('resets a password with a mailed token, once, and not after it expires', async () => {
      const { email, user } = await signedUpAndVerified();
      await expect(
        provider.requestPasswordReset({ email: uniqueEmail('ghost') }, context),
      ).resolves.toBeUndefined();
      await provider.requestPasswordReset({ email }, context);
      const token = (await harness.lastToken(email, 'reset_password')) ?? '';
      expect(token).not.toBe('');
      expect(await provider.resetPassword({ token, password: stronger }, context)).toMatchObject({
        id: user.id,
      });
      expect(await provider.signIn({ email, password: stronger }, context)).toMatchObject({
        id: user.id,
      });
      expect((await refusal(provider.signIn({ email, password: strong }, context))).code).toBe(
        'invalid_credentials',
      );
      expect(
        (
          await refusal(
            provider.resetPassword({ token, password: 'yet another good one' }, context),
          )
        ).code,
      ).toBe('invalid_token');

      const late = await signedUpAndVerified();
      await provider.requestPasswordReset({ email: late.email }, context);
      const expiring = (await harness.lastToken(late.email, 'reset_password')) ?? '';
      harness.advanceClock(options.resetTokenTtlMs + 60_000);
      expect(
        (await refusal(provider.resetPassword({ token: expiring, password: stronger }, context)))
          .code,
      ).toBe('invalid_token');
    });

    it('sends no reset mail for an address without an account', async () => {
      const ghost = uniqueEmail('ghost');
      await provider.requestPasswordReset({ email: ghost }, context);
      expect(await harness.lastToken(ghost, 'reset_password')).toBeUndefined();
    });

    it('finds no user for an unknown id', async () => {
      expect(await provider.getUser('00000000-0000-4000-8000-000000000000')).toBeNull();
      expect(await provider.getUser('not-a-uuid')).toBeNull();
    });

    describe('account self-service', () => {
      it('changes the password only with the current one, and refuses weak or unchanged ones', async () => {
        const { email, user } = await signedUpAndVerified();
        const change = (currentPassword: string, newPassword: string) =>
          provider.changePassword({ userId: user.id, currentPassword, newPassword }, context);
        expect((await refusal(change('not the password!', stronger))).code).toBe(
          'invalid_credentials',
        );
        expect((await refusal(change(strong, 'short'))).code).toBe('weak_password');
        const same = await refusal(change(strong, strong));
        expect(same).toEqual({ code: 'weak_password', details: { reasons: ['reused'] } });
        expect(await change(strong, stronger)).toMatchObject({ id: user.id, email });
        expect(await provider.signIn({ email, password: stronger }, context)).toMatchObject({
          id: user.id,
        });
        expect((await refusal(provider.signIn({ email, password: strong }, context))).code).toBe(
          'invalid_credentials',
        );
      });

      it('moves the account to a new address only once the mailed link is followed, once', async () => {
        const { email, user } = await signedUpAndVerified();
        const newEmail = uniqueEmail('moved');
        const request = (currentPassword: string, address: string) =>
          provider.requestEmailChange(
            { userId: user.id, currentPassword, newEmail: address },
            context,
          );
        expect((await refusal(request('not the password!', newEmail))).code).toBe(
          'invalid_credentials',
        );
        expect(await harness.lastToken(newEmail, 'email_change')).toBeUndefined();
        expect(await request(strong, newEmail)).toMatchObject({ id: user.id, email });
        const token = (await harness.lastToken(newEmail, 'email_change')) ?? '';
        expect(token).not.toBe('');
        // Nothing has changed yet: the old address still signs in, the new one does not.
        expect(await provider.signIn({ email, password: strong }, context)).toMatchObject({
          email,
        });
        expect(
          (await refusal(provider.signIn({ email: newEmail, password: strong }, context))).code,
        ).toBe('invalid_credentials');

        const outcome = await provider.confirmEmailChange({ token }, context);
        expect(outcome).toEqual({
          status: 'changed',
          user: { id: user.id, email: newEmail, emailVerified: true, roles: user.roles },
        });
        expect(await provider.signIn({ email: newEmail, password: strong }, context)).toMatchObject(
          { id: user.id },
        );
        expect((await refusal(provider.signIn({ email, password: strong }, context))).code).toBe(
          'invalid_credentials',
        );
        expect((await refusal(provider.confirmEmailChange({ token }, context))).code).toBe(
          'invalid_token',
        );
      });

      it('refuses an address another account has, or the account already has', async () => {
        const owner = await signedUpAndVerified();
        const other = await signedUpAndVerified();
        const taken = await refusal(
          provider.requestEmailChange(
            {
              userId: owner.user.id,
              currentPassword: strong,
              newEmail: other.email.toUpperCase(),
            },
            context,
          ),
        );
        expect(taken).toEqual({
          code: 'validation_failed',
          details: { fields: ['email'], reasons: ['taken'] },
        });
        const unchanged = await refusal(
          provider.requestEmailChange(
            { userId: owner.user.id, currentPassword: strong, newEmail: owner.email },
            context,
          ),
        );
        expect(unchanged.details).toMatchObject({ reasons: ['unchanged'] });
        expect(
          (
            await refusal(
              provider.requestEmailChange(
                { userId: owner.user.id, currentPassword: strong, newEmail: 'not-an-address' },
                context,
              ),
            )
          ).code,
        ).toBe('validation_failed');
      });

      it('does not follow an email-change link after it expires', async () => {
        const { user } = await signedUpAndVerified();
        const newEmail = uniqueEmail('late');
        await provider.requestEmailChange(
          { userId: user.id, currentPassword: strong, newEmail },
          context,
        );
        const token = (await harness.lastToken(newEmail, 'email_change')) ?? '';
        harness.advanceClock((options.emailChangeTokenTtlMs ?? 24 * 3_600_000) + 60_000);
        expect((await refusal(provider.confirmEmailChange({ token }, context))).code).toBe(
          'invalid_token',
        );
        expect((await provider.getUser(user.id))?.email).not.toBe(newEmail);
      });

      it('exports the profile without any secret', async () => {
        const { email, user } = await signedUpAndVerified();
        const exported = await provider.exportUser(user.id);
        expect(exported).toMatchObject({ id: user.id, email });
        const text = JSON.stringify(exported);
        expect(text).not.toMatch(/argon2|password_hash|encrypted_password|token/iu);
        expect(await provider.exportUser('00000000-0000-4000-8000-000000000000')).toBeNull();
        expect(await provider.exportUser('not-a-uuid')).toBeNull();
      });

      it('deletes an account only with its password; then it is gone', async () => {
        const { email, user } = await signedUpAndVerified();
        expect(
          (await refusal(provider.deleteUser({ userId: user.id, password: stronger }, context)))
            .code,
        ).toBe('invalid_credentials');
        expect(await provider.getUser(user.id)).not.toBeNull();
        expect(await provider.deleteUser({ userId: user.id, password: strong }, context)).toEqual(
          user,
        );
        expect(await provider.getUser(user.id)).toBeNull();
        expect(await provider.exportUser(user.id)).toBeNull();
        expect((await refusal(provider.signIn({ email, password: strong }, context))).code).toBe(
          'invalid_credentials',
        );
        expect(
          (await refusal(provider.deleteUser({ userId: user.id, password: strong }, context))).code,
        ).toBe('invalid_credentials');
      });
    });

    describe('administration through the user directory', () => {
      it('refuses sign-in, telling why only to someone with the password, until enabled again', async () => {
        const { email, password, user } = await signedUpAndVerified();
        const directory = harness.directory;
        expect(await directory.setDisabled(user.id, true)).toMatchObject({
          id: user.id,
          disabled: true,
        });
        expect(await refusal(provider.signIn({ email, password }, context))).toEqual({
          code: options.disabledSignIn ?? 'account_disabled',
          details: {},
        });
        const wrong = await refusal(provider.signIn({ email, password: stronger }, context));
        const unknown = await refusal(
          provider.signIn({ email: uniqueEmail('nobody'), password }, context),
        );
        expect(wrong).toEqual({ code: 'invalid_credentials', details: {} });
        expect(wrong).toEqual(unknown);
        // Still the same account with the same roles, only unable to sign in.
        expect(await provider.getUser(user.id)).toEqual(user);
        expect(await directory.getUser(user.id)).toMatchObject({
          disabled: true,
          roles: user.roles,
        });
        expect(await directory.setDisabled(user.id, false)).toMatchObject({ disabled: false });
        expect(await provider.signIn({ email, password }, context)).toEqual(user);
      });

      it('signs in with the roles an administrator set', async () => {
        const { email, password, user } = await signedUpAndVerified();
        expect(await harness.directory.setRoles(user.id, ['admin', 'billing:read'])).toMatchObject({
          id: user.id,
          roles: ['admin', 'billing:read'],
        });
        const signedIn = await provider.signIn({ email, password }, context);
        expect(signedIn).toEqual({ ...user, roles: ['admin', 'billing:read'] });
        expect(await provider.getUser(user.id)).toEqual(signedIn);
      });

      it('deletes an account without its password', async () => {
        const { email, password, user } = await signedUpAndVerified();
        expect(await harness.directory.deleteUser(user.id)).toMatchObject({ id: user.id, email });
        expect(await provider.getUser(user.id)).toBeNull();
        expect(await harness.directory.getUser(user.id)).toBeNull();
        expect((await refusal(provider.signIn({ email, password }, context))).code).toBe(
          'invalid_credentials',
        );
        expect(await harness.directory.deleteUser(user.id)).toBeNull();
      });
    });

    it('answers a readiness ping', async () => {
      await expect(provider.ping()).resolves.toBeUndefined();
    });
  });
}
