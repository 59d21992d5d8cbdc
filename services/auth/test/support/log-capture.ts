// A pino logger whose JSON lines are kept in memory (the shared test kit's capture), to check
// what the service logged.
import { createLogger } from '@authflow/observability';
import { captureLogs as captureLines } from '@authflow/testing';
import type { FastifyBaseLogger } from 'fastify';

export interface CapturedLogs {
  readonly logger: FastifyBaseLogger;
  /** Every line so far, parsed. */
  readonly lines: Record<string, unknown>[];
  /** Lines at `level` (pino numbers: 20 debug, 30 info, 40 warn, 50 error) or above. */
  atLeast(level: number): Record<string, unknown>[];
}

export function captureLogs(level = 'info'): CapturedLogs {
  const captured = captureLines();
  return {
    logger: createLogger({ service: 'auth', level }, captured.stream),
    get lines() {
      return captured.lines();
    },
    atLeast: (min) => captured.lines().filter((line) => Number(line.level) >= min),
  };
}
