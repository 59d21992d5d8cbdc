// Redis frozen (SIGSTOP): connections stay open and nothing answers. The gateway must answer 503
// session_store_unavailable with Retry-After within a bounded time instead of hanging, keep the
// cookie, proxy nothing, and let the device back in within 5 s of Redis resuming.
import { afterAll, describe, expect, it } from 'vitest';
import { signedInAccount } from './support/fault-stack.ts';
import { backendRequests, profile, steadyLoad, timeToFirstOk } from './support/outage.ts';
import {
  expectOutageAnswer,
  REDIS_RECOVERY_GOAL_MS,
  redisBreakerReopened,
  report,
  useFaultStack,
} from './support/scenario.ts';
import { closeWithin, openEchoSocket } from './support/websocket-client.ts';

const COMMAND_TIMEOUT_MS = 250;
const GRACE_MS = 3_000;
const stack = useFaultStack({
  scenario: 'redis-paused',
  gatewayEnv: {
    GATEWAY_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    GATEWAY_WEBSOCKET_STORE_GRACE_MS: String(GRACE_MS),
    // The cache would serve the first seconds of the freeze (correctly: no revocation can be
    // published meanwhile); without it every request meets the frozen store.
    GATEWAY_SESSION_CACHE_TTL_MS: '0',
  },
});
// Registered after the stack: runs before it stops, so a frozen Redis can be stopped.
afterAll(() => {
  stack.redis.resume();
});

describe('Redis frozen', () => {
  it('answers 503 with Retry-After in bounded time, keeps the cookie, proxies nothing, recovers on resume', async () => {
    const account = await signedInAccount(stack, 'paused');
    expect((await profile(stack, account)).status).toBe(200);
    const socket = await openEchoSocket(stack, account);
    const proxied = backendRequests(stack, '/app/api/profile');

    stack.redis.pause();
    let load: ReturnType<typeof steadyLoad> | undefined;
    try {
      const slowest = { ms: 0 };
      for (let i = 0; i < 8; i += 1) {
        const began = Date.now();
        const response = await profile(stack, account);
        slowest.ms = Math.max(slowest.ms, Date.now() - began);
        expectOutageAnswer(response, 'session_store_unavailable');
        await response.arrayBuffer();
      }
      report(`redis paused: slowest 503 took ${slowest.ms} ms`);
      // The command timeout answers (the breaker backstop is twice that); slack for a loaded machine.
      expect(slowest.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 2 + 1_000);

      // The store cannot vouch for the socket's session: closed after the grace with 1013.
      load = steadyLoad(stack, account);
      const closed = await closeWithin(socket, GRACE_MS + 3_000);
      expect(closed, 'the socket outlived the grace while Redis was frozen').toBeDefined();
      expect(closed?.code).toBe(1013);
      // Resume just after a failed trial re-opened the breaker: the worst moment for recovery.
      await redisBreakerReopened(stack);
    } finally {
      stack.redis.resume();
    }
    const { ms, others } = await timeToFirstOk(stack, account, 15_000);
    await load.stop();
    report(`redis paused: first 200 ${ms} ms after Redis resumed`);
    expect(ms).toBeLessThanOrEqual(REDIS_RECOVERY_GOAL_MS);
    expect(others.every((status) => status === 503)).toBe(true);
    expect(load.statuses.every((status) => status === 503 || status === 200)).toBe(true);
    expect(backendRequests(stack, '/app/api/profile')).toBe(
      proxied + load.statuses.filter((status) => status === 200).length + 1,
    );
  });
});
