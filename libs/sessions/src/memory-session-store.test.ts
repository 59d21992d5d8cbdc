import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from './memory-session-store.js';
import { describeSessionStoreContract, newSessionInput } from './session-store.contract.js';

describeSessionStoreContract('memory', ({ policy, maxSessionsPerUser }) => {
  const store = new MemorySessionStore({
    ...(policy === undefined ? {} : { policy }),
    ...(maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser }),
  });
  return Promise.resolve({
    store,
    // One process holds the memory store: its peer is the store itself. Nothing else writes its
    // records, so there is no `corrupt`: the unparseable-record cases run against Redis only.
    peer: store,
    close: () => store.close(),
  });
});

describe('MemorySessionStore', () => {
  it('sweeps expired sessions so memory stays bounded', async () => {
    const store = new MemorySessionStore({ policy: { idleTtlMs: 50 }, sweepIntervalMs: 20 });
    for (let i = 0; i < 100; i += 1) await store.create(newSessionInput({ userId: `u-${i}` }));
    expect(store.size).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(store.size).toBe(0);
    await store.close();
  });

  it('keeps delivering revocations when one listener throws', async () => {
    const store = new MemorySessionStore();
    const received: string[] = [];
    store.subscribeRevocations(() => {
      throw new Error('listener bug');
    });
    store.subscribeRevocations((id) => received.push(id));
    const { session } = await store.create(newSessionInput());
    await store.revoke(session.id);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(received).toEqual([session.id]);
    await store.close();
  });
});
