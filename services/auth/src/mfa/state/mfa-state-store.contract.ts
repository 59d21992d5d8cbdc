// The MfaStateStore contract: every adapter runs this suite (describeMfaStateStoreContract).
import { isWellFormedSessionToken, sessionIdFromToken } from '@authflow/sessions';
import { afterEach, describe, expect, it } from 'vitest';
import type { MfaStateStore, NewPendingSignIn } from '../mfa-ports.js';

export interface MfaStateHarness {
  readonly store: MfaStateStore;
  /** A second handle on the same data, as another auth instance would hold. */
  readonly peer: MfaStateStore;
  /** The stores' clock. */
  readonly now: () => number;
  /** Lets `ms` pass for the stores: moves a fake clock, or waits (Redis expiry is real time). */
  readonly elapse: (ms: number) => Promise<void>;
  close(): Promise<void>;
}

export type MakeMfaStateHarness = () => Promise<MfaStateHarness>;

export function newPendingInput(overrides: Partial<NewPendingSignIn> = {}): NewPendingSignIn {
  return {
    userId: 'user-1',
    email: 'ada@example.com',
    fingerprint: `v1:${'a'.repeat(64)}`,
    next: '/app/reports',
    amr: ['pwd'],
    provider: 'builtin',
    ...overrides,
  };
}

const PENDING = { ttlMs: 300_000, maxAttempts: 5 };
const CODE = { ttlMs: 600_000, resendAfterMs: 60_000, maxAttempts: 5 };
/** Short enough for Redis to expire while the test waits. */
const SHORT_MS = 200;
const PAST_SHORT_MS = 350;

/** A six-digit code that is not `code`. */
const otherThan = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

function codeOf(issued: { code: string } | { retryAfterMs: number }): string {
  if (!('code' in issued)) throw new Error(`no code issued: retry after ${issued.retryAfterMs} ms`);
  return issued.code;
}

