// SessionStore in process memory: the all-in-one mode's store, with the Redis adapter's semantics.
import { parseSessionHash, type SessionRecord, toSessionHash } from './session-record.js';
import {
  checkRoles,
  elevatedRecord,
  idleExpiryOf,
  isDueForTouch,
  newRecord,
} from './session-lifecycle.js';
import {
  type CreatedSession,
  DEFAULT_SESSION_POLICY,
  type NewSession,
  type RevocationListener,
  type RevocationSubscription,
  type SessionElevation,
  type SessionPolicy,
  type SessionStore,
  type SubscriptionState,
} from './session-store.js';
import { generateSessionToken, sessionIdFromToken } from './session-token.js';
import { notify } from './notify.js';

export interface MemorySessionStoreOptions {
  readonly policy?: Partial<SessionPolicy>;
  readonly maxSessionsPerUser?: number;
  readonly clock?: () => number;
  /** How often expired entries are swept out (they are also ignored as soon as they expire). */
  readonly sweepIntervalMs?: number;
}

interface StoredSession {
  /** Kept in the stored (string) form so reads go through the same schema as Redis reads. */
  hash: Record<string, string>;
  userId: string;
  absoluteExpiresAt: number;
  expiresAt: number;
}

export class MemorySessionStore implements SessionStore {
  readonly policy: SessionPolicy;
  readonly #sessions = new Map<string, StoredSession>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #devices = new Map<string, { seen: Map<string, number>; expiresAt: number }>();
  readonly #listeners = new Set<RevocationListener>();
  readonly #maxSessionsPerUser: number;
  readonly #clock: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.policy = Object.freeze({ ...DEFAULT_SESSION_POLICY, ...options.policy });
    this.#maxSessionsPerUser = options.maxSessionsPerUser ?? 100;
    this.#clock = options.clock ?? Date.now;
    this.#sweeper = setInterval(() => {
      this.#sweep();
    }, options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  create(input: NewSession): Promise<CreatedSession> {
    return settle(() => {
      const token = generateSessionToken();
      const session = newRecord(sessionIdFromToken(token), input, this.#clock(), this.policy);
      this.#store(session);
      this.#evictBeyondCap(session.userId, session.id);
      return { token, session };
    });
  }

  find(sessionId: string): Promise<SessionRecord | null> {
    const stored = this.#live(sessionId);
    return Promise.resolve(stored === undefined ? null : parseSessionHash(sessionId, stored.hash));
  }

  touch(session: SessionRecord): Promise<SessionRecord | null> {
    const now = this.#clock();
    if (session.absoluteExpiresAt <= now) return Promise.resolve(null);
    if (!isDueForTouch(session, now, this.policy)) return Promise.resolve(session);
    const stored = this.#live(session.id);
    if (stored === undefined) return Promise.resolve(null);
    stored.hash.last_seen_at = String(now);
    stored.expiresAt = Math.min(now + this.policy.idleTtlMs, stored.absoluteExpiresAt);
    return Promise.resolve({ ...session, lastSeenAt: now });
  }

  revoke(sessionId: string, options: { userId?: string } = {}): Promise<boolean> {
    const stored = this.#live(sessionId);
    if (options.userId !== undefined && stored?.userId !== options.userId)
      return Promise.resolve(false);
    this.#delete(sessionId);
    this.#publish(sessionId);
    return Promise.resolve(stored !== undefined);
  }

  elevate(sessionId: string, elevation: SessionElevation): Promise<CreatedSession | null> {
    return settle(() => {
      const stored = this.#live(sessionId);
      const current = stored === undefined ? null : parseSessionHash(sessionId, stored.hash);
      if (current === null) return null;
      const token = generateSessionToken();
      const session = elevatedRecord(current, sessionIdFromToken(token), elevation, this.#clock());
      // One synchronous step, as the Redis script is one atomic one.
      this.#delete(sessionId);
      this.#store(session);
      this.#publish(sessionId);
      return { token, session };
    });
  }

  revokeAllForUser(userId: string): Promise<string[]> {
    return Promise.resolve(this.#revokeAll(userId, undefined));
  }

  revokeOthers(userId: string, keepSessionId: string): Promise<string[]> {
    return Promise.resolve(this.#revokeAll(userId, keepSessionId));
  }

  setRolesForUser(userId: string, roles: readonly string[]): Promise<string[]> {
    return settle(() => {
      checkRoles(roles);
      // One synchronous step, as the Redis script is one atomic one; ended sessions are skipped
      // (and forgotten by #live).
      const updated = [...(this.#byUser.get(userId) ?? [])].filter(
        (id) => this.#live(id) !== undefined,
      );
      const stored = JSON.stringify(roles);
      for (const id of updated) {
        const session = this.#sessions.get(id);
        if (session !== undefined) session.hash.roles = stored;
        this.#publish(id);
      }
      return updated;
    });
  }

  listForUser(userId: string): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    for (const id of this.#byUser.get(userId) ?? []) {
      const stored = this.#live(id);
      const record = stored === undefined ? null : parseSessionHash(id, stored.hash);
      if (record !== null) records.push(record);
    }
    return Promise.resolve(records.sort((a, b) => a.createdAt - b.createdAt));
  }

  recordDeviceSeen(
    userId: string,
    deviceId: string,
  ): Promise<{ firstSeen: boolean; knownDevices: number }> {
    const now = this.#clock();
    let devices = this.#devices.get(userId);
    if (devices === undefined || devices.expiresAt <= now) {
      devices = { seen: new Map(), expiresAt: 0 };
      this.#devices.set(userId, devices);
    }
    const firstSeen = !devices.seen.has(deviceId);
    const knownDevices = devices.seen.size;
    devices.seen.set(deviceId, now);
    devices.expiresAt = now + this.policy.deviceMemoryMs;
    return Promise.resolve({ firstSeen, knownDevices });
  }

  subscribeRevocations(listener: RevocationListener): RevocationSubscription {
    this.#listeners.add(listener);
    const listeners = this.#listeners;
    let state: SubscriptionState = 'live';
    const stateListeners = new Set<(state: SubscriptionState) => void>();
    return {
      get state() {
        return state;
      },
      onStateChange: (stateListener) => stateListeners.add(stateListener),
      close: () => {
        listeners.delete(listener);
        state = 'lost';
        for (const stateListener of stateListeners) stateListener(state);
        return Promise.resolve();
      },
    };
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#listeners.clear();
    return Promise.resolve();
  }

  /** Number of sessions held, live or not yet swept (for memory checks). */
  get size(): number {
    return this.#sessions.size;
  }

  #live(sessionId: string): StoredSession | undefined {
    const stored = this.#sessions.get(sessionId);
    if (stored === undefined) return undefined;
    const now = this.#clock();
    if (stored.expiresAt <= now || stored.absoluteExpiresAt <= now) {
      this.#delete(sessionId);
      return undefined;
    }
    return stored;
  }

  #store(session: SessionRecord): void {
    this.#sessions.set(session.id, {
      hash: toSessionHash(session),
      userId: session.userId,
      absoluteExpiresAt: session.absoluteExpiresAt,
      expiresAt: idleExpiryOf(session, this.policy),
    });
    this.#userIndex(session.userId).add(session.id);
  }

  #userIndex(userId: string): Set<string> {
    let ids = this.#byUser.get(userId);
    if (ids === undefined) {
      ids = new Set();
      this.#byUser.set(userId, ids);
    }
    return ids;
  }

  #delete(sessionId: string): void {
    const stored = this.#sessions.get(sessionId);
    if (stored === undefined) return;
    this.#sessions.delete(sessionId);
    const ids = this.#byUser.get(stored.userId);
    ids?.delete(sessionId);
    if (ids?.size === 0) this.#byUser.delete(stored.userId);
  }

  #revokeAll(userId: string, keepSessionId: string | undefined): string[] {
    // Only sessions still live are revoked (and announced); ended ones are just forgotten.
    const revoked = [...(this.#byUser.get(userId) ?? [])].filter(
      (id) => id !== keepSessionId && this.#live(id) !== undefined,
    );
    for (const id of revoked) {
      this.#delete(id);
      this.#publish(id);
    }
    return revoked;
  }

  #evictBeyondCap(userId: string, newestId: string): void {
    const ids = this.#byUser.get(userId);
    if (ids === undefined || ids.size <= this.#maxSessionsPerUser) return;
    // Sessions that already ended (idle or absolute expiry) are not counted against the cap.
    for (const id of [...ids]) this.#live(id);
    if (ids.size <= this.#maxSessionsPerUser) return;
    const oldestFirst = [...ids]
      .filter((id) => id !== newestId)
      .sort(
        (a, b) =>
          (this.#sessions.get(a)?.absoluteExpiresAt ?? 0) -
          (this.#sessions.get(b)?.absoluteExpiresAt ?? 0),
      );
    for (const id of oldestFirst.slice(0, ids.size - this.#maxSessionsPerUser)) {
      this.#delete(id);
      this.#publish(id);
    }
  }

  #publish(sessionId: string): void {
    for (const listener of this.#listeners) {
      // Delivered after the current operation, like a pub/sub message; one listener's
      // failure does not stop the others.
      queueMicrotask(() => {
        notify(listener, sessionId);
      });
    }
  }

  #sweep(): void {
    const now = this.#clock();
    for (const [id, stored] of this.#sessions) {
      if (stored.expiresAt <= now || stored.absoluteExpiresAt <= now) this.#delete(id);
    }
    for (const [userId, devices] of this.#devices) {
      if (devices.expiresAt <= now) this.#devices.delete(userId);
    }
  }
}

/** Runs a synchronous operation as a promise: a thrown error rejects, as an adapter's would. */
function settle<T>(run: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(run());
  });
}
