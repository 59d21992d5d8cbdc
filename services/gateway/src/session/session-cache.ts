// A small in-process cache of session records, safe against revocation races.
import type { SessionRecord } from '@authflow/sessions';
import { LRUCache } from 'lru-cache';

export interface SessionCacheOptions {
  /** How long a record is served without asking the store; 0 disables the cache. */
  readonly ttlMs: number;
  readonly maxEntries: number;
}

/**
 * Records are served for a few seconds without a store round trip. Safety comes from
 * revocation messages: a revoked id is evicted and tombstoned (so a lookup already in flight
 * cannot put it back), and while the revocation subscription is not live the cache is empty
 * and bypassed, because messages may be missed.
 */
export class SessionCache {
  readonly #entries: LRUCache<string, SessionRecord> | undefined;
  readonly #tombstones: LRUCache<string, true>;
  #enabled = false;
  /** Bumped whenever the cache is flushed; a lookup started before may not fill it. */
  #generation = 0;

  constructor(options: SessionCacheOptions) {
    if (options.ttlMs > 0) {
      this.#entries = new LRUCache({
        max: options.maxEntries,
        ttl: options.ttlMs,
        ttlAutopurge: false,
      });
    }
    // Kept even without a cache: a WebSocket that finishes opening after its session was
    // revoked is closed at once.
    this.#tombstones = new LRUCache({
      max: options.maxEntries,
      ttl: Math.max(options.ttlMs * 2, 10_000),
    });
  }

  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /** Whether the cache is serving (configured on and revocations live). */
  get enabled(): boolean {
    return this.#enabled && this.#entries !== undefined;
  }

  get(sessionId: string): SessionRecord | undefined {
    return this.#enabled ? this.#entries?.get(sessionId) : undefined;
  }

  /** Stores a record fetched when the cache was at `generation`, unless anything changed since. */
  set(record: SessionRecord, generation: number): void {
    if (!this.#enabled || generation !== this.#generation || this.#tombstones.has(record.id))
      return;
    this.#entries?.set(record.id, record);
  }

  /** Replaces a cached record (after a touch) without extending its stay. */
  refresh(record: SessionRecord): void {
    if (this.#entries?.has(record.id) === true)
      this.#entries.set(record.id, record, { noUpdateTTL: true });
  }

  evict(sessionId: string): void {
    this.#entries?.delete(sessionId);
    this.#tombstones.set(sessionId, true);
  }

  /** True when the id was revoked in the last moments (used for WebSockets opening late). */
  wasRevoked(sessionId: string): boolean {
    return this.#tombstones.has(sessionId);
  }

  /** Turns serving on (subscription live) or off and empties it (subscription lost). */
  setEnabled(enabled: boolean): void {
    if (!enabled) this.flush();
    this.#enabled = enabled;
  }

  flush(): void {
    this.#generation += 1;
    this.#entries?.clear();
  }
}
