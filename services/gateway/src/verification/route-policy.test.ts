import { describe, expect, it } from 'vitest';
import {
  decideAccess,
  isUnrestricted,
  type PolicyRule,
  policyOf,
  type RoutePolicy,
  type SessionFacts,
} from './route-policy.js';
import { assuranceRule } from './route-rules.js';

const get = { method: 'GET', host: 'app.example.com', path: '/admin/reports' };
const member: SessionFacts = {
  userId: 'u1',
  roles: ['member'],
  aal: 'aal1',
  amr: ['pwd'],
  mfaAt: null,
  emailVerified: true,
};
const admin: SessionFacts = { ...member, roles: ['admin', 'member'] };
const adminAal2: SessionFacts = { ...admin, aal: 'aal2', amr: ['pwd', 'otp'], mfaAt: 1 };
const billingAdmin: SessionFacts = { ...adminAal2, roles: ['admin', 'billing'] };
const noRoles: SessionFacts = { ...member, roles: [] };
const unverified: SessionFacts = { ...adminAal2, emailVerified: false };
/** A record written before issue 17: no emailVerified at all. */
const legacy: SessionFacts = { userId: 'u2', roles: ['admin'], aal: 'aal2' };

const policy = (fields: Partial<RoutePolicy> = {}): RoutePolicy => ({
  ...policyOf({ access: 'protected' }),
  ...fields,
});
const adminsOnly = { allow: { roles: ['admin'], match: 'anyOf' } } as const;
const adminOrAuditor = { allow: { roles: ['admin', 'auditor'], match: 'anyOf' } } as const;
const adminAndBilling = { allow: { roles: ['admin', 'billing'], match: 'allOf' } } as const;
const readOnly = { methods: ['GET', 'HEAD'] } as const;
const exampleHosts = { hosts: ['admin.example.com', '*.example.com'] } as const;

type Expected = 'allow' | { code: string; rule: string };
const allow = 'allow' as const;
const forbidden = (rule: string) => ({ code: 'forbidden', rule });
const mfa = { code: 'mfa_required', rule: 'aal' } as const;
const login = { code: 'unauthenticated', rule: 'session' } as const;

