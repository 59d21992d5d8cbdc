// The gateway's only way to the session store: cache, single-flight lookups, breaker, timing.
import { createBreaker, isBreakerOpenError, type Breaker } from '@authflow/resilience';
import {
  isDueForTouch,
  isSessionStoreUnavailableError,
  type SessionRecord,
  type SessionStore,
  SessionStoreUnavailableError,
} from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { SessionCache } from './session-cache.js';

export interface SessionAccessOptions {
  readonly store: SessionStore;
  readonly cache: SessionCache;
  readonly metrics: GatewayMetrics;
  readonly logger: FastifyBaseLogger;
  /** Backstop above the client's command timeout: a call never waits longer than this. */
  readonly timeoutMs: number;
  readonly breaker: {
    readonly resetTimeoutMs: number;
    readonly errorThresholdPercentage: number;
    readonly volumeThreshold: number;
  };
  readonly clock?: () => number;
}

type StoreCall = () => Promise<unknown>;

export class SessionAccess {
  readonly breaker: Breaker<[StoreCall], unknown>;
  readonly #store: SessionStore;
  readonly #cache: SessionCache;
  readonly #metrics: GatewayMetrics;
  readonly #logger: FastifyBaseLogger;
  readonly #clock: () => number;
  readonly #lookups = new Map<string, Promise<SessionRecord | null>>();
  readonly #touches = new Set<string>();

  constructor(options: SessionAccessOptions) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    // One breaker guards every store call: once it opens, requests are answered at once
    // without touching Redis until a trial call succeeds.
    this.breaker = createBreaker((call: StoreCall) => call(), {
      name: 'redis',
      timeoutMs: options.timeoutMs,
      resetTimeoutMs: options.breaker.resetTimeoutMs,
      errorThresholdPercentage: options.breaker.errorThresholdPercentage,
      volumeThreshold: options.breaker.volumeThreshold,
    });
    options.metrics.breakers.track(this.breaker);
  }

  /** The session, from the cache or the store; `null` when it does not exist. Throws when unavailable. */
  find(sessionId: string): Promise<SessionRecord | null> {
    const cached = this.#cache.get(sessionId);
    if (cached !== undefined) {
      this.#metrics.cache.inc({ result: 'hit' });
      return Promise.resolve(cached);
    }
    this.#metrics.cache.inc({ result: this.#cache.enabled ? 'miss' : 'bypass' });
    const pending = this.#lookups.get(sessionId);
    if (pending !== undefined) return pending;
    const generation = this.#cache.generation;
    const lookup = this.#call('find', () => this.#store.find(sessionId))
      .then((record) => {
        if (record !== null) this.#cache.set(record, generation);
        return record;
      })
      .finally(() => this.#lookups.delete(sessionId));
    this.#lookups.set(sessionId, lookup);
    return lookup;
  }

  /**
   * Extends the idle lifetime when due, off the response path: at most one write in flight per
   * session, failures only logged (the next request retries).
   */
  touchIfDue(session: SessionRecord): void {
    if (!isDueForTouch(session, this.#clock(), this.#store.policy) || this.#touches.has(session.id))
      return;
    this.#touches.add(session.id);
    this.#call('touch', () => this.#store.touch(session))
      .then((updated) => {
        if (updated === null) this.#cache.evict(session.id);
        else this.#cache.refresh(updated);
      })
      .catch((error: unknown) => this.#logger.debug({ err: error }, 'session touch failed'))
      .finally(() => this.#touches.delete(session.id));
  }

  /** Revokes (and so publishes) a session; throws when the store is unavailable. */
  async revoke(sessionId: string): Promise<void> {
    this.#cache.evict(sessionId);
    await this.#call('revoke', () => this.#store.revoke(sessionId));
  }

  async ping(): Promise<void> {
    await this.#call('ping', () => this.#store.ping());
  }

  close(): void {
    this.breaker.shutdown();
  }

  async #call<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const stopTimer = this.#metrics.storeLatency.startTimer({ operation });
    try {
      const result = (await this.breaker.fire(call)) as T;
      stopTimer({ outcome: 'ok' });
      return result;
    } catch (error) {
      stopTimer({ outcome: isBreakerOpenError(error) ? 'breaker_open' : 'error' });
      if (isSessionStoreUnavailableError(error)) throw error;
      throw new SessionStoreUnavailableError(
        isBreakerOpenError(error)
          ? 'session store breaker is open'
          : `session store ${operation} failed`,
        { cause: error },
      );
    }
  }
}
