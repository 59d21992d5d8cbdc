// Step-up (issue 15): a route may require `aal: aal2`. An aal1 browser is sent to the second-factor
// challenge, an API client gets 403 mfa_required; once auth elevates the session (new token, old
// id revoked), the new cookie passes with aal2 in the assertion and the old one is dead on every
// gateway at once, warm caches included.
import { createAssertionVerifier } from '@authflow/gateway-assertion';
import { verifyHandoff } from '@authflow/handoff';
import { type SessionRecord, sessionKeys } from '@authflow/sessions';
import {
  chromeOnMac,
  type Response,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  type GatewayHarness,
  startGateway,
  TEST_HANDOFF_SECRET,
} from './testing/gateway-harness.js';

/** What Chrome sends for a navigation. */
const navigation = {
  ...chromeOnMac.headers,
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
};
const api = { ...chromeOnMac.headers, accept: 'application/json' };
const stepUp = { aal: 'aal2', amr: ['pwd', 'otp'] } as const;

const redisUrl = inject('redisUrl');
let backend: TestUpstream;
let auth: TestUpstream;
let first: GatewayHarness;
let second: GatewayHarness;

beforeAll(async () => {
  [backend, auth] = await Promise.all([startTestUpstream(), startTestUpstream()]);
  const routes = {
    upstreams: { auth: { url: auth.url }, 'sample-backend': { url: backend.url } },
    routes: [
      { prefix: '/auth/', upstream: 'auth', access: 'optional', mode: 'browser' },
      {
        prefix: '/auth/security/',
        upstream: 'auth',
        access: 'optional',
        mode: 'browser',
        aal: 'aal2',
      },
      { prefix: '/app/', upstream: 'sample-backend', access: 'protected', websocket: true },
      {
        prefix: '/app/admin/',
        upstream: 'sample-backend',
        access: 'protected',
        websocket: true,
        aal: 'aal2',
      },
      {
        prefix: '/api/admin',
        upstream: 'sample-backend',
        access: 'protected',
        mode: 'api',
        aal: 'aal2',
      },
    ],
  };
  // Two replicas sharing one Redis, with caches that only a revocation message can empty.
  const env = { GATEWAY_SESSION_CACHE_TTL_MS: '30000' };
  [first, second] = await Promise.all([
    startGateway({ redisUrl, routes, env }),
    startGateway({ redisUrl, routes, env }),
  ]);
  await vi.waitFor(async () => {
    expect((await first.get('/health/ready')).status).toBe(200);
    expect((await second.get('/health/ready')).status).toBe(200);
  });
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
  await Promise.all([backend.close(), auth.close()]);
});

/** The path `next` of a challenge or login URL hands back to, once verified. */
function handedBackTo(location: unknown, page: string): string | undefined {
  const url = new URL(String(location), 'http://gateway.invalid');
  expect(url.pathname).toBe(page);
  const verdict = verifyHandoff(url.searchParams.get('next') ?? '', TEST_HANDOFF_SECRET);
  return verdict.ok ? verdict.path : undefined;
}

function expiredCookie(headers: Response['headers']): boolean {
  return String(headers['set-cookie'] ?? '').includes('Max-Age=0');
}

function lastAssertion(upstream: TestUpstream): string {
  return String(upstream.received.at(-1)?.headers['x-authflow-assertion']);
}

async function revocationsReceived(gateway: GatewayHarness): Promise<number> {
  const metrics = (await gateway.get('/metrics')).body;
  return Number(/authflow_gateway_revocations_received_total (\d+)/u.exec(metrics)?.[1] ?? 0);
}

async function elevate(gateway: GatewayHarness, session: SessionRecord) {
  const elevated = await gateway.store.elevate(session.id, { ...stepUp, mfaAt: Date.now() });
  if (elevated === null) throw new Error('a live session was not elevated');
  return {
    ...elevated,
    cookie: `${gateway.config.sessions.cookieName}=${elevated.token}`,
  };
}