export function describeMfaStateStoreContract(
  adapter: string,
  makeHarness: MakeMfaStateHarness,
): void {
  describe(`MfaStateStore contract: ${adapter}`, () => {
    const open: MfaStateHarness[] = [];
    const harness = async (): Promise<MfaStateHarness> => {
      const made = await makeHarness();
      open.push(made);
      return made;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((made) => made.close()));
    });

    describe('pending sign-ins', () => {
      it('hands out a fresh token and finds the sign-in by it, under the token hash as id', async () => {
        const { store, peer, now } = await harness();
        const before = now();
        const { token, pending } = await store.createPending(newPendingInput(), PENDING);
        expect(isWellFormedSessionToken(token)).toBe(true);
        expect(pending).toMatchObject({
          ...newPendingInput(),
          id: sessionIdFromToken(token),
          attemptsLeft: 5,
        });
        expect(pending.createdAt).toBeGreaterThanOrEqual(before);
        expect(pending.expiresAt).toBe(pending.createdAt + PENDING.ttlMs);
        expect(await store.findPending(token)).toEqual(pending);
        expect(await peer.findPending(token)).toEqual(pending);
      });

      it('keeps a sign-in without a next target', async () => {
        const { store } = await harness();
        const { token } = await store.createPending(newPendingInput({ next: undefined }), PENDING);
        expect((await store.findPending(token))?.next).toBeUndefined();
      });

      it('finds nothing by the id, an unknown token or a malformed one', async () => {
        const { store } = await harness();
        const { pending } = await store.createPending(newPendingInput(), PENDING);
        expect(await store.findPending(pending.id)).toBeNull();
        expect(await store.findPending('A'.repeat(43))).toBeNull();
        expect(await store.findPending('')).toBeNull();
        expect(await store.findPending('../../etc/passwd')).toBeNull();
        expect(await store.consumePending(pending.id)).toBeNull();
        expect(await store.recordPendingFailure(pending.id)).toBe(0);
      });

      it('gives a new token at every creation', async () => {
        const { store } = await harness();
        const tokens = new Set<string>();
        for (let i = 0; i < 20; i += 1)
          tokens.add((await store.createPending(newPendingInput(), PENDING)).token);
        expect(tokens.size).toBe(20);
      });

      it('ends a pending sign-in after its ttl', async () => {
        const { store, elapse } = await harness();
        const { token } = await store.createPending(newPendingInput(), {
          ttlMs: SHORT_MS,
          maxAttempts: 5,
        });
        expect(await store.findPending(token)).not.toBeNull();
        await elapse(PAST_SHORT_MS);
        expect(await store.findPending(token)).toBeNull();
        expect(await store.consumePending(token)).toBeNull();
        expect(await store.recordPendingFailure(token)).toBe(0);
      });

      it('ends a pending sign-in at the fifth wrong code', async () => {
        const { store, peer } = await harness();
        const { token } = await store.createPending(newPendingInput(), PENDING);
        expect(await store.recordPendingFailure(token)).toBe(4);
        expect(await peer.recordPendingFailure(token)).toBe(3);
        expect((await store.findPending(token))?.attemptsLeft).toBe(3);
        expect(await store.recordPendingFailure(token)).toBe(2);
        expect(await store.recordPendingFailure(token)).toBe(1);
        expect(await store.recordPendingFailure(token)).toBe(0);
        expect(await store.findPending(token)).toBeNull();
        expect(await store.consumePending(token)).toBeNull();
        expect(await store.recordPendingFailure(token)).toBe(0);
      });

      it('counts every one of many concurrent wrong codes', async () => {
        const { store, peer } = await harness();
        const { token } = await store.createPending(newPendingInput(), {
          ttlMs: 60_000,
          maxAttempts: 10,
        });
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 === 0 ? store : peer).recordPendingFailure(token),
          ),
        );
        expect([...results].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);
        expect((await store.findPending(token))?.attemptsLeft).toBe(4);
      });

      it('lets only one of two concurrent completions consume the sign-in', async () => {
        const { store, peer } = await harness();
        for (let round = 0; round < 10; round += 1) {
          const { token, pending } = await store.createPending(newPendingInput(), PENDING);
          const results = await Promise.all([
            store.consumePending(token),
            peer.consumePending(token),
          ]);
          expect(results.filter((result) => result !== null)).toEqual([pending]);
          expect(await store.findPending(token)).toBeNull();
        }
      });

      it('consumes once, and a consumed sign-in takes no more failures', async () => {
        const { store } = await harness();
        const { token, pending } = await store.createPending(newPendingInput(), PENDING);
        expect(await store.consumePending(token)).toEqual(pending);
        expect(await store.consumePending(token)).toBeNull();
        expect(await store.recordPendingFailure(token)).toBe(0);
        expect(await store.findPending(token)).toBeNull();
      });

      it('deletes a pending sign-in, and deleting again or an unknown one is fine', async () => {
        const { store } = await harness();
        const { token } = await store.createPending(newPendingInput(), PENDING);
        await store.deletePending(token);
        expect(await store.findPending(token)).toBeNull();
        await store.deletePending(token);
        await store.deletePending('not a token');
      });
    });

    describe('email codes', () => {
      it('issues six digits that verify once', async () => {
        const { store, peer } = await harness();
        const code = codeOf(await store.issueEmailCode('subject-a', CODE));
        expect(code).toMatch(/^\d{6}$/u);
        expect(await peer.verifyEmailCode('subject-a', code)).toBe(true);
        expect(await store.verifyEmailCode('subject-a', code)).toBe(false);
      });

      it('binds a code to its subject', async () => {
        const { store } = await harness();
        const code = codeOf(await store.issueEmailCode('subject-a', CODE));
        expect(await store.verifyEmailCode('subject-b', code)).toBe(false);
        expect(await store.verifyEmailCode('subject-a', code)).toBe(true);
      });

      it('refuses a second code inside the resend wait and says how long to wait', async () => {
        const { store, elapse } = await harness();
        codeOf(await store.issueEmailCode('subject-a', CODE));
        const refused = await store.issueEmailCode('subject-a', CODE);
        expect(refused).not.toHaveProperty('code');
        const { retryAfterMs } = refused as { retryAfterMs: number };
        expect(retryAfterMs).toBeGreaterThan(CODE.resendAfterMs - 5_000);
        expect(retryAfterMs).toBeLessThanOrEqual(CODE.resendAfterMs);
        await elapse(100);
        const later = (await store.issueEmailCode('subject-a', CODE)) as { retryAfterMs: number };
        expect(later.retryAfterMs).toBeLessThanOrEqual(retryAfterMs - 100);
        expect(await store.issueEmailCode('subject-b', CODE)).toHaveProperty('code');
      });

      it('replaces the earlier code once the resend wait is over', async () => {
        const { store, elapse } = await harness();
        const options = { ...CODE, resendAfterMs: SHORT_MS };
        const first = codeOf(await store.issueEmailCode('subject-a', options));
        await elapse(PAST_SHORT_MS);
        const second = codeOf(await store.issueEmailCode('subject-a', options));
        if (first !== second) expect(await store.verifyEmailCode('subject-a', first)).toBe(false);
        expect(await store.verifyEmailCode('subject-a', second)).toBe(true);
      });

      it('refuses a code after its ttl', async () => {
        const { store, elapse } = await harness();
        const code = codeOf(
          await store.issueEmailCode('subject-a', { ...CODE, ttlMs: SHORT_MS, resendAfterMs: 0 }),
        );
        await elapse(PAST_SHORT_MS);
        expect(await store.verifyEmailCode('subject-a', code)).toBe(false);
      });

      it('kills the code at the last allowed wrong attempt, and keeps the resend wait', async () => {
        const { store, peer } = await harness();
        const code = codeOf(await store.issueEmailCode('subject-a', { ...CODE, maxAttempts: 3 }));
        expect(await store.verifyEmailCode('subject-a', otherThan(code))).toBe(false);
        expect(await peer.verifyEmailCode('subject-a', 'abcdef')).toBe(false);
        expect(await store.verifyEmailCode('subject-a', code)).toBe(true);

        const next = codeOf(await store.issueEmailCode('subject-b', { ...CODE, maxAttempts: 3 }));
        for (let i = 0; i < 3; i += 1)
          expect(await store.verifyEmailCode('subject-b', otherThan(next))).toBe(false);
        expect(await store.verifyEmailCode('subject-b', next)).toBe(false);
        expect(await store.issueEmailCode('subject-b', CODE)).toHaveProperty('retryAfterMs');
      });

      it('lets only one of two concurrent verifications of the right code pass', async () => {
        const { store, peer } = await harness();
        const code = codeOf(await store.issueEmailCode('subject-a', CODE));
        const results = await Promise.all([
          store.verifyEmailCode('subject-a', code),
          peer.verifyEmailCode('subject-a', code),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('verifies nothing for a subject without a code', async () => {
        const { store } = await harness();
        expect(await store.verifyEmailCode('nobody', '123456')).toBe(false);
      });
    });

    describe('one-time claims', () => {
      it('claims a key once until its ttl has passed', async () => {
        const { store, peer, elapse } = await harness();
        expect(await store.claimOnce('totp:factor-1:123456', SHORT_MS)).toBe(true);
        expect(await peer.claimOnce('totp:factor-1:123456', SHORT_MS)).toBe(false);
        expect(await store.claimOnce('totp:factor-1:654321', SHORT_MS)).toBe(true);
        await elapse(PAST_SHORT_MS);
        expect(await store.claimOnce('totp:factor-1:123456', SHORT_MS)).toBe(true);
      });

      it('lets one of many concurrent claims win', async () => {
        const { store, peer } = await harness();
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? store : peer).claimOnce('race', 60_000),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('trusted devices', () => {
      const device = (now: number, overrides: { userId?: string; expiresAt?: number } = {}) => ({
        userId: 'user-1',
        fingerprint: `v1:${'b'.repeat(64)}`,
        deviceLabel: 'Firefox on Linux',
        expiresAt: now + 30 * 86_400_000,
        ...overrides,
      });

      it('trusts a device under a fresh id and finds it for its user only', async () => {
        const { store, peer, now } = await harness();
        const trusted = await store.trustDevice(device(now()));
        expect(trusted).toMatchObject(device(now(), { expiresAt: trusted.expiresAt }));
        expect(trusted.id).toMatch(/^[A-Za-z0-9_-]{16,}$/u);
        expect(trusted.createdAt).toBeLessThanOrEqual(now());
        expect(await peer.findTrustedDevice('user-1', trusted.id)).toEqual(trusted);
        expect(await store.findTrustedDevice('user-2', trusted.id)).toBeNull();
        expect(await store.findTrustedDevice('user-1', 'unknown')).toBeNull();
        const again = await store.trustDevice(device(now()));
        expect(again.id).not.toBe(trusted.id);
      });

      it('lists the user devices oldest first', async () => {
        const { store, now, elapse } = await harness();
        const first = await store.trustDevice(device(now()));
        await elapse(5);
        const second = await store.trustDevice(device(now(), { expiresAt: now() + 60_000 }));
        await store.trustDevice(device(now(), { userId: 'user-2' }));
        expect(await store.listTrustedDevices('user-1')).toEqual([first, second]);
        expect(await store.listTrustedDevices('user-3')).toEqual([]);
      });

      it('treats an expired device as absent and drops it from the list', async () => {
        const { store, now, elapse } = await harness();
        const lasting = await store.trustDevice(device(now()));
        const brief = await store.trustDevice(device(now(), { expiresAt: now() + SHORT_MS }));
        expect(await store.findTrustedDevice('user-1', brief.id)).toEqual(brief);
        await elapse(PAST_SHORT_MS);
        expect(await store.findTrustedDevice('user-1', brief.id)).toBeNull();
        expect(await store.listTrustedDevices('user-1')).toEqual([lasting]);
        expect(await store.revokeTrustedDevice('user-1', brief.id)).toBe(false);
      });

      it('forgets every device once the last one has expired', async () => {
        const { store, now, elapse } = await harness();
        const brief = await store.trustDevice(device(now(), { expiresAt: now() + SHORT_MS }));
        await elapse(PAST_SHORT_MS);
        expect(await store.findTrustedDevice('user-1', brief.id)).toBeNull();
        expect(await store.listTrustedDevices('user-1')).toEqual([]);
        expect(await store.revokeAllTrustedDevices('user-1')).toBe(0);
      });

      it('revokes one device of its user', async () => {
        const { store, peer, now } = await harness();
        const kept = await store.trustDevice(device(now()));
        const revoked = await store.trustDevice(device(now()));
        expect(await store.revokeTrustedDevice('user-2', revoked.id)).toBe(false);
        expect(await peer.revokeTrustedDevice('user-1', revoked.id)).toBe(true);
        expect(await store.revokeTrustedDevice('user-1', revoked.id)).toBe(false);
        expect(await store.findTrustedDevice('user-1', revoked.id)).toBeNull();
        expect(await store.listTrustedDevices('user-1')).toEqual([kept]);
      });

      it('revokes every device of a user and says how many', async () => {
        const { store, now } = await harness();
        await store.trustDevice(device(now()));
        await store.trustDevice(device(now()));
        const other = await store.trustDevice(device(now(), { userId: 'user-2' }));
        expect(await store.revokeAllTrustedDevices('user-1')).toBe(2);
        expect(await store.listTrustedDevices('user-1')).toEqual([]);
        expect(await store.revokeAllTrustedDevices('user-1')).toBe(0);
        expect(await store.listTrustedDevices('user-2')).toEqual([other]);
      });

      it('cuts a very long device label', async () => {
        const { store, now } = await harness();
        const trusted = await store.trustDevice({
          ...device(now()),
          deviceLabel: 'x'.repeat(5_000),
        });
        expect(trusted.deviceLabel).toHaveLength(256);
        expect(await store.findTrustedDevice('user-1', trusted.id)).toEqual(trusted);
      });
    });

    describe('secrets', () => {
      it('keeps a value for its ttl, seen by every handle', async () => {
        const { store, peer, elapse } = await harness();
        await store.putSecret('provider-session:p1', 'v1.ciphertext', SHORT_MS);
        expect(await peer.getSecret('provider-session:p1')).toBe('v1.ciphertext');
        expect(await store.getSecret('provider-session:p2')).toBeNull();
        await elapse(PAST_SHORT_MS);
        expect(await store.getSecret('provider-session:p1')).toBeNull();
      });

      it('replaces and deletes a value', async () => {
        const { store } = await harness();
        await store.putSecret('k', 'first', 60_000);
        await store.putSecret('k', 'second', 60_000);
        expect(await store.getSecret('k')).toBe('second');
        await store.deleteSecret('k');
        expect(await store.getSecret('k')).toBeNull();
        await store.deleteSecret('k');
      });
    });
  });
}
