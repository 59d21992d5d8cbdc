// A pino logger whose JSON lines are kept in memory, to check what the service logged.
import { Writable } from 'node:stream';
import { createLogger } from '@authflow/observability';
import type { FastifyBaseLogger } from 'fastify';

export interface CapturedLogs {
  readonly logger: FastifyBaseLogger;
  readonly lines: Record<string, unknown>[];
  /** Lines at `level` (pino numbers: 20 debug, 30 info, 40 warn, 50 error) or above. */
  atLeast(level: number): Record<string, unknown>[];
}

export function captureLogs(level = 'info'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return {
    logger: createLogger({ service: 'auth', level }, stream),
    lines,
    atLeast: (min) => lines.filter((line) => Number(line.level) >= min),
  };
}
