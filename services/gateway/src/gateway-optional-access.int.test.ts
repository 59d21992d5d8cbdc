// `access: optional` (issue 14): a cookie, when present, is verified exactly as on a protected
// route; the request always passes, with identity only when the session holds.
import { Writable } from 'node:stream';
import { createAssertionVerifier } from '@authflow/gateway-assertion';
import { createLogger } from '@authflow/observability';
import {
  chromeOnMac,
  firefoxOnLinux,
  type RedisServerHandle,
  startRedisServer,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const IDENTITY_HEADERS = [
  'x-authflow-user-id',
  'x-authflow-email',
  'x-authflow-roles',
  'x-authflow-assertion',
];

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  },
});

let redis: RedisServerHandle;
let auth: TestUpstream;
let backend: TestUpstream;
let gateway: GatewayHarness;
let cookieName: string;

beforeAll(async () => {
  // A private Redis: the last story stops it.
  redis = await startRedisServer();
  [auth, backend] = await Promise.all([startTestUpstream(), startTestUpstream()]);
  gateway = await startGateway({
    redisUrl: redis.url,
    authUrl: auth.url,
    backendUrl: backend.url,
    // No cache: every request asks the store, so revocations and outages show at once.
    env: { GATEWAY_SESSION_CACHE_TTL_MS: '0', GATEWAY_REDIS_COMMAND_TIMEOUT_MS: '200' },
    dependencies: { logger: createLogger({ service: 'gateway', level: 'info' }, sink) },
    routes: {
      upstreams: { auth: { url: auth.url }, 'sample-backend': { url: backend.url } },
      routes: [
        {
          prefix: '/auth/',
          upstream: 'auth',
          access: 'optional',
          mode: 'browser',
          websocket: true,
        },
        { prefix: '/app/', upstream: 'sample-backend', access: 'protected' },
      ],
    },
  });
  cookieName = gateway.config.sessions.cookieName;
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([auth.close(), backend.close()]);
  await redis.stop();
});

function lastReceived(upstream: TestUpstream) {
  const request = upstream.received.at(-1);
  if (request === undefined) throw new Error('the upstream received nothing');
  return request;
}

function expectNoIdentity(upstream: TestUpstream): void {
  const { headers } = lastReceived(upstream);
  for (const name of IDENTITY_HEADERS) expect(headers[name]).toBeUndefined();
}

/** The Set-Cookie values of a response that expire the session cookie. */
function expiredCookies(headers: Record<string, string | string[] | undefined>): string[] {
  const setCookie = headers['set-cookie'] ?? [];
  return (Array.isArray(setCookie) ? setCookie : [setCookie]).filter(
    (value) => value.startsWith(`${cookieName}=;`) && /Max-Age=0/iu.test(value),
  );
}

