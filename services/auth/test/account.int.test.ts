// Account self-service with the built-in identity provider (PGlite), over HTTP through the gateway.
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { describeAccountStories } from './support/account-stories.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ redisUrl: inject('redisUrl') });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

describe('account self-service, built-in accounts', () => {
  describeAccountStories({
    stack: () => stack,
    confirmedAccount: async (email, password) => {
      const browser = stack.browser({});
      await browser.post('/api/v1/simple_auth/signup', { json: { email, password } });
      const token = await mailedToken(stack.smtp, email, '/verify-email');
      const verified = await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, {
        accept: 'application/json',
      });
      expect(verified.status).toBe(200);
    },
    emailChangeLink: async (newEmail) => {
      const token = await mailedToken(stack.smtp, newEmail, '/auth/account/email/confirm');
      return `/auth/account/email/confirm?token=${token}`;
    },
  });
});
