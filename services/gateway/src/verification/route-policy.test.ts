import { describe, expect, it } from 'vitest';
import {
  assuranceRule,
  decideAccess,
  type PolicyInput,
  type PolicyRule,
  policyOf,
  type SessionFacts,
} from './route-policy.js';

const request = { method: 'GET', host: 'app.example', path: '/admin/reports' };
const aal1: SessionFacts = {
  userId: 'u1',
  roles: ['member'],
  aal: 'aal1',
  amr: ['pwd'],
  mfaAt: null,
};
const aal2: SessionFacts = {
  userId: 'u1',
  roles: ['member'],
  aal: 'aal2',
  amr: ['pwd', 'otp'],
  mfaAt: 1_700_000_000_000,
};

const input = (session: SessionFacts, aal: 'aal1' | 'aal2'): PolicyInput => ({
  session,
  policy: { aal },
  request,
});

describe('decideAccess', () => {
  it.each([
    ['an aal1 session', aal1, 'aal1', { kind: 'allow' }],
    ['an aal2 session', aal2, 'aal1', { kind: 'allow' }],
    ['an aal2 session', aal2, 'aal2', { kind: 'allow' }],
    [
      'an aal1 session',
      aal1,
      'aal2',
      { kind: 'deny', code: 'mfa_required', reason: 'route requires aal2; session is aal1' },
    ],
  ] as const)('%s on an %s route → %j', (_name, session, aal, decision) => {
    expect(decideAccess(input(session, aal))).toEqual(decision);
  });

  it('does not let roles, method, host or path stand in for a second factor', () => {
    const admin = { ...aal1, roles: ['admin', 'owner'] };
    for (const method of ['GET', 'POST', 'OPTIONS']) {
      expect(
        decideAccess({ session: admin, policy: { aal: 'aal2' }, request: { ...request, method } }),
      ).toMatchObject({ kind: 'deny', code: 'mfa_required' });
    }
  });

  it('refuses with forbidden over mfa_required whatever the rule order (a step-up would not help)', () => {
    const forbidding: PolicyRule = () => ({ code: 'forbidden', reason: 'role admin required' });
    for (const rules of [
      [assuranceRule, forbidding],
      [forbidding, assuranceRule],
    ]) {
      expect(decideAccess(input(aal1, 'aal2'), rules)).toEqual({
        kind: 'deny',
        code: 'forbidden',
        reason: 'role admin required',
      });
    }
  });

  it('keeps the first step-up shortfall when several rules ask for one', () => {
    const another: PolicyRule = () => ({ code: 'mfa_required', reason: 'second factor too old' });
    expect(decideAccess(input(aal1, 'aal2'), [assuranceRule, another])).toMatchObject({
      reason: 'route requires aal2; session is aal1',
    });
    expect(decideAccess(input(aal2, 'aal2'), [assuranceRule, another])).toMatchObject({
      reason: 'second factor too old',
    });
  });

  it('allows when there is no rule', () => {
    expect(decideAccess(input(aal1, 'aal2'), [])).toEqual({ kind: 'allow' });
  });
});

describe('policyOf', () => {
  it('defaults a route without aal to aal1 and keeps a declared one', () => {
    expect(policyOf({})).toEqual({ aal: 'aal1' });
    expect(policyOf({ aal: 'aal2' })).toEqual({ aal: 'aal2' });
  });
});
