import { verifyHandoff } from '@authflow/handoff';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, startTestUpstream, type TestUpstream } from '@authflow/testing';
import {
  type GatewayHarness,
  startGateway,
  TEST_HANDOFF_SECRET,
} from './testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
let backend: TestUpstream;
let auth: TestUpstream;
let gateway: GatewayHarness;

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  [backend, auth] = await Promise.all([startTestUpstream(), startTestUpstream()]);
  gateway = await startGateway({ redisUrl, authUrl: auth.url, backendUrl: backend.url });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([backend.close(), auth.close()]);
});

function lastReceived(upstream: TestUpstream) {
  const request = upstream.received.at(-1);
  if (request === undefined) throw new Error('the upstream received nothing');
  return request;
}

describe('a verified session', () => {
  it('reaches the upstream with identity headers and a verifiable assertion, and nothing forged', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac, { roles: ['admin', 'member'] });
    const response = await gateway.get('/app/reports?year=2026', {
      ...chromeOnMac.headers,
      cookie: `theme=dark; ${cookie}; lang=en`,
      'x-authflow-user-id': 'someone-else',
      'x-authflow-assertion': 'forged',
      'x-authflow-custom': 'whatever',
      'x-user-id': 'legacy-forged',
      'x-forwarded-user': 'mallory',
      'remote-user': 'mallory',
      'x-forwarded-for': '6.6.6.6',
    });
    expect(response.status).toBe(200);
    const received = lastReceived(backend);
    expect(received.url).toBe('/app/reports?year=2026');
    expect(received.headers['x-authflow-user-id']).toBe(session.userId);
    expect(received.headers['x-authflow-email']).toBe('ada@example.com');
    expect(received.headers['x-authflow-roles']).toBe('admin,member');
    expect(received.headers['x-authflow-custom']).toBeUndefined();
    for (const legacy of ['x-user-id', 'x-forwarded-user', 'remote-user'])
      expect(received.headers[legacy]).toBeUndefined();
    expect(received.headers.cookie).toBe('theme=dark; lang=en');
    // The client is not a trusted proxy: its X-Forwarded-For is replaced, not extended.
    expect(received.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(received.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/u);

    const jwks = await gateway.get('/.well-known/jwks.json');
    expect(jwks.headers['content-type']).toContain('application/jwk-set+json');
    const { payload, protectedHeader } = await jwtVerify(
      String(received.headers['x-authflow-assertion']),
      createLocalJWKSet(jwks.json()),
      { issuer: 'http://localhost:8000', audience: 'sample-backend', algorithms: ['ES256'] },
    );
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      sub: session.userId,
      email: 'ada@example.com',
      roles: ['admin', 'member'],
      sid: session.id,
      amr: ['pwd'],
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
  });

  it('reuses one assertion per session while more than half its life remains', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    await gateway.get('/app/one', { ...chromeOnMac.headers, cookie });
    const first = lastReceived(backend).headers['x-authflow-assertion'];
    await gateway.get('/app/two', { ...chromeOnMac.headers, cookie });
    expect(lastReceived(backend).headers['x-authflow-assertion']).toBe(first);
  });

  it('signs a separate assertion for each upstream (aud)', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/api/v1/simple_auth/me', {
      ...chromeOnMac.headers,
      cookie,
      accept: 'application/json',
    });
    expect(response.status).toBe(200);
    const assertion = String(lastReceived(auth).headers['x-authflow-assertion']);
    const [, payload = ''] = assertion.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ aud: 'auth' });
    // Protected routes never forward the session cookie, even to auth.
    expect(lastReceived(auth).headers.cookie).toBeUndefined();
  });

  it('keeps the session cookie from the optional auth routes too, and replaces forged identity (issue 14)', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    await gateway.send(
      'POST',
      '/api/v1/simple_auth/logout',
      {
        ...chromeOnMac.headers,
        cookie: `theme=dark; ${cookie}`,
        'content-type': 'application/json',
        'x-authflow-user-id': 'forged',
        'x-authflow-assertion': 'forged',
      },
      '{}',
    );
    const received = lastReceived(auth);
    expect(received.headers.cookie).toBe('theme=dark');
    expect(received.headers['x-authflow-user-id']).toBe(session.userId);
    expect(received.headers['x-authflow-assertion']).not.toBe('forged');
    expect(received.body).toBe('{}');
  });

  it('streams request bodies through unparsed', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const body = '{"not": "re-serialised" ,  "spacing":true}';
    const response = await gateway.send(
      'POST',
      '/app/data',
      { ...chromeOnMac.headers, cookie, 'content-type': 'application/json' },
      body,
    );
    expect(response.status).toBe(200);
    expect(lastReceived(backend).body).toBe(body);
  });

  it('removes hop-by-hop headers in both directions', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/app/hop', {
      ...chromeOnMac.headers,
      cookie,
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'must-not-pass',
      'proxy-authorization': 'Basic abc',
      te: 'trailers',
    });
    expect(response.status).toBe(200);
    const received = lastReceived(backend);
    expect(received.headers['x-secret-hop']).toBeUndefined();
    expect(received.headers['proxy-authorization']).toBeUndefined();
    expect(received.headers.te).toBeUndefined();
    // The upstream said `keep-alive: timeout=5`; what the client sees is the gateway's own.
    expect(response.headers['keep-alive']).not.toBe('timeout=5');
  });
});

