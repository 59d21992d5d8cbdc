import { type RedisServerHandle, startRedisServer, uniquePrefix } from '@authflow/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { sessionKeys } from '../keys.js';
import { describeSessionStoreContract, newSessionInput } from '../session-store.contract.js';
import { SessionStoreUnavailableError } from '../session-store.js';
import { createRedisClient, waitForRedis } from './connection.js';
import { RedisSessionStore } from './redis-session-store.js';

const sharedRedisUrl = inject('redisUrl');

async function connectedClient(url: string, commandTimeoutMs = 1_000): Promise<Redis> {
  const client = createRedisClient({ url, commandTimeoutMs });
  await waitForRedis(client, 5_000);
  return client;
}

describeSessionStoreContract('redis', async ({ policy, maxSessionsPerUser }) => {
  const prefix = uniquePrefix('contract');
  const [storeClient, peerClient] = await Promise.all([
    connectedClient(sharedRedisUrl),
    connectedClient(sharedRedisUrl),
  ]);
  const clients = [storeClient, peerClient];
  const options = {
    keyPrefix: prefix,
    channel: `${prefix}revocations`,
    ...(policy === undefined ? {} : { policy }),
    ...(maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser }),
  };
  const store = new RedisSessionStore({ client: storeClient, ...options });
  const peer = new RedisSessionStore({ client: peerClient, ...options });
  return {
    store,
    peer,
    corrupt: async (sessionId, field, value) => {
      await storeClient.hset(sessionKeys(prefix).session(sessionId), field, value);
    },
    close: async () => {
      await Promise.all([store.close(), peer.close()]);
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
});

describe('RedisSessionStore on the shared test Redis', () => {
  it('reads a key of the wrong type as no session', async () => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('wrongtype');
    const store = new RedisSessionStore({ client, keyPrefix: prefix });
    await client.set(sessionKeys(prefix).session('abc'), 'not a hash');
    expect(await store.find('abc')).toBeNull();
    await client.quit();
  });

  it('drops unreadable and foreign-owned entries from a user index when listing', async () => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('strays');
    const keys = sessionKeys(prefix);
    const store = new RedisSessionStore({ client, keyPrefix: prefix });
    const good = await store.create(newSessionInput({ userId: 'u-strays' }));
    const bad = await store.create(newSessionInput({ userId: 'u-strays' }));
    const foreign = await store.create(newSessionInput({ userId: 'u-strays' }));
    await client.hset(keys.session(bad.session.id), 'roles', '"admin"');
    await client.hset(keys.session(foreign.session.id), 'user_id', 'u-someone-else');

    expect((await store.listForUser('u-strays')).map(({ id }) => id)).toEqual([good.session.id]);
    expect(await client.zrange(keys.userSessions('u-strays'), '0', '-1')).toEqual([
      good.session.id,
    ]);
    // The keys themselves are left alone (their owner and TTL decide).
    expect(await client.exists(keys.session(foreign.session.id))).toBe(1);
    await client.quit();
  });

  it('sets roles only on sessions the user owns, and unindexes the others', async () => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('roles-strays');
    const keys = sessionKeys(prefix);
    const store = new RedisSessionStore({ client, keyPrefix: prefix });
    const good = await store.create(newSessionInput({ userId: 'u-roles-strays' }));
    const foreign = await store.create(newSessionInput({ userId: 'u-roles-strays' }));
    const broken = await store.create(newSessionInput({ userId: 'u-roles-strays' }));
    await client.hset(keys.session(foreign.session.id), 'user_id', 'u-someone-else');
    await client.del(keys.session(broken.session.id));
    await client.set(keys.session(broken.session.id), 'not a hash');

    expect(await store.setRolesForUser('u-roles-strays', ['admin'])).toEqual([good.session.id]);
    expect(await client.hget(keys.session(good.session.id), 'roles')).toBe('["admin"]');
    // The other user's session keeps its roles; the wrong-type key is left to its TTL.
    expect(await client.hget(keys.session(foreign.session.id), 'roles')).toBe('["member"]');
    expect(await client.get(keys.session(broken.session.id))).toBe('not a hash');
    expect(await client.zrange(keys.userSessions('u-roles-strays'), '0', '-1')).toEqual([
      good.session.id,
    ]);
    // The field is rewritten in place: the session keeps its idle TTL.
    expect(await client.pttl(keys.session(good.session.id))).toBeGreaterThan(3_000_000);
    await client.quit();
  });

  it('keeps the user index alive as long as its longest-lived session', async () => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('index-ttl');
    const store = new RedisSessionStore({
      client,
      keyPrefix: prefix,
      policy: { absoluteTtlMs: 60_000 },
    });
    const { session } = await store.create(newSessionInput({ userId: 'u-ttl' }));
    const ttl = await client.pttl(sessionKeys(prefix).userSessions('u-ttl'));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await client.pttl(sessionKeys(prefix).session(session.id))).toBeLessThanOrEqual(
      3_600_000,
    );
    await client.quit();
  });
});

