// SessionStore on Redis (ioredis): one hash per session, a sorted-set index per user, Lua for
// every multi-key change, pub/sub for revocations.
import type { Redis } from 'ioredis';
import { REVOCATION_CHANNEL, type SessionKeys, sessionKeys } from '../keys.js';
import { parseSessionHash, type SessionRecord, toSessionHash } from '../session-record.js';
import {
  type CreatedSession,
  DEFAULT_SESSION_POLICY,
  type NewSession,
  type RevocationListener,
  type RevocationSubscription,
  type SessionElevation,
  type SessionPolicy,
  type SessionStore,
  SessionStoreUnavailableError,
} from '../session-store.js';
import { generateSessionToken, sessionIdFromToken } from '../session-token.js';
import { checkRoles, elevatedRecord, isDueForTouch, newRecord } from '../session-lifecycle.js';
import { RedisRevocationSubscription } from './revocation-subscription.js';
import {
  createScript,
  deviceSeenScript,
  elevateScript,
  listScript,
  revokeAllScript,
  revokeScript,
  setRolesScript,
  touchScript,
  unindexScript,
} from './scripts.js';

export interface RedisSessionStoreOptions {
  /** Command connection. The store uses it but does not close it: its owner does. */
  readonly client: Redis;
  readonly policy?: Partial<SessionPolicy>;
  /** Namespace for every key (tests, shared Redis). Default: none. */
  readonly keyPrefix?: string;
  readonly channel?: string;
  /** Cap on live sessions per user; the oldest are revoked beyond it. */
  readonly maxSessionsPerUser?: number;
  readonly clock?: () => number;
}

export class RedisSessionStore implements SessionStore {
  readonly policy: SessionPolicy;
  readonly #client: Redis;
  readonly #keys: SessionKeys;
  readonly #channel: string;
  readonly #maxSessionsPerUser: number;
  readonly #clock: () => number;
  readonly #subscriptions = new Set<RevocationSubscription>();

  constructor(options: RedisSessionStoreOptions) {
    this.#client = options.client;
    this.policy = Object.freeze({ ...DEFAULT_SESSION_POLICY, ...options.policy });
    this.#keys = sessionKeys(options.keyPrefix);
    this.#channel = options.channel ?? REVOCATION_CHANNEL;
    this.#maxSessionsPerUser = options.maxSessionsPerUser ?? 100;
    this.#clock = options.clock ?? Date.now;
  }

