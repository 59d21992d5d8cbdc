import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@authflow/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTES_FILE, loadGatewayConfig } from './load-config.js';
import { parseRoutes } from './routes-file.js';
import { matchRoute } from './match-route.js';

const secret = { AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32) };

async function problemsOf(env: Record<string, string>): Promise<readonly string[]> {
  try {
    await loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadGatewayConfig', () => {
  it('loads the shipped routes with upstreams from the environment', async () => {
    const config = await loadGatewayConfig({ ...secret, AUTH_UPSTREAM_URL: 'http://auth:8001' });
    expect(config.routes.upstreams.auth?.url).toBe('http://auth:8001');
    expect(config.routes.upstreams['sample-backend']?.url).toBe('http://127.0.0.1:8002');
    expect(config.sessions.cookieName).toBe('__Host-authflow_session');
    expect(config.fingerprint.policy).toEqual({
      userAgent: 'enforce',
      language: 'enforce',
      platform: 'enforce',
      mobile: 'enforce',
      ip: 'observe',
    });
    expect(Object.isFrozen(config.routes.routes)).toBe(true);
    expect(DEFAULT_ROUTES_FILE).toMatch(/config\/routes\.yaml$/u);
  });

  it('reports a malformed REDIS_URL beside the other problems', async () => {
    const problems = await problemsOf({
      ...secret,
      GATEWAY_PORT: 'abc',
      REDIS_URL: 'redis//127.0.0.1',
    });
    expect(problems.map((problem) => problem.split(':', 1)[0]).sort()).toEqual([
      'GATEWAY_PORT',
      'REDIS_URL',
    ]);
  });

  it('reports environment and routes-file problems together', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'routes-'));
    const file = join(folder, 'routes.yaml');
    await writeFile(
      file,
      [
        'upstreams:',
        '  app: { url: "ftp://nope" }',
        'routes:',
        '  - { prefix: /app/, upstream: missing, access: protected }',
        '  - { prefix: /app/, upstream: app, access: sometimes }',
        '  - { prefix: /pub/, upstream: app, access: optional, passSessionCookie: true }',
        '  - { path: /, redirect: "//evil.example" }',
        '  - { prefix: /x/../y/, upstream: app, access: public }',
      ].join('\n'),
    );
    const problems = await problemsOf({
      GATEWAY_PORT: 'eighty',
      GATEWAY_COOKIE_SECURE: 'perhaps',
      GATEWAY_ROUTES_FILE: file,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'GATEWAY_PORT: must be a port number (0-65535)',
        'GATEWAY_COOKIE_SECURE: must be true or false',
        'AUTHFLOW_HANDOFF_SECRET: is required',
      ]),
    );
    const routeProblems = problems.filter((problem) => problem.startsWith(file));
    expect(routeProblems.length).toBeGreaterThanOrEqual(4);
    expect(routeProblems.join('\n')).toMatch(/upstreams\.app\.url/u);
    expect(routeProblems.join('\n')).toMatch(/routes\.1\.access: Invalid option/u);
    expect(routeProblems.join('\n')).toMatch(/routes\.3\.redirect: a same-origin path/u);
    expect(routeProblems.join('\n')).toMatch(/routes\.2\.passSessionCookie: was removed/u);
  });

  it('checks rules between variables once each is valid on its own', async () => {
    expect(
      await problemsOf({
        ...secret,
        AUTHFLOW_SESSION_IDLE_TTL_SECONDS: '10',
        AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: '5',
        GATEWAY_LOGIN_PATH: '//evil',
        GATEWAY_MFA_PATH: 'https://evil.example/mfa',
      }),
    ).toEqual([
      'AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: must not be shorter than AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
      'GATEWAY_LOGIN_PATH: must be a path on this origin',
      'GATEWAY_MFA_PATH: must be a path on this origin',
    ]);
  });

  it('reads the shared AUTHFLOW_* settings: lifetimes, cookie, every fingerprint part', async () => {
    const config = await loadGatewayConfig({
      ...secret,
      AUTHFLOW_SESSION_IDLE_TTL_SECONDS: '600',
      AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: '6000',
      AUTHFLOW_COOKIE_SECURE: 'false',
      AUTHFLOW_FINGERPRINT_USER_AGENT: 'observe',
      AUTHFLOW_FINGERPRINT_LANGUAGE: 'observe',
      AUTHFLOW_FINGERPRINT_PLATFORM: 'observe',
      AUTHFLOW_FINGERPRINT_MOBILE: 'observe',
      AUTHFLOW_FINGERPRINT_IP: 'enforce',
    });
    expect(config.sessions).toMatchObject({
      idleTtlMs: 600_000,
      absoluteTtlMs: 6_000_000,
      cookieSecure: false,
      cookieName: 'authflow_session',
    });
    expect(config.fingerprint.policy).toEqual({
      userAgent: 'observe',
      language: 'observe',
      platform: 'observe',
      mobile: 'observe',
      ip: 'enforce',
    });
    expect(config.deprecations).toEqual([]);
  });

  it('still reads the old GATEWAY_* names for one release, returning a deprecation for each', async () => {
    const config = await loadGatewayConfig({
      ...secret,
      GATEWAY_SESSION_IDLE_TTL_SECONDS: '600',
      GATEWAY_COOKIE_SECURE: 'false',
      GATEWAY_FINGERPRINT_USER_AGENT: 'observe',
    });
    expect(config.sessions).toMatchObject({ idleTtlMs: 600_000, cookieSecure: false });
    expect(config.fingerprint.policy.userAgent).toBe('observe');
    expect(config.deprecations.map(({ name, replacement }) => `${name} → ${replacement}`)).toEqual([
      'GATEWAY_SESSION_IDLE_TTL_SECONDS → AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
      'GATEWAY_COOKIE_SECURE → AUTHFLOW_COOKIE_SECURE',
      'GATEWAY_FINGERPRINT_USER_AGENT → AUTHFLOW_FINGERPRINT_USER_AGENT',
    ]);
  });

  it('refuses an old and a new name that disagree, beside the routes-file problems', async () => {
    expect(
      await problemsOf({
        ...secret,
        GATEWAY_FINGERPRINT_IP: 'enforce',
        AUTHFLOW_FINGERPRINT_IP: 'observe',
        GATEWAY_ROUTES_FILE: '/does/not/exist.yaml',
      }),
    ).toEqual([
      'GATEWAY_FINGERPRINT_IP: deprecated name of AUTHFLOW_FINGERPRINT_IP, which is set to a different value; set only AUTHFLOW_FINGERPRINT_IP',
      'routes file /does/not/exist.yaml: cannot be read (ENOENT)',
    ]);
  });

  it('reads GATEWAY_LOGOUT_PATH (the 403 page link) and refuses one that is not a plain path', async () => {
    const config = await loadGatewayConfig({ ...secret, GATEWAY_LOGOUT_PATH: '/sso/sign-out' });
    expect(config.handoff.logoutPath).toBe('/sso/sign-out');
    expect((await loadGatewayConfig(secret)).handoff.logoutPath).toBe('/auth/logout');
    for (const path of ['//evil.example/', '/out?x="><b>', 'https://evil.example/'])
      expect(await problemsOf({ ...secret, GATEWAY_LOGOUT_PATH: path })).not.toEqual([]);
  });

  it('names an unreadable or unparseable routes file', async () => {
    expect(await problemsOf({ ...secret, GATEWAY_ROUTES_FILE: '/does/not/exist.yaml' })).toEqual([
      'routes file /does/not/exist.yaml: cannot be read (ENOENT)',
    ]);
    const folder = await mkdtemp(join(tmpdir(), 'routes-'));
    await writeFile(join(folder, 'r.json'), '{ not json');
    expect(
      (await problemsOf({ ...secret, GATEWAY_ROUTES_FILE: join(folder, 'r.json') }))[0],
    ).toMatch(/not valid JSON/u);
  });
});