describe('a route that requires aal2', () => {
  it('sends an aal1 browser to the challenge, with a signed next back to where it was going', async () => {
    const { cookie } = await first.signIn(chromeOnMac);
    const proxied = backend.received.length;
    const response = await first.get('/app/admin/reports?year=2026', { ...navigation, cookie });
    expect(response.status).toBe(302);
    expect(handedBackTo(response.headers.location, '/auth/mfa')).toBe(
      '/app/admin/reports?year=2026',
    );
    expect(response.headers['x-authflow-error']).toBe('mfa_required');
    // The session is fine, only short of the route's level: its cookie stays.
    expect(expiredCookie(response.headers)).toBe(false);
    expect(backend.received.length).toBe(proxied);
  });

  it('answers API clients, scripts and non-GET requests 403 mfa_required with the challenge URL', async () => {
    const { cookie } = await first.signIn(chromeOnMac);
    const proxied = backend.received.length;
    const cases = [
      first.get('/app/admin/reports', { ...api, cookie }),
      first.get('/app/admin/reports', { ...chromeOnMac.headers, cookie, 'sec-fetch-mode': 'cors' }),
      first.send('POST', '/app/admin/reports', { ...navigation, cookie }),
      // An api-mode route never redirects, even a navigation.
      first.get('/api/admin/users', { ...navigation, cookie }),
    ];
    for (const response of await Promise.all(cases)) {
      expect(response.status).toBe(403);
      expect(response.headers['x-authflow-error']).toBe('mfa_required');
      const { error } = response.json<{ error: { code: string; mfa_url: string } }>();
      expect(error.code).toBe('mfa_required');
      expect(handedBackTo(error.mfa_url, '/auth/mfa')).toMatch(/^\/(app|api)\/admin\//u);
      expect(expiredCookie(response.headers)).toBe(false);
    }
    expect(backend.received.length).toBe(proxied);
  });

  it('lets the aal1 session through routes that do not ask for more', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    const response = await first.get('/app/reports', { ...api, cookie });
    expect(response.status).toBe(200);
    expect(decodeJwt(lastAssertion(backend))).toMatchObject({
      sid: session.id,
      aal: 'aal1',
      acr: 'aal1',
      amr: ['pwd'],
    });
  });

  it('asserts the amr of a session stored before amr was (issue 15): pwd', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    await first.redis.hdel(sessionKeys().session(session.id), 'amr', 'mfa_at');
    expect((await first.get('/app/legacy', { ...api, cookie })).status).toBe(200);
    expect(decodeJwt(lastAssertion(backend))).toMatchObject({ aal: 'aal1', amr: ['pwd'] });
  });

  it('refuses an aal1 WebSocket upgrade with 403 and lets the elevated session open it', async () => {
    const { cookie, session } = await second.signIn(chromeOnMac);
    const upgrade = (withCookie: string) =>
      new Promise<{ status: number; socket: WebSocket }>((resolve, reject) => {
        const socket = new WebSocket(`${second.url.replace('http', 'ws')}/app/admin/live`, {
          headers: { ...chromeOnMac.headers, cookie: withCookie },
        });
        socket.once('unexpected-response', (_request, response) =>
          resolve({ status: response.statusCode ?? 0, socket }),
        );
        socket.once('open', () => resolve({ status: 101, socket }));
        socket.once('error', reject);
      });
    const refused = await upgrade(cookie);
    expect(refused.status).toBe(403);
    refused.socket.terminate();
    const elevated = await elevate(second, session);
    const { status, socket } = await upgrade(elevated.cookie);
    expect(status).toBe(101);
    await vi.waitFor(() => {
      const opened = backend.received.filter((request) => request.method === 'UPGRADE').at(-1);
      expect(decodeJwt(String(opened?.headers['x-authflow-assertion']))).toMatchObject({
        sid: elevated.session.id,
        aal: 'aal2',
      });
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.close();
    await closed;
  });
});

describe('after a step-up', () => {
  it('passes the new cookie at aal2 and refuses the pre-upgrade cookie at once on every gateway', async () => {
    const { cookie: oldCookie, session } = await first.signIn(chromeOnMac);
    // Both replicas hold the aal1 session in their caches (30 s: only a message evicts it).
    for (const gateway of [first, second]) {
      for (let i = 0; i < 2; i += 1)
        expect((await gateway.get('/app/warm', { ...api, cookie: oldCookie })).status).toBe(200);
      expect((await gateway.get('/app/admin/x', { ...api, cookie: oldCookie })).status).toBe(403);
    }
    const before = await Promise.all([first, second].map(revocationsReceived));

    // What auth does once the challenge succeeds.
    const elevated = await elevate(first, session);
    expect(elevated.session).toMatchObject({
      userId: session.userId,
      aal: 'aal2',
      amr: ['pwd', 'otp'],
      createdAt: session.createdAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
    });
    await vi.waitFor(
      async () => {
        const after = await Promise.all([first, second].map(revocationsReceived));
        expect(after.every((count, index) => count > (before[index] ?? 0))).toBe(true);
      },
      { timeout: 2_000, interval: 5 },
    );

    const proxied = backend.received.length;
    for (const gateway of [first, second]) {
      const stale = await gateway.get('/app/warm', { ...api, cookie: oldCookie });
      expect(stale.status).toBe(401);
      expect(stale.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
      expect(expiredCookie(stale.headers)).toBe(true);
      // A browser with the old cookie signs in again; it is not offered the challenge.
      const navigated = await gateway.get('/app/admin/x', { ...navigation, cookie: oldCookie });
      expect(navigated.status).toBe(302);
      expect(handedBackTo(navigated.headers.location, '/auth/login')).toBe('/app/admin/x');
    }
    expect(backend.received.length).toBe(proxied);

    for (const gateway of [first, second]) {
      const response = await gateway.get('/app/admin/reports', { ...api, cookie: elevated.cookie });
      expect(response.status).toBe(200);
      const jwks = (await gateway.get('/.well-known/jwks.json')).json<{ keys: object[] }>();
      const identity = await createAssertionVerifier({
        issuer: gateway.config.assertion.issuer,
        audience: 'sample-backend',
        keys: jwks,
      })(lastAssertion(backend));
      expect(identity).toMatchObject({
        userId: session.userId,
        sessionId: elevated.session.id,
        amr: ['pwd', 'otp'],
      });
      expect(decodeJwt(lastAssertion(backend))).toMatchObject({ aal: 'aal2', acr: 'aal2' });
    }
  });

  it('closes the WebSockets of the pre-upgrade session (its id is revoked)', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    const socket = new WebSocket(`${second.url.replace('http', 'ws')}/app/live`, {
      headers: { ...chromeOnMac.headers, cookie },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) =>
      socket.once('close', (code: number) => resolve(code)),
    );
    await elevate(first, session);
    expect(await closed).toBe(4401);
  });
});

describe('aal on an optional route', () => {
  it('passes anonymous visitors, sends an aal1 session to the challenge, and attaches an aal2 one', async () => {
    const anonymous = await first.get('/auth/security/', navigation);
    expect(anonymous.status).toBe(200);
    expect(auth.received.at(-1)?.headers['x-authflow-assertion']).toBeUndefined();

    const { cookie, session } = await first.signIn(chromeOnMac);
    const proxied = auth.received.length;
    const short = await first.get('/auth/security/', { ...navigation, cookie });
    expect(short.status).toBe(302);
    expect(handedBackTo(short.headers.location, '/auth/mfa')).toBe('/auth/security/');
    expect(auth.received.length).toBe(proxied);
    // The rest of /auth/ (the challenge page itself) still serves the aal1 session.
    expect((await first.get('/auth/mfa', { ...navigation, cookie })).status).toBe(200);
    expect(decodeJwt(lastAssertion(auth))).toMatchObject({ sid: session.id, aal: 'aal1' });

    const elevated = await elevate(first, session);
    const raised = await first.get('/auth/security/', { ...navigation, cookie: elevated.cookie });
    expect(raised.status).toBe(200);
    expect(decodeJwt(lastAssertion(auth))).toMatchObject({
      sid: elevated.session.id,
      aal: 'aal2',
      amr: ['pwd', 'otp'],
    });
  });
});

describe('GET /verify on a route that requires aal2', () => {
  it('answers an aal1 session 403 mfa_required with the challenge in Location', async () => {
    const { cookie } = await first.signIn(chromeOnMac);
    const response = await first.get('/verify', {
      ...chromeOnMac.headers,
      cookie,
      'x-original-uri': '/app/admin/reports?q=1',
      'x-original-method': 'GET',
    });
    expect(response.status).toBe(403);
    expect(response.headers['x-authflow-error']).toBe('mfa_required');
    expect(handedBackTo(response.headers.location, '/auth/mfa')).toBe('/app/admin/reports?q=1');
    expect(response.json<{ error: { code: string } }>().error.code).toBe('mfa_required');
    expect(response.headers['x-authflow-assertion']).toBeUndefined();

    const elsewhere = await first.get('/verify', {
      ...chromeOnMac.headers,
      cookie,
      'x-original-uri': '/app/reports',
    });
    expect(elsewhere.status).toBe(200);
  });

  it('answers the elevated session 200 with an aal2 assertion', async () => {
    const { session } = await first.signIn(chromeOnMac);
    const elevated = await elevate(first, session);
    const response = await first.get('/verify', {
      ...chromeOnMac.headers,
      cookie: elevated.cookie,
      'x-forwarded-uri': '/app/admin/reports',
      'x-forwarded-method': 'POST',
    });
    expect(response.status).toBe(200);
    expect(decodeJwt(String(response.headers['x-authflow-assertion']))).toMatchObject({
      aud: 'sample-backend',
      aal: 'aal2',
      amr: ['pwd', 'otp'],
    });
  });
});

describe('GATEWAY_MFA_PATH', () => {
  it('sends browsers to the configured challenge page', async () => {
    const gateway = await startGateway({
      redisUrl,
      backendUrl: backend.url,
      env: { GATEWAY_MFA_PATH: '/sso/step-up' },
      routes: {
        upstreams: { 'sample-backend': { url: backend.url } },
        routes: [{ prefix: '/app/', upstream: 'sample-backend', access: 'protected', aal: 'aal2' }],
      },
    });
    try {
      const { cookie } = await gateway.signIn(chromeOnMac);
      const response = await gateway.get('/app/', { ...navigation, cookie });
      expect(response.status).toBe(302);
      expect(handedBackTo(response.headers.location, '/sso/step-up')).toBe('/app/');
    } finally {
      await gateway.close();
    }
  });
});
