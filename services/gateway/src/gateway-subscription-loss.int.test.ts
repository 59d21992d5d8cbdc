// The session cache is safe only while revocation messages arrive. When the subscription drops,
// a revocation published meanwhile is lost for good, so the cache must be emptied and bypassed
// until the subscription is live again — a stale "allowed" would outlive a logout.
import {
  chromeOnMac,
  type RedisServerHandle,
  startRedisServer,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { createRedisClient, sessionKeys, waitForRedis } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const json = { accept: 'application/json' };
const GRACE_MS = 1_000;
let redis: RedisServerHandle;
let admin: Redis;
let backend: TestUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  // A private server: killing its pub/sub clients touches no other test file.
  redis = await startRedisServer();
  admin = createRedisClient({ url: redis.url, commandTimeoutMs: 2_000 });
  await waitForRedis(admin, 5_000);
  backend = await startTestUpstream();
  gateway = await startGateway({
    redisUrl: redis.url,
    backendUrl: backend.url,
    env: {
      // Long enough that only a revocation (or losing the subscription) makes it forget.
      GATEWAY_SESSION_CACHE_TTL_MS: '60000',
      GATEWAY_WEBSOCKET_STORE_GRACE_MS: String(GRACE_MS),
    },
  });
  await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200));
});
afterAll(async () => {
  await gateway.close();
  await backend.close();
  await admin.quit();
  await redis.stop();
});

const cacheHits = async (): Promise<number> => {
  const match = /authflow_gateway_session_cache_total\{result="hit"\} (\d+)/u.exec(
    (await gateway.get('/metrics')).body,
  );
  return Number(match?.[1] ?? 0);
};

describe('losing the revocation subscription', () => {
  it('empties and bypasses the cache, so a revocation missed meanwhile still takes effect', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const call = () => gateway.get('/app/x', { ...chromeOnMac.headers, cookie, ...json });
    expect((await call()).status).toBe(200);
    const warm = await cacheHits();
    expect((await call()).status).toBe(200);
    expect(await cacheHits()).toBe(warm + 1);

    // Drop the gateway's subscriber, and end the session without any message reaching it:
    // the key goes, and nothing is published while the subscriber is away.
    expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);
    const key = sessionKeys().session(session.id);
    expect(await admin.del(key)).toBe(1);

    // Whether or not the subscriber is back yet, the stale record must not be served.
    const response = await call();
    expect(response.status).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('session_invalid');
  });

  it('serves from the cache again once the subscription is live', async () => {
    await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200), {
      timeout: 5_000,
    });
    const { cookie } = await gateway.signIn(chromeOnMac);
    const call = () => gateway.get('/app/x', { ...chromeOnMac.headers, cookie });
    expect((await call()).status).toBe(200);
    const before = await cacheHits();
    expect((await call()).status).toBe(200);
    expect(await cacheHits()).toBe(before + 1);
  });
});

interface OpenSocket {
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function openSocket(cookie: string): Promise<OpenSocket> {
  const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/app/ws`, {
    headers: { ...chromeOnMac.headers, cookie },
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString() }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed };
}

const echoes = (socket: WebSocket): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 1_000);
    socket.once('message', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.send('ping');
  });

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> =>
  Promise.race([
    promise,
    new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms)),
  ]);

describe('open WebSockets after the subscription was lost (issue 12, item 2)', () => {
  it('re-checks them once it is live again: the ended session is closed with 4401, the other kept', async () => {
    await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200));
    const ended = await gateway.signIn(chromeOnMac);
    const fine = await gateway.signIn(chromeOnMac);
    const doomed = await openSocket(ended.cookie);
    const kept = await openSocket(fine.cookie);
    await vi.waitFor(() => expect(backend.openSockets()).toBe(2));

    // The session ends without a message reaching the gateway (as a revocation published while
    // its subscriber reconnects would be lost), then the subscriber connection drops.
    expect(await admin.del(sessionKeys().session(ended.session.id))).toBe(1);
    expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);

    const closed = await within(doomed.closed, 3_000);
    expect(closed).toEqual({ code: 4401, reason: 'session ended' });
    // Well within the grace, and the fine session's socket is untouched.
    expect(await echoes(kept.socket)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 500));
    expect(await echoes(kept.socket)).toBe(true);
    kept.socket.close();
    await vi.waitFor(() => expect(backend.openSockets()).toBe(0));
  });

  it('closes them with 1013 once the store has been unreachable for the grace', async () => {
    await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200));
    const { cookie } = await gateway.signIn(chromeOnMac);
    const open = await openSocket(cookie);
    await redis.stop();
    try {
      const stoppedAt = Date.now();
      const closed = await within(open.closed, GRACE_MS + 3_000);
      expect(closed).toEqual({ code: 1013, reason: 'session store unavailable' });
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    } finally {
      await redis.restart();
    }
    await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200), {
      timeout: 5_000,
    });
  });
});
