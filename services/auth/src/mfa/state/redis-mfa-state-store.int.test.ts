import { createRedisClient, waitForRedis } from '@authflow/sessions';
import { uniquePrefix } from '@authflow/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mfaStateKeys } from './mfa-state-keys.js';
import { describeMfaStateStoreContract, newPendingInput } from './mfa-state-store.contract.js';
import { RedisMfaStateStore } from './redis-mfa-state-store.js';

const redisUrl = inject('redisUrl');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function connectedClient(): Promise<Redis> {
  const client = createRedisClient({ url: redisUrl, commandTimeoutMs: 1_000 });
  await waitForRedis(client, 5_000);
  return client;
}

describeMfaStateStoreContract('redis', async () => {
  const keyPrefix = uniquePrefix('mfa-contract');
  const clients = await Promise.all([connectedClient(), connectedClient()]);
  const [storeClient, peerClient] = clients;
  return {
    store: new RedisMfaStateStore({ client: storeClient, keyPrefix }),
    peer: new RedisMfaStateStore({ client: peerClient, keyPrefix }),
    now: Date.now,
    elapse: sleep,
    close: async () => {
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
});

describe('RedisMfaStateStore on the shared test Redis', () => {
  let client: Redis;
  beforeAll(async () => {
    client = await connectedClient();
  });
  afterAll(async () => {
    await client.quit();
  });

  /** Every key under `prefix` with every string it holds. */
  async function dump(prefix: string): Promise<string[]> {
    const keys = await client.keys(`${prefix}*`);
    const texts: string[] = [...keys];
    for (const key of keys) {
      const type = await client.type(key);
      if (type === 'string') texts.push((await client.get(key)) ?? '');
      else if (type === 'hash') texts.push(...Object.entries(await client.hgetall(key)).flat());
      else texts.push(`unexpected ${type}`);
    }
    return texts;
  }

  it('keeps its keys under authflow:mfa: by default', async () => {
    const store = new RedisMfaStateStore({ client });
    const { token, pending } = await store.createPending(newPendingInput(), {
      ttlMs: 60_000,
      maxAttempts: 5,
    });
    expect(await client.exists(`authflow:mfa:pending:${pending.id}`)).toBe(1);
    await store.deletePending(token);
    expect(await client.exists(`authflow:mfa:pending:${pending.id}`)).toBe(0);
  });

  it('stores neither the pending token nor the email code, only their hashes', async () => {
    const keyPrefix = uniquePrefix('mfa-secrets');
    const store = new RedisMfaStateStore({ client, keyPrefix });
    const { token, pending } = await store.createPending(newPendingInput(), {
      ttlMs: 60_000,
      maxAttempts: 5,
    });
    const issued = await store.issueEmailCode(pending.id, {
      ttlMs: 60_000,
      resendAfterMs: 30_000,
      maxAttempts: 5,
    });
    if (!('code' in issued)) throw new Error('no code issued');
    const texts = await dump(keyPrefix);
    expect(texts).toContain(`${keyPrefix}pending:${pending.id}`);
    expect(texts).toContain(`${keyPrefix}email_code:${pending.id}`);
    expect(texts.filter((text) => text.includes(token))).toEqual([]);
    // Six digits can occur by chance inside a digest or a time: only a field equal to it counts.
    expect(texts).not.toContain(issued.code);
    expect(await store.verifyEmailCode(pending.id, issued.code)).toBe(true);
  });

  it('keeps the trusted-device hash alive as long as its latest device, then drops it', async () => {
    const keyPrefix = uniquePrefix('mfa-trusted');
    const key = mfaStateKeys(keyPrefix).trusted('user-ttl');
    const store = new RedisMfaStateStore({ client, keyPrefix });
    const device = { userId: 'user-ttl', fingerprint: 'v1:fp', deviceLabel: 'Phone' };
    await store.trustDevice({ ...device, expiresAt: Date.now() + 60_000 });
    await store.trustDevice({ ...device, expiresAt: Date.now() + 10_000 });
    expect(await client.pttl(key)).toBeGreaterThan(55_000);
    await store.trustDevice({ ...device, expiresAt: Date.now() + 120_000 });
    expect(await client.pttl(key)).toBeGreaterThan(115_000);

    const short = uniquePrefix('mfa-trusted-short');
    const shortStore = new RedisMfaStateStore({ client, keyPrefix: short });
    await shortStore.trustDevice({ ...device, expiresAt: Date.now() + 150 });
    await sleep(250);
    expect(await client.exists(mfaStateKeys(short).trusted('user-ttl'))).toBe(0);
  });

  it('reads a record that does not parse, or a key of the wrong type, as absent', async () => {
    const keyPrefix = uniquePrefix('mfa-corrupt');
    const keys = mfaStateKeys(keyPrefix);
    const store = new RedisMfaStateStore({ client, keyPrefix });
    const { token, pending } = await store.createPending(newPendingInput(), {
      ttlMs: 60_000,
      maxAttempts: 5,
    });
    await client.hset(keys.pending(pending.id), 'data', '{"userId":');
    expect(await store.findPending(token)).toBeNull();
    expect(await store.consumePending(token)).toBeNull();

    const trusted = await store.trustDevice({
      userId: 'user-c',
      fingerprint: 'v1:fp',
      deviceLabel: 'Laptop',
      expiresAt: Date.now() + 60_000,
    });
    await client.hset(
      keys.trusted('user-c'),
      trusted.id,
      JSON.stringify({ ...trusted, userId: 'x' }),
    );
    await client.hset(keys.trusted('user-c'), 'junk', 'not json');
    expect(await store.findTrustedDevice('user-c', trusted.id)).toBeNull();
    expect(await store.listTrustedDevices('user-c')).toEqual([]);
    expect(await client.exists(keys.trusted('user-c'))).toBe(0);

    await client.set(keys.trusted('user-w'), 'a string');
    expect(await store.listTrustedDevices('user-w')).toEqual([]);
    expect(await store.findTrustedDevice('user-w', 'id')).toBeNull();
    await client.hset(keys.secret('s'), 'field', 'value');
    expect(await store.getSecret('s')).toBeNull();
  });
});
