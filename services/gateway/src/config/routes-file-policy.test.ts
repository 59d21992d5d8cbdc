// The policy fields of the routes file: what they read as, and every way a file is refused at start.
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './load-config.js';
import { parseRoutes, type ProxyRoute } from './routes-file.js';

const upstreams = { app: { url: 'http://app:1' } };
const route = (fields: Record<string, unknown>) => ({
  prefix: '/app/',
  upstream: 'app',
  access: 'protected',
  ...fields,
});

function problemsOf(file: Record<string, unknown>): string[] {
  const parsed = parseRoutes({ upstreams, ...file }, {});
  return parsed.ok ? [] : parsed.problems;
}

function routesOf(file: Record<string, unknown>): ProxyRoute[] {
  const parsed = parseRoutes({ upstreams, ...file }, {});
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.routes.routes.filter((entry): entry is ProxyRoute => 'upstream' in entry);
}

describe('policy fields', () => {
  it('reads allow (anyOf by default), methods upper-cased, hosts normalised, emailVerified', () => {
    const [first, second] = routesOf({
      roles: ['admin', 'billing', 'member'],
      routes: [
        route({
          allow: { roles: ['admin', 'billing'] },
          methods: ['get', 'Head', 'GET'],
          hosts: ['Admin.Example.COM.', '*.example.com'],
          emailVerified: true,
        }),
        route({ prefix: '/billing/', allow: { roles: ['billing'], match: 'allOf' } }),
      ],
    });
    expect(first).toMatchObject({
      allow: { roles: ['admin', 'billing'], match: 'anyOf' },
      methods: ['GET', 'HEAD'],
      hosts: ['admin.example.com', '*.example.com'],
      emailVerified: true,
    });
    // allOf with a single role is a plain requirement, not a mistake.
    expect(second?.allow).toEqual({ roles: ['billing'], match: 'allOf' });
  });

  it('leaves a route without policy fields as it was', () => {
    const [plain] = routesOf({ routes: [route({})] });
    expect(plain).not.toHaveProperty('allow');
    expect(plain).not.toHaveProperty('methods');
    expect(plain).not.toHaveProperty('hosts');
  });

  it('accepts methods and hosts on a public route (they hold for everyone)', () => {
    const [open] = routesOf({
      routes: [route({ access: 'public', methods: ['GET'], hosts: ['docs.example.com'] })],
    });
    expect(open).toMatchObject({ methods: ['GET'], hosts: ['docs.example.com'] });
  });

  it('accepts a policy on an optional route', () => {
    const [optional] = routesOf({
      roles: ['admin'],
      routes: [route({ access: 'optional', allow: { roles: ['admin'] }, emailVerified: true })],
    });
    expect(optional).toMatchObject({ access: 'optional', allow: { roles: ['admin'] } });
  });

  it('accepts routes at one prefix whose hosts do not overlap', () => {
    const routes = routesOf({
      routes: [
        route({ hosts: ['a.example.com'] }),
        route({ hosts: ['b.example.com', '*.other.test'], access: 'public' }),
        route({ prefix: '/app', hosts: ['other.test'] }),
      ],
    });
    expect(routes).toHaveLength(3);
  });
});

