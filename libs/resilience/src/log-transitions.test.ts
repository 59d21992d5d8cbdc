import { describe, expect, it } from 'vitest';
import { createBreaker } from './create-breaker.js';
import { logBreakerTransitions } from './log-transitions.js';

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { lines, logger: { warn: at('warn'), info: at('info'), debug: at('debug') } };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('logBreakerTransitions', () => {
  it('logs an outage as one warning and one recovery line, however many trials fail between', async () => {
    let healthy = false;
    const breaker = createBreaker(
      () => (healthy ? Promise.resolve('ok') : Promise.reject(new Error('down'))),
      { name: 'redis', timeoutMs: false, volumeThreshold: 1, resetTimeoutMs: 20 },
    );
    const { lines, logger } = recordingLogger();
    logBreakerTransitions(breaker, logger);

    // Many refused calls and three failed trials.
    for (let i = 0; i < 20; i += 1) await breaker.fire().catch(() => undefined);
    for (let trial = 0; trial < 3; trial += 1) {
      await pause(30);
      await breaker.fire().catch(() => undefined);
    }
    healthy = true;
    await pause(30);
    await breaker.fire();

    const loud = lines.filter((line) => line.level !== 'debug');
    expect(loud.map((line) => [line.level, line.fields.event])).toEqual([
      ['warn', 'breaker.open'],
      ['info', 'breaker.closed'],
    ]);
    expect(loud[0]?.fields.dependency).toBe('redis');
    expect(loud[1]?.fields.openMs).toEqual(expect.any(Number));
    // Nothing carries an error or a stack.
    expect(JSON.stringify(lines)).not.toContain('stack');
    breaker.shutdown();
  });

  it('says what the outage means for clients, and times it with the given clock', () => {
    const breaker = createBreaker(() => Promise.resolve('ok'), {
      name: 'smtp',
      timeoutMs: false,
    });
    const { lines, logger } = recordingLogger();
    let now = 1_000;
    logBreakerTransitions(breaker, logger, { effect: 'mail stays queued', clock: () => now });

    // A close with nothing open before it ends no outage.
    breaker.emit('close');
    breaker.open();
    now += 2_500;
    breaker.close();

    expect(lines.filter((line) => line.level !== 'debug')).toEqual([
      {
        level: 'warn',
        fields: { event: 'breaker.open', dependency: 'smtp' },
        message:
          'smtp breaker open: calls fail fast until it answers again; meanwhile mail stays queued',
      },
      {
        level: 'info',
        fields: { event: 'breaker.closed', dependency: 'smtp', openMs: 2_500 },
        message: 'smtp breaker closed after 2500 ms: calls go through again',
      },
    ]);
    breaker.shutdown();
  });
});
