// The SessionStore contract: every adapter runs this suite (describeSessionStoreContract).
import { computeFingerprint, deviceIdOf } from '@authflow/fingerprint';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionRecord } from './session-record.js';
import type { NewSession, SessionPolicy, SessionStore } from './session-store.js';
import { isWellFormedSessionToken, sessionIdFromToken } from './session-token.js';

export interface SessionStoreHarness {
  readonly store: SessionStore;
  /** A second handle on the same data, as another process would hold. */
  readonly peer: SessionStore;
  /**
   * Overwrites one stored field with raw text, as corruption or a foreign writer would, through
   * the adapter's own storage (a raw Redis client), never through the store. An adapter whose
   * records nothing else can write (the memory store) leaves it out: those cases are skipped.
   */
  readonly corrupt?: (sessionId: string, field: string, value: string) => Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly policy?: Partial<SessionPolicy>;
  readonly maxSessionsPerUser?: number;
}

export type MakeHarness = (options: HarnessOptions) => Promise<SessionStoreHarness>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function newSessionInput(overrides: Partial<NewSession> = {}): NewSession {
  return {
    userId: 'user-1',
    email: 'ada@example.com',
    roles: ['member'],
    provider: 'builtin',
    fingerprint: computeFingerprint(
      { userAgent: 'Mozilla/5.0 Test', acceptLanguage: 'en', ip: '203.0.113.9' },
      { ipGranularity: 'prefix' },
    ),
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0 Test',
    deviceLabel: 'Test browser',
    aal: 'aal1',
    ...overrides,
  };
}