describe('a routes file refused at start', () => {
  it.each([
    [
      'an allow with no role',
      { roles: ['admin'], routes: [route({ allow: { roles: [] } })] },
      'routes: routes.0.allow.roles: lists no role, so nobody could pass (remove `allow` to admit every signed-in user)',
    ],
    [
      'a role that is not declared',
      { roles: ['admin'], routes: [route({ allow: { roles: ['admin', 'auditor'] } })] },
      'routes: routes.0.allow.roles.1: role auditor is not declared (list every role once in `roles:` at the top of the file)',
    ],
    [
      'a role with no roles declaration at all',
      { routes: [route({ allow: { roles: ['admin'] } })] },
      'routes: routes.0.allow.roles.0: role admin is not declared (list every role once in `roles:` at the top of the file)',
    ],
    [
      'an unknown match',
      { roles: ['admin'], routes: [route({ allow: { roles: ['admin'], match: 'noneOf' } })] },
      expect.stringMatching(/^routes: routes\.0\.allow\.match: Invalid option/u),
    ],
    [
      'an empty methods list',
      { routes: [route({ methods: [] })] },
      'routes: routes.0.methods: lists no method, so nothing could pass (remove `methods` to allow every method)',
    ],
    [
      'a method the gateway does not proxy',
      { routes: [route({ methods: ['GET', 'PROPFIND'] })] },
      'routes: routes.0.methods.1: PROPFIND is not a method the gateway proxies (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)',
    ],
    [
      'an empty hosts list',
      { routes: [route({ hosts: [] })] },
      'routes: routes.0.hosts: lists no host, so the route could never match (remove `hosts` to serve every host)',
    ],
    [
      'a host with a port',
      { routes: [route({ hosts: ['example.com:8443'] })] },
      'routes: routes.0.hosts.0: example.com:8443 is not a host name (example.com or *.example.com: no scheme, port or path)',
    ],
    [
      'a URL for a host',
      { routes: [route({ hosts: ['https://example.com/'] })] },
      'routes: routes.0.hosts.0: https://example.com/ is not a host name (example.com or *.example.com: no scheme, port or path)',
    ],
    [
      'a bare wildcard',
      { routes: [route({ hosts: ['*'] })] },
      'routes: routes.0.hosts.0: * is not a host name (example.com or *.example.com: no scheme, port or path)',
    ],
    [
      'a wildcard inside a name',
      { routes: [route({ hosts: ['api.*.example.com'] })] },
      'routes: routes.0.hosts.0: api.*.example.com is not a host name (example.com or *.example.com: no scheme, port or path)',
    ],
    [
      'emailVerified: false',
      { routes: [route({ emailVerified: false })] },
      'routes: routes.0.emailVerified: can only be `true` (remove it to admit sessions whose address is not verified)',
    ],
    [
      'allow on a public route',
      { roles: ['admin'], routes: [route({ access: 'public', allow: { roles: ['admin'] } })] },
      'routes: routes.0.allow: applies to protected and optional routes only: a public route never looks at the session (remove allow, or make the route protected)',
    ],
    [
      'emailVerified on a public route',
      { routes: [route({ access: 'public', emailVerified: true })] },
      'routes: routes.0.emailVerified: applies to protected and optional routes only: a public route never looks at the session (remove emailVerified, or make the route protected)',
    ],
    [
      'a role name that is not one',
      { roles: ['Admin'], routes: [route({})] },
      expect.stringMatching(/^routes: roles\.0: a role name: lower-case letters/u),
    ],
  ])('%s', (_name, file, problem) => {
    expect(problemsOf(file)).toEqual([problem]);
  });

  it.each([
    [
      'a route for every host and one for a host, at one prefix',
      [route({}), route({ hosts: ['admin.example.com'], allow: undefined, methods: ['GET'] })],
      'routes: routes.1: /app/ on admin.example.com is also covered by routes.0 (with a different methods); routes with the same prefix must list hosts that do not overlap',
    ],
    [
      'a wildcard that covers a named host, at one prefix',
      [
        route({ hosts: ['*.example.com'] }),
        route({ hosts: ['admin.example.com'], access: 'public' }),
      ],
      'routes: routes.1: /app/ on admin.example.com is also covered by routes.0 (with a different access); routes with the same prefix must list hosts that do not overlap',
    ],
    [
      'nested wildcards',
      [route({ hosts: ['*.example.com'] }), route({ hosts: ['*.eu.example.com'] })],
      'routes: routes.1: /app/ on *.eu.example.com is also covered by routes.0 (listed twice); routes with the same prefix must list hosts that do not overlap',
    ],
    [
      'a prefix with and without its trailing slash',
      [route({}), route({ prefix: '/app', upstream: 'other' })],
      'routes: routes.1: /app is also covered by routes.0 (with a different upstream); routes with the same prefix must list hosts that do not overlap',
    ],
    [
      'a redirect and a host-bound route at one path',
      [{ path: '/', redirect: '/app/' }, route({ prefix: '/', hosts: ['docs.example.com'] })],
      'routes: routes.1: / on docs.example.com is also covered by routes.0 (one redirects, the other proxies); routes with the same prefix must list hosts that do not overlap',
    ],
  ])('overlapping routes: %s', (_name, routes, problem) => {
    const file = { upstreams: { ...upstreams, other: { url: 'http://other:1' } }, routes };
    expect(parseRoutes(file, {})).toEqual({ ok: false, problems: [problem] });
  });

  it('lists every problem at once, across routes, roles and upstreams', () => {
    const problems = problemsOf({
      roles: ['admin', 'Bad Role'],
      routes: [
        route({ methods: ['GET', 'FETCH'] }),
        route({ prefix: '/admin/', allow: { roles: ['admin', 'root'] }, aal: 'aal2' }),
        route({ prefix: '/pub/', access: 'public', allow: { roles: ['admin'] } }),
        route({ prefix: '/admin/', hosts: ['admin.example.com'] }),
        route({ prefix: '/x/', upstream: 'nowhere', hosts: ['bad host'] }),
        route({ prefix: '/y/', upstream: 'nowhere' }),
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^routes: roles\.1: a role name/u),
      'routes: routes.0.methods.1: FETCH is not a method the gateway proxies (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)',
      expect.stringMatching(
        /^routes: routes\.2\.allow: applies to protected and optional routes only/u,
      ),
      expect.stringMatching(/^routes: routes\.4\.hosts\.0: bad host is not a host name/u),
      'routes: routes.1.allow.roles.1: role root is not declared (list every role once in `roles:` at the top of the file)',
      'routes: routes.5.upstream: unknown upstream nowhere',
      'routes: routes.3: /admin/ on admin.example.com is also covered by routes.1 (with a different allow, aal); routes with the same prefix must list hosts that do not overlap',
    ]);
  });
});

describe('the shipped routes file', () => {
  it('declares the roles and puts the admin API behind role admin and aal2', async () => {
    const config = await loadGatewayConfig({ AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32) });
    expect(config.routes.roles).toEqual(['admin', 'member']);
    const adminApi = config.routes.routes.find(
      (entry) => 'prefix' in entry && entry.prefix === '/api/v1/admin/',
    );
    expect(adminApi).toMatchObject({
      upstream: 'auth',
      access: 'protected',
      mode: 'api',
      allow: { roles: ['admin'], match: 'anyOf' },
      aal: 'aal2',
      maxBodyBytes: 65_536,
    });
  });
});
