import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@authflow/config';
import {
  DEFAULT_ROUTES_FILE,
  explainAccess,
  loadRoutesFile,
  parseRoutes,
  type RoutesFile,
  type SessionFacts,
} from '@authflow/gateway/policy';
import { describe, expect, it } from 'vitest';

const member: SessionFacts = { roles: ['member'], aal: 'aal1', emailVerified: true };
const admin: SessionFacts = { ...member, roles: ['admin'] };
const adminAal2: SessionFacts = { ...admin, aal: 'aal2' };

const shipped = await loadRoutesFile(DEFAULT_ROUTES_FILE, {});

function routesOf(file: unknown): RoutesFile {
  const parsed = parseRoutes(file, {});
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.routes;
}

const custom = routesOf({
  roles: ['admin', 'member'],
  upstreams: { app: { url: 'http://app:1' }, docs: { url: 'http://docs:1' } },
  routes: [
    { prefix: '/app/', upstream: 'app', access: 'protected' },
    { prefix: '/app/reports/', upstream: 'app', access: 'protected', methods: ['GET', 'HEAD'] },
    { prefix: '/', upstream: 'docs', access: 'public', hosts: ['docs.example.com'] },
    {
      prefix: '/account/',
      upstream: 'app',
      access: 'optional',
      emailVerified: true,
      allow: { roles: ['member', 'admin'] },
    },
  ],
});

describe('explainAccess on the shipped routes', () => {
  const explain = (session: SessionFacts | null, method = 'GET', path = '/api/v1/admin/users') =>
    explainAccess(shipped, { method, host: 'localhost:8000', path }, session);

  it('refuses a member on the admin API by role, before the second factor', () => {
    const explained = explain(member);
    expect(explained).toMatchObject({
      request: { method: 'GET', host: 'localhost', path: '/api/v1/admin/users' },
      route: {
        kind: 'proxy',
        prefix: '/api/v1/admin/',
        hosts: null,
        access: 'protected',
        upstream: 'auth',
        policy: { allow: { roles: ['admin'], match: 'anyOf' }, aal: 'aal2' },
      },
      decision: { outcome: 'deny', code: 'forbidden' },
      decidedBy: 'roles',
      status: 403,
      reason: 'route requires one of the roles admin; session has member',
    });
    expect(explained.checks).toEqual([
      { rule: 'methods', outcome: 'not_applicable', reason: 'route allows every method' },
      { rule: 'hosts', outcome: 'not_applicable', reason: 'route serves every host' },
      { rule: 'session', outcome: 'pass', reason: 'a verified session was presented' },
      {
        rule: 'roles',
        outcome: 'fail',
        code: 'forbidden',
        reason: 'route requires one of the roles admin; session has member',
      },
      {
        rule: 'emailVerified',
        outcome: 'not_applicable',
        reason: 'route does not require a verified email address',
      },
      {
        rule: 'aal',
        outcome: 'fail',
        code: 'mfa_required',
        reason: 'route requires aal2; session is aal1',
      },
    ]);
  });

  it('sends an aal1 admin to the second factor, and passes an aal2 admin', () => {
    expect(explain(admin)).toMatchObject({
      decision: { outcome: 'deny', code: 'mfa_required' },
      decidedBy: 'aal',
      status: 403,
    });
    expect(explain(adminAal2)).toMatchObject({
      decision: { outcome: 'allow', identity: true },
      decidedBy: null,
      status: null,
      reason: 'every rule holds: proxied to auth with the signed identity',
    });
  });

  it('asks an anonymous caller to sign in, and says roles were not looked at', () => {
    const explained = explain(null);
    expect(explained).toMatchObject({
      decision: { outcome: 'login_required' },
      decidedBy: 'session',
      status: 401,
    });
    expect(explained.checks.find((check) => check.rule === 'roles')).toEqual({
      rule: 'roles',
      outcome: 'not_applicable',
      reason: 'no session to check',
    });
  });

  it('passes anyone through an optional route, with identity when there is a session', () => {
    expect(explain(null, 'POST', '/api/v1/simple_auth/signin').decision).toEqual({
      outcome: 'allow',
      identity: false,
    });
    expect(explain(member, 'GET', '/auth/login').decision).toEqual({
      outcome: 'allow',
      identity: true,
    });
  });

  it('answers the redirect, an unknown path and a non-canonical one', () => {
    expect(explain(null, 'GET', '/?x=1')).toMatchObject({
      route: { kind: 'redirect', path: '/', redirect: '/app/' },
      decision: { outcome: 'redirect', location: '/app/' },
      status: 302,
    });
    expect(explain(member, 'GET', '/nowhere')).toMatchObject({
      route: null,
      decision: { outcome: 'not_found' },
      status: 404,
      reason: 'no route serves /nowhere on localhost',
    });
    expect(explain(member, 'GET', '/app/../api/v1/admin/')).toMatchObject({
      decision: { outcome: 'bad_request' },
      decidedBy: 'path',
      status: 400,
    });
  });
});