const cases: [string, Partial<RoutePolicy>, SessionFacts | null, Partial<typeof get>, Expected][] =
  [
    // No rules beyond a session.
    ['a member on a route with no policy', {}, member, {}, allow],
    ['no session on a protected route', {}, null, {}, login],
    ['no session on an optional route', { access: 'optional' }, null, {}, allow],
    ['no session on a public route', { access: 'public' }, null, {}, allow],
    // Roles, anyOf.
    ['a member on an admin-only route', adminsOnly, member, {}, forbidden('roles')],
    ['an admin on an admin-only route', adminsOnly, admin, {}, allow],
    ['a session with no role on an admin-only route', adminsOnly, noRoles, {}, forbidden('roles')],
    ['an admin where admin or auditor may pass', adminOrAuditor, admin, {}, allow],
    ['a member where admin or auditor may pass', adminOrAuditor, member, {}, forbidden('roles')],
    // Roles, allOf.
    ['admin and billing where both are needed', adminAndBilling, billingAdmin, {}, allow],
    [
      'admin alone where admin and billing are needed',
      adminAndBilling,
      adminAal2,
      {},
      forbidden('roles'),
    ],
    [
      'billing alone where admin and billing are needed',
      adminAndBilling,
      { ...member, roles: ['billing'] },
      {},
      forbidden('roles'),
    ],
    [
      'allOf with one role, held',
      { allow: { roles: ['admin'], match: 'allOf' } },
      admin,
      {},
      allow,
    ],
    [
      'a role that differs only in case',
      adminsOnly,
      { ...member, roles: ['Admin'] },
      {},
      forbidden('roles'),
    ],
    // Methods.
    ['GET on a read-only route', readOnly, member, {}, allow],
    ['HEAD on a read-only route', readOnly, member, { method: 'HEAD' }, allow],
    ['DELETE on a read-only route', readOnly, admin, { method: 'DELETE' }, forbidden('methods')],
    ['a lower-case method name is compared upper-case', readOnly, member, { method: 'get' }, allow],
    [
      'POST where only GET and HEAD pass, without a session',
      readOnly,
      null,
      { method: 'POST' },
      forbidden('methods'),
    ],
    [
      'POST on a read-only public route',
      { ...readOnly, access: 'public' },
      null,
      { method: 'POST' },
      forbidden('methods'),
    ],
    [
      'OPTIONS where only GET and HEAD pass, on an optional route',
      { ...readOnly, access: 'optional' },
      null,
      { method: 'OPTIONS' },
      forbidden('methods'),
    ],
    // Hosts.
    [
      'the exact host of a host-bound route',
      exampleHosts,
      member,
      { host: 'admin.example.com' },
      allow,
    ],
    ['a subdomain under a wildcard host', exampleHosts, member, { host: 'a.b.example.com' }, allow],
    [
      'the bare domain under a wildcard host only',
      { hosts: ['*.example.com'] },
      member,
      { host: 'example.com' },
      forbidden('hosts'),
    ],
    ['another host', exampleHosts, admin, { host: 'evil.example.net' }, forbidden('hosts')],
    ['no host at all on a host-bound route', exampleHosts, admin, { host: '' }, forbidden('hosts')],
    // Email verification.
    ['a verified address where one is required', { emailVerified: true }, member, {}, allow],
    [
      'an unverified address where one is required',
      { emailVerified: true },
      unverified,
      {},
      forbidden('emailVerified'),
    ],
    [
      'a session from before issue 17 (not known verified)',
      { emailVerified: true },
      legacy,
      {},
      forbidden('emailVerified'),
    ],
    ['an unverified address where none is required', adminsOnly, unverified, {}, allow],
    // Assurance level.
    ['an aal1 admin on an admin aal2 route', { ...adminsOnly, aal: 'aal2' }, admin, {}, mfa],
    ['an aal2 admin on an admin aal2 route', { ...adminsOnly, aal: 'aal2' }, adminAal2, {}, allow],
    ['an aal1 session on an aal1 route', { aal: 'aal1' }, member, {}, allow],
    ['an aal2 session on an aal1 route', {}, adminAal2, {}, allow],
    // Precedence: what nothing can fix wins.
    [
      'an aal1 member on an admin aal2 route: forbidden beats mfa_required',
      { ...adminsOnly, aal: 'aal2' },
      member,
      {},
      forbidden('roles'),
    ],
    [
      'a banned method beats mfa_required',
      { ...readOnly, aal: 'aal2' },
      admin,
      { method: 'PUT' },
      forbidden('methods'),
    ],
    [
      'an unverified aal1 admin: forbidden beats mfa_required',
      { emailVerified: true, aal: 'aal2' },
      { ...admin, emailVerified: false },
      {},
      forbidden('emailVerified'),
    ],
    [
      'a banned method beats a missing session',
      readOnly,
      null,
      { method: 'DELETE' },
      forbidden('methods'),
    ],
    [
      'a wrong host beats a missing session',
      exampleHosts,
      null,
      { host: 'other.test' },
      forbidden('hosts'),
    ],
    [
      'roles are not checked without a session: login first',
      { ...adminsOnly, aal: 'aal2' },
      null,
      {},
      login,
    ],
    [
      'the first failing request rule is named: methods before hosts',
      { ...readOnly, ...exampleHosts },
      admin,
      { method: 'POST', host: 'x.test' },
      forbidden('methods'),
    ],
    [
      'every rule at once, all held',
      { ...adminAndBilling, ...readOnly, ...exampleHosts, emailVerified: true, aal: 'aal2' },
      billingAdmin,
      { host: 'admin.example.com' },
      allow,
    ],
  ];

