// MfaStateStore in process memory (all-in-one mode: one instance), with the Redis adapter's
// semantics and an injectable clock, so expiry can be tested without waiting.
import {
  generateSessionToken,
  isWellFormedSessionToken,
  sessionIdFromToken,
} from '@authflow/sessions';
import type {
  MfaStateStore,
  NewPendingSignIn,
  PendingSignIn,
  TrustedDevice,
} from '../mfa-ports.js';
import { buildPendingSignIn, buildTrustedDevice, type PendingOptions } from './build-records.js';
import { digestsMatch, emailCodeDigest, generateEmailCode } from './email-code.js';

export interface MemoryMfaStateStoreOptions {
  readonly clock?: () => number;
  /** How often expired entries are swept out (they are also ignored as soon as they expire). */
  readonly sweepIntervalMs?: number;
}

interface EmailCode {
  /** Absent once the code is spent or killed; the entry stays for the resend wait. */
  digest: string | undefined;
  issuedAt: number;
  codeExpiresAt: number;
  keepUntil: number;
  attemptsLeft: number;
}

export class MemoryMfaStateStore implements MfaStateStore {
  readonly #pending = new Map<string, PendingSignIn>();
  readonly #codes = new Map<string, EmailCode>();
  readonly #claims = new Map<string, number>();
  readonly #trusted = new Map<string, Map<string, TrustedDevice>>();
  readonly #secrets = new Map<string, { value: string; expiresAt: number }>();
  readonly #clock: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryMfaStateStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#sweeper = setInterval(() => {
      this.#sweep();
    }, options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  /** Entries held, expired ones included until swept (for tests of the sweep). */
  get size(): number {
    let devices = 0;
    for (const hash of this.#trusted.values()) devices += hash.size;
    return this.#pending.size + this.#codes.size + this.#claims.size + devices + this.#secrets.size;
  }

  createPending(
    input: NewPendingSignIn,
    options: PendingOptions,
  ): Promise<{ token: string; pending: PendingSignIn }> {
    const token = generateSessionToken();
    const pending = buildPendingSignIn(sessionIdFromToken(token), input, this.#clock(), options);
    this.#pending.set(pending.id, pending);
    return Promise.resolve({ token, pending });
  }

  findPending(token: string): Promise<PendingSignIn | null> {
    return Promise.resolve(this.#livePending(token)?.pending ?? null);
  }

  recordPendingFailure(token: string): Promise<number> {
    const live = this.#livePending(token);
    if (live === undefined) return Promise.resolve(0);
    const attemptsLeft = live.pending.attemptsLeft - 1;
    if (attemptsLeft <= 0) this.#pending.delete(live.id);
    else this.#pending.set(live.id, { ...live.pending, attemptsLeft });
    return Promise.resolve(Math.max(0, attemptsLeft));
  }

  consumePending(token: string): Promise<PendingSignIn | null> {
    const live = this.#livePending(token);
    if (live === undefined) return Promise.resolve(null);
    this.#pending.delete(live.id);
    return Promise.resolve(live.pending);
  }

  deletePending(token: string): Promise<void> {
    if (isWellFormedSessionToken(token)) this.#pending.delete(sessionIdFromToken(token));
    return Promise.resolve();
  }

  issueEmailCode(
    subject: string,
    options: { ttlMs: number; resendAfterMs: number; maxAttempts: number },
  ): Promise<{ code: string } | { retryAfterMs: number }> {
    const now = this.#clock();
    const resendAfterMs = Math.max(0, Math.ceil(options.resendAfterMs));
    const earlier = this.#liveCode(subject, now);
    if (earlier !== undefined && earlier.issuedAt + resendAfterMs > now) {
      return Promise.resolve({ retryAfterMs: Math.ceil(earlier.issuedAt + resendAfterMs - now) });
    }
    const code = generateEmailCode();
    const ttlMs = Math.max(1, Math.ceil(options.ttlMs));
    this.#codes.set(subject, {
      digest: emailCodeDigest(subject, code),
      issuedAt: now,
      codeExpiresAt: now + ttlMs,
      keepUntil: now + Math.max(ttlMs, resendAfterMs),
      attemptsLeft: Math.max(1, Math.floor(options.maxAttempts)),
    });
    return Promise.resolve({ code });
  }

  verifyEmailCode(subject: string, code: string): Promise<boolean> {
    const now = this.#clock();
    const entry = this.#liveCode(subject, now);
    if (entry?.digest === undefined) return Promise.resolve(false);
    if (entry.codeExpiresAt <= now) {
      entry.digest = undefined;
      return Promise.resolve(false);
    }
    if (digestsMatch(entry.digest, emailCodeDigest(subject, code))) {
      this.#codes.delete(subject);
      return Promise.resolve(true);
    }
    entry.attemptsLeft -= 1;
    // The last wrong attempt kills the code; the entry stays so the resend wait still holds.
    if (entry.attemptsLeft <= 0) entry.digest = undefined;
    return Promise.resolve(false);
  }

  claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock();
    const until = this.#claims.get(key);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.#claims.set(key, now + Math.max(1, Math.ceil(ttlMs)));
    return Promise.resolve(true);
  }

  trustDevice(input: Omit<TrustedDevice, 'id' | 'createdAt'>): Promise<TrustedDevice> {
    const device = buildTrustedDevice(input, this.#clock());
    const devices = this.#trusted.get(device.userId) ?? new Map<string, TrustedDevice>();
    devices.set(device.id, device);
    this.#trusted.set(device.userId, devices);
    return Promise.resolve(device);
  }

  findTrustedDevice(userId: string, id: string): Promise<TrustedDevice | null> {
    const devices = this.#trusted.get(userId);
    const device = devices?.get(id);
    if (device === undefined) return Promise.resolve(null);
    if (device.expiresAt > this.#clock()) return Promise.resolve(device);
    devices?.delete(id);
    return Promise.resolve(null);
  }

  listTrustedDevices(userId: string): Promise<TrustedDevice[]> {
    const devices = this.#pruneDevices(userId, this.#clock());
    return Promise.resolve(
      [...(devices?.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt),
    );
  }

  revokeTrustedDevice(userId: string, id: string): Promise<boolean> {
    const devices = this.#pruneDevices(userId, this.#clock());
    return Promise.resolve(devices?.delete(id) ?? false);
  }

  revokeAllTrustedDevices(userId: string): Promise<number> {
    const devices = this.#pruneDevices(userId, this.#clock());
    this.#trusted.delete(userId);
    return Promise.resolve(devices?.size ?? 0);
  }

  putSecret(key: string, value: string, ttlMs: number): Promise<void> {
    this.#secrets.set(key, { value, expiresAt: this.#clock() + Math.max(1, Math.ceil(ttlMs)) });
    return Promise.resolve();
  }

  getSecret(key: string): Promise<string | null> {
    const secret = this.#secrets.get(key);
    if (secret === undefined || secret.expiresAt > this.#clock())
      return Promise.resolve(secret?.value ?? null);
    this.#secrets.delete(key);
    return Promise.resolve(null);
  }

  deleteSecret(key: string): Promise<void> {
    this.#secrets.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.#sweeper);
    return Promise.resolve();
  }

  #livePending(token: string): { id: string; pending: PendingSignIn } | undefined {
    if (!isWellFormedSessionToken(token)) return undefined;
    const id = sessionIdFromToken(token);
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    if (pending.expiresAt > this.#clock()) return { id, pending };
    this.#pending.delete(id);
    return undefined;
  }

  #liveCode(subject: string, now: number): EmailCode | undefined {
    const entry = this.#codes.get(subject);
    if (entry === undefined || entry.keepUntil > now) return entry;
    this.#codes.delete(subject);
    return undefined;
  }

  /** The user's devices with the expired ones dropped (the map is deleted once empty). */
  #pruneDevices(userId: string, now: number): Map<string, TrustedDevice> | undefined {
    const devices = this.#trusted.get(userId);
    if (devices === undefined) return undefined;
    for (const [id, device] of devices) if (device.expiresAt <= now) devices.delete(id);
    if (devices.size === 0) this.#trusted.delete(userId);
    return devices;
  }

  #sweep(): void {
    const now = this.#clock();
    for (const [id, pending] of this.#pending)
      if (pending.expiresAt <= now) this.#pending.delete(id);
    for (const subject of [...this.#codes.keys()]) this.#liveCode(subject, now);
    for (const [key, until] of this.#claims) if (until <= now) this.#claims.delete(key);
    for (const userId of [...this.#trusted.keys()]) this.#pruneDevices(userId, now);
    for (const [key, secret] of this.#secrets)
      if (secret.expiresAt <= now) this.#secrets.delete(key);
  }
}