export function describeSessionStoreContract(adapter: string, makeHarness: MakeHarness): void {
  describe(`SessionStore contract: ${adapter}`, () => {
    const open: SessionStoreHarness[] = [];
    const harness = async (options: HarnessOptions = {}): Promise<SessionStoreHarness> => {
      const made = await makeHarness(options);
      open.push(made);
      return made;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((made) => made.close()));
    });

    describe('create and find', () => {
      it('opens a session under a fresh token and finds it by the token hash', async () => {
        const { store } = await harness();
        const created = await store.create(newSessionInput());
        expect(isWellFormedSessionToken(created.token)).toBe(true);
        expect(created.session.id).toBe(sessionIdFromToken(created.token));
        expect(await store.find(created.session.id)).toEqual(created.session);
      });

      it('keeps every field of the record', async () => {
        const { store } = await harness();
        const input = newSessionInput({
          roles: ['admin', 'member'],
          aal: 'aal2',
          email: 'Zoë@example.com',
          emailVerified: true,
        });
        const { session } = await store.create(input);
        const found = await store.find(session.id);
        expect(found).toMatchObject({
          userId: input.userId,
          email: 'Zoë@example.com',
          roles: ['admin', 'member'],
          provider: 'builtin',
          fingerprint: input.fingerprint,
          ip: input.ip,
          userAgent: input.userAgent,
          deviceLabel: input.deviceLabel,
          aal: 'aal2',
          emailVerified: true,
        });
        expect(found?.absoluteExpiresAt).toBe(session.createdAt + store.policy.absoluteTtlMs);
      });

      it('records an address as not verified unless told it is', async () => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput());
        expect(session.emailVerified).toBe(false);
        expect(await store.find(session.id)).toMatchObject({ emailVerified: false });
      });

      it('gives a new token at every creation', async () => {
        const { store } = await harness();
        const tokens = new Set<string>();
        for (let i = 0; i < 20; i += 1) tokens.add((await store.create(newSessionInput())).token);
        expect(tokens.size).toBe(20);
      });

      it('cuts a very long user agent to the stored maximum', async () => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput({ userAgent: 'x'.repeat(5_000) }));
        expect((await store.find(session.id))?.userAgent).toHaveLength(512);
      });

      it('finds nothing for an unknown id', async () => {
        const { store } = await harness();
        expect(await store.find(sessionIdFromToken('unknown'))).toBeNull();
      });

      it('is seen by another handle on the same data', async () => {
        const { store, peer } = await harness();
        const { session } = await store.create(newSessionInput());
        expect(await peer.find(session.id)).toEqual(session);
      });
    });

    describe('expiry', () => {
      it('ends a session that stays idle past its idle lifetime', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 300 } });
        const { session } = await store.create(newSessionInput());
        expect(await store.find(session.id)).not.toBeNull();
        await sleep(450);
        expect(await store.find(session.id)).toBeNull();
        expect(await store.listForUser(session.userId)).toEqual([]);
      });

      it('does not write before half the idle lifetime has passed', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 10_000 } });
        const { session } = await store.create(newSessionInput());
        const touched = await store.touch(session);
        expect(touched).toBe(session);
        expect((await store.find(session.id))?.lastSeenAt).toBe(session.lastSeenAt);
      });

      it('slides the idle lifetime once less than half remains', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 400 } });
        const { session } = await store.create(newSessionInput());
        await sleep(250);
        const touched = await store.touch(session);
        expect(touched?.lastSeenAt).toBeGreaterThan(session.lastSeenAt);
        await sleep(250);
        // 500 ms after creation: past the first idle deadline, inside the extended one.
        expect(await store.find(session.id)).toMatchObject({ lastSeenAt: touched?.lastSeenAt });
        await sleep(500);
        expect(await store.find(session.id)).toBeNull();
      });

      it('never extends past the absolute lifetime', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 400, absoluteTtlMs: 700 } });
        const { session } = await store.create(newSessionInput());
        await sleep(250);
        const first = await store.touch(session);
        await sleep(250);
        const second = first === null ? null : await store.touch(first);
        expect(second).not.toBeNull();
        expect(await store.find(session.id)).not.toBeNull();
        await sleep(300);
        // 800 ms: the idle deadline would be ~900 ms, but the absolute one (700 ms) wins.
        expect(await store.find(session.id)).toBeNull();
        expect(second === null ? null : await store.touch({ ...second, lastSeenAt: 0 })).toBeNull();
        expect(await store.listForUser(session.userId)).toEqual([]);
      });

      it('does not bring back a revoked session when touched', async () => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput());
        await store.revoke(session.id);
        expect(await store.touch({ ...session, lastSeenAt: 0 })).toBeNull();
        expect(await store.find(session.id)).toBeNull();
      });

      it('never lets concurrent touches resurrect a session being revoked', async () => {
        const { store, peer } = await harness();
        for (let round = 0; round < 15; round += 1) {
          const { session } = await store.create(newSessionInput({ userId: `race-${round}` }));
          const stale: SessionRecord = { ...session, lastSeenAt: 0 };
          const operations = [
            () => store.touch(stale),
            () => peer.revoke(session.id),
            () => peer.touch(stale),
            () => store.touch(stale),
          ];
          if (round % 2 === 1) operations.reverse();
          await Promise.all(operations.map((operation) => operation()));
          expect(await store.find(session.id)).toBeNull();
          expect(await store.listForUser(session.userId)).toEqual([]);
        }
      });
    });

    describe('revocation', () => {
      it('revokes one session and reports whether it was live', async () => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput());
        expect(await store.revoke(session.id)).toBe(true);
        expect(await store.find(session.id)).toBeNull();
        expect(await store.revoke(session.id)).toBe(false);
      });

      it('revokes for an owner only when the session is theirs', async () => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput({ userId: 'owner' }));
        expect(await store.revoke(session.id, { userId: 'someone-else' })).toBe(false);
        expect(await store.find(session.id)).not.toBeNull();
        expect(await store.revoke(session.id, { userId: 'owner' })).toBe(true);
        expect(await store.find(session.id)).toBeNull();
      });

      it('revokes every session of a user and leaves other users alone', async () => {
        const { store } = await harness();
        const mine = await Promise.all(
          [1, 2, 3].map(() => store.create(newSessionInput({ userId: 'u-all' }))),
        );
        const theirs = await store.create(newSessionInput({ userId: 'u-other' }));
        const revoked = await store.revokeAllForUser('u-all');
        expect(revoked.sort()).toEqual(mine.map(({ session }) => session.id).sort());
        for (const { session } of mine) expect(await store.find(session.id)).toBeNull();
        expect(await store.listForUser('u-all')).toEqual([]);
        expect(await store.find(theirs.session.id)).not.toBeNull();
        expect(await store.revokeAllForUser('u-all')).toEqual([]);
      });

      it('revokes all but the current session', async () => {
        const { store } = await harness();
        const [current, ...others] = await Promise.all(
          [1, 2, 3].map(() => store.create(newSessionInput({ userId: 'u-others' }))),
        );
        const revoked = await store.revokeOthers('u-others', current!.session.id);
        expect(revoked.sort()).toEqual(others.map(({ session }) => session.id).sort());
        expect((await store.listForUser('u-others')).map(({ id }) => id)).toEqual([
          current!.session.id,
        ]);
      });

      it('delivers every revoked id to subscribers of any handle', async () => {
        const { store, peer } = await harness();
        const received: string[] = [];
        const subscription = store.subscribeRevocations((id) => received.push(id));
        await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
        const one = await store.create(newSessionInput({ userId: 'u-sub' }));
        const two = await store.create(newSessionInput({ userId: 'u-sub' }));
        const three = await store.create(newSessionInput({ userId: 'u-sub' }));
        await peer.revoke(one.session.id);
        await peer.revokeOthers('u-sub', three.session.id);
        await peer.revokeAllForUser('u-sub');
        await vi.waitFor(() =>
          expect(received).toEqual([one.session.id, two.session.id, three.session.id]),
        );
        await subscription.close();
        expect(subscription.state).toBe('lost');
      });

      it('keeps at most the configured number of sessions per user, revoking the oldest', async () => {
        const { store } = await harness({ maxSessionsPerUser: 3 });
        const received: string[] = [];
        const subscription = store.subscribeRevocations((id) => received.push(id));
        await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
        const created: SessionRecord[] = [];
        for (let i = 0; i < 4; i += 1) {
          created.push((await store.create(newSessionInput({ userId: 'u-cap' }))).session);
          await sleep(2);
        }
        const listed = (await store.listForUser('u-cap')).map(({ id }) => id);
        expect(listed).toEqual(created.slice(1).map(({ id }) => id));
        expect(await store.find(created[0]!.id)).toBeNull();
        await vi.waitFor(() => expect(received).toContain(created[0]!.id));
      });

      it('does not count sessions that ended idle against the cap', async () => {
        const { store } = await harness({ maxSessionsPerUser: 2, policy: { idleTtlMs: 400 } });
        const a = await store.create(newSessionInput({ userId: 'u-cap-idle' }));
        await store.create(newSessionInput({ userId: 'u-cap-idle' })); // B
        await sleep(250);
        // A is in use (touched past half its idle life); B is left idle and ends at 400 ms.
        expect(await store.touch(a.session)).not.toBeNull();
        // B has ended by now (not read here: a read would clean it up and hide the bug).
        await sleep(250);
        const c = await store.create(newSessionInput({ userId: 'u-cap-idle' }));
        expect(await store.find(a.session.id)).not.toBeNull();
        expect((await store.listForUser('u-cap-idle')).map(({ id }) => id)).toEqual([
          a.session.id,
          c.session.id,
        ]);
      });

      it('revokes and announces only sessions that were still live', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 300 } });
        const received: string[] = [];
        const subscription = store.subscribeRevocations((id) => received.push(id));
        await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
        const ended = await store.create(newSessionInput({ userId: 'u-all-live' }));
        await sleep(200);
        const live = await store.create(newSessionInput({ userId: 'u-all-live' }));
        await sleep(200);
        expect(await store.revokeAllForUser('u-all-live')).toEqual([live.session.id]);
        await vi.waitFor(() => expect(received).toEqual([live.session.id]));
        expect(received).not.toContain(ended.session.id);
        await subscription.close();
      });
    });

    describe('assurance and step-up', () => {
      const stepUp = { aal: 'aal2', amr: ['pwd', 'otp'], mfaAt: 1_700_000_000_000 } as const;

      it('keeps the amr and second-factor time a session is opened with', async () => {
        const { store } = await harness();
        const { session } = await store.create(
          newSessionInput({ aal: 'aal2', amr: ['pwd', 'otp'], mfaAt: 1_700_000_000_123 }),
        );
        expect(await store.find(session.id)).toMatchObject({
          aal: 'aal2',
          amr: ['pwd', 'otp'],
          mfaAt: 1_700_000_000_123,
        });
      });

      it('derives amr from the level when none is given, with no second-factor time', async () => {
        const { store } = await harness();
        const one = await store.create(newSessionInput({ aal: 'aal1' }));
        const two = await store.create(newSessionInput({ aal: 'aal2' }));
        expect(await store.find(one.session.id)).toMatchObject({ amr: ['pwd'], mfaAt: null });
        expect(await store.find(two.session.id)).toMatchObject({
          amr: ['pwd', 'mfa'],
          mfaAt: null,
        });
      });

      it('replaces the session under a new token at the new level, keeping device and lifetimes', async () => {
        const { store } = await harness();
        const old = await store.create(newSessionInput({ userId: 'u-elevate', roles: ['admin'] }));
        await sleep(5);
        const elevated = await store.elevate(old.session.id, stepUp);
        if (elevated === null) throw new Error('a live session was not elevated');
        expect(isWellFormedSessionToken(elevated.token)).toBe(true);
        expect(elevated.token).not.toBe(old.token);
        expect(elevated.session.id).toBe(sessionIdFromToken(elevated.token));
        expect(elevated.session.id).not.toBe(old.session.id);

        expect(await store.find(old.session.id)).toBeNull();
        const found = await store.find(elevated.session.id);
        expect(found).toEqual(elevated.session);
        const { id: _oldId, lastSeenAt: _oldSeen, ...kept } = old.session;
        expect(found).toEqual({
          ...kept,
          id: elevated.session.id,
          lastSeenAt: expect.any(Number) as number,
          aal: 'aal2',
          amr: ['pwd', 'otp'],
          mfaAt: stepUp.mfaAt,
        });
        expect(found?.createdAt).toBe(old.session.createdAt);
        expect(found?.absoluteExpiresAt).toBe(old.session.absoluteExpiresAt);
        expect(found?.lastSeenAt).toBeGreaterThanOrEqual(old.session.lastSeenAt);
        expect((await store.listForUser('u-elevate')).map(({ id }) => id)).toEqual([
          elevated.session.id,
        ]);
      });

      it('announces the old id on the revocation channel, to every handle', async () => {
        const { store, peer } = await harness();
        const received: string[] = [];
        const subscription = peer.subscribeRevocations((id) => received.push(id));
        await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
        const old = await store.create(newSessionInput({ userId: 'u-elevate-pub' }));
        const elevated = await store.elevate(old.session.id, stepUp);
        await vi.waitFor(() => expect(received).toEqual([old.session.id]));
        expect(await peer.find(old.session.id)).toBeNull();
        expect(await peer.find(elevated?.session.id ?? '')).toMatchObject({ aal: 'aal2' });
        await subscription.close();
      });

      it('keeps the other sessions of the user, and the list in creation order', async () => {
        const { store } = await harness();
        const first = await store.create(newSessionInput({ userId: 'u-elevate-list' }));
        await sleep(5);
        const second = await store.create(newSessionInput({ userId: 'u-elevate-list' }));
        const elevated = await store.elevate(first.session.id, stepUp);
        expect((await store.listForUser('u-elevate-list')).map(({ id }) => id)).toEqual([
          elevated?.session.id,
          second.session.id,
        ]);
        expect(await store.find(second.session.id)).toEqual(second.session);
      });

      it('elevates nothing once the session is gone', async () => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput({ userId: 'u-elevate-gone' }));
        await store.revoke(session.id);
        expect(await store.elevate(session.id, stepUp)).toBeNull();
        expect(await store.elevate(sessionIdFromToken('unknown'), stepUp)).toBeNull();
        expect(await store.listForUser('u-elevate-gone')).toEqual([]);
      });

      it('elevates a session once when two step-ups race, and never revives one being revoked', async () => {
        const { store, peer } = await harness();
        for (let round = 0; round < 10; round += 1) {
          const userId = `u-elevate-race-${round}`;
          const { session } = await store.create(newSessionInput({ userId }));
          const results = await Promise.all([
            store.elevate(session.id, stepUp),
            peer.elevate(session.id, stepUp),
          ]);
          const winners = results.filter((result) => result !== null);
          expect(winners).toHaveLength(1);
          expect((await store.listForUser(userId)).map(({ id }) => id)).toEqual([
            winners[0]?.session.id,
          ]);

          const other = await store.create(newSessionInput({ userId: `${userId}-revoked` }));
          const [raised] = await Promise.all([
            store.elevate(other.session.id, stepUp),
            peer.revoke(other.session.id),
          ]);
          expect(await store.find(other.session.id)).toBeNull();
          // Whichever came first, at most the elevated session is left, never the old one.
          const left = (await store.listForUser(`${userId}-revoked`)).map(({ id }) => id);
          expect(left).toEqual(raised === null ? [] : [raised.session.id]);
        }
      });

      it('gives the new session a fresh idle lifetime, never past the absolute one', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 400, absoluteTtlMs: 700 } });
        const old = await store.create(newSessionInput({ userId: 'u-elevate-ttl' }));
        await sleep(300);
        const elevated = await store.elevate(old.session.id, stepUp);
        await sleep(250);
        // ~550 ms: past the old idle deadline (400 ms), inside the new one (capped at 700 ms).
        expect(await store.find(elevated?.session.id ?? '')).not.toBeNull();
        await sleep(250);
        expect(await store.find(elevated?.session.id ?? '')).toBeNull();
      });

      it.for([
        ['no method', []],
        ['an upper-case code', ['PWD']],
        [
          'more than eight methods',
          ['pwd', 'otp', 'mfa', 'hwk', 'swk', 'sms', 'tel', 'pin', 'kba'],
        ],
      ] as const)('refuses to store an amr with %s, changing nothing', async ([, amr]) => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput({ userId: 'u-elevate-bad' }));
        await expect(store.elevate(session.id, { ...stepUp, amr })).rejects.toThrow(RangeError);
        await expect(store.create(newSessionInput({ amr }))).rejects.toThrow(RangeError);
        expect(await store.find(session.id)).toEqual(session);
        expect(await store.listForUser('u-elevate-bad')).toEqual([session]);
      });
    });

    describe('roles', () => {
      it('sets the roles of every live session of the user, changing nothing else', async () => {
        const { store, peer } = await harness();
        const mine = await Promise.all(
          [1, 2, 3].map(() => store.create(newSessionInput({ userId: 'u-roles' }))),
        );
        const theirs = await store.create(newSessionInput({ userId: 'u-roles-other' }));
        const updated = await store.setRolesForUser('u-roles', ['admin', 'member']);
        expect([...updated].sort()).toEqual(mine.map(({ session }) => session.id).sort());
        for (const { session } of mine) {
          expect(await store.find(session.id)).toEqual({ ...session, roles: ['admin', 'member'] });
          expect(await peer.find(session.id)).toEqual({ ...session, roles: ['admin', 'member'] });
        }
        expect(await store.find(theirs.session.id)).toEqual(theirs.session);
        expect((await store.listForUser('u-roles')).map(({ roles }) => roles)).toEqual([
          ['admin', 'member'],
          ['admin', 'member'],
          ['admin', 'member'],
        ]);
      });

      it('takes every role away with an empty list', async () => {
        const { store } = await harness();
        const { session } = await store.create(
          newSessionInput({ userId: 'u-roles-none', roles: ['admin'] }),
        );
        expect(await store.setRolesForUser('u-roles-none', [])).toEqual([session.id]);
        expect(await store.find(session.id)).toMatchObject({ roles: [] });
      });

      it('announces each updated id on the revocation channel, to every handle', async () => {
        const { store, peer } = await harness();
        const received: string[] = [];
        const subscription = peer.subscribeRevocations((id) => received.push(id));
        await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
        const one = await store.create(newSessionInput({ userId: 'u-roles-pub' }));
        const two = await store.create(newSessionInput({ userId: 'u-roles-pub' }));
        await store.create(newSessionInput({ userId: 'u-roles-pub-other' }));
        await store.setRolesForUser('u-roles-pub', ['auditor']);
        await vi.waitFor(() =>
          expect([...received].sort()).toEqual([one.session.id, two.session.id].sort()),
        );
        // Announced, not ended: the sessions are still there, with the new roles.
        expect(await peer.find(one.session.id)).toMatchObject({ roles: ['auditor'] });
        await subscription.close();
      });

      it('skips sessions that ended idle, and announces only the live ones', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 300 } });
        const received: string[] = [];
        const subscription = store.subscribeRevocations((id) => received.push(id));
        await vi.waitFor(() => expect(subscription.state).toBe('live'), { timeout: 5_000 });
        const ended = await store.create(newSessionInput({ userId: 'u-roles-idle' }));
        await sleep(200);
        const live = await store.create(newSessionInput({ userId: 'u-roles-idle' }));
        await sleep(200);
        expect(await store.setRolesForUser('u-roles-idle', ['admin'])).toEqual([live.session.id]);
        await vi.waitFor(() => expect(received).toEqual([live.session.id]));
        expect(await store.find(ended.session.id)).toBeNull();
        expect((await store.listForUser('u-roles-idle')).map(({ id }) => id)).toEqual([
          live.session.id,
        ]);
        await subscription.close();
      });

      it('skips sessions past their absolute lifetime', async () => {
        const { store } = await harness({ policy: { absoluteTtlMs: 250 } });
        const ended = await store.create(newSessionInput({ userId: 'u-roles-absolute' }));
        await sleep(350);
        const live = await store.create(newSessionInput({ userId: 'u-roles-absolute' }));
        expect(await store.setRolesForUser('u-roles-absolute', ['admin'])).toEqual([
          live.session.id,
        ]);
        expect(await store.find(ended.session.id)).toBeNull();
      });

      it('updates nothing for a user without sessions', async () => {
        const { store } = await harness();
        expect(await store.setRolesForUser('u-roles-nobody', ['admin'])).toEqual([]);
        expect(await store.listForUser('u-roles-nobody')).toEqual([]);
      });

      it('keeps the new roles through expiry extension and step-up', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 400 } });
        const { session } = await store.create(newSessionInput({ userId: 'u-roles-keep' }));
        await store.setRolesForUser('u-roles-keep', ['admin']);
        await sleep(250);
        // The caller still holds the record read before the change; the store keeps the new roles.
        expect(await store.touch(session)).not.toBeNull();
        expect(await store.find(session.id)).toMatchObject({ roles: ['admin'] });
        const elevated = await store.elevate(session.id, {
          aal: 'aal2',
          amr: ['pwd', 'otp'],
          mfaAt: 1_700_000_000_000,
        });
        expect(elevated?.session.roles).toEqual(['admin']);
        expect(await store.find(elevated?.session.id ?? '')).toMatchObject({ roles: ['admin'] });
      });

      it('never brings back a session revoked while its roles change', async () => {
        const { store, peer } = await harness();
        for (let round = 0; round < 10; round += 1) {
          const userId = `u-roles-race-${round}`;
          const { session } = await store.create(newSessionInput({ userId }));
          const operations = [
            () => store.setRolesForUser(userId, ['admin']),
            () => peer.revoke(session.id),
          ];
          if (round % 2 === 1) operations.reverse();
          await Promise.all(operations.map((operation) => operation()));
          expect(await store.find(session.id)).toBeNull();
          expect(await store.listForUser(userId)).toEqual([]);
        }
      });

      it.for([
        ['more than 64 roles', Array.from({ length: 65 }, (_, index) => `role-${index}`)],
        ['a role over 128 characters', ['r'.repeat(129)]],
      ] as const)('refuses %s, changing nothing', async ([, roles]) => {
        const { store } = await harness();
        const { session } = await store.create(newSessionInput({ userId: 'u-roles-bad' }));
        await expect(store.setRolesForUser('u-roles-bad', roles)).rejects.toThrow(RangeError);
        await expect(store.create(newSessionInput({ roles }))).rejects.toThrow(RangeError);
        expect(await store.find(session.id)).toEqual(session);
      });
    });

    describe('listing', () => {
      it("lists a user's live sessions oldest first", async () => {
        const { store } = await harness();
        const first = await store.create(newSessionInput({ userId: 'u-list' }));
        await sleep(5);
        const second = await store.create(
          newSessionInput({ userId: 'u-list', deviceLabel: 'Phone' }),
        );
        await store.create(newSessionInput({ userId: 'u-not-me' }));
        const listed = await store.listForUser('u-list');
        expect(listed).toEqual([first.session, second.session]);
      });

      it('drops dead sessions from the list as soon as they are read', async () => {
        const { store } = await harness({ policy: { idleTtlMs: 300 } });
        const short = await store.create(newSessionInput({ userId: 'u-dead' }));
        await sleep(200);
        const fresh = await store.create(newSessionInput({ userId: 'u-dead' }));
        await sleep(200);
        expect((await store.listForUser('u-dead')).map(({ id }) => id)).toEqual([fresh.session.id]);
        expect(short.session.id).not.toBe(fresh.session.id);
      });
    });

    describe('unparseable records', () => {
      it.for([
        ['fp_parts', '{not json'],
        ['roles', '"admin"'],
        ['absolute_expires_at', 'tomorrow'],
        ['aal', 'aal9'],
        ['fp', 'v1:short'],
      ] as const)(
        'treats a record with a bad %s as no session',
        async ([field, value], context) => {
          const { store, corrupt } = await harness();
          if (corrupt === undefined)
            return context.skip('nothing but the store writes its records');
          const { session } = await store.create(newSessionInput({ userId: `u-bad-${field}` }));
          await store.create(newSessionInput({ userId: `u-bad-${field}` }));
          await corrupt(session.id, field, value);
          expect(await store.find(session.id)).toBeNull();
          expect(
            await store.elevate(session.id, { aal: 'aal2', amr: ['pwd', 'otp'], mfaAt: 1 }),
          ).toBeNull();
          const listed = await store.listForUser(`u-bad-${field}`);
          expect(listed.map(({ id }) => id)).not.toContain(session.id);
          expect(listed).toHaveLength(1);
        },
      );
    });

    describe('devices', () => {
      it('tells a first sign-in from a device apart from a repeat', async () => {
        const { store } = await harness();
        const device = deviceIdOf(newSessionInput().fingerprint);
        expect(await store.recordDeviceSeen('u-dev', device)).toEqual({
          firstSeen: true,
          knownDevices: 0,
        });
        expect(await store.recordDeviceSeen('u-dev', device)).toEqual({
          firstSeen: false,
          knownDevices: 1,
        });
        expect(await store.recordDeviceSeen('u-dev', 'v1:other')).toEqual({
          firstSeen: true,
          knownDevices: 1,
        });
        expect(await store.recordDeviceSeen('u-dev', 'v1:other')).toEqual({
          firstSeen: false,
          knownDevices: 2,
        });
        expect(await store.recordDeviceSeen('u-dev-2', device)).toEqual({
          firstSeen: true,
          knownDevices: 0,
        });
      });

      it('forgets devices after the device memory lifetime', async () => {
        const { store } = await harness({ policy: { deviceMemoryMs: 250 } });
        expect(await store.recordDeviceSeen('u-forget', 'v1:d')).toEqual({
          firstSeen: true,
          knownDevices: 0,
        });
        await sleep(400);
        expect(await store.recordDeviceSeen('u-forget', 'v1:d')).toEqual({
          firstSeen: true,
          knownDevices: 0,
        });
      });
    });

    it('answers a ping', async () => {
      const { store } = await harness();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