describe('explainAccess on hosts, methods and optional routes', () => {
  it('chooses the route by host, as the router does', () => {
    const onDocs = explainAccess(
      custom,
      { method: 'GET', host: 'Docs.Example.com:443', path: '/guide' },
      null,
    );
    expect(onDocs).toMatchObject({
      request: { host: 'docs.example.com' },
      route: { prefix: '/', hosts: ['docs.example.com'], upstream: 'docs' },
      decision: { outcome: 'public' },
    });
    expect(onDocs.checks.find((check) => check.rule === 'hosts')).toEqual({
      rule: 'hosts',
      outcome: 'pass',
      reason: 'host docs.example.com is served here (docs.example.com)',
    });
    expect(
      explainAccess(custom, { method: 'GET', host: 'www.example.com', path: '/guide' }, null)
        .decision,
    ).toEqual({ outcome: 'not_found' });
  });

  it('refuses a method the route does not allow, even before any sign-in', () => {
    const explained = explainAccess(
      custom,
      { method: 'delete', host: 'a.test', path: '/app/reports/q1' },
      null,
    );
    expect(explained).toMatchObject({
      request: { method: 'DELETE' },
      decision: { outcome: 'deny', code: 'forbidden' },
      decidedBy: 'methods',
      reason: 'method DELETE is not allowed here (allowed: GET, HEAD)',
    });
  });

  it('holds a presented session to an optional route but lets anonymous visitors pass', () => {
    const request = { method: 'GET', host: 'a.test', path: '/account/' };
    expect(explainAccess(custom, request, null).decision).toEqual({
      outcome: 'allow',
      identity: false,
    });
    expect(explainAccess(custom, request, { ...member, emailVerified: false })).toMatchObject({
      decision: { outcome: 'deny', code: 'forbidden' },
      decidedBy: 'emailVerified',
    });
    expect(explainAccess(custom, request, { roles: ['member'], aal: 'aal1' })).toMatchObject({
      decidedBy: 'emailVerified',
    });
    expect(explainAccess(custom, request, member).decision).toEqual({
      outcome: 'allow',
      identity: true,
    });
  });

  it('never looks at a session on a public route', () => {
    const explained = explainAccess(
      custom,
      { method: 'GET', host: 'docs.example.com', path: '/' },
      admin,
    );
    expect(explained.decision).toEqual({ outcome: 'public' });
    expect(explained.checks.find((check) => check.rule === 'session')).toMatchObject({
      outcome: 'not_applicable',
    });
  });
});

describe('loadRoutesFile', () => {
  it('throws a ConfigError naming every problem of the file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'routes-'));
    const file = join(folder, 'routes.yaml');
    await writeFile(
      file,
      [
        'upstreams: { app: { url: "http://app:1" } }',
        'routes:',
        '  - { prefix: /a/, upstream: app, access: protected, allow: { roles: [admin] } }',
        '  - { prefix: /b/, upstream: app, access: protected, methods: [] }',
      ].join('\n'),
    );
    const error = await loadRoutesFile(file, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `${file}: routes.1.methods: lists no method, so nothing could pass (remove \`methods\` to allow every method)`,
      `${file}: routes.0.allow.roles.0: role admin is not declared (list every role once in \`roles:\` at the top of the file)`,
    ]);
  });

  it('interpolates the environment it is given', async () => {
    const routes = await loadRoutesFile(DEFAULT_ROUTES_FILE, {
      AUTH_UPSTREAM_URL: 'http://auth:9',
    });
    expect(routes.upstreams.auth?.url).toBe('http://auth:9');
  });
});