describe('an optional route', () => {
  it('tells the upstream who a signed-in browser is, with an assertion for that upstream', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac, { roles: ['member'] });
    const response = await gateway.get('/auth/account', { ...chromeOnMac.headers, cookie });
    expect(response.status).toBe(200);
    expect(expiredCookies(response.headers)).toEqual([]);
    const { headers } = lastReceived(auth);
    expect(headers['x-authflow-user-id']).toBe(session.userId);
    expect(headers['x-authflow-email']).toBe('ada@example.com');
    expect(headers['x-authflow-roles']).toBe('member');
    // The cookie stays with the gateway: the assertion is what auth learns the caller from.
    expect(headers.cookie).toBeUndefined();

    const jwks = (await gateway.get('/.well-known/jwks.json')).json<{ keys: object[] }>();
    const verify = createAssertionVerifier({
      issuer: 'http://localhost:8000',
      audience: 'auth',
      keys: jwks,
    });
    const identity = await verify(String(headers['x-authflow-assertion']));
    expect(identity).toMatchObject({ userId: session.userId, sessionId: session.id });
    await expect(
      createAssertionVerifier({
        issuer: 'http://localhost:8000',
        audience: 'sample-backend',
        keys: jwks,
      })(String(headers['x-authflow-assertion'])),
    ).rejects.toThrow();
  });

  it('serves a visitor without a cookie, without identity, and counts no verdict for a page view', async () => {
    const unauthenticated = async (): Promise<number> =>
      Number(
        /verdicts_total\{reason="unauthenticated"\} (\d+)/u.exec(
          (await gateway.get('/metrics')).body,
        )?.[1] ?? 0,
      );
    const before = await unauthenticated();
    const response = await gateway.get('/auth/login', chromeOnMac.headers);
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expectNoIdentity(auth);
    expect(await unauthenticated()).toBe(before);
  });

  it('never passes identity headers a client made up, signed in or not', async () => {
    const forged = {
      'x-authflow-user-id': 'admin',
      'x-authflow-email': 'admin@example.com',
      'x-authflow-roles': 'admin',
      'x-authflow-assertion': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
      'x-user-id': 'admin',
      'remote-user': 'admin',
    };
    await gateway.get('/auth/login', { ...chromeOnMac.headers, ...forged });
    expectNoIdentity(auth);
    expect(lastReceived(auth).headers['x-user-id']).toBeUndefined();
    expect(lastReceived(auth).headers['remote-user']).toBeUndefined();

    const { cookie, session } = await gateway.signIn(chromeOnMac);
    await gateway.get('/auth/account', { ...chromeOnMac.headers, cookie, ...forged });
    const { headers } = lastReceived(auth);
    expect(headers['x-authflow-user-id']).toBe(session.userId);
    expect(headers['x-authflow-assertion']).not.toBe(forged['x-authflow-assertion']);
    expect(headers['remote-user']).toBeUndefined();
  });

  it('serves a forged or garbage cookie without identity and expires it', async () => {
    for (const value of ['not-a-token', 'A'.repeat(43)]) {
      const response = await gateway.get('/auth/login', {
        ...chromeOnMac.headers,
        cookie: `${cookieName}=${value}`,
      });
      expect(response.status).toBe(200);
      expect(expiredCookies(response.headers)).toHaveLength(1);
      expectNoIdentity(auth);
    }
  });

  it('serves a revoked session without identity and expires its cookie', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    await gateway.store.revoke(session.id);
    const response = await gateway.get('/auth/login', { ...chromeOnMac.headers, cookie });
    expect(response.status).toBe(200);
    expect(expiredCookies(response.headers)).toHaveLength(1);
    expectNoIdentity(auth);
  });

  it('lets a fresh session cookie from the upstream win over the expired one (sign-in over a stale cookie)', async () => {
    auth.responseHeaders = {
      'set-cookie': `${cookieName}=fresh-token; Path=/; HttpOnly; SameSite=Lax`,
    };
    try {
      const response = await gateway.send(
        'POST',
        '/auth/login',
        {
          ...chromeOnMac.headers,
          cookie: `${cookieName}=${'B'.repeat(43)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        'email=ada%40example.com',
      );
      expect(response.headers['set-cookie']).toEqual([
        `${cookieName}=fresh-token; Path=/; HttpOnly; SameSite=Lax`,
      ]);
      auth.responseHeaders = { 'set-cookie': 'theme=dark; Path=/' };
      const other = await gateway.get('/auth/login', {
        ...chromeOnMac.headers,
        cookie: `${cookieName}=${'B'.repeat(43)}`,
      });
      expect(other.headers['set-cookie']).toHaveLength(2);
      expect(expiredCookies(other.headers)).toHaveLength(1);
    } finally {
      auth.responseHeaders = {};
    }
  });

  it('revokes a session used from another device, audits it, expires the cookie and serves the page anonymously', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/auth/login', { ...firefoxOnLinux.headers, cookie });
    expect(response.status).toBe(200);
    expect(expiredCookies(response.headers)).toHaveLength(1);
    expectNoIdentity(auth);
    expect(await gateway.store.find(session.id)).toBeNull();
    expect(lines).toContainEqual(
      expect.objectContaining({
        audit: true,
        event: 'session.revoked',
        reason: 'fingerprint_mismatch',
        sessionId: session.id,
      }),
    );
    // The original browser's cookie is worth nothing now, on protected routes too.
    const app = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie,
      accept: 'application/json',
    });
    expect(app.status).toBe(401);
  });

  it('never forwards the session cookie, signed in or not; other cookies pass (issue 14)', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    await gateway.get('/auth/login', { ...chromeOnMac.headers, cookie: `theme=dark; ${cookie}` });
    expect(lastReceived(auth).headers.cookie).toBe('theme=dark');
    expect(lastReceived(auth).headers['x-authflow-assertion']).toBeDefined();
    const unknown = `${cookieName}=${'A'.repeat(43)}`;
    await gateway.get('/auth/login', { ...chromeOnMac.headers, cookie: unknown });
    expect(lastReceived(auth).headers.cookie).toBeUndefined();
    expectNoIdentity(auth);
  });

  it('ties a WebSocket opened with a good session to it: a revocation closes it', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/auth/live`, {
      headers: { ...chromeOnMac.headers, cookie },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await vi.waitFor(() => expect(auth.openSockets()).toBe(1));
    const upgrade = auth.received.filter((request) => request.method === 'UPGRADE').at(-1);
    expect(upgrade?.headers['x-authflow-user-id']).toBe(session.userId);
    const closed = new Promise<number>((resolve) =>
      socket.once('close', (code: number) => resolve(code)),
    );
    await gateway.store.revoke(session.id);
    expect(await closed).toBe(4401);
  });

  it('while Redis is down, serves the page without identity and keeps the cookie', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    await redis.kill();
    const response = await gateway.get('/auth/login', { ...chromeOnMac.headers, cookie });
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expectNoIdentity(auth);
    // A protected route fails closed meanwhile, as before.
    const app = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie,
      accept: 'application/json',
    });
    expect(app.status).toBe(503);
    // Whatever the state of the Redis breaker by now, the page still answers.
    for (let i = 0; i < 6; i += 1)
      await gateway.get('/app/x', { ...chromeOnMac.headers, cookie, accept: 'application/json' });
    const later = await gateway.get('/auth/login', { ...chromeOnMac.headers, cookie });
    expect(later.status).toBe(200);
    expect(later.headers['set-cookie']).toBeUndefined();
    expectNoIdentity(auth);
  });
});
