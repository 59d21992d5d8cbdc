// The fast path (proxy/fast-path.ts) against fastify's path: the same requests sent to a gateway
// with it on and to one with it off (GATEWAY_FAST_PATH=false) must be answered alike, reach the
// upstream alike, and be counted alike; and the fast path must take only what it may.
import {
  chromeOnMac,
  firefoxOnLinux,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
const json = { accept: 'application/json' };
const page = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'sec-fetch-mode': 'navigate' };

let backend: TestUpstream;
/** Answers after 1 s: past the 200 ms deadline of the /slow/ route. */
let slow: TestUpstream;
let fast: GatewayHarness;
let full: GatewayHarness;

function routesFor(backendUrl: string, resetUrl: string, slowUrl: string) {
  return {
    roles: ['admin', 'member'],
    upstreams: {
      'sample-backend': { url: backendUrl },
      // Nothing listens on port 9: every exchange fails before an answer.
      down: { url: 'http://127.0.0.1:9', breaker: { volumeThreshold: 100 } },
      reset: { url: resetUrl, breaker: { volumeThreshold: 100 } },
      slow: { url: slowUrl, timeoutMs: 200, breaker: { volumeThreshold: 100 } },
    },
    routes: [
      {
        prefix: '/admin/',
        upstream: 'sample-backend',
        access: 'protected',
        allow: { roles: ['admin'] },
      },
      { prefix: '/down/', upstream: 'down', access: 'protected' },
      { prefix: '/reset/', upstream: 'reset', access: 'protected' },
      { prefix: '/slow/', upstream: 'slow', access: 'protected' },
      {
        prefix: '/bound/',
        upstream: 'sample-backend',
        access: 'protected',
        hosts: ['bound.example'],
      },
      { prefix: '/open/', upstream: 'sample-backend', access: 'public' },
      { prefix: '/pages/', upstream: 'sample-backend', access: 'optional' },
      { prefix: '/vault/', upstream: 'sample-backend', access: 'optional', aal: 'aal2' },
      {
        prefix: '/read-only/',
        upstream: 'sample-backend',
        access: 'public',
        methods: ['GET', 'HEAD'],
      },
      // Everything else, /metrics and /health/* included as far as the prefix goes.
      { prefix: '/', upstream: 'sample-backend', access: 'protected' },
    ],
  };
}

/** Request ids the hanging-up upstream was sent. */
const resetIds: string[] = [];
let reset: { url: string; server: Server };