describe('routes file', () => {
  const base = {
    upstreams: { app: { url: 'http://app:1/' } },
    routes: [{ prefix: '/app/', upstream: 'app', access: 'public' }],
  };

  it('fills defaults and trims the upstream URL', () => {
    const parsed = parseRoutes(base, {});
    expect(parsed.ok && parsed.routes.upstreams.app).toMatchObject({
      url: 'http://app:1',
      connections: 128,
      timeoutMs: 30_000,
    });
    expect(parsed.ok && parsed.routes.routes[0]).toMatchObject({ mode: 'auto', websocket: false });
  });

  it('interpolates the environment and reports unset variables', () => {
    const withVar = { ...base, upstreams: { app: { url: '${APP_URL}' } } };
    expect(parseRoutes(withVar, { APP_URL: 'http://from-env:2' })).toMatchObject({ ok: true });
    expect(parseRoutes(withVar, {})).toMatchObject({
      ok: false,
      problems: expect.arrayContaining(['routes: ${APP_URL} is used but not set']),
    });
  });

  it('checks references between routes and upstreams', () => {
    const routes = [
      { prefix: '/a/', upstream: 'missing', access: 'public' },
      { prefix: '/b/', upstream: 'app', access: 'protected' },
    ];
    expect(parseRoutes({ ...base, routes }, {})).toEqual({
      ok: false,
      problems: ['routes: routes.0.upstream: unknown upstream missing'],
    });
  });

  it('refuses the same prefix twice and unknown keys', () => {
    const twice = { ...base, routes: [...base.routes, ...base.routes] };
    expect(parseRoutes(twice, {})).toMatchObject({
      ok: false,
      problems: [
        'routes: routes.1: /app/ is also covered by routes.0 (listed twice); routes with the same prefix must list hosts that do not overlap',
      ],
    });
    expect(parseRoutes({ ...base, extra: true }, {})).toMatchObject({ ok: false });
  });

  it('refuses passSessionCookie, saying it was removed and to use access: optional', () => {
    const routes = [
      { prefix: '/auth/', upstream: 'app', access: 'optional', passSessionCookie: true },
      { prefix: '/pub/', upstream: 'app', access: 'public', passSessionCookie: false },
      { prefix: '/app/', upstream: 'app', access: 'protected', passSessionCookie: true, x: 1 },
    ];
    const removed =
      'was removed (issue 14): the session cookie is never forwarded to an upstream; use `access: optional` to tell the upstream who is calling (a signed x-authflow-assertion)';
    expect(parseRoutes({ ...base, routes }, {})).toEqual({
      ok: false,
      problems: [
        `routes: routes.0.passSessionCookie: ${removed}`,
        `routes: routes.1.passSessionCookie: ${removed}`,
        `routes: routes.2.passSessionCookie: ${removed}`,
        'routes: routes.2: Unrecognized key: "x"',
      ],
    });
  });

  it('accepts optional routes', () => {
    const routes = [{ prefix: '/auth/', upstream: 'app', access: 'optional' }];
    const parsed = parseRoutes({ ...base, routes }, {});
    expect(parsed.ok && parsed.routes.routes[0]).toMatchObject({ access: 'optional' });
  });

  it('reads aal on protected and optional routes, leaving it unset elsewhere', () => {
    const routes = [
      { prefix: '/admin/', upstream: 'app', access: 'protected', aal: 'aal2' },
      { prefix: '/auth/security/', upstream: 'app', access: 'optional', aal: 'aal2' },
      { prefix: '/app/', upstream: 'app', access: 'protected', aal: 'aal1' },
      { prefix: '/other/', upstream: 'app', access: 'protected' },
    ];
    const parsed = parseRoutes({ ...base, routes }, {});
    expect(
      parsed.ok &&
        parsed.routes.routes.map((route) => ('upstream' in route ? route.aal : 'redirect')),
    ).toEqual(['aal2', 'aal2', 'aal1', undefined]);
  });

  it('refuses aal on a public route, and a level that does not exist, saying why', () => {
    const routes = [
      { prefix: '/pub/', upstream: 'app', access: 'public', aal: 'aal2' },
      { prefix: '/app/', upstream: 'app', access: 'protected', aal: 'aal3' },
    ];
    expect(parseRoutes({ ...base, routes }, {})).toEqual({
      ok: false,
      problems: [
        'routes: routes.0.aal: applies to protected and optional routes only: a public route never looks at the session (remove aal, or make the route protected)',
        expect.stringMatching(/^routes: routes\.1\.aal: Invalid option/u),
      ],
    });
  });

  it('ships the auth routes as optional or protected, none of them public', async () => {
    const config = await loadGatewayConfig(secret);
    const access = Object.fromEntries(
      config.routes.routes.flatMap((route) =>
        'upstream' in route && route.upstream === 'auth' ? [[route.prefix, route.access]] : [],
      ),
    );
    expect(access).toEqual({
      '/auth/': 'optional',
      '/api/v1/simple_auth/': 'optional',
      '/api/v1/simple_auth/sessions': 'protected',
      '/api/v1/simple_auth/me': 'protected',
      '/api/v1/simple_auth/account': 'protected',
      '/api/v1/admin/': 'protected',
    });
  });

  it('reads body limits, queue bounds and what the breaker counts', () => {
    const defaults = parseRoutes(base, {});
    expect(defaults.ok && defaults.routes.upstreams.app?.breaker.countServerErrors).toBe(true);
    expect(defaults.ok && defaults.routes.upstreams.app?.maxQueued).toBeUndefined();
    const tuned = parseRoutes(
      {
        upstreams: {
          app: { url: 'http://app:1', maxQueued: 4, breaker: { countServerErrors: false } },
        },
        routes: [{ prefix: '/app/', upstream: 'app', access: 'public', maxBodyBytes: 65_536 }],
      },
      {},
    );
    expect(tuned.ok && tuned.routes.upstreams.app).toMatchObject({
      maxQueued: 4,
      breaker: { countServerErrors: false, volumeThreshold: 10 },
    });
    expect(tuned.ok && tuned.routes.routes[0]).toMatchObject({ maxBodyBytes: 65_536 });
    const wrong = parseRoutes(
      {
        upstreams: { app: { url: 'http://app:1', maxQueued: -1 } },
        routes: [{ prefix: '/app/', upstream: 'app', access: 'public', maxBodyBytes: 'big' }],
      },
      {},
    );
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.problems.join('\n')).toMatch(/upstreams\.app\.maxQueued/u);
    expect(!wrong.ok && wrong.problems.join('\n')).toMatch(/routes\.0\.maxBodyBytes/u);
  });

  it('ships auth routes that refuse bodies over 64 KiB', async () => {
    const config = await loadGatewayConfig(secret);
    const authRoutes = config.routes.routes.filter(
      (route) => 'upstream' in route && route.upstream === 'auth',
    );
    expect(authRoutes.length).toBeGreaterThan(0);
    for (const route of authRoutes) expect(route).toMatchObject({ maxBodyBytes: 65_536 });
  });
});

describe('matchRoute', () => {
  const routes = [
    { prefix: '/api/', upstream: 'a' },
    { prefix: '/api/sessions', upstream: 'b' },
    { prefix: '/app/', upstream: 'c' },
  ].map(
    (route) =>
      ({
        ...route,
        access: 'public',
        mode: 'auto',
        websocket: false,
      }) as const,
  );

  it.each([
    ['/api/signin', 'a'],
    ['/api/sessions', 'b'],
    ['/api/sessions/123', 'b'],
    ['/api/sessionsX', 'a'],
    ['/app', 'c'],
    ['/application', undefined],
  ])('%s → %s', (path, upstream) => {
    expect(matchRoute(routes, path, 'app.example')?.upstream).toBe(upstream);
  });
});
