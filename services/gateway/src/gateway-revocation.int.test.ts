import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  chromeOnMac,
  firefoxOnLinux,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
const json = { accept: 'application/json' };
let backend: TestUpstream;
let first: GatewayHarness;
let second: GatewayHarness;

beforeAll(async () => {
  backend = await startTestUpstream();
  // Two gateway instances sharing one Redis, as two replicas would; the client is their
  // trusted proxy so tests can present other client IPs.
  const env = { GATEWAY_TRUSTED_PROXIES: '127.0.0.1', GATEWAY_SESSION_CACHE_TTL_MS: '30000' };
  [first, second] = await Promise.all([
    startGateway({ redisUrl, backendUrl: backend.url, env }),
    startGateway({ redisUrl, backendUrl: backend.url, env }),
  ]);
  await vi.waitFor(async () => {
    expect((await first.get('/health/ready')).status).toBe(200);
    expect((await second.get('/health/ready')).status).toBe(200);
  });
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
  await backend.close();
});

describe('device binding', () => {
  it('revokes the session when its cookie arrives from another browser, for the original browser too', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    expect((await first.get('/app/x', { ...chromeOnMac.headers, cookie })).status).toBe(200);

    const stolen = await first.get('/app/x', { ...firefoxOnLinux.headers, cookie, ...json });
    expect(stolen.status).toBe(401);
    expect(stolen.json<{ error: { code: string } }>().error.code).toBe('fingerprint_mismatch');
    expect(stolen.headers['x-authflow-error']).toBe('fingerprint_mismatch');
    expect(String(stolen.headers['set-cookie'])).toContain('Max-Age=0');
    expect(await first.store.find(session.id)).toBeNull();

    // The rightful browser is out as well, on every instance: the session no longer exists.
    for (const gateway of [first, second]) {
      const original = await gateway.get('/app/x', { ...chromeOnMac.headers, cookie, ...json });
      expect(original.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
    }
    const metrics = await first.get('/metrics');
    expect(metrics.body).toMatch(
      /authflow_gateway_fingerprint_differences_total\{part="userAgent",policy="enforce"\} [1-9]/u,
    );
  });

  it('allows an IP change under the default policy, and counts it', async () => {
    const { cookie, session } = await first.signIn({ ...chromeOnMac, ip: '198.51.100.20' });
    const moved = await first.get('/app/x', {
      ...chromeOnMac.headers,
      cookie,
      'x-forwarded-for': '203.0.113.77',
    });
    expect(moved.status).toBe(200);
    expect(backend.received.at(-1)?.headers['x-forwarded-for']).toBe('203.0.113.77, 127.0.0.1');
    expect(await first.store.find(session.id)).not.toBeNull();
    const metrics = await first.get('/metrics');
    expect(metrics.body).toMatch(
      /authflow_gateway_fingerprint_differences_total\{part="ip",policy="observe"\} [1-9]/u,
    );
  });

  it('keeps the session when a request lacks client hints (e.g. a WebSocket handshake)', async () => {
    const { cookie } = await first.signIn(chromeOnMac);
    const {
      'sec-ch-ua-platform': _platform,
      'sec-ch-ua-mobile': _mobile,
      ...withoutHints
    } = chromeOnMac.headers;
    expect((await first.get('/app/x', { ...withoutHints, cookie })).status).toBe(200);
    expect((await first.get('/app/x', { ...chromeOnMac.headers, cookie })).status).toBe(200);
  });
});

