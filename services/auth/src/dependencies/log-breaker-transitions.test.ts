// A dependency outage is one warning, however often the breaker re-opens after failed trials.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { logBreakerTransitions } from './log-breaker-transitions.js';

describe('logBreakerTransitions', () => {
  it('warns once per outage and tells how long it lasted when it ends', () => {
    const breaker = Object.assign(new EventEmitter(), { name: 'postgres' });
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
      lines.push({ level, fields, message });
    let now = 1_000;
    logBreakerTransitions(
      breaker,
      { debug: at('debug'), info: at('info'), warn: at('warn') },
      { resetTimeoutMs: 500, effect: 'sign-in answers 503', clock: () => now },
    );
    for (const event of ['open', 'halfOpen', 'open', 'halfOpen', 'open', 'halfOpen']) {
      breaker.emit(event);
      now += 500;
    }
    breaker.emit('close');

    expect(lines.filter((line) => line.level !== 'debug')).toEqual([
      {
        level: 'warn',
        fields: { dependency: 'postgres', breaker: 'open', retryInMs: 500 },
        message: 'postgres is failing: sign-in answers 503 until a trial call succeeds',
      },
      {
        level: 'info',
        fields: { dependency: 'postgres', breaker: 'closed', outageMs: 3_000 },
        message: 'postgres answers again',
      },
    ]);
  });
});
