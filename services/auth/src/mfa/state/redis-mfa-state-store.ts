// MfaStateStore on Redis (ioredis), shared by every auth instance: one key per pending sign-in,
// email code, claim and secret, one hash of trusted devices per user, Lua for read-then-write.
import {
  generateSessionToken,
  isWellFormedSessionToken,
  sessionIdFromToken,
  SessionStoreUnavailableError,
} from '@authflow/sessions';
import type { Redis } from 'ioredis';
import type {
  MfaStateStore,
  NewPendingSignIn,
  PendingSignIn,
  TrustedDevice,
} from '../mfa-ports.js';
import { buildPendingSignIn, buildTrustedDevice, type PendingOptions } from './build-records.js';
import { emailCodeDigest, generateEmailCode } from './email-code.js';
import { type MfaStateKeys, mfaStateKeys } from './mfa-state-keys.js';
import {
  parsePendingHash,
  parseTrustedDevice,
  toPendingHash,
  toTrustedDeviceJson,
} from './mfa-state-records.js';
import {
  CONSUME_PENDING,
  CREATE_PENDING,
  ISSUE_EMAIL_CODE,
  RECORD_PENDING_FAILURE,
  REVOKE_ALL_DEVICES,
  REVOKE_DEVICE,
  TRUST_DEVICE,
  VERIFY_EMAIL_CODE,
} from './redis-mfa-scripts.js';

export interface RedisMfaStateStoreOptions {
  /** Command connection. The store uses it but does not close it: its owner does. */
  readonly client: Redis;
  /** Namespace of every key. Default `authflow:mfa:`. */
  readonly keyPrefix?: string;
  /** Times written into records and compared with them; expiry itself is Redis's (real time). */
  readonly clock?: () => number;
}

export class RedisMfaStateStore implements MfaStateStore {
  readonly #client: Redis;
  readonly #keys: MfaStateKeys;
  readonly #clock: () => number;

  constructor(options: RedisMfaStateStoreOptions) {
    this.#client = options.client;
    this.#keys = mfaStateKeys(options.keyPrefix);
    this.#clock = options.clock ?? Date.now;
  }

  async createPending(
    input: NewPendingSignIn,
    options: PendingOptions,
  ): Promise<{ token: string; pending: PendingSignIn }> {
    // The token goes to the browser only; Redis holds its SHA-256 as the id.
    const token = generateSessionToken();
    const pending = buildPendingSignIn(sessionIdFromToken(token), input, this.#clock(), options);
    const { data, left } = toPendingHash(pending);
    await this.#eval(
      'create-pending',
      CREATE_PENDING,
      [this.#keys.pending(pending.id)],
      [data, left, Math.max(1, Math.ceil(options.ttlMs))],
    );
    return { token, pending };
  }

  async findPending(token: string): Promise<PendingSignIn | null> {
    const id = pendingIdOf(token);
    if (id === null) return null;
    const hash = await this.#command('find-pending', () =>
      this.#client.hgetall(this.#keys.pending(id)).catch(emptyOnWrongType({})),
    );
    return this.#live(parsePendingHash(id, hash));
  }

