import { breakerState } from '@authflow/resilience';
import { createRedisClient, SessionStoreUnavailableError, waitForRedis } from '@authflow/sessions';
import { type RedisServerHandle, startRedisServer } from '@authflow/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBreaker, type RedisBreaker } from '../../dependencies/guarded-session-store.js';
import type { MfaStateStore } from '../mfa-ports.js';
import { guardMfaStateStore } from './guard-mfa-state-store.js';
import { newPendingInput } from './mfa-state-store.contract.js';
import { RedisMfaStateStore } from './redis-mfa-state-store.js';

const PENDING = { ttlMs: 60_000, maxAttempts: 5 };
const CODE = { ttlMs: 60_000, resendAfterMs: 0, maxAttempts: 5 };
const DEVICE = { userId: 'user-1', fingerprint: 'v1:fp', deviceLabel: 'Phone', expiresAt: 0 };

/** Every method of the store, called once. */
function everyCall(store: MfaStateStore, token: string): [string, () => Promise<unknown>][] {
  return [
    ['createPending', () => store.createPending(newPendingInput(), PENDING)],
    ['findPending', () => store.findPending(token)],
    ['recordPendingFailure', () => store.recordPendingFailure(token)],
    ['consumePending', () => store.consumePending(token)],
    ['deletePending', () => store.deletePending(token)],
    ['issueEmailCode', () => store.issueEmailCode('subject', CODE)],
    ['verifyEmailCode', () => store.verifyEmailCode('subject', '123456')],
    ['claimOnce', () => store.claimOnce('claim', 1_000)],
    ['trustDevice', () => store.trustDevice({ ...DEVICE, expiresAt: Date.now() + 60_000 })],
    ['findTrustedDevice', () => store.findTrustedDevice('user-1', 'id')],
    ['listTrustedDevices', () => store.listTrustedDevices('user-1')],
    ['revokeTrustedDevice', () => store.revokeTrustedDevice('user-1', 'id')],
    ['revokeAllTrustedDevices', () => store.revokeAllTrustedDevices('user-1')],
    ['putSecret', () => store.putSecret('k', 'v', 1_000)],
    ['getSecret', () => store.getSecret('k')],
    ['deleteSecret', () => store.deleteSecret('k')],
  ];
}

async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return 'resolved';
}

describe('MFA state while Redis is down', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let breaker: RedisBreaker;
  let store: MfaStateStore;
  let raw: RedisMfaStateStore;
  let token: string;

  beforeAll(async () => {
    server = await startRedisServer();
    client = createRedisClient({ url: server.url, commandTimeoutMs: 300 });
    await waitForRedis(client, 5_000);
    breaker = createRedisBreaker({ resetTimeoutMs: 300, volumeThreshold: 3 });
    raw = new RedisMfaStateStore({ client });
    store = guardMfaStateStore(raw, breaker);
    ({ token } = await store.createPending(newPendingInput(), PENDING));
  });
  afterAll(async () => {
    breaker.shutdown();
    client.disconnect();
    await server.stop();
  });

  it('works through the breaker while Redis answers', async () => {
    expect(await store.findPending(token)).toMatchObject({ userId: 'user-1' });
    for (const [name, call] of everyCall(store, token))
      expect([name, await failureOf(call)]).toEqual([name, 'resolved']);
    expect(breakerState(breaker)).toBe('closed');
  });

  it('fails every call with SessionStoreUnavailableError once Redis stops, breaker open or not', async () => {
    await server.stop();
    for (const [name, call] of everyCall(raw, token))
      expect([name, await failureOf(call)]).toEqual([
        name,
        expect.any(SessionStoreUnavailableError),
      ]);
    for (const [name, call] of everyCall(store, token))
      expect([name, await failureOf(call)]).toEqual([
        name,
        expect.any(SessionStoreUnavailableError),
      ]);
    // The rolling window still holds the successes of the test before: fail until it opens.
    for (let i = 0; i < 50 && breakerState(breaker) !== 'open'; i += 1)
      expect(await failureOf(() => store.getSecret('k'))).toBeInstanceOf(
        SessionStoreUnavailableError,
      );
    expect(breakerState(breaker)).toBe('open');
    const refused = await failureOf(() => store.findPending(token));
    expect(refused).toBeInstanceOf(SessionStoreUnavailableError);
    expect((refused as Error).message).toMatch(/breaker is open/u);
  });

  it('serves again once Redis is back and the breaker has let a trial call through', async () => {
    await server.restart();
    await waitForRedis(client, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await store.claimOnce('after-outage', 1_000)).toBe(true);
    expect(breakerState(breaker)).toBe('closed');
    // A restarted private server is empty: the pending sign-in is gone, as a value.
    expect(await store.findPending(token)).toBeNull();
  });
});
