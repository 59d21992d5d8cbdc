// One log line per dependency state change (down, back), not one error per request: a breaker
// that re-opens after a failed trial during the same outage is not news.
export interface TransitionLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Logs a breaker's transitions: a warning when it first opens (the dependency is failing and
 * calls now fail fast), an info line with the outage's length when it closes again; trials and
 * re-openings in between at debug.
 */
export function logBreakerTransitions(
  breaker: {
    readonly name: string;
    on(event: 'open' | 'halfOpen' | 'close', listener: () => void): unknown;
  },
  logger: TransitionLogger,
  options: {
    readonly resetTimeoutMs: number;
    readonly effect: string;
    readonly clock?: () => number;
  },
): void {
  const dependency = breaker.name;
  const clock = options.clock ?? Date.now;
  let downSince: number | undefined;
  breaker.on('open', () => {
    const fields = { dependency, breaker: 'open', retryInMs: options.resetTimeoutMs };
    if (downSince !== undefined) {
      logger.debug(fields, `${dependency} still failing`);
      return;
    }
    downSince = clock();
    logger.warn(fields, `${dependency} is failing: ${options.effect} until a trial call succeeds`);
  });
  breaker.on('halfOpen', () => {
    logger.debug({ dependency, breaker: 'half_open' }, `${dependency}: trying a call`);
  });
  breaker.on('close', () => {
    const outageMs = downSince === undefined ? undefined : clock() - downSince;
    downSince = undefined;
    logger.info({ dependency, breaker: 'closed', outageMs }, `${dependency} answers again`);
  });
}
