// Revocations published while the gateway's subscription is down are lost; the gateway must not
// let a WebSocket opened before outlive its session because of that. Once the subscription is
// live again, every open socket is re-checked against the store (issue 12, item 2).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearsSessionCookie, signedInAccount, waitUntil } from './support/fault-stack.ts';
import { report, useFaultStack } from './support/scenario.ts';
import { closeWithin, logOut, openEchoSocket, redisAdmin } from './support/websocket-client.ts';

const json = { accept: 'application/json' };
const stack = useFaultStack({
  scenario: 'pubsub-dropped',
  gatewayEnv: { GATEWAY_WEBSOCKET_STORE_GRACE_MS: '3000' },
});
// Registered after the stack: made once it runs, disconnected before it stops.
let admin: Redis;
beforeAll(() => {
  admin = redisAdmin(stack);
});
afterAll(() => {
  admin.disconnect();
});

const profile = (headers: Record<string, string>) =>
  fetch(`${stack.url}/app/api/profile`, { headers: { ...headers, ...json } });

/** Waits until the gateway reports its revocation subscription live again. */
const subscriptionLive = () =>
  waitUntil(
    async () => (await fetch(`${stack.gateway.url}/health/ready`)).status === 200,
    10_000,
    'gateway ready with a live subscription',
  );

describe('the revocation subscription is dropped', () => {
  it('closes a socket whose session was logged out meanwhile (4401), and keeps the others', async () => {
    const leaving = await signedInAccount(stack, 'leaving');
    const staying = await signedInAccount(stack, 'staying');
    const doomed = await openEchoSocket(stack, leaving);
    const kept = await openEchoSocket(stack, staying);

    // Kill the subscriber connections and log out at once: the revocation is published while
    // the gateway is not subscribed, so the message never reaches it.
    const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    expect(killed).toBeGreaterThanOrEqual(1);
    const loggedOutAt = Date.now();
    expect(await logOut(stack, leaving)).toBe(204);

    const refused = await profile(leaving.headers);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-authflow-error')).toBe('session_invalid');

    const closed = await closeWithin(doomed, 5_000);
    expect(closed, 'the logged-out socket is still open 5 s after the logout').toBeDefined();
    expect(closed?.code).toBe(4401);
    report(
      `pubsub dropped: revoked socket closed ${(closed?.at ?? 0) - loggedOutAt} ms after the logout`,
    );

    // A session that is fine keeps its socket, and it still works.
    await subscriptionLive();
    expect(await kept.echo('still here')).toBe('still here');
    expect((await profile(staying.headers)).status).toBe(200);
    kept.socket.close();
  });

  it('after a Redis restart without persistence, closes sockets of sessions that are gone', async () => {
    const account = await signedInAccount(stack, 'restart');
    const open = await openEchoSocket(stack, account);

    await stack.redis.kill();
    // While Redis is down the store cannot answer: 503, the cookie kept, the socket not yet closed.
    // (Right after the kill, one request may still be served from the cache before the gateway
    // has noticed the dropped connection: the session was verified and not revoked.)
    let during = await profile(account.headers);
    await waitUntil(
      async () => {
        during = await profile(account.headers);
        return during.status !== 200;
      },
      2_000,
      'the gateway noticing the outage',
    );
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).not.toBeNull();
    expect(clearsSessionCookie(during)).toBe(false);

    await stack.redis.restart();
    const answeringAt = Date.now();
    const closed = await closeWithin(open, 8_000);
    expect(closed, 'the socket of a session Redis no longer has is still open').toBeDefined();
    expect(closed?.code).toBe(4401);
    report(
      `pubsub dropped (restart, no AOF): socket closed ${(closed?.at ?? 0) - answeringAt} ms after Redis answered again`,
    );

    // The store now answers that the session does not exist: 401, and only now is the cookie expired.
    await subscriptionLive();
    const after = await profile(account.headers);
    expect(after.status).toBe(401);
    expect(after.headers.get('x-authflow-error')).toBe('session_invalid');
    expect(clearsSessionCookie(after)).toBe(true);
  });
});
