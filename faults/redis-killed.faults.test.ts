// Redis killed (SIGKILL) and started again: clients get 503 with Retry-After meanwhile, never a
// cleared cookie, nothing is proxied, WebSockets are closed after the grace, and the gateway is
// back within 5 s of Redis answering. With AOF the sessions survive; without, they are gone and
// the store (not the outage) says so: 401 session_invalid.
import { describe, expect, it } from 'vitest';
import {
  clearsSessionCookie,
  type FaultStack,
  signedInAccount,
  waitUntil,
} from './support/fault-stack.ts';
import { backendRequests, profile, steadyLoad, timeToFirstOk } from './support/outage.ts';
import {
  expectOutageAnswer,
  REDIS_RECOVERY_GOAL_MS,
  redisBreakerReopened,
  report,
  useFaultStack,
} from './support/scenario.ts';
import { closeWithin, openEchoSocket } from './support/websocket-client.ts';

const GRACE_MS = 3_000;
const gatewayEnv = { GATEWAY_WEBSOCKET_STORE_GRACE_MS: String(GRACE_MS) };

/**
 * Requests during the outage: each a 503 with Retry-After from the gateway, cookie kept. Returns
 * how many requests the backend had received when the gateway noticed the outage: from then on,
 * nothing more may reach it.
 */
async function expectOutageAnswers(
  stack: FaultStack,
  account: Parameters<typeof profile>[1],
): Promise<number> {
  // Right after the kill, a request may still be served from the session cache before the
  // gateway has noticed (it empties the cache when its subscription drops): the session was
  // verified and not revoked, so that is allowed.
  await waitUntil(
    async () => (await profile(stack, account)).status === 503,
    2_000,
    'the gateway noticing the outage',
  );
  const proxied = backendRequests(stack, '/app/api/profile');
  for (let i = 0; i < 10; i += 1) {
    const response = await profile(stack, account);
    expectOutageAnswer(response, 'session_store_unavailable');
    await response.arrayBuffer();
  }
  return proxied;
}

describe('Redis killed and restarted with AOF', () => {
  const stack = useFaultStack({ scenario: 'redis-killed-aof', redisAppendOnly: true, gatewayEnv });

  it('keeps the session through the outage and lets it in within 5 s of Redis answering', async () => {
    const account = await signedInAccount(stack, 'aof');
    expect((await profile(stack, account)).status).toBe(200);
    const socket = await openEchoSocket(stack, account);

    await stack.redis.kill();
    const killedAt = Date.now();
    const proxied = await expectOutageAnswers(stack, account);
    // Clients keep asking, so the breaker is open and its trials fail while Redis is away.
    const load = steadyLoad(stack, account);
    try {
      // The store cannot vouch for the socket's session: closed after the grace, "try again later".
      const closed = await closeWithin(socket, GRACE_MS + 3_000);
      expect(closed, 'the socket outlived the grace while Redis was down').toBeDefined();
      expect(closed?.code).toBe(1013);
      report(
        `redis killed: socket closed (1013) ${(closed?.at ?? 0) - killedAt} ms after the kill`,
      );

      // Redis comes back just after a failed trial re-opened the breaker: the worst moment for
      // a recovery that waits for the breaker's reset timeout.
      await redisBreakerReopened(stack);
      await stack.redis.restart();
      const { ms, others } = await timeToFirstOk(stack, account, 15_000);
      report(
        `redis killed (AOF): first 200 with the old cookie ${ms} ms after Redis answered again`,
      );
      expect(others.every((status) => status === 503)).toBe(true);
      expect(ms).toBeLessThanOrEqual(REDIS_RECOVERY_GOAL_MS);
    } finally {
      await load.stop();
    }
    // Every answer was an outage answer or a success: no 401, no other 5xx.
    expect(load.statuses.every((status) => status === 503 || status === 200)).toBe(true);
    expect(backendRequests(stack, '/app/api/profile')).toBe(
      proxied + load.statuses.filter((status) => status === 200).length + 1,
    );
    // And the device can open its socket again.
    const again = await openEchoSocket(stack, account);
    again.socket.close();
  });
});

describe('Redis killed and restarted without persistence', () => {
  const stack = useFaultStack({ scenario: 'redis-killed-empty', gatewayEnv });

  it('answers 401 session_invalid once the empty store says the session is gone, never a 5xx after recovery', async () => {
    const account = await signedInAccount(stack, 'empty');
    expect((await profile(stack, account)).status).toBe(200);

    await stack.redis.kill();
    const proxied = await expectOutageAnswers(stack, account);
    // As above: Redis returns just after a failed trial re-opened the breaker.
    const load = steadyLoad(stack, account);
    try {
      await redisBreakerReopened(stack);
    } finally {
      await load.stop();
    }
    expect(load.statuses.every((status) => status === 503)).toBe(true);
    await stack.redis.restart();
    const answeringAt = Date.now();

    // Outage answers (503, cookie kept) until the gateway reaches the store, then 401.
    let first401: Response | undefined;
    while (Date.now() - answeringAt < 15_000) {
      const response = await profile(stack, account);
      await response.arrayBuffer();
      if (response.status !== 503) {
        first401 = response;
        break;
      }
      expect(clearsSessionCookie(response)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ms = Date.now() - answeringAt;
    report(
      `redis killed (no AOF): store answered "no such session" ${ms} ms after Redis answered again`,
    );
    expect(first401?.status).toBe(401);
    expect(first401?.headers.get('x-authflow-error')).toBe('session_invalid');
    // Only now, on the store's word, is the cookie expired.
    expect(first401 !== undefined && clearsSessionCookie(first401)).toBe(true);
    expect(ms).toBeLessThanOrEqual(REDIS_RECOVERY_GOAL_MS);
    for (let i = 0; i < 5; i += 1) expect((await profile(stack, account)).status).toBe(401);
    expect(backendRequests(stack, '/app/api/profile')).toBe(proxied);
  });
});
