// Counts audit events that could not be stored and says so in the log: at once for the first, then
// at most one line per interval with the count since the last line, so a flood costs few lines.
import type { AuditDropReason, AuditMetrics } from './audit-metrics.js';

/** The part of a pino logger the audit classes use. */
export interface AuditLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface DropReportOptions {
  readonly logger: AuditLogger;
  readonly metrics?: AuditMetrics | undefined;
  readonly intervalMs?: number | undefined;
  readonly clock?: (() => number) | undefined;
}

const MEANING: Readonly<Record<AuditDropReason, string>> = {
  queue_full: 'the in-memory queue is full while the database does not answer',
  rejected: 'the database refused them',
  invalid: 'stream entries that are not audit events',
  closed: 'the audit writer was closed',
};

export class DropReport {
  readonly #options: DropReportOptions;
  readonly #clock: () => number;
  readonly #unlogged = new Map<AuditDropReason, number>();
  readonly #totals = new Map<AuditDropReason, number>();
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DropReportOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Every drop since this report began, by reason. */
  total(reason: AuditDropReason): number {
    return this.#totals.get(reason) ?? 0;
  }

  add(reason: AuditDropReason, count = 1): void {
    if (count <= 0) return;
    this.#options.metrics?.dropped.inc({ reason }, count);
    this.#totals.set(reason, this.total(reason) + count);
    this.#unlogged.set(reason, (this.#unlogged.get(reason) ?? 0) + count);
    const interval = this.#options.intervalMs ?? 10_000;
    const wait = this.#lastLogAt + interval - this.#clock();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, wait);
    this.#timer.unref();
  }

  /** Logs what is not logged yet, now (the writer's close calls it last). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#unlogged.size === 0) return;
    this.#lastLogAt = this.#clock();
    for (const [reason, count] of this.#unlogged)
      this.#options.logger.warn(
        { event: 'audit.dropped', reason, count, total: this.total(reason) },
        `audit events dropped: ${count} not stored (${MEANING[reason]})`,
      );
    this.#unlogged.clear();
  }
}