describe('denials', () => {
  it('redirects a browser without a session to login with a signed handoff', async () => {
    const response = await gateway.get('/app/reports?year=2026', {
      ...chromeOnMac.headers,
      ...html,
    });
    expect(response.status).toBe(302);
    expect(response.headers['x-authflow-error']).toBe('unauthenticated');
    const location = new URL(String(response.headers.location), 'http://gateway');
    expect(location.pathname).toBe('/auth/login');
    const next = location.searchParams.get('next') ?? '';
    expect(verifyHandoff(next, TEST_HANDOFF_SECRET)).toEqual({
      ok: true,
      path: '/app/reports?year=2026',
    });
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('redirects a plain curl-style request (Accept */*) on a browser route', async () => {
    const response = await gateway.get('/app/');
    expect(response.status).toBe(302);
  });

  it('answers fetch and XHR with 401 JSON, never a redirect', async () => {
    const variants: Record<string, string>[] = [
      { accept: 'application/json' },
      { accept: 'application/json, text/plain, */*' },
      { accept: '*/*', 'sec-fetch-mode': 'cors' },
      { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' },
    ];
    for (const headers of variants) {
      const response = await gateway.get('/app/data', headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      const body = response.json<{
        error: { code: string; login_url: string; request_id: string; message: string };
      }>();
      expect(body.error.code).toBe('unauthenticated');
      expect(body.error.login_url).toMatch(/^\/auth\/login\?next=v1\./u);
      expect(body.error.request_id).toEqual(expect.any(String));
      expect(response.headers['x-authflow-error']).toBe('unauthenticated');
    }
  });

  it('answers 401 JSON on an API route even for a browser', async () => {
    const response = await gateway.get('/api/v1/simple_auth/sessions', {
      ...html,
      'sec-fetch-mode': 'navigate',
    });
    expect(response.status).toBe(401);
  });

  it('ends an unknown session: 401/302 with the cookie expired', async () => {
    const unknown = `${gateway.config.sessions.cookieName}=${'A'.repeat(43)}`;
    const api = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie: unknown,
      accept: 'application/json',
    });
    expect(api.status).toBe(401);
    expect(api.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
    expect(api.headers['set-cookie']).toEqual([
      'authflow_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax',
    ]);
    const browser = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      ...html,
      cookie: unknown,
    });
    expect(browser.status).toBe(302);
    expect(browser.headers['x-authflow-error']).toBe('session_invalid');
    expect(String(browser.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('treats a malformed cookie as an invalid session without a lookup', async () => {
    const response = await gateway.get('/app/x', {
      cookie: 'authflow_session=not-a-token',
      accept: 'application/json',
    });
    expect(response.status).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
  });

  it('denies a revoked and an expired session', async () => {
    const revoked = await gateway.signIn(chromeOnMac);
    await gateway.store.revoke(revoked.session.id);
    const afterRevoke = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie: revoked.cookie,
      accept: 'application/json',
    });
    expect(afterRevoke.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
    // The same session in a browser navigation: sent to sign in, the dead cookie expired.
    const navigation = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie: revoked.cookie,
      ...html,
    });
    expect(navigation.status).toBe(302);
    expect(String(navigation.headers.location)).toMatch(/^\/auth\/login\?next=v1\./u);
    expect(String(navigation.headers['set-cookie'])).toContain('Max-Age=0');

    const expiring = await gateway.signIn(chromeOnMac);
    await gateway.redis.pexpire(`session:${expiring.session.id}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterExpiry = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie: expiring.cookie,
      accept: 'application/json',
    });
    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
    const expiredNavigation = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie: expiring.cookie,
      ...html,
    });
    expect(expiredNavigation.status).toBe(302);
    expect(expiredNavigation.headers['x-authflow-error']).toBe('session_invalid');
  });

  it('never proxies a denied request', async () => {
    const before = backend.received.length;
    await gateway.get('/app/secret', { accept: 'application/json' });
    expect(backend.received.length).toBe(before);
  });
});

describe('request hygiene', () => {
  it.each([
    '/app/../api/v1/simple_auth/logout',
    '/api/v1/simple_auth/x/../sessions',
    '/api/v1/simple_auth/%2e%2e/simple_auth/sessions',
    '/api/v1/simple_auth//sessions',
    '/api/v1/simple_auth/..;/sessions',
    '/app/%2f..%2fauth',
  ])('refuses %s before routing with 400', async (path) => {
    const before = auth.received.length + backend.received.length;
    const response = await gateway.get(path, { accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('bad_request');
    expect(auth.received.length + backend.received.length).toBe(before);
  });

  it('replaces a request id from an untrusted client and propagates its own', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/app/id', {
      ...chromeOnMac.headers,
      cookie,
      'x-request-id': 'client-chosen',
    });
    expect(response.status).toBe(200);
    expect(lastReceived(backend).headers['x-request-id']).not.toBe('client-chosen');
  });

  it('answers an oversized Cookie header with 431', async () => {
    const response = await gateway.get('/app/x', {
      cookie: `big=${'x'.repeat(9_000)}`,
      accept: 'application/json',
    });
    expect(response.status).toBe(431);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('headers_too_large');
  });

  it('answers an oversized header block with 431 JSON', async () => {
    const response = await gateway.get('/app/x', { 'x-filler': 'y'.repeat(20_000) });
    expect(response.status).toBe(431);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('headers_too_large');
  });

  it('answers a declared body over the limit with 413 before reading it', async () => {
    const response = await gateway.send('POST', '/api/v1/simple_auth/signup', {
      'content-type': 'application/json',
      'content-length': String(20 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('payload_too_large');
  });

  it('redirects / to /app/ and answers unknown paths with not_found', async () => {
    const root = await gateway.get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/app/');
    const unknown = await gateway.get('/nowhere', { accept: 'application/json' });
    expect(unknown.status).toBe(404);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('not_found');
  });

  it('serves health without I/O and readiness with Redis and the subscription', async () => {
    expect((await gateway.get('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await gateway.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', revocations: 'ok' } });
  });

  it('exports metrics for verdicts, cache, breakers and requests', async () => {
    const metrics = await gateway.get('/metrics');
    expect(metrics.body).toContain('authflow_gateway_verdicts_total{reason="ok"}');
    expect(metrics.body).toContain('authflow_gateway_verdicts_total{reason="unauthenticated"}');
    expect(metrics.body).toContain('authflow_gateway_session_cache_total{result="hit"}');
    expect(metrics.body).toContain('authflow_gateway_breaker_state{dependency="redis"} 0');
    expect(metrics.body).toContain(
      'authflow_gateway_breaker_state{dependency="upstream:sample-backend"} 0',
    );
    expect(metrics.body).toMatch(
      /authflow_gateway_http_request_duration_seconds_count\{route="\/app\/",method="GET",status_code="200"\} \d+/u,
    );
    expect(metrics.body).toContain('authflow_gateway_websockets_open 0');
  });
});
