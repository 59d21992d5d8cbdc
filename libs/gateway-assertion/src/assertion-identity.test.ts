import { describe, expect, it } from 'vitest';
import { AssertionError } from './assertion-error.js';
import { identityFromClaims } from './assertion-identity.js';

const now = 1_750_000_000;
const context = { nowSeconds: now, clockToleranceSeconds: 5 };
const claims = {
  iss: 'https://gw',
  aud: 'orders',
  sub: 'user-1',
  email: 'zoë@example.com',
  roles: ['admin'],
  sid: 'sid-1',
  amr: ['pwd', 'otp'],
  iat: now,
  exp: now + 60,
};

function refusal(overrides: Record<string, unknown>): AssertionError {
  try {
    identityFromClaims({ ...claims, ...overrides }, context);
  } catch (error) {
    if (error instanceof AssertionError) return error;
    throw error;
  }
  throw new Error('the claims were accepted');
}

describe('identityFromClaims', () => {
  it('maps the claims to a frozen identity', () => {
    const identity = identityFromClaims(
      { ...claims, provider: 'corp-sso', extra: 'ignored' },
      context,
    );
    expect(identity).toEqual({
      userId: 'user-1',
      email: 'zoë@example.com',
      roles: ['admin'],
      sessionId: 'sid-1',
      amr: ['pwd', 'otp'],
      aal: 'aal1',
      provider: 'corp-sso',
      issuer: 'https://gw',
      audience: 'orders',
      issuedAt: now,
      expiresAt: now + 60,
    });
    expect(Object.isFrozen(identity)).toBe(true);
    expect(Object.isFrozen(identity.roles)).toBe(true);
    // From a gateway that predates the claim: empty, never a guess.
    expect(identityFromClaims(claims, context).provider).toBe('');
  });

  it('reads aal2 only from an exact aal2 claim; anything else is aal1', () => {
    expect(identityFromClaims({ ...claims, aal: 'aal2' }, context).aal).toBe('aal2');
    for (const aal of ['AAL2', 'aal3', 2, undefined, ['aal2']])
      expect(identityFromClaims({ ...claims, aal }, context).aal).toBe('aal1');
  });

  it('accepts an empty email and empty role list', () => {
    const identity = identityFromClaims({ ...claims, email: '', roles: [] }, context);
    expect(identity.email).toBe('');
    expect(identity.roles).toEqual([]);
  });

  it.each([
    ['no sid', { sid: undefined }, '"sid" must be a non-empty string'],
    ['an empty sid', { sid: '' }, '"sid" must be a non-empty string'],
    ['an empty sub', { sub: '' }, '"sub" must be a non-empty string'],
    ['a numeric sub', { sub: 42 }, '"sub" must be a non-empty string'],
    ['no email', { email: undefined }, '"email" must be a string'],
    ['roles as a string', { roles: 'admin' }, '"roles" must be an array of strings'],
    ['roles holding a number', { roles: ['admin', 1] }, '"roles" must be an array of strings'],
    ['no amr', { amr: undefined }, '"amr" must be an array of strings'],
    ['a list audience', { aud: ['orders', 'billing'] }, '"aud" must be a non-empty string'],
    ['a string iat', { iat: String(now) }, '"iat" must be a number'],
    ['an infinite exp', { exp: Infinity }, '"exp" must be a number'],
    ['an iat in the future', { iat: now + 6, exp: now + 66 }, '"iat" is in the future'],
    ['an exp before iat', { exp: now - 1 }, '"exp" must be after "iat"'],
  ])('refuses %s as invalid_claims', (_case, overrides, problem) => {
    const error = refusal(overrides);
    expect(error.code).toBe('invalid_claims');
    expect(error.message).toContain(problem);
  });

  it('names every bad claim and never echoes claim values', () => {
    const error = refusal({ sid: undefined, roles: 'secret-role', email: 7 });
    expect(error.message).toBe(
      'invalid assertion claims: "email" must be a string; "roles" must be an array of strings; ' +
        '"sid" must be a non-empty string',
    );
  });

  it('accepts an iat within the clock tolerance', () => {
    expect(identityFromClaims({ ...claims, iat: now + 5 }, context).issuedAt).toBe(now + 5);
  });
});
