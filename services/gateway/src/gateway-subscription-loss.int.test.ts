// The session cache is safe only while revocation messages arrive. When the subscription drops,
// a revocation published meanwhile is lost for good, so the cache must be emptied and bypassed
// until the subscription is live again — a stale "allowed" would outlive a logout.
import { type RedisServerHandle, startRedisServer } from '@authflow/testing';
import { createRedisClient, sessionKeys, waitForRedis } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromeOnMac } from './test-support/browsers.js';
import { type GatewayHarness, startGateway } from './test-support/gateway-harness.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';

const json = { accept: 'application/json' };
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
    // Long enough that only a revocation (or losing the subscription) makes it forget.
    env: { GATEWAY_SESSION_CACHE_TTL_MS: '60000' },
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