beforeAll(async () => {
  [backend, slow] = await Promise.all([startTestUpstream(), startTestUpstream()]);
  slow.delayMs = 1_000;
  const server = createServer((request) => {
    resetIds.push(String(request.headers['x-request-id']));
    request.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  reset = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  const routes = routesFor(backend.url, reset.url, slow.url);
  [fast, full] = await Promise.all([
    startGateway({ redisUrl, routes }),
    startGateway({ redisUrl, routes, env: { GATEWAY_FAST_PATH: 'false' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([fast.close(), full.close()]);
  await Promise.all([backend.close(), slow.close()]);
  await new Promise((resolve) => reset.server.close(resolve));
});

/** A counter or histogram sample of the gateway's /metrics, 0 when absent. */
async function metric(gateway: GatewayHarness, sample: string): Promise<number> {
  const text = (await gateway.get('/metrics')).body;
  for (const line of text.split('\n'))
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  return 0;
}

const FAST_TAKEN = 'authflow_gateway_fast_path_requests_total';

/** What must agree between the two paths: status, headers (less per-request ones), body. */
function comparable(response: Response) {
  const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
  return {
    status: response.status,
    headers,
    // Request ids, and signed handoffs (they carry their expiry).
    body: response.body.replace(/[0-9a-f-]{36}/gu, 'ID').replace(/v1\.[\w.-]+/gu, 'HANDOFF'),
  };
}

/** The request the upstream received last, less what differs by gateway (id, its assertion). */
function lastReceived() {
  const request = backend.received.at(-1);
  if (request === undefined) throw new Error('the upstream received nothing');
  const {
    'x-request-id': requestId,
    'x-authflow-assertion': assertion,
    ...headers
  } = request.headers;
  return { method: request.method, url: request.url, headers, requestId, assertion };
}

/**
 * Signs the browser in on both gateways (one session each), warms both caches with a first
 * request, then sends the same request to each: their answers and what the upstream received.
 */
async function sendToBoth(
  method: string,
  path: string,
  headers: Record<string, string>,
  options: { browser?: typeof chromeOnMac; roles?: string[]; from?: typeof chromeOnMac } = {},
) {
  const browser = options.browser ?? chromeOnMac;
  const from = options.from ?? browser;
  const results = [];
  for (const gateway of [fast, full]) {
    const { cookie, session } = await gateway.signIn(browser, {
      roles: options.roles ?? ['member'],
    });
    // The first request finds the session in Redis (fastify's path) and caches it, and the
    // assertion for the route's upstream.
    await gateway.get(path, { ...browser.headers, cookie });
    const before = await metric(gateway, FAST_TAKEN);
    const received = backend.received.length;
    const response = await gateway.send(method, path, { ...from.headers, ...headers, cookie });
    const taken = (await metric(gateway, FAST_TAKEN)) - before;
    const reached = backend.received.length > received ? lastReceived() : undefined;
    results.push({ response, taken, reached, session });
  }
  const [onFast, onFull] = results as [(typeof results)[0], (typeof results)[0]];
  return { fast: onFast, full: onFull };
}

/** One request to one gateway, without signing in: its answer, whether the fast path took it. */
async function sendPlain(gateway: GatewayHarness, path: string, headers: Record<string, string>) {
  const before = await metric(gateway, FAST_TAKEN);
  const received = backend.received.length;
  const response = await gateway.get(path, { ...chromeOnMac.headers, ...headers });
  return {
    response,
    taken: (await metric(gateway, FAST_TAKEN)) - before,
    reached: backend.received.length > received ? lastReceived() : undefined,
  };
}

describe('the fast path', () => {
  it('takes a cached session on a protected route and proxies it as fastify would', async () => {
    const both = await sendToBoth('GET', '/reports/2026?year=2026&q=a%20b', {
      ...json,
      'x-authflow-user-id': 'forged',
      'x-forwarded-for': '6.6.6.6',
      cookie: 'ignored',
    });
    expect(both.fast.taken).toBe(1);
    expect(both.full.taken).toBe(0);
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    expect(both.fast.response.status).toBe(200);
    // The same request upstream, apart from the user (a session each) and per-request values.
    if (both.fast.reached === undefined || both.full.reached === undefined)
      throw new Error('the upstream did not receive both requests');
    const { headers: fastHeaders, ...fastRest } = both.fast.reached;
    const { headers: fullHeaders, ...fullRest } = both.full.reached;
    // The user differs (a session each), and the host each gateway was reached at.
    const mask = { 'x-authflow-user-id': 'U', 'x-forwarded-host': 'H' };
    expect({ ...fastHeaders, ...mask }).toEqual({ ...fullHeaders, ...mask });
    expect(fastHeaders['x-forwarded-host']).toBe(new URL(fast.url).host);
    expect(fastHeaders['x-authflow-user-id']).toBe(both.fast.session.userId);
    expect(fastHeaders['x-forwarded-for']).toBe('127.0.0.1');
    expect(fastRest.url).toBe('/reports/2026?year=2026&q=a%20b');
    expect(fastRest.url).toBe(fullRest.url);
    expect(fastRest.requestId).toMatch(/^[0-9a-f-]{36}$/u);
    expect(fastRest.assertion).toEqual(expect.any(String));
  });

  it('answers HEAD alike, without a body', async () => {
    const both = await sendToBoth('HEAD', '/reports', json);
    expect(both.fast.taken).toBe(1);
    expect(both.fast.reached?.method).toBe('HEAD');
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    expect(both.fast.response.body).toBe('');
  });

  it('counts its requests in the request histogram, under the route', async () => {
    const sample =
      'authflow_gateway_http_request_duration_seconds_count{route="/",method="GET",status_code="200"}';
    const { cookie } = await fast.signIn(chromeOnMac);
    await fast.get('/warm-up', { ...chromeOnMac.headers, cookie });
    const before = await metric(fast, sample);
    const taken = await metric(fast, FAST_TAKEN);
    for (let index = 0; index < 3; index += 1)
      expect((await fast.get('/x', { ...chromeOnMac.headers, cookie })).status).toBe(200);
    expect((await metric(fast, FAST_TAKEN)) - taken).toBe(3);
    // The three, plus the /metrics scrape in between is not under this route.
    expect((await metric(fast, sample)) - before).toBe(3);
  });

  it('leaves a session it has not cached to fastify, which caches it', async () => {
    const { cookie } = await fast.signIn(chromeOnMac);
    const before = await metric(fast, FAST_TAKEN);
    expect((await fast.get('/x', { ...chromeOnMac.headers, cookie })).status).toBe(200);
    expect((await metric(fast, FAST_TAKEN)) - before).toBe(0);
    expect((await fast.get('/x', { ...chromeOnMac.headers, cookie })).status).toBe(200);
    expect((await metric(fast, FAST_TAKEN)) - before).toBe(1);
  });

  it('never answers a static route under a prefix: /metrics and /health stay the gateway own', async () => {
    const { cookie } = await fast.signIn(chromeOnMac);
    await fast.get('/warm-up', { ...chromeOnMac.headers, cookie });
    const received = backend.received.length;
    const health = await fast.get('/health/live', { ...chromeOnMac.headers, cookie });
    expect(health.status).toBe(200);
    const metrics = await fast.get('/metrics', { ...chromeOnMac.headers, cookie });
    expect(metrics.body).toContain(FAST_TAKEN);
    expect(backend.received.length).toBe(received);
  });

  it('leaves requests with a body, other methods and upgrades to fastify', async () => {
    const both = await sendToBoth('POST', '/form', { ...json, 'content-type': 'text/plain' });
    expect(both.fast.taken).toBe(0);
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    const deleted = await sendToBoth('DELETE', '/thing/1', json);
    expect(deleted.fast.taken).toBe(0);
    expect(deleted.fast.response.status).toBe(200);
  });

  it('leaves an encoded path to fastify, whose router reads it decoded', async () => {
    const both = await sendToBoth('GET', '/caf%C3%A9/menu', json);
    expect(both.fast.taken).toBe(0);
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    expect(both.fast.reached?.url).toBe('/caf%C3%A9/menu');
  });

  it('leaves a route bound to hosts to the router alone', async () => {
    const both = await sendToBoth('GET', '/bound/x', { ...json, host: 'bound.example' });
    expect(both.fast.taken).toBe(0);
    expect(both.fast.response.status).toBe(200);
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
  });

  it('refuses a role the session lacks exactly as fastify does (403, counted once)', async () => {
    const denials = 'authflow_gateway_policy_denials_total{code="forbidden"}';
    const before = await Promise.all([metric(fast, denials), metric(full, denials)]);
    const both = await sendToBoth('GET', '/admin/users', json);
    expect(both.fast.taken).toBe(0);
    expect(both.fast.response.status).toBe(403);
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    // Two each: the warm-up and the request.
    expect((await metric(fast, denials)) - before[0]).toBe(2);
    expect((await metric(full, denials)) - before[1]).toBe(2);
    const admin = await sendToBoth('GET', '/admin/users', json, { roles: ['admin'] });
    expect(admin.fast.taken).toBe(1);
    expect(admin.fast.response.status).toBe(200);
  });

  it('applies the policy of the route the router picks, at a prefix boundary', async () => {
    // `/admin` is the admin route itself (its policy holds); `/adminx/` is not under `/admin/`.
    const exact = await sendToBoth('GET', '/admin', json);
    expect(exact.fast.taken).toBe(0);
    expect(exact.fast.response.status).toBe(403);
    expect(comparable(exact.fast.response)).toEqual(comparable(exact.full.response));
    const admin = await sendToBoth('GET', '/admin', json, { roles: ['admin'] });
    expect(admin.fast.taken).toBe(1);
    expect(admin.fast.reached?.url).toBe('/admin');
    const beside = await sendToBoth('GET', '/adminx/users', json);
    expect(beside.fast.taken).toBe(1);
    expect(beside.fast.response.status).toBe(200);
    expect(comparable(beside.fast.response)).toEqual(comparable(beside.full.response));
  });

  it('sends another device to fastify, which revokes the session', async () => {
    const both = await sendToBoth('GET', '/x', json, { from: firefoxOnLinux });
    expect(both.fast.taken).toBe(0);
    expect(both.fast.response.status).toBe(401);
    expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    expect(await fast.store.find(both.fast.session.id)).toBeNull();
  });

  it('hands a failed exchange to the error handler: the same 503, JSON or page, same request id', async () => {
    for (const accept of [json, page]) {
      const both = await sendToBoth('GET', '/down/x', accept);
      expect(both.fast.taken).toBe(1);
      expect(both.fast.response.status).toBe(503);
      expect(both.fast.response.headers['x-authflow-error']).toBe('upstream_unavailable');
      expect(comparable(both.fast.response)).toEqual(comparable(both.full.response));
    }
    // An upstream that hangs up once it has the request: the error names the id it was sent.
    const { cookie } = await fast.signIn(chromeOnMac);
    await fast.get('/reset/x', { ...chromeOnMac.headers, cookie });
    const before = await metric(fast, FAST_TAKEN);
    const failed = await fast.get('/reset/x', { ...chromeOnMac.headers, ...json, cookie });
    expect((await metric(fast, FAST_TAKEN)) - before).toBe(1);
    expect(failed.status).toBe(503);
    expect(failed.json<{ error: { request_id: string } }>().error.request_id).toBe(resetIds.at(-1));
    const sample =
      'authflow_gateway_http_request_duration_seconds_count{route="/down/",method="GET",status_code="503"}';
    expect(await metric(fast, sample)).toBeGreaterThanOrEqual(3);
  });

  it('counts a timed-out exchange from its arrival, not from when fastify answered it', async () => {
    const labels = '{route="/slow/",method="GET",status_code="504"}';
    const sum = `authflow_gateway_http_request_duration_seconds_sum${labels}`;
    const count = `authflow_gateway_http_request_duration_seconds_count${labels}`;
    const { cookie } = await fast.signIn(chromeOnMac);
    await fast.get('/slow/x', { ...chromeOnMac.headers, cookie });
    const before = { sum: await metric(fast, sum), count: await metric(fast, count) };
    const taken = await metric(fast, FAST_TAKEN);
    const response = await fast.get('/slow/x', { ...chromeOnMac.headers, ...json, cookie });
    expect(response.status).toBe(504);
    expect(response.headers['x-authflow-error']).toBe('upstream_timeout');
    expect((await metric(fast, FAST_TAKEN)) - taken).toBe(1);
    expect((await metric(fast, count)) - before.count).toBe(1);
    // The 200 ms deadline, not the moment fastify took the failure (which took about none).
    expect((await metric(fast, sum)) - before.sum).toBeGreaterThanOrEqual(0.19);
  });

  it('answers a failure with the error envelope while the gateway closes, not a bare 503', async () => {
    const closing = await startGateway({
      redisUrl,
      routes: routesFor(backend.url, reset.url, slow.url),
    });
    const { cookie } = await closing.signIn(chromeOnMac);
    await closing.get('/slow/x', { ...chromeOnMac.headers, cookie });
    const pending = closing.get('/slow/x', { ...chromeOnMac.headers, ...json, cookie });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = closing.close();
    const response = await pending;
    await closed;
    expect(response.status).toBe(504);
    expect(response.headers['x-authflow-error']).toBe('upstream_timeout');
    expect(response.json<{ error: { code: string } }>().error.code).toBe('upstream_timeout');
  });

  it('takes public routes without looking at a session, which never reaches the upstream', async () => {
    const { cookie } = await fast.signIn(chromeOnMac);
    for (const headers of [json, { ...json, cookie: `theme=dark; ${cookie}` }]) {
      const [onFast, onFull] = [
        await sendPlain(fast, '/open/assets/app.js', headers),
        await sendPlain(full, '/open/assets/app.js', headers),
      ];
      expect(onFast.taken).toBe(1);
      expect(onFull.taken).toBe(0);
      expect(comparable(onFast.response)).toEqual(comparable(onFull.response));
      expect(onFast.reached?.headers['x-authflow-user-id']).toBeUndefined();
      expect(onFast.reached?.assertion).toBeUndefined();
      expect(onFast.reached?.headers.cookie).toBe(onFull.reached?.headers.cookie);
    }
    expect(lastReceived().headers.cookie).toBe('theme=dark');
    // A route with methods rules is left to fastify, which holds it to them.
    const rules = await sendPlain(fast, '/read-only/x', json);
    expect(rules.taken).toBe(0);
    expect(rules.response.status).toBe(200);
  });

  it('takes optional routes anonymously or with a cached session, and leaves a bad cookie to fastify', async () => {
    const anonymous = [
      await sendPlain(fast, '/pages/login', json),
      await sendPlain(full, '/pages/login', json),
    ];
    expect(anonymous.map(({ taken }) => taken)).toEqual([1, 0]);
    expect(comparable(anonymous[0]!.response)).toEqual(comparable(anonymous[1]!.response));
    expect(anonymous[0]!.reached?.headers['x-authflow-user-id']).toBeUndefined();

    const signedIn = await sendToBoth('GET', '/pages/account', json);
    expect(signedIn.fast.taken).toBe(1);
    expect(signedIn.fast.reached?.headers['x-authflow-user-id']).toBe(signedIn.fast.session.userId);
    expect(signedIn.full.reached?.headers['x-authflow-user-id']).toBe(signedIn.full.session.userId);
    expect(comparable(signedIn.fast.response)).toEqual(comparable(signedIn.full.response));

    // A session cookie the store does not know: passed on anonymously, the cookie expired.
    const unknown = { ...json, cookie: `${fast.config.sessions.cookieName}=${'A'.repeat(43)}` };
    const stale = [
      await sendPlain(fast, '/pages/login', unknown),
      await sendPlain(full, '/pages/login', unknown),
    ];
    expect(stale[0]!.taken).toBe(0);
    expect(stale[0]!.response.headers['set-cookie']).toBeDefined();
    expect(comparable(stale[0]!.response)).toEqual(comparable(stale[1]!.response));
  });

  it('holds an optional route policy as fastify does: anonymous passes, a session below it does not', async () => {
    const anonymous = [
      await sendPlain(fast, '/vault/x', json),
      await sendPlain(full, '/vault/x', json),
    ];
    expect(anonymous[0]!.taken).toBe(1);
    expect(anonymous[0]!.response.status).toBe(200);
    expect(comparable(anonymous[0]!.response)).toEqual(comparable(anonymous[1]!.response));
    // An aal1 session on an aal2 route: a second factor is asked for, on both paths.
    const below = await sendToBoth('GET', '/vault/x', json);
    expect(below.fast.taken).toBe(0);
    expect(below.fast.response.status).toBe(403);
    expect(below.fast.response.headers['x-authflow-error']).toBe('mfa_required');
    expect(comparable(below.fast.response)).toEqual(comparable(below.full.response));
  });

  it('reads an empty or malformed session cookie on an optional route as fastify does', async () => {
    const name = fast.config.sessions.cookieName;
    for (const [cookie, taken] of [
      [`${name}=`, 1],
      [`${name}=not-a-token`, 0],
    ] as const) {
      const headers = { ...json, cookie: `theme=dark; ${cookie}` };
      const [onFast, onFull] = [
        await sendPlain(fast, '/pages/login', headers),
        await sendPlain(full, '/pages/login', headers),
      ];
      expect(onFast.taken).toBe(taken);
      expect(comparable(onFast.response)).toEqual(comparable(onFull.response));
      expect(onFast.reached?.headers.cookie).toBe('theme=dark');
      expect(onFast.reached?.headers['x-authflow-user-id']).toBeUndefined();
    }
  });

  it('keeps a trusted proxy request id and forwarding headers as fastify does', async () => {
    const trusting = await Promise.all(
      ['true', 'false'].map((flag) =>
        startGateway({
          redisUrl,
          routes: routesFor(backend.url, reset.url, slow.url),
          env: { GATEWAY_FAST_PATH: flag, GATEWAY_TRUSTED_PROXIES: 'loopback' },
        }),
      ),
    );
    try {
      const seen = [];
      for (const gateway of trusting) {
        // The edge passes the browser address on; the session is bound to it.
        const browser = { ...chromeOnMac, ip: '203.0.113.7' };
        const { cookie } = await gateway.signIn(browser);
        const edge = {
          ...chromeOnMac.headers,
          cookie,
          'x-forwarded-for': '203.0.113.7',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'app.example.com',
          'x-request-id': 'edge-request-1',
        };
        await gateway.get('/warm-up', edge);
        const before = await metric(gateway, FAST_TAKEN);
        expect((await gateway.get('/x', edge)).status).toBe(200);
        seen.push({ taken: (await metric(gateway, FAST_TAKEN)) - before, ...lastReceived() });
      }
      const [onFast, onFull] = seen as [(typeof seen)[0], (typeof seen)[0]];
      expect(onFast.taken).toBe(1);
      expect(onFull.taken).toBe(0);
      expect(onFast.requestId).toBe('edge-request-1');
      expect(onFast.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
      expect(onFast.headers['x-forwarded-proto']).toBe('https');
      expect(onFast.headers['x-forwarded-host']).toBe('app.example.com');
      const omitUser = (headers: Record<string, unknown>) => ({
        ...headers,
        'x-authflow-user-id': 'U',
      });
      expect(omitUser(onFast.headers)).toEqual(omitUser(onFull.headers));
    } finally {
      await Promise.all(trusting.map((gateway) => gateway.close()));
    }
  });
});
