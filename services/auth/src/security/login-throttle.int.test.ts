import { uniquePrefix } from '@authflow/testing';
import { createRedisClient, waitForRedis } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createMemoryLoginThrottle,
  createRedisLoginThrottle,
  type LoginThrottle,
  type ThrottleLimits,
} from './login-throttle.js';

const limits: ThrottleLimits = { maxFailuresPerAccount: 5, maxFailuresPerIp: 8, windowMs: 400 };
let clients: Redis[] = [];

beforeAll(async () => {
  clients = [
    createRedisClient({ url: inject('redisUrl') }),
    createRedisClient({ url: inject('redisUrl') }),
  ];
  await Promise.all(clients.map((client) => waitForRedis(client, 5_000)));
});
afterAll(() => {
  for (const client of clients) client.disconnect();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describeThrottle(name: string, make: () => [LoginThrottle, LoginThrottle]): void {
  describe(`login throttle: ${name}`, () => {
    it('refuses the sixth attempt on one account in the window, and says when to retry', async () => {
      const [throttle] = make();
      const keys = { account: 'Ada@Example.com', ip: '198.51.100.1' };
      for (let i = 0; i < 5; i += 1) {
        expect(await throttle.check(keys)).toEqual({ blocked: false });
        await throttle.recordFailure(keys);
      }
      const state = await throttle.check({
        ...keys,
        account: 'ada@example.com',
        ip: '198.51.100.2',
      });
      expect(state.blocked).toBe(true);
      expect(state.blocked && state.retryAfterMs).toBeGreaterThan(0);
      expect(state.blocked && state.retryAfterMs).toBeLessThanOrEqual(400);
      await sleep(450);
      expect(await throttle.check(keys)).toEqual({ blocked: false });
    });

    it('counts per IP across accounts', async () => {
      const [throttle] = make();
      for (let i = 0; i < 8; i += 1)
        await throttle.recordFailure({ account: `user${i}@example.com`, ip: '198.51.100.9' });
      expect(
        (await throttle.check({ account: 'fresh@example.com', ip: '198.51.100.9' })).blocked,
      ).toBe(true);
      expect(
        (await throttle.check({ account: 'fresh@example.com', ip: '198.51.100.10' })).blocked,
      ).toBe(false);
    });

    it('clears the account counter after a success', async () => {
      const [throttle] = make();
      const keys = { account: 'grace@example.com', ip: '198.51.100.20' };
      for (let i = 0; i < 4; i += 1) await throttle.recordFailure(keys);
      await throttle.recordSuccess(keys);
      // Three more: the account is at 3 (not 7), the IP at 7 — both under their limits.
      for (let i = 0; i < 3; i += 1) await throttle.recordFailure(keys);
      expect((await throttle.check(keys)).blocked).toBe(false);
      await throttle.recordFailure(keys);
      await throttle.recordFailure(keys);
      expect((await throttle.check({ ...keys, ip: '198.51.100.21' })).blocked).toBe(true);
    });

    it('shares counters between instances where the store is shared', async () => {
      const [first, second] = make();
      const keys = { account: 'shared@example.com', ip: '198.51.100.30' };
      for (let i = 0; i < 3; i += 1) await first.recordFailure(keys);
      for (let i = 0; i < 2; i += 1) await second.recordFailure(keys);
      expect((await first.check(keys)).blocked).toBe(true);
      expect((await second.check(keys)).blocked).toBe(true);
    });
  });
}

describeThrottle('Redis (two instances, one Redis)', () => {
  const prefix = uniquePrefix('throttle');
  return [
    createRedisLoginThrottle(clients[0]!, limits, prefix),
    createRedisLoginThrottle(clients[1]!, limits, prefix),
  ];
});

describeThrottle('memory (one process)', () => {
  const throttle = createMemoryLoginThrottle(limits);
  return [throttle, throttle];
});