describe('decideAccess', () => {
  it.each(cases)('%s', (_name, fields, session, request, expected) => {
    const decision = decideAccess({
      session,
      policy: policy(fields),
      request: { ...get, ...request },
    });
    if (expected === 'allow') expect(decision).toEqual({ kind: 'allow' });
    else expect(decision).toMatchObject({ kind: 'deny', ...expected });
  });

  it('holds at least thirty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it('says why, naming what the route asks and what the session has', () => {
    const refuse = (fields: Partial<RoutePolicy>, session: SessionFacts, method = 'GET') =>
      decideAccess({ session, policy: policy(fields), request: { ...get, method } });
    expect(refuse(adminOrAuditor, member)).toMatchObject({
      reason: 'route requires one of the roles admin, auditor; session has member',
    });
    expect(refuse(adminsOnly, noRoles)).toMatchObject({
      reason: 'route requires one of the roles admin; session has no role',
    });
    expect(refuse(adminAndBilling, adminAal2)).toMatchObject({
      reason: 'route requires all of the roles admin, billing; session lacks billing',
    });
    expect(refuse(readOnly, member, 'DELETE')).toMatchObject({
      reason: 'method DELETE is not allowed here (allowed: GET, HEAD)',
    });
    expect(refuse({ aal: 'aal2' }, member)).toEqual({
      kind: 'deny',
      code: 'mfa_required',
      rule: 'aal',
      reason: 'route requires aal2; session is aal1',
    });
  });

  it('refuses with forbidden over mfa_required whatever the rule order (a step-up would not help)', () => {
    const forbidding: PolicyRule = {
      name: 'roles',
      subject: 'session',
      check: () => ({ holds: false, code: 'forbidden', reason: 'role admin required' }),
    };
    for (const rules of [
      [assuranceRule, forbidding],
      [forbidding, assuranceRule],
    ]) {
      expect(
        decideAccess({ session: member, policy: policy({ aal: 'aal2' }), request: get }, rules),
      ).toEqual({
        kind: 'deny',
        code: 'forbidden',
        rule: 'roles',
        reason: 'role admin required',
      });
    }
  });

  it('keeps the first step-up shortfall when several rules ask for one', () => {
    const another: PolicyRule = {
      name: 'aal',
      subject: 'session',
      check: () => ({ holds: false, code: 'mfa_required', reason: 'second factor too old' }),
    };
    const aal2 = policy({ aal: 'aal2' });
    expect(
      decideAccess({ session: member, policy: aal2, request: get }, [assuranceRule, another]),
    ).toMatchObject({
      reason: 'route requires aal2; session is aal1',
    });
    expect(
      decideAccess({ session: adminAal2, policy: aal2, request: get }, [assuranceRule, another]),
    ).toMatchObject({
      reason: 'second factor too old',
    });
  });

  it('allows a session when there is no rule, and still wants one on a protected route', () => {
    expect(
      decideAccess({ session: member, policy: policy({ aal: 'aal2' }), request: get }, []),
    ).toEqual({
      kind: 'allow',
    });
    expect(decideAccess({ session: null, policy: policy(), request: get }, [])).toMatchObject({
      code: 'unauthenticated',
    });
  });
});

describe('isUnrestricted', () => {
  it('is true only for a route that asks nothing beyond its access mode', () => {
    expect(isUnrestricted(policyOf())).toBe(true);
    expect(isUnrestricted(policyOf({ access: 'public' }))).toBe(true);
    for (const fields of [
      { aal: 'aal2' },
      { methods: ['GET'] },
      { hosts: ['a.test'] },
      { emailVerified: true },
      { allow: { roles: ['admin'], match: 'anyOf' } },
    ] as const)
      expect(isUnrestricted(policyOf(fields))).toBe(false);
  });
});

describe('policyOf', () => {
  it('fills defaults: protected, aal1, no rules', () => {
    expect(policyOf()).toEqual({
      access: 'protected',
      aal: 'aal1',
      allow: undefined,
      methods: undefined,
      hosts: undefined,
      emailVerified: false,
    });
  });

  it('keeps what a route declares', () => {
    expect(
      policyOf({
        access: 'optional',
        aal: 'aal2',
        allow: { roles: ['admin'], match: 'allOf' },
        methods: ['GET'],
        hosts: ['a.test'],
        emailVerified: true,
      }),
    ).toEqual({
      access: 'optional',
      aal: 'aal2',
      allow: { roles: ['admin'], match: 'allOf' },
      methods: ['GET'],
      hosts: ['a.test'],
      emailVerified: true,
    });
  });
});