describe('revocation across instances', () => {
  it('denies the next request on every instance after a logout, even with the cache warm', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    // Warm both caches (30 s TTL: only a revocation message can make them forget).
    for (const gateway of [first, second]) {
      expect((await gateway.get('/app/warm', { ...chromeOnMac.headers, cookie })).status).toBe(200);
      expect((await gateway.get('/app/warm', { ...chromeOnMac.headers, cookie })).status).toBe(200);
    }
    const hitsBefore = await first.get('/metrics');
    expect(hitsBefore.body).toMatch(/authflow_gateway_session_cache_total\{result="hit"\} [1-9]/u);

    // What the auth service does on logout: revoke (which publishes) through its own handle.
    const received = async (gateway: GatewayHarness): Promise<number> =>
      Number(
        /authflow_gateway_revocations_received_total (\d+)/u.exec(
          (await gateway.get('/metrics')).body,
        )?.[1] ?? 0,
      );
    const before = await Promise.all([first, second].map(received));
    await first.store.revoke(session.id);
    // Once each instance has the message, the very next request is refused and never proxied.
    await vi.waitFor(
      async () => {
        const after = await Promise.all([first, second].map(received));
        expect(after.every((count, index) => count > (before[index] ?? 0))).toBe(true);
      },
      { timeout: 2_000, interval: 5 },
    );
    const proxiedBefore = backend.received.length;
    for (const gateway of [first, second]) {
      const response = await gateway.get('/app/after-logout', {
        ...chromeOnMac.headers,
        cookie,
        ...json,
      });
      expect(response.status).toBe(401);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
    }
    expect(backend.received.length).toBe(proxiedBefore);
  });

  it('closes an open WebSocket of the session promptly when it is revoked', async () => {
    const { cookie, session } = await second.signIn(chromeOnMac);
    const socket = new WebSocket(`${second.url.replace('http', 'ws')}/app/ws`, {
      headers: { ...chromeOnMac.headers, cookie },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send('ping');
    const echoed = await new Promise<string>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(data.toString())),
    );
    expect(echoed).toBe('ping');
    await vi.waitFor(() => expect(backend.openSockets()).toBe(1));
    const upgrade = backend.received.filter((request) => request.method === 'UPGRADE').at(-1);
    expect(upgrade?.headers['x-authflow-user-id']).toBe(session.userId);
    expect(upgrade?.headers['x-authflow-assertion']).toEqual(expect.any(String));
    expect(upgrade?.headers.cookie).toBeUndefined();
    expect((await second.get('/metrics')).body).toContain('authflow_gateway_websockets_open 1');

    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code: number, reason: Buffer) =>
        resolve({ code, reason: reason.toString() }),
      ),
    );
    await first.store.revoke(session.id);
    // Generous bound: the benchmark measures the real latency.
    const { code, reason } = await Promise.race([
      closed,
      new Promise<never>((_resolve, reject) =>
        setTimeout(() => reject(new Error('socket not closed within 2 s')), 2_000),
      ),
    ]);
    expect(code).toBe(4401);
    expect(reason).toBe('session revoked');
    await vi.waitFor(() => expect(backend.openSockets()).toBe(0));
  });

  it('refuses a WebSocket upgrade without a session', async () => {
    const socket = new WebSocket(`${first.url.replace('http', 'ws')}/app/ws`, {
      headers: { accept: 'application/json' },
    });
    const status = await new Promise<number>((resolve) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it('answers a WebSocket upgrade without a session 401, never a login redirect, whatever it accepts', async () => {
    const socket = new WebSocket(`${first.url.replace('http', 'ws')}/app/ws`, {
      headers: { ...chromeOnMac.headers, accept: 'text/html' },
    });
    const status = await new Promise<number>((resolve) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => resolve(101));
    });
    expect(status).toBe(401);
    // Still connecting as far as ws knows: terminating it then emits an error, which is expected.
    socket.once('error', () => undefined);
    socket.terminate();
  });
});

describe('an answer that ends the session', () => {
  it('drops the session from this instance cache at once, before any revocation message', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    const headers = { ...chromeOnMac.headers, cookie, ...json };
    // Cached on both instances.
    for (const gateway of [first, second])
      expect((await gateway.get('/app/warm', headers)).status).toBe(200);
    // The session ends in Redis, and no message is published (as if it were still on its way).
    await first.redis.del(`session:${session.id}`);
    const name = cookie.slice(0, cookie.indexOf('='));
    backend.responseHeaders = { 'set-cookie': `${name}=; Path=/; Max-Age=0; HttpOnly` };
    try {
      // The answer that expires the cookie passes through the first instance...
      expect((await first.get('/app/sign-out', headers)).status).toBe(200);
    } finally {
      backend.responseHeaders = {};
    }
    // ...which no longer serves the session from its cache: Redis says it is gone.
    expect((await first.get('/app/after', headers)).status).toBe(401);
    // The other instance learns it from the revocation message (not sent in this test).
    expect((await second.get('/app/after', headers)).status).toBe(200);
  });

  it('keeps the session cached when an answer sets another cookie, or renews this one', async () => {
    const { cookie, session } = await first.signIn(chromeOnMac);
    const headers = { ...chromeOnMac.headers, cookie, ...json };
    expect((await first.get('/app/warm', headers)).status).toBe(200);
    await first.redis.del(`session:${session.id}`);
    const name = cookie.slice(0, cookie.indexOf('='));
    backend.responseHeaders = { 'set-cookie': `theme=; Path=/; Max-Age=0` };
    try {
      expect((await first.get('/app/theme', headers)).status).toBe(200);
    } finally {
      backend.responseHeaders = {};
    }
    // Still served from the cache (the record is gone from Redis, so only the cache answers 200).
    expect((await first.get('/app/after', headers)).status).toBe(200);
    expect(name).not.toBe('theme');
  });
});