  async create(input: NewSession): Promise<CreatedSession> {
    const token = generateSessionToken();
    const session = newRecord(sessionIdFromToken(token), input, this.#clock(), this.policy);
    const fields = Object.entries(toSessionHash(session)).flat();
    await this.#command('create', () =>
      createScript.run(
        this.#client,
        [this.#keys.session(session.id), this.#keys.userSessions(session.userId)],
        [
          this.policy.idleTtlMs,
          session.absoluteExpiresAt,
          session.id,
          session.createdAt,
          this.#channel,
          this.#keys.sessionPrefix,
          this.#maxSessionsPerUser,
          ...fields,
        ],
      ),
    );
    return { token, session };
  }

  async find(sessionId: string): Promise<SessionRecord | null> {
    // A key of the wrong type is a corrupt record, not an outage: it reads as no session.
    const hash = await this.#command('find', () =>
      this.#client.hgetall(this.#keys.session(sessionId)).catch((error: unknown) => {
        if (isWrongTypeError(error)) return {};
        throw error;
      }),
    );
    const record = parseSessionHash(sessionId, hash);
    if (record === null || record.absoluteExpiresAt <= this.#clock()) return null;
    return record;
  }

  async touch(session: SessionRecord): Promise<SessionRecord | null> {
    const now = this.#clock();
    if (session.absoluteExpiresAt <= now) return null;
    if (!isDueForTouch(session, now, this.policy)) return session;
    const extended = await this.#command('touch', () =>
      touchScript.run(this.#client, [this.#keys.session(session.id)], [now, this.policy.idleTtlMs]),
    );
    return extended === 1 ? { ...session, lastSeenAt: now } : null;
  }

  async revoke(sessionId: string, options: { userId?: string } = {}): Promise<boolean> {
    const result = await this.#command('revoke', () =>
      revokeScript.run(
        this.#client,
        [this.#keys.session(sessionId)],
        [sessionId, this.#channel, options.userId ?? '', this.#keys.userSessions('')],
      ),
    );
    return result === 1;
  }

  async elevate(sessionId: string, elevation: SessionElevation): Promise<CreatedSession | null> {
    // Read through the schema first: the new record is the old one as parsed, never raw fields
    // copied unchecked. The script then replaces it only if it is still there.
    const current = await this.find(sessionId);
    if (current === null) return null;
    const token = generateSessionToken();
    const now = this.#clock();
    const session = elevatedRecord(current, sessionIdFromToken(token), elevation, now);
    const fields = Object.entries(toSessionHash(session)).flat();
    const replaced = await this.#command('elevate', () =>
      elevateScript.run(
        this.#client,
        [
          this.#keys.session(current.id),
          this.#keys.session(session.id),
          this.#keys.userSessions(current.userId),
        ],
        [
          current.id,
          session.id,
          now,
          this.policy.idleTtlMs,
          this.#channel,
          session.absoluteExpiresAt,
          current.userId,
          ...fields,
        ],
      ),
    );
    return replaced === 1 ? { token, session } : null;
  }

  revokeAllForUser(userId: string): Promise<string[]> {
    return this.#revokeAll(userId, '');
  }

  revokeOthers(userId: string, keepSessionId: string): Promise<string[]> {
    return this.#revokeAll(userId, keepSessionId);
  }

  async setRolesForUser(userId: string, roles: readonly string[]): Promise<string[]> {
    checkRoles(roles);
    const reply = await this.#command('set-roles', () =>
      setRolesScript.run(
        this.#client,
        [this.#keys.userSessions(userId)],
        [this.#channel, this.#keys.sessionPrefix, JSON.stringify(roles), this.#clock(), userId],
      ),
    );
    return Array.isArray(reply) ? reply.filter((id): id is string => typeof id === 'string') : [];
  }

  async listForUser(userId: string): Promise<SessionRecord[]> {
    const now = this.#clock();
    const reply = await this.#command('list', () =>
      listScript.run(
        this.#client,
        [this.#keys.userSessions(userId)],
        [now, this.#keys.sessionPrefix],
      ),
    );
    const records: SessionRecord[] = [];
    const strays: string[] = [];
    const flat = Array.isArray(reply) ? reply : [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      const id: unknown = flat[index];
      const fields: unknown = flat[index + 1];
      if (typeof id !== 'string' || !Array.isArray(fields)) continue;
      const record = parseSessionHash(id, pairsToObject(fields));
      if (record !== null && record.userId === userId && record.absoluteExpiresAt > now)
        records.push(record);
      // Unreadable, or another user's: find() would never serve it to this user either, so it
      // leaves this user's index (the session key itself is left to its owner and its TTL).
      else if (record === null || record.userId !== userId) strays.push(id);
    }
    if (strays.length > 0) {
      await this.#command('unindex', () =>
        unindexScript.run(this.#client, [this.#keys.userSessions(userId)], strays),
      );
    }
    return records.sort((a, b) => a.createdAt - b.createdAt);
  }

  async recordDeviceSeen(
    userId: string,
    deviceId: string,
  ): Promise<{ firstSeen: boolean; knownDevices: number }> {
    const reply = await this.#command('device', () =>
      deviceSeenScript.run(
        this.#client,
        [this.#keys.device(userId)],
        [deviceId, this.#clock(), this.policy.deviceMemoryMs],
      ),
    );
    const values: readonly unknown[] = Array.isArray(reply) ? (reply as unknown[]) : [];
    const [known, count] = values;
    return { firstSeen: known !== 1, knownDevices: typeof count === 'number' ? count : 0 };
  }

  subscribeRevocations(listener: RevocationListener): RevocationSubscription {
    const connection = this.#client.duplicate({
      enableOfflineQueue: true,
      autoResubscribe: false,
      lazyConnect: false,
      connectionName: 'authflow-revocations',
    });
    const subscription = new RedisRevocationSubscription(connection, this.#channel, listener);
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    await this.#command('ping', () => this.#client.ping());
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    this.#subscriptions.clear();
  }

  async #revokeAll(userId: string, keepSessionId: string): Promise<string[]> {
    const reply = await this.#command('revoke-all', () =>
      revokeAllScript.run(
        this.#client,
        [this.#keys.userSessions(userId)],
        [this.#channel, keepSessionId, this.#keys.sessionPrefix],
      ),
    );
    return Array.isArray(reply) ? reply.filter((id): id is string => typeof id === 'string') : [];
  }

  /** Runs one store operation; any client failure becomes a typed "unavailable" error. */
  async #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new SessionStoreUnavailableError(`session store ${operation} failed`, { cause: error });
    }
  }
}

function isWrongTypeError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

function pairsToObject(flat: readonly unknown[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const key = flat[index];
    const value = flat[index + 1];
    if (typeof key === 'string' && typeof value === 'string') result[key] = value;
  }
  return result;
}
