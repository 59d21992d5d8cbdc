// Audit events appended to the Redis stream, fire-and-forget: a slow or absent Redis costs an
// event (counted, logged at most once per interval), never a request its answer or its time.
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import {
  AUDIT_STREAM,
  AUDIT_STREAM_MAX_ENTRIES,
  type AuditFacts,
  type AuditRecorder,
  type GatewayAuditEvent,
} from './audit-stream.js';

/** The one command used, as ioredis offers it (its command timeout bounds every call). */
export interface AuditStreamClient {
  xadd(...args: string[]): Promise<unknown>;
}

export interface RedisAuditStreamOptions {
  readonly client: AuditStreamClient;
  /**
   * True while the session store's breaker is open: Redis is known to be down, so nothing is
   * sent. Writes do not go through that breaker: an audit write that fails (a full Redis, an ACL
   * without XADD) must never open it and so fail session lookups.
   */
  readonly isUnavailable: () => boolean;
  readonly dropped: Counter;
  readonly logger: FastifyBaseLogger;
  /** Writes waiting for Redis at once; beyond it, events are dropped rather than queued. */
  readonly maxInFlight?: number;
  readonly logIntervalMs?: number;
  readonly clock?: () => number;
}

export class RedisAuditStream implements AuditRecorder {
  readonly #options: RedisAuditStreamOptions;
  readonly #maxInFlight: number;
  readonly #logIntervalMs: number;
  readonly #clock: () => number;
  #inFlight = 0;
  /** Drops not yet described in a log line, and when the last line was written. */
  #unlogged = 0;
  #lastReason = '';
  #loggedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RedisAuditStreamOptions) {
    this.#options = options;
    this.#maxInFlight = options.maxInFlight ?? 1_000;
    this.#logIntervalMs = options.logIntervalMs ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  record(facts: AuditFacts): void {
    if (this.#options.isUnavailable()) {
      this.#drop('redis unavailable (breaker open)');
      return;
    }
    if (this.#inFlight >= this.#maxInFlight) {
      this.#drop('too many writes in flight');
      return;
    }
    const event: GatewayAuditEvent = {
      ...facts,
      at: this.#clock(),
      actor: null,
      source: 'gateway',
    };
    let json: string;
    try {
      json = JSON.stringify(event);
    } catch {
      this.#drop('event not serialisable');
      return;
    }
    this.#inFlight += 1;
    void this.#options.client
      .xadd(AUDIT_STREAM, 'MAXLEN', '~', String(AUDIT_STREAM_MAX_ENTRIES), '*', 'event', json)
      .then(
        () => undefined,
        (error: unknown) => {
          this.#drop(error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => {
        this.#inFlight -= 1;
      });
  }

  /** Writes the pending drop count now (at shutdown). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#unlogged === 0) return;
    this.#options.logger.warn(
      { event: 'audit.dropped', dropped: this.#unlogged, lastReason: this.#lastReason },
      `${this.#unlogged} audit events could not be written to ${AUDIT_STREAM}`,
    );
    this.#unlogged = 0;
    this.#loggedAt = this.#clock();
  }

  #drop(reason: string): void {
    this.#options.dropped.inc();
    this.#unlogged += 1;
    this.#lastReason = reason;
    const wait = this.#loggedAt + this.#logIntervalMs - this.#clock();
    if (wait <= 0) {
      this.flush();
      return;
    }
    // Within the interval: counted now, described in one line when it ends.
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.flush(), wait);
    this.#timer.unref();
  }
}
