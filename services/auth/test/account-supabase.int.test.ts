// Account self-service with Supabase Auth (the GoTrue contract double), over HTTP through the gateway.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac } from '@authflow/testing';
import { describeAccountStories, newEmail, password } from './support/account-stories.js';
import { type Stack, startStack, supabaseAuthEnv } from './support/stack-harness.js';
import { startSupabaseDouble, type SupabaseDouble } from './supabase-double/supabase-double.js';

let double: SupabaseDouble;
let stack: Stack;

beforeAll(async () => {
  // Secure email change off: one link, to the new address (the two-link case is below).
  double = await startSupabaseDouble({
    settings: { autoconfirm: false, secureEmailChange: false, emailFrequencySeconds: 0 },
  });
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: supabaseAuthEnv(double),
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  await double.close();
});

/** The link the project's "Change Email Address" template makes, set up as the README says. */
function emailChangeLink(to: string): string {
  const mail = double.lastEmail({ email: to, type: 'email_change' });
  if (mail === undefined) throw new Error(`no email_change mail to ${to}`);
  return `/auth/account/email/confirm?token=${mail.tokenHash}`;
}

describe('account self-service, Supabase accounts', () => {
  describeAccountStories({
    stack: () => stack,
    confirmedAccount: (email, secret) => {
      double.createUser({ email, password: secret, confirmed: true });
      return Promise.resolve();
    },
    emailChangeLink: (to) => Promise.resolve(emailChangeLink(to)),
  });

  it('leaves no Supabase session open, and deletes the user at Supabase', async () => {
    const email = newEmail('supa');
    double.createUser({ email, password, confirmed: true });
    const browser = stack.browser(chromeOnMac.headers);
    await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
    await browser.post('/api/v1/simple_auth/account/password', {
      json: { current_password: password, new_password: 'tr0ub4dor & 3 green apples' },
    });
    expect(double.sessionIds(email)).toEqual([]);
    await browser.post('/api/v1/simple_auth/account/delete', {
      json: { password: 'tr0ub4dor & 3 green apples' },
    });
    expect(double.findUser(email)).toBeUndefined();
  });

  it('with secure email change, waits for the links to both addresses', async () => {
    double.configure({ secureEmailChange: true });
    try {
      const email = newEmail('both');
      const moved = newEmail('both-new');
      double.createUser({ email, password, confirmed: true });
      const browser = stack.browser(chromeOnMac.headers);
      await browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
      const requested = await browser.post('/api/v1/simple_auth/account/email', {
        json: { current_password: password, new_email: moved },
      });
      expect(requested.status).toBe(202);
      const tokenOf = (to: string) =>
        new URL(emailChangeLink(to), 'http://x').searchParams.get('token') ?? '';
      const first = await browser.post('/api/v1/simple_auth/email-change/confirm', {
        json: { token: tokenOf(moved) },
      });
      expect([first.status, first.json<{ status: string }>().status]).toEqual([
        202,
        'confirm_other_address',
      ]);
      // Half-way: the account still has its old address.
      expect(double.findUser(email)?.email).toBe(email);
      const second = await browser.post('/api/v1/simple_auth/email-change/confirm', {
        json: { token: tokenOf(email) },
      });
      expect(second.status).toBe(200);
      expect(second.json()).toMatchObject({ status: 'email_changed', user: { email: moved } });
      expect(double.findUser(moved)?.email).toBe(moved);
      expect(double.findUser(email)).toBeUndefined();
    } finally {
      double.configure({ secureEmailChange: false });
    }
  });
});
