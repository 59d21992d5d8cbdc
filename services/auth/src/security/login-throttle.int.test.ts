import { uniquePrefix } from '@authflow/testing';
import { createRedisClient, waitForRedis } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  createMemoryLoginThrottle,
  createRedisLoginThrottle,
  delayAfter,
  type LoginThrottle,
  type ThrottleLimits,
} from './login-throttle.js';

const limits: ThrottleLimits = {
  maxFailuresPerAccountIp: 3,
  maxFailuresPerAccount: 10,
  maxFailuresPerIp: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 4_000,
  windowMs: 60_000,
};
let clients: Redis[] = [];
/** The throttles' clock, moved by the tests (Redis expiry stays on real time: the window is long). */
let now = 1_700_000_000_000;
const clock = () => now;

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

let counter = 0;
const account = () => `user-${(counter += 1)}@example.com`;

async function fail(throttle: LoginThrottle, keys: { account: string; ip: string }, times: number) {
  for (let i = 0; i < times; i += 1) await throttle.recordFailure(keys);
}

describe('delayAfter', () => {
  it('is nothing below the limit, then the base delay doubling with each failure, capped', () => {
    expect([2, 3, 4, 5, 6, 60].map((failures) => delayAfter(failures, 3, limits))).toEqual([
      0, 1_000, 2_000, 4_000, 4_000, 4_000,
    ]);
  });
});

function describeThrottle(name: string, make: () => [LoginThrottle, LoginThrottle]): void {
  describe(`login throttle: ${name}`, () => {
    it('makes one IP wait after its third failure on an account, doubling the wait after each further one', async () => {
      const [throttle] = make();
      const keys = { account: account(), ip: '198.51.100.1' };
      await fail(throttle, keys, 2);
      expect(await throttle.check(keys)).toEqual({ blocked: false });
      await fail(throttle, keys, 1);
      expect(await throttle.check({ ...keys, account: keys.account.toUpperCase() })).toEqual({
        blocked: true,
        retryAfterMs: 1_000,
      });
      now += 400;
      expect(await throttle.check(keys)).toEqual({ blocked: true, retryAfterMs: 600 });
      now += 600;
      expect(await throttle.check(keys)).toEqual({ blocked: false });
      await fail(throttle, keys, 1);
      expect(await throttle.check(keys)).toEqual({ blocked: true, retryAfterMs: 2_000 });
      now += 2_000;
      await fail(throttle, keys, 1);
      expect(await throttle.check(keys)).toEqual({ blocked: true, retryAfterMs: 4_000 });
      now += 4_000;
      await fail(throttle, keys, 1);
      expect(await throttle.check(keys)).toEqual({ blocked: true, retryAfterMs: 4_000 });
      now += 4_000;
    });

    it('does not hold back the same account on another IP (one attacker cannot lock the owner out)', async () => {
      const [throttle] = make();
      const victim = account();
      await fail(throttle, { account: victim, ip: '203.0.113.66' }, 8);
      expect((await throttle.check({ account: victim, ip: '203.0.113.66' })).blocked).toBe(true);
      expect(await throttle.check({ account: victim, ip: '198.51.100.7' })).toEqual({
        blocked: false,
      });
      now += 10_000;
    });

    it('slows guessing spread over many IPs once the account reaches its much higher limit', async () => {
      const [throttle] = make();
      const target = account();
      for (let i = 0; i < 9; i += 1)
        await fail(throttle, { account: target, ip: `192.0.2.${i}` }, 1);
      expect((await throttle.check({ account: target, ip: '198.51.100.8' })).blocked).toBe(false);
      await fail(throttle, { account: target, ip: '192.0.2.99' }, 1);
      expect(await throttle.check({ account: target, ip: '198.51.100.8' })).toEqual({
        blocked: true,
        retryAfterMs: 1_000,
      });
      now += 10_000;
    });

    it('counts per IP across accounts (password spraying)', async () => {
      const [throttle] = make();
      for (let i = 0; i < 20; i += 1)
        await fail(throttle, { account: account(), ip: '198.51.100.9' }, 1);
      expect((await throttle.check({ account: account(), ip: '198.51.100.9' })).blocked).toBe(true);
      expect((await throttle.check({ account: account(), ip: '198.51.100.10' })).blocked).toBe(
        false,
      );
      now += 10_000;
    });

    it('clears the account counters after a success, not the IP one', async () => {
      const [throttle] = make();
      const keys = { account: account(), ip: '198.51.100.20' };
      await fail(throttle, keys, 2);
      await throttle.recordSuccess(keys);
      await fail(throttle, keys, 2);
      expect((await throttle.check(keys)).blocked).toBe(false);
      await fail(throttle, keys, 1);
      expect((await throttle.check(keys)).blocked).toBe(true);
      now += 10_000;
    });

    it('shares counters between instances where the store is shared', async () => {
      const [first, second] = make();
      const keys = { account: account(), ip: '198.51.100.30' };
      await fail(first, keys, 2);
      await fail(second, keys, 1);
      expect((await first.check(keys)).blocked).toBe(true);
      expect((await second.check(keys)).blocked).toBe(true);
      now += 10_000;
    });
  });
}

describeThrottle('Redis (two instances, one Redis)', () => {
  const prefix = uniquePrefix('throttle');
  return [
    createRedisLoginThrottle(clients[0]!, limits, prefix, clock),
    createRedisLoginThrottle(clients[1]!, limits, prefix, clock),
  ];
});

describeThrottle('memory (one process)', () => {
  const throttle = createMemoryLoginThrottle(limits, clock);
  return [throttle, throttle];
});

describe('login throttle: forgetting', () => {
  it('forgets a counter a window after its wait has ended (memory)', async () => {
    const throttle = createMemoryLoginThrottle({ ...limits, windowMs: 5_000 }, clock);
    const keys = { account: account(), ip: '198.51.100.40' };
    await fail(throttle, keys, 3);
    now += 1_000 + 5_000;
    await fail(throttle, keys, 1);
    expect((await throttle.check(keys)).blocked).toBe(false);
  });

  it('sets Redis expiry to the wait plus the window', async () => {
    const prefix = uniquePrefix('throttle-ttl');
    const throttle = createRedisLoginThrottle(clients[0]!, limits, prefix, clock);
    const keys = { account: account(), ip: '198.51.100.41' };
    await fail(throttle, keys, 3);
    const keysFound = await clients[0]!.keys(`${prefix}login_throttle:account_ip:*`);
    expect(keysFound).toHaveLength(1);
    const ttl = await clients[0]!.pttl(keysFound[0]!);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });
});
