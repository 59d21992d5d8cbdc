import {
  chromeOnMac,
  type RedisServerHandle,
  startRedisServer,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import {
  createRedisClient,
  RedisSessionStore,
  type SessionStore,
  waitForRedis,
} from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const COMMAND_TIMEOUT_MS = 200;
// Far longer than any wait below: recovery must come from the probe, not the reset timeout.
const BREAKER_RESET_MS = 30_000;
const PROBE_INTERVAL_MS = 100;
const json = { accept: 'application/json' };

let redis: RedisServerHandle;
let client: Redis;
let backend: TestUpstream;
let auth: TestUpstream;
let gateway: GatewayHarness;
const calls = { find: 0 };

/** The real Redis store, counting the lookups that reach it (each is a Redis command). */
function countingStore(store: RedisSessionStore): SessionStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'find') {
        return (id: string) => {
          calls.find += 1;
          return target.find(id);
        };
      }
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

beforeAll(async () => {
  redis = await startRedisServer();
  process.stdout.write(`gateway fault-injection redis-server on port ${redis.port}\n`);
  client = createRedisClient({ url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
  await waitForRedis(client, 5_000);
  [backend, auth] = await Promise.all([startTestUpstream(), startTestUpstream()]);
  gateway = await startGateway({
    redisUrl: redis.url,
    backendUrl: backend.url,
    authUrl: auth.url,
    env: {
      GATEWAY_SESSION_CACHE_TTL_MS: '0',
      GATEWAY_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      GATEWAY_REDIS_BREAKER_RESET_MS: String(BREAKER_RESET_MS),
      GATEWAY_REDIS_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS),
      GATEWAY_REDIS_BREAKER_VOLUME: '3',
    },
    dependencies: { sessionStore: countingStore(new RedisSessionStore({ client })) },
  });
});
afterAll(async () => {
  await gateway.close();
  client.disconnect();
  await Promise.all([backend.close(), auth.close()]);
  redis.resume();
  await redis.stop();
});

describe('when Redis stops', () => {
  it('fails closed with 503 and Retry-After, keeps the cookie, serves public routes, reports not ready', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    expect((await gateway.get('/app/x', { ...chromeOnMac.headers, cookie })).status).toBe(200);
    const proxiedBefore = backend.received.length;

    await redis.kill();
    const { value: denied, ms } = await timed(() =>
      gateway.get('/app/x', { ...chromeOnMac.headers, cookie, ...json }),
    );
    expect(denied.status).toBe(503);
    expect(denied.headers['retry-after']).toBe('5');
    expect(denied.json<{ error: { code: string } }>().error.code).toBe('session_store_unavailable');
    expect(denied.headers['set-cookie']).toBeUndefined();
    // A refused connection fails at once; the bound leaves room for a loaded test machine only.
    expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS * 4);
    expect(backend.received.length).toBe(proxiedBefore);

    const page = await gateway.get('/app/x', {
      ...chromeOnMac.headers,
      cookie,
      accept: 'text/html',
    });
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('You are still signed in');
    expect(page.headers['set-cookie']).toBeUndefined();

    expect((await gateway.get('/auth/login')).status).toBe(200);
    expect((await gateway.get('/health/live')).status).toBe(200);
    const ready = await gateway.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json<{ checks: Record<string, string> }>().checks.redis).toMatch(/^failed/u);
  });

  it('stops calling Redis once the breaker is open, answering well inside the command timeout', async () => {
    const { cookie } = { cookie: `${gateway.config.sessions.cookieName}=${'B'.repeat(43)}` };
    // Enough failures to open the breaker (volume threshold 3).
    for (let i = 0; i < 5; i += 1)
      await gateway.get('/app/x', { ...chromeOnMac.headers, cookie, ...json });
    const metrics = await gateway.get('/metrics');
    expect(metrics.body).toContain('authflow_gateway_breaker_state{dependency="redis"} 2');

    const before = calls.find;
    const { value, ms } = await timed(() =>
      gateway.get('/app/x', { ...chromeOnMac.headers, cookie, ...json }),
    );
    expect(value.status).toBe(503);
    expect(calls.find).toBe(before);
    expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS);
  });

  it('recovers as soon as Redis answers again, without waiting for the breaker reset', async () => {
    await redis.restart();
    const answeringAt = performance.now();
    await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200), {
      timeout: 5_000,
      interval: 20,
    });
    const ms = performance.now() - answeringAt;
    process.stdout.write(`gateway ready ${Math.round(ms)} ms after Redis answered again\n`);
    // Reconnect backoff (at most 1 s) plus one probe interval, with slack for a loaded machine.
    expect(ms).toBeLessThan(2_500);
    // The restarted Redis kept nothing (no persistence): sign in again, as a user would.
    const { cookie } = await gateway.signIn(chromeOnMac);
    await vi.waitFor(
      async () =>
        expect((await gateway.get('/app/x', { ...chromeOnMac.headers, cookie })).status).toBe(200),
      {
        timeout: 5_000,
        interval: 100,
      },
    );
  });
});

describe('when Redis freezes (SIGSTOP)', () => {
  it('answers within the timeout instead of hanging, and recovers on resume', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    redis.pause();
    try {
      const { value, ms } = await timed(() =>
        gateway.get('/app/x', { ...chromeOnMac.headers, cookie, ...json }),
      );
      expect(value.status).toBe(503);
      // The command timeout (200 ms) answers; the bound adds slack for a loaded machine, and
      // is still far below anything that would look like a hang.
      expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS * 0.9);
      expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS * 5);
    } finally {
      redis.resume();
    }
    const resumedAt = performance.now();
    await vi.waitFor(
      async () =>
        expect((await gateway.get('/app/x', { ...chromeOnMac.headers, cookie })).status).toBe(200),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    const ms = performance.now() - resumedAt;
    process.stdout.write(`first 200 ${Math.round(ms)} ms after Redis resumed\n`);
    expect(ms).toBeLessThan(1_500);
  });
});
