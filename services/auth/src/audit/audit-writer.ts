// The audit sink: `record` puts an event in a bounded in-memory queue and returns; a flusher writes
// the queue in batches through a breaker. While the database is down events wait (retried with
// capped backoff); when the queue is full new events are dropped, counted, logged, and the gap is
// itself written to the audit log once there is room again.
import type { AuditSink, NewAuditEvent } from '../admin/admin-ports.js';
import { type RetryPolicy, retryDelayMs } from '../mail/queue/retry-schedule.js';
import { type AuditBreaker, AuditInserter, auditErrorCode } from './audit-inserter.js';
import type { AuditMetrics } from './audit-metrics.js';
import { type AuditLogger, DropReport } from './drop-report.js';
import type { AuditBatchStore, AuditRecord } from './sql-audit-store.js';

export interface AuditWriterOptions {
  readonly store: AuditBatchStore;
  readonly logger: AuditLogger;
  readonly metrics?: AuditMetrics | undefined;
  /** The `source` of the writer's own events (the gap after an overflow). Default `auth`. */
  readonly source?: string | undefined;
  /** Events waiting at most (AUTH_AUDIT_QUEUE_CAPACITY). Default 10,000. */
  readonly capacity?: number | undefined;
  /** Events per insert at most. Default 500. */
  readonly batchSize?: number | undefined;
  /** A recorded event is written within this long (unless the database is down). Default 200. */
  readonly flushIntervalMs?: number | undefined;
  /** This many waiting events are written at once, without waiting for the interval. Default 100. */
  readonly flushThreshold?: number | undefined;
  /** The wait after a failed write: from `baseMs`, doubling, capped. Default 1 s to 10 s. */
  readonly retry?: RetryPolicy | undefined;
  readonly breakerResetMs?: number | undefined;
  /** Drops are logged at most once per this long. Default 10 s. */
  readonly dropLogIntervalMs?: number | undefined;
  readonly clock?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

/** The writer's own event for the events it had to drop: the gap is visible in the log itself. */
export const DROPPED_EVENT_TYPE = 'audit.events_dropped';

interface Gap {
  count: number;
  readonly from: number;
  to: number;
}

export class AuditWriter implements AuditSink {
  readonly breaker: AuditBreaker;
  readonly #o: AuditWriterOptions;
  readonly #clock: () => number;
  readonly #capacity: number;
  readonly #drops: DropReport;
  readonly #inserter: AuditInserter;
  readonly #queue: AuditRecord[] = [];
  #gap: Gap | undefined;
  #writing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #outageSince: number | undefined;
  #closed = false;