  async recordPendingFailure(token: string): Promise<number> {
    const id = pendingIdOf(token);
    if (id === null) return 0;
    const left = await this.#eval('pending-failure', RECORD_PENDING_FAILURE, [
      this.#keys.pending(id),
    ]);
    return typeof left === 'number' ? Math.max(0, left) : 0;
  }

  async consumePending(token: string): Promise<PendingSignIn | null> {
    const id = pendingIdOf(token);
    if (id === null) return null;
    const reply = await this.#eval('consume-pending', CONSUME_PENDING, [this.#keys.pending(id)]);
    return this.#live(parsePendingHash(id, pairsToObject(reply)));
  }

  async deletePending(token: string): Promise<void> {
    const id = pendingIdOf(token);
    if (id === null) return;
    await this.#command('delete-pending', () => this.#client.del(this.#keys.pending(id)));
  }

  async issueEmailCode(
    subject: string,
    options: { ttlMs: number; resendAfterMs: number; maxAttempts: number },
  ): Promise<{ code: string } | { retryAfterMs: number }> {
    const code = generateEmailCode();
    const now = this.#clock();
    const ttlMs = Math.max(1, Math.ceil(options.ttlMs));
    const resendAfterMs = Math.max(0, Math.ceil(options.resendAfterMs));
    const wait = await this.#eval(
      'issue-email-code',
      ISSUE_EMAIL_CODE,
      [this.#keys.emailCode(subject)],
      [
        now,
        emailCodeDigest(subject, code),
        now + ttlMs,
        resendAfterMs,
        Math.max(1, Math.floor(options.maxAttempts)),
        // Kept past the code's own life while the resend wait runs.
        Math.max(ttlMs, resendAfterMs),
      ],
    );
    return typeof wait === 'number' && wait > 0 ? { retryAfterMs: wait } : { code };
  }

  async verifyEmailCode(subject: string, code: string): Promise<boolean> {
    const right = await this.#eval(
      'verify-email-code',
      VERIFY_EMAIL_CODE,
      [this.#keys.emailCode(subject)],
      [this.#clock(), emailCodeDigest(subject, code)],
    );
    return right === 1;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#command('claim', () =>
      this.#client.set(this.#keys.claim(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'),
    );
    return reply === 'OK';
  }

  async trustDevice(input: Omit<TrustedDevice, 'id' | 'createdAt'>): Promise<TrustedDevice> {
    const now = this.#clock();
    const device = buildTrustedDevice(input, now);
    await this.#eval(
      'trust-device',
      TRUST_DEVICE,
      [this.#keys.trusted(device.userId)],
      [device.id, toTrustedDeviceJson(device), Math.ceil(device.expiresAt - now)],
    );
    return device;
  }

  async findTrustedDevice(userId: string, id: string): Promise<TrustedDevice | null> {
    const key = this.#keys.trusted(userId);
    const json = await this.#command('find-device', () =>
      this.#client.hget(key, id).catch(emptyOnWrongType(null)),
    );
    if (json === null) return null;
    const device = parseTrustedDevice(userId, id, json);
    if (device !== null && device.expiresAt > this.#clock()) return device;
    await this.#command('prune-devices', () => this.#client.hdel(key, id));
    return null;
  }

  async listTrustedDevices(userId: string): Promise<TrustedDevice[]> {
    const key = this.#keys.trusted(userId);
    const entries = await this.#command('list-devices', () =>
      this.#client.hgetall(key).catch(emptyOnWrongType({})),
    );
    const now = this.#clock();
    const live: TrustedDevice[] = [];
    const dead: string[] = [];
    for (const [id, json] of Object.entries(entries)) {
      const device = parseTrustedDevice(userId, id, json);
      if (device !== null && device.expiresAt > now) live.push(device);
      else dead.push(id);
    }
    // Expired or unreadable entries would never be honoured: they leave the hash.
    if (dead.length > 0)
      await this.#command('prune-devices', () => this.#client.hdel(key, ...dead));
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  async revokeTrustedDevice(userId: string, id: string): Promise<boolean> {
    const json = await this.#eval(
      'revoke-device',
      REVOKE_DEVICE,
      [this.#keys.trusted(userId)],
      [id],
    );
    const device = typeof json === 'string' ? parseTrustedDevice(userId, id, json) : null;
    return device !== null && device.expiresAt > this.#clock();
  }

  async revokeAllTrustedDevices(userId: string): Promise<number> {
    const reply = await this.#eval('revoke-all-devices', REVOKE_ALL_DEVICES, [
      this.#keys.trusted(userId),
    ]);
    const now = this.#clock();
    return Object.entries(pairsToObject(reply)).filter(([id, json]) => {
      const device = parseTrustedDevice(userId, id, json);
      return device !== null && device.expiresAt > now;
    }).length;
  }

  async putSecret(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#command('put-secret', () =>
      this.#client.set(this.#keys.secret(key), value, 'PX', Math.max(1, Math.ceil(ttlMs))),
    );
  }

  async getSecret(key: string): Promise<string | null> {
    return this.#command('get-secret', () =>
      this.#client.get(this.#keys.secret(key)).catch(emptyOnWrongType(null)),
    );
  }

  async deleteSecret(key: string): Promise<void> {
    await this.#command('delete-secret', () => this.#client.del(this.#keys.secret(key)));
  }

  /** The client belongs to its owner, who quits it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** A record whose time is up counts as gone, even in the moment before Redis expires it. */
  #live(pending: PendingSignIn | null): PendingSignIn | null {
    return pending !== null && pending.expiresAt > this.#clock() ? pending : null;
  }

  #eval(
    operation: string,
    script: string,
    keys: readonly string[],
    args: readonly (string | number)[] = [],
  ): Promise<unknown> {
    return this.#command(operation, () => this.#client.eval(script, keys.length, ...keys, ...args));
  }

  /** Runs one operation; any client failure becomes a typed "unavailable" error. */
  async #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new SessionStoreUnavailableError(`mfa state ${operation} failed`, { cause: error });
    }
  }
}

/** Only a token of the exact shape is looked up; its id is its SHA-256. */
function pendingIdOf(token: string): string | null {
  return isWellFormedSessionToken(token) ? sessionIdFromToken(token) : null;
}

/** A key of the wrong type is a corrupt record, not an outage: it reads as absent. */
function emptyOnWrongType<T>(empty: T): (error: unknown) => T {
  return (error: unknown) => {
    if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return empty;
    throw error;
  };
}

function pairsToObject(reply: unknown): Record<string, string> {
  const flat: readonly unknown[] = Array.isArray(reply) ? reply : [];
  const result: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const key = flat[index];
    const value = flat[index + 1];
    if (typeof key === 'string' && typeof value === 'string') result[key] = value;
  }
  return result;
}
