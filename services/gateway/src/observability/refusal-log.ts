// Requests refused because a dependency is down, logged as one count per interval, not a line each.
import type { FastifyBaseLogger } from 'fastify';

export interface RefusalLogOptions {
  readonly logger: FastifyBaseLogger;
  /** The dependency's name in the log (`redis`). */
  readonly dependency: string;
  /** At most one line per interval; the count covers it. */
  readonly intervalMs?: number;
  readonly clock?: () => number;
}

/**
 * An outage at 100 requests/s would otherwise write 100 lines a second. The first refusal after
 * a quiet spell starts an interval; when it ends (or the dependency is back, whichever is first),
 * one warning says how many requests were refused in it and why the last one was. State changes (breaker open, connection lost) are
 * logged where they happen.
 */
export class RefusalLog {
  readonly #options: RefusalLogOptions;
  readonly #intervalMs: number;
  readonly #clock: () => number;
  #count = 0;
  #lastError: unknown;
  #since = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RefusalLogOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  record(error: unknown): void {
    this.#count += 1;
    // Only the last one is logged: described when the count is written, not per request.
    this.#lastError = error;
    if (this.#timer !== undefined) return;
    this.#since = this.#clock();
    this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Writes the pending count now (at the end of an interval, and at shutdown). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#count === 0) return;
    const { dependency } = this.#options;
    const sinceMs = this.#clock() - this.#since;
    const seconds = Math.round(sinceMs / 100) / 10;
    this.#options.logger.warn(
      {
        event: 'dependency.refused',
        dependency,
        refused: this.#count,
        sinceMs,
        lastReason: reasonOf(this.#lastError),
      },
      `${this.#count} requests refused while ${dependency} was unavailable in the last ${seconds} s`,
    );
    this.#count = 0;
  }
}

/** The error's message and its cause's (no stack): "session store find failed: Connection is closed." */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
