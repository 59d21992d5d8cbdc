// Writes one batch of audit events through the audit breaker. A batch the database refuses (an
// answer, not an outage) is retried event by event, so only the refused event is lost, counted.
import { type Breaker, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import { isDatabaseUnavailableError } from '../identity/builtin/database-unavailable.js';
import type { AuditMetrics } from './audit-metrics.js';
import type { AuditLogger, DropReport } from './drop-report.js';
import type { AuditBatchStore, AuditRecord } from './sql-audit-store.js';

export type AuditBreaker = Breaker<[readonly AuditRecord[]], void>;

export interface AuditInserterOptions {
  readonly store: AuditBatchStore;
  readonly drops: DropReport;
  readonly logger: AuditLogger;
  readonly metrics?: AuditMetrics | undefined;
  readonly breakerResetMs?: number | undefined;
}

export interface BatchOutcome {
  /** How many events from the front are done with: stored, or refused for good (counted). */
  readonly handled: number;
  /** The database did not answer: the rest is still to be written. */
  readonly outage?: Error;
}

export class AuditInserter {
  readonly breaker: AuditBreaker;
  readonly #o: AuditInserterOptions;

  constructor(options: AuditInserterOptions) {
    this.#o = options;
    this.breaker = createBreaker(
      (events: readonly AuditRecord[]) => options.store.insertBatch(events),
      {
        // Its own name beside auth's `postgres` breaker: the state metric has one series each.
        name: 'postgres:audit',
        // The database adapter bounds every query itself.
        timeoutMs: false,
        resetTimeoutMs: options.breakerResetMs ?? 5_000,
        // Writes are few and backed off: three failures in the window are enough to open.
        volumeThreshold: 3,
        isFailure: isAuditOutage,
      },
    );
  }

  async write(batch: readonly AuditRecord[]): Promise<BatchOutcome> {
    const refused = await this.#insert(batch);
    if (refused === undefined) return { handled: batch.length };
    if (isAuditOutage(refused)) return { handled: 0, outage: refused };
    for (const [index, event] of batch.entries()) {
      const error = await this.#insert([event]);
      if (error === undefined) continue;
      if (isAuditOutage(error)) return { handled: index, outage: error };
      this.#o.drops.add('rejected');
      this.#o.logger.debug(
        { type: event.type, code: auditErrorCode(error) },
        'audit event refused',
      );
    }
    return { handled: batch.length };
  }

  /** Undefined when stored, else why not. */
  async #insert(batch: readonly AuditRecord[]): Promise<Error | undefined> {
    try {
      await this.breaker.fire(batch);
      this.#o.metrics?.stored.inc(batch.length);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error('audit: insert failed', { cause: error });
    }
  }
}

/** The database did not answer (or the breaker is open): worth waiting for, not dropping. */
export function isAuditOutage(error: unknown): boolean {
  return isDatabaseUnavailableError(error) || isBreakerOpenError(error);
}

/** What a log line says of a failure: a code, never a message that could quote an event. */
export function auditErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'error';
}