  constructor(options: AuditWriterOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1)
      throw new RangeError('audit: the queue capacity must be a positive integer');
    this.#drops = new DropReport({
      logger: options.logger,
      metrics: options.metrics,
      intervalMs: options.dropLogIntervalMs,
      clock: this.#clock,
    });
    this.#inserter = new AuditInserter({
      store: options.store,
      drops: this.#drops,
      logger: options.logger,
      metrics: options.metrics,
      breakerResetMs: options.breakerResetMs,
    });
    this.breaker = this.#inserter.breaker;
    // The breaker lets a trial through: try now rather than at the end of the backoff.
    this.breaker.on('halfOpen', () => {
      if (this.#retryTimer === undefined) return;
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#start();
    });
    options.metrics?.measureQueueDepth(() => this.#queue.length);
  }

  /** Events waiting to be written. */
  get depth(): number {
    return this.#queue.length;
  }

  /** Events dropped so far for a full queue (also `authflow_auth_audit_dropped_total`). */
  get droppedCount(): number {
    return this.#drops.total('queue_full');
  }

  /** Never blocks, never throws. */
  record(event: NewAuditEvent): void {
    try {
      this.#record(event);
    } catch {
      // Only a broken logger or clock gets here: the request that logged goes on regardless.
    }
  }

  #record(event: NewAuditEvent): void {
    if (this.#closed) {
      this.#drops.add('closed');
      return;
    }
    const now = this.#clock();
    // The gap is written where it happened: after what was queued before it, before this event.
    if (this.#gap !== undefined && this.#queue.length + 2 <= this.#capacity) this.#closeGap();
    if (this.#queue.length >= this.#capacity) {
      // The newest is dropped, not the oldest: what is kept is the unbroken start of the outage,
      // and what is lost is one gap with a known count and time span, written as an event later.
      this.#gap ??= { count: 0, from: now, to: now };
      this.#gap.count += 1;
      this.#gap.to = now;
      this.#drops.add('queue_full');
      return;
    }
    this.#queue.push(event);
    this.#schedule();
  }

  /**
   * Writes `events` now, outside the queue (the stream consumer's entries, which it acknowledges
   * only once stored). Rejects while the database does not answer; events the database refuses
   * are counted as dropped, not retried.
   */
  async persist(events: readonly AuditRecord[]): Promise<void> {
    const size = this.#o.batchSize ?? 500;
    for (let start = 0; start < events.length; start += size) {
      const { outage } = await this.#inserter.write(events.slice(start, start + size));
      if (outage !== undefined) throw outage;
    }
  }

  /** Writes everything queued now, backoff or not; rejects (events kept) if the database is down. */
  async flush(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    while (this.#writing !== undefined) await this.#writing;
    await this.#run();
  }

  /**
   * Stops taking events and writes what is queued, trying until `deadlineMs` has passed; what is
   * still queued then is counted as dropped and logged.
   */
  async close(deadlineMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#flushTimer);
    const deadline = this.#clock() + deadlineMs;
    for (let attempt = 1; this.#queue.length > 0 || this.#gap !== undefined; attempt += 1) {
      if (this.#gap !== undefined && this.#queue.length < this.#capacity) this.#closeGap();
      const failed = await this.flush().then(
        () => false,
        () => true,
      );
      const left = deadline - this.#clock();
      if (!failed && this.#gap === undefined) break;
      if (left <= 0) break;
      await sleep(Math.min(left, retryDelayMs(attempt, { baseMs: 100, maxMs: 1_000 })));
    }
    clearTimeout(this.#retryTimer);
    this.#drops.add('closed', this.#queue.splice(0).length + (this.#gap?.count ?? 0));
    this.#gap = undefined;
    this.#drops.flush();
    this.breaker.shutdown();
  }

  #closeGap(): void {
    const gap = this.#gap;
    if (gap === undefined) return;
    this.#gap = undefined;
    this.#queue.push({
      at: this.#clock(),
      type: DROPPED_EVENT_TYPE,
      userId: null,
      actor: null,
      sessionId: null,
      ip: null,
      requestId: null,
      source: this.#o.source ?? 'auth',
      details: { reason: 'queue_full', count: gap.count, from: gap.from, to: gap.to },
    });
  }

  #schedule(): void {
    if (this.#writing !== undefined || this.#retryTimer !== undefined || this.#queue.length === 0)
      return;
    if (this.#queue.length >= (this.#o.flushThreshold ?? 100)) {
      this.#start();
      return;
    }
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => this.#start(), this.#o.flushIntervalMs ?? 200);
    this.#flushTimer.unref();
  }

  #start(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#writing !== undefined || this.#closed) return;
    // Failures are handled inside #run (backoff); nothing is left to reject here.
    this.#run().catch(() => undefined);
  }

  /** The one write in flight at a time: drains the queue, then backs off or reports recovery. */
  #run(): Promise<void> {
    const drained = this.#drain();
    this.#writing = drained
      .then(
        () => this.#recovered(),
        (error: unknown) => this.#waitAfter(error),
      )
      .finally(() => {
        this.#writing = undefined;
        if (!this.#closed) this.#schedule();
      })
      // Nothing may escape as an unhandled rejection (the outcome is handled above).
      .catch(() => undefined);
    return drained;
  }

  /** Writes the queue front to back; rejects at the first outage, keeping what is left. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#o.batchSize ?? 500);
      const { handled, outage } = await this.#inserter.write(batch);
      this.#queue.splice(0, handled);
      if (outage !== undefined) throw outage;
      if (this.#gap !== undefined && this.#queue.length < this.#capacity) this.#closeGap();
    }
  }

  #waitAfter(error: unknown): void {
    this.#failures += 1;
    if (this.#outageSince === undefined) {
      this.#outageSince = this.#clock();
      this.#o.logger.warn(
        { event: 'audit.outage', code: auditErrorCode(error), queued: this.#queue.length },
        'audit events wait in memory: the database does not answer',
      );
    }
    const delay = retryDelayMs(
      this.#failures,
      this.#o.retry ?? { baseMs: 1_000, maxMs: 10_000 },
      this.#o.random,
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#start();
    }, delay);
    this.#retryTimer.unref();
  }

  #recovered(): void {
    this.#failures = 0;
    if (this.#outageSince === undefined) return;
    this.#o.logger.info(
      { event: 'audit.recovered', outageMs: this.#clock() - this.#outageSince },
      'audit events written again',
    );
    this.#outageSince = undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
