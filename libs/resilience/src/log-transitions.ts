// One log line per breaker state change that matters, instead of one error per refused call.
import type CircuitBreaker from 'opossum';

/** The part of a pino (or console-like) logger the transition log needs. */
export interface TransitionLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface TransitionLogOptions {
  /** What the outage means for clients, added to the warning (`mail stays queued`). */
  readonly effect?: string;
  readonly clock?: () => number;
}

/**
 * Logs an outage once: a warning when the breaker opens, an info line with the outage's length
 * when it closes again. The trials in between (half-open, and "open again" after a failed trial)
 * only go to debug, so a long outage writes two lines, not one every reset interval.
 */
export function logBreakerTransitions(
  breaker: CircuitBreaker,
  logger: TransitionLogger,
  options: TransitionLogOptions = {},
): void {
  const dependency = breaker.name;
  const clock = options.clock ?? Date.now;
  const meanwhile = options.effect === undefined ? '' : `; meanwhile ${options.effect}`;
  let openedAt: number | undefined;
  breaker.on('open', () => {
    if (openedAt !== undefined) {
      logger.debug({ event: 'breaker.open', dependency }, `${dependency} breaker trial failed`);
      return;
    }
    openedAt = clock();
    logger.warn(
      { event: 'breaker.open', dependency },
      `${dependency} breaker open: calls fail fast until it answers again${meanwhile}`,
    );
  });
  breaker.on('halfOpen', () =>
    logger.debug({ event: 'breaker.half_open', dependency }, `${dependency} breaker half-open`),
  );
  breaker.on('close', () => {
    // A close with no logged open before it ends no outage: nothing to report.
    if (openedAt === undefined) return;
    const openMs = clock() - openedAt;
    openedAt = undefined;
    logger.info(
      { event: 'breaker.closed', dependency, openMs },
      `${dependency} breaker closed after ${openMs} ms: calls go through again`,
    );
  });
}