describe('RedisSessionStore records from before second factors (issue 15)', () => {
  it('reads a stored session without amr or mfa_at and elevates it', async () => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('legacy');
    const keys = sessionKeys(prefix);
    const store = new RedisSessionStore({ client, keyPrefix: prefix });
    const { session } = await store.create(newSessionInput({ userId: 'u-legacy' }));
    // As a gateway or auth of the previous release wrote it: no amr, no mfa_at.
    await client.hdel(keys.session(session.id), 'amr', 'mfa_at');
    expect(await store.find(session.id)).toEqual({ ...session, amr: ['pwd'], mfaAt: null });

    const elevated = await store.elevate(session.id, {
      aal: 'aal2',
      amr: ['pwd', 'otp'],
      mfaAt: 1_700_000_000_000,
    });
    expect(await client.hgetall(keys.session(elevated?.session.id ?? ''))).toMatchObject({
      aal: 'aal2',
      amr: '["pwd","otp"]',
      mfa_at: '1700000000000',
    });
    expect(await client.exists(keys.session(session.id))).toBe(0);
    expect(await client.zrange(keys.userSessions('u-legacy'), '0', '-1')).toEqual([
      elevated?.session.id,
    ]);
    await client.quit();
  });

  it('reads a stored session without email_verified as not verified', async () => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('legacy-verified');
    const store = new RedisSessionStore({ client, keyPrefix: prefix });
    const { session } = await store.create(newSessionInput({ emailVerified: true }));
    expect(await client.hget(sessionKeys(prefix).session(session.id), 'email_verified')).toBe('1');
    await client.hdel(sessionKeys(prefix).session(session.id), 'email_verified');
    expect(await store.find(session.id)).toEqual({ ...session, emailVerified: false });
    await client.quit();
  });

  it.each([
    ['email_verified', 'yes'],
    ['amr', '["pwd",7]'],
    ['amr', '[]'],
    ['mfa_at', 'recently'],
  ])('treats a record with a bad %s (%s) as no session', async (field, value) => {
    const client = await connectedClient(sharedRedisUrl);
    const prefix = uniquePrefix('bad-assurance');
    const store = new RedisSessionStore({ client, keyPrefix: prefix });
    const { session } = await store.create(newSessionInput());
    await client.hset(sessionKeys(prefix).session(session.id), field, value);
    expect(await store.find(session.id)).toBeNull();
    await client.quit();
  });
});

describe('RedisSessionStore when Redis fails', () => {
  const commandTimeoutMs = 300;
  let server: RedisServerHandle;
  let client: Redis;
  let store: RedisSessionStore;

  beforeAll(async () => {
    server = await startRedisServer();
    process.stdout.write(`fault-injection redis-server on port ${server.port}\n`);
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(async () => {
    server.resume();
    await store.close();
    client.disconnect();
  });

  async function freshStore(): Promise<void> {
    client = await connectedClient(server.url, commandTimeoutMs);
    store = new RedisSessionStore({ client, keyPrefix: uniquePrefix('fault') });
  }

  it('rejects every operation with a typed "store unavailable" error once Redis is killed', async () => {
    await freshStore();
    const { session } = await store.create(newSessionInput());
    await server.kill();
    const operations: [string, () => Promise<unknown>][] = [
      ['find', () => store.find(session.id)],
      ['create', () => store.create(newSessionInput())],
      ['touch', () => store.touch({ ...session, lastSeenAt: 0 })],
      ['revoke', () => store.revoke(session.id)],
      ['elevate', () => store.elevate(session.id, { aal: 'aal2', amr: ['pwd', 'otp'], mfaAt: 1 })],
      ['revokeAllForUser', () => store.revokeAllForUser(session.userId)],
      ['revokeOthers', () => store.revokeOthers(session.userId, session.id)],
      ['setRolesForUser', () => store.setRolesForUser(session.userId, ['admin'])],
      ['listForUser', () => store.listForUser(session.userId)],
      ['recordDeviceSeen', () => store.recordDeviceSeen(session.userId, 'v1:x')],
      ['ping', () => store.ping()],
    ];
    for (const [name, operation] of operations) {
      await expect(operation(), name).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    }
    await server.restart();
  });

  it('answers within the command timeout, with the typed error, while Redis is frozen', async () => {
    await freshStore();
    const { session } = await store.create(newSessionInput());
    server.pause();
    const started = performance.now();
    await expect(store.find(session.id)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    const elapsed = performance.now() - started;
    // Bounded generously: the point is that it answers instead of hanging.
    expect(elapsed).toBeLessThan(commandTimeoutMs * 5);
    server.resume();
    await vi.waitFor(async () => expect(await store.find(session.id)).toEqual(session), {
      timeout: 5_000,
    });
  });

  it('recovers on the same client after Redis restarts', async () => {
    await freshStore();
    await server.kill();
    await expect(store.ping()).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    await server.restart();
    await vi.waitFor(() => expect(store.ping()).resolves.toBeUndefined(), {
      timeout: 10_000,
      interval: 100,
    });
    const { session } = await store.create(newSessionInput());
    expect(await store.find(session.id)).toEqual(session);
  });

  it('reports the subscription lost while Redis is down and live again after, with messages flowing', async () => {
    await freshStore();
    const received: string[] = [];
    const states: string[] = [];
    const subscription = store.subscribeRevocations((id) => received.push(id));
    subscription.onStateChange((state) => states.push(state));
    await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
    await server.kill();
    await vi.waitFor(() => expect(subscription.state).toBe('lost'), { timeout: 5_000 });
    await server.restart();
    await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 10_000 });
    expect(states).toEqual(['live', 'lost', 'live']);
    await vi.waitFor(() => expect(store.ping()).resolves.toBeUndefined(), {
      timeout: 10_000,
      interval: 100,
    });
    const { session } = await store.create(newSessionInput());
    await store.revoke(session.id);
    await vi.waitFor(() => expect(received).toEqual([session.id]));
  });
});
