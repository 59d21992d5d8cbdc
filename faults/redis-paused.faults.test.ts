// Redis frozen (SIGSTOP): connections stay open and nothing answers. The gateway must answer 503
// session_store_unavailable with Retry-After within a bounded time instead of hanging, keep the
// cookie, proxy nothing, and let the device back in within 5 s of Redis resuming.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearsSessionCookie,
  type FaultStack,
  signedInAccount,
  startFaultStack,
  waitUntil,
} from './support/fault-stack.ts';
import {
  backendRequests,
  profile,
  redisBreakerOpenings,
  steadyLoad,
  timeToFirstOk,
} from './support/outage.ts';
import { closeWithin, openEchoSocket } from './support/websocket-client.ts';

/** Measured figures go to the test output. */
const report = (line: string): void => void process.stdout.write(`${line}\n`);

const COMMAND_TIMEOUT_MS = 250;
const GRACE_MS = 3_000;
/**
 * Issue 12 (item 4) asks for recovery within 5 s of Redis answering. By design it takes at most
 * a reconnect (the client retries at least once a second) plus a probe (500 ms); the bound leaves
 * room for a loaded machine and still fails a recovery that waits for the breaker's reset timeout
 * after a failed trial (which measured about 5 s with the old 5 s reset).
 */
const RECOVERY_GOAL_MS = 3_500;
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({
    scenario: 'redis-paused',
    gatewayEnv: {
      GATEWAY_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      GATEWAY_WEBSOCKET_STORE_GRACE_MS: String(GRACE_MS),
      // The cache would serve the first seconds of the freeze (correctly: no revocation can be
      // published meanwhile); without it every request meets the frozen store.
      GATEWAY_SESSION_CACHE_TTL_MS: '0',
    },
  });
});
afterAll(async () => {
  stack.redis.resume();
  await stack.stop();
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
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/u);
        expect(response.headers.get('x-authflow-error')).toBe('session_store_unavailable');
        expect(clearsSessionCookie(response)).toBe(false);
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
      const openings = await redisBreakerOpenings(stack);
      await waitUntil(
        async () => (await redisBreakerOpenings(stack)) > openings,
        15_000,
        'the breaker re-opening after a failed trial',
      );
    } finally {
      stack.redis.resume();
    }
    const { ms, others } = await timeToFirstOk(stack, account, 15_000);
    await load.stop();
    report(`redis paused: first 200 ${ms} ms after Redis resumed`);
    expect(ms).toBeLessThanOrEqual(RECOVERY_GOAL_MS);
    expect(others.every((status) => status === 503)).toBe(true);
    expect(load.statuses.every((status) => status === 503 || status === 200)).toBe(true);
    expect(backendRequests(stack, '/app/api/profile')).toBe(
      proxied + load.statuses.filter((status) => status === 200).length + 1,
    );
  });
});
