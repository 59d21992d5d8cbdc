// The gateway's only way to the session store: cache, single-flight lookups, breaker, timing.
import {
  type Breaker,
  createBreaker,
  isBreakerOpenError,
  logBreakerTransitions,
} from '@authflow/resilience';
import {
  isDueForTouch,
  isSessionStoreUnavailableError,
  type SessionRecord,
  type SessionStore,
  SessionStoreUnavailableError,
} from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { RefusalLog } from '../observability/refusal-log.js';
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
  /** While the breaker is open, the store is pinged this often; an answer closes the breaker. */
  readonly probeIntervalMs: number;
  readonly clock?: () => number;
}

type StoreCall = () => Promise<unknown>;

export class SessionAccess {
  readonly breaker: Breaker<[StoreCall], unknown>;
  /** Requests refused for want of the store, logged as a count per interval. */
  readonly refusals: RefusalLog;
  readonly #store: SessionStore;
  readonly #cache: SessionCache;
  readonly #metrics: GatewayMetrics;
  readonly #logger: FastifyBaseLogger;
  readonly #clock: () => number;
  readonly #lookups = new Map<string, Promise<SessionRecord | null>>();
  readonly #touches = new Set<string>();
  readonly #probeIntervalMs: number;
  readonly #probeTimeoutMs: number;
  #probe: NodeJS.Timeout | undefined;
  #probing = false;

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
    this.refusals = new RefusalLog({ logger: options.logger, dependency: 'redis' });
    this.#probeIntervalMs = options.probeIntervalMs;
    this.#probeTimeoutMs = options.timeoutMs;
    this.breaker.on('open', () => this.#startProbing());
    this.breaker.on('close', () => {
      this.#stopProbing();
      // The outage is over: its refusal count goes out now (before the "closed" line), rather
      // than at the interval's end.
      this.refusals.flush();
    });
    logBreakerTransitions(this.breaker, options.logger);
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
   * The cached session, or `undefined`: no lookup, no count (the fast path asks this first and
   * counts the hit only once it keeps the request; a request it hands on is counted by `find`).
   */
  cached(sessionId: string): SessionRecord | undefined {
    return this.#cache.get(sessionId);
  }

  /** Counts a cache hit the fast path answered from (see `cached`). */
  countHit(): void {
    this.#metrics.cache.inc({ result: 'hit' });
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

  /**
   * Drops a session from this instance's cache at once, when an upstream's answer ended it (auth
   * expiring the session cookie at sign-out): the revocation message would come a moment later.
   * Only ever costs a store read: a session that still exists is found there again.
   */
  forget(sessionId: string): void {
    this.#cache.evict(sessionId);
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
    this.#stopProbing();
    this.breaker.shutdown();
    this.refusals.flush();
  }

  /**
   * Recovery does not wait for the breaker's reset timeout and a request to try: a ping every
   * probe interval (one at a time, straight to the store) closes the breaker as soon as Redis
   * answers again. While the client is disconnected a ping fails at once without network I/O.
   */
  #startProbing(): void {
    if (this.#probe !== undefined) return;
    this.#probe = setInterval(() => void this.#runProbe(), this.#probeIntervalMs);
    this.#probe.unref();
  }

  #stopProbing(): void {
    clearInterval(this.#probe);
    this.#probe = undefined;
  }

  async #runProbe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#store.ping(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('probe timed out')), this.#probeTimeoutMs);
        }),
      ]);
      if (this.#probe !== undefined && !this.breaker.closed) this.breaker.close();
    } catch {
      // Still down: the next probe tries again.
    } finally {
      clearTimeout(timer);
      this.#probing = false;
    }
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
