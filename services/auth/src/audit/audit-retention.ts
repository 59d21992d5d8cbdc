// Forgets audit events older than the retention period (AUTH_AUDIT_RETENTION_DAYS, default 90),
// once at start and then every hour. Every auth instance may run it: deleting twice is harmless.
import type { AuditLogger } from './drop-report.js';
import type { SqlAuditStore } from './sql-audit-store.js';

export interface AuditRetentionOptions {
  readonly store: Pick<SqlAuditStore, 'deleteOlderThan'>;
  readonly logger: AuditLogger;
  /** Events older than this many days are deleted. Default 90. */
  readonly retentionDays?: number | undefined;
  /** Default one hour. */
  readonly intervalMs?: number | undefined;
  readonly clock?: (() => number) | undefined;
}

const DAY_MS = 86_400_000;

export class AuditRetention {
  readonly #o: AuditRetentionOptions;
  readonly #clock: () => number;
  readonly #retentionMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(options: AuditRetentionOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    const days = options.retentionDays ?? 90;
    if (!Number.isInteger(days) || days < 1)
      throw new RangeError('audit: the retention must be a whole number of days, at least 1');
    this.#retentionMs = days * DAY_MS;
  }

  /** The first pass soon after start (not during it), then one per interval. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#schedule(1_000);
  }

  /** Deletes what is past retention now; returns how many events went. */
  async runOnce(): Promise<number> {
    const deleted = await this.#o.store.deleteOlderThan(this.#clock() - this.#retentionMs);
    if (deleted > 0)
      this.#o.logger.info(
        { event: 'audit.retention', deleted, retentionDays: this.#retentionMs / DAY_MS },
        'old audit events deleted',
      );
    return deleted;
  }

  /** Stops the timer; a pass in progress is waited for. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce();
      this.#running
        .catch((error: unknown) => {
          // Once an hour at most; the next pass catches up.
          this.#o.logger.warn(
            { event: 'audit.retention', code: (error as { code?: unknown } | null)?.code },
            'audit retention pass failed',
          );
          return 0;
        })
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopped) this.#schedule(this.#o.intervalMs ?? 3_600_000);
        })
        .catch(() => undefined);
    }, delayMs);
    this.#timer.unref();
  }
}
