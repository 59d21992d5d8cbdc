import { describe, expect, it } from 'vitest';
import { describeMfaStateStoreContract, newPendingInput } from './mfa-state-store.contract.js';
import { MemoryMfaStateStore } from './memory-mfa-state-store.js';

describeMfaStateStoreContract('memory', () => {
  let now = 1_700_000_000_000;
  const store = new MemoryMfaStateStore({ clock: () => now });
  return Promise.resolve({
    store,
    // One process holds the memory store: its peer is the store itself.
    peer: store,
    now: () => now,
    elapse: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    close: () => store.close(),
  });
});

describe('MemoryMfaStateStore', () => {
  it('sweeps expired entries so memory stays bounded', async () => {
    let now = 1_700_000_000_000;
    const store = new MemoryMfaStateStore({ clock: () => now, sweepIntervalMs: 10 });
    for (let i = 0; i < 50; i += 1) {
      await store.createPending(newPendingInput(), { ttlMs: 1_000, maxAttempts: 5 });
      await store.issueEmailCode(`subject-${i}`, {
        ttlMs: 1_000,
        resendAfterMs: 500,
        maxAttempts: 5,
      });
      await store.claimOnce(`claim-${i}`, 1_000);
      await store.trustDevice({
        userId: `user-${i}`,
        fingerprint: 'v1:fp',
        deviceLabel: 'device',
        expiresAt: now + 1_000,
      });
      await store.putSecret(`secret-${i}`, 'sealed', 1_000);
    }
    expect(store.size).toBe(250);
    now += 1_001;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.size).toBe(0);
    await store.close();
  });
});
