import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import {
  BreakerMetrics,
  breakerState,
  createBreaker,
  isBreakerOpenError,
  isBreakerTimeoutError,
} from './create-breaker.js';

class NotFound extends Error {}

describe('createBreaker', () => {
  it('opens after failures, fails fast without calling, then closes after a good trial', async () => {
    let healthy = false;
    const action = vi.fn((value: number) =>
      healthy ? Promise.resolve(value * 2) : Promise.reject(new Error('down')),
    );
    const breaker = createBreaker(action, {
      name: 'dep',
      timeoutMs: false,
      volumeThreshold: 2,
      resetTimeoutMs: 100,
    });
    await expect(breaker.fire(1)).rejects.toThrow('down');
    await expect(breaker.fire(1)).rejects.toThrow('down');
    expect(breakerState(breaker)).toBe('open');
    const callsWhenOpened = action.mock.calls.length;
    const rejection = await breaker.fire(1).catch((error: unknown) => error);
    expect(isBreakerOpenError(rejection)).toBe(true);
    expect(action.mock.calls.length).toBe(callsWhenOpened);
    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(breakerState(breaker)).toBe('half_open');
    await expect(breaker.fire(21)).resolves.toBe(42);
    expect(breakerState(breaker)).toBe('closed');
    breaker.shutdown();
  });

  it('does not count errors the caller says are not failures', async () => {
    const breaker = createBreaker(() => Promise.reject(new NotFound('no such thing')), {
      name: 'lookup',
      timeoutMs: false,
      volumeThreshold: 1,
      isFailure: (error) => !(error instanceof NotFound),
    });
    for (let i = 0; i < 5; i += 1) await expect(breaker.fire()).rejects.toBeInstanceOf(NotFound);
    expect(breakerState(breaker)).toBe('closed');
    breaker.shutdown();
  });

  it('times out slow calls', async () => {
    const breaker = createBreaker(() => new Promise<void>(() => undefined), {
      name: 'slow',
      timeoutMs: 30,
    });
    const error = await breaker.fire().catch((caught: unknown) => caught);
    expect(isBreakerTimeoutError(error)).toBe(true);
    expect(isBreakerOpenError(error)).toBe(false);
    breaker.shutdown();
  });
});

describe('BreakerMetrics', () => {
  it('exports state and transitions per dependency', async () => {
    const registry = new Registry();
    const metrics = new BreakerMetrics(registry, 'test_');
    const breaker = createBreaker(() => Promise.reject(new Error('x')), {
      name: 'redis',
      timeoutMs: false,
      volumeThreshold: 1,
      resetTimeoutMs: 10_000,
    });
    metrics.track(breaker);
    expect(await registry.metrics()).toContain('test_breaker_state{dependency="redis"} 0');
    await breaker.fire().catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toContain('test_breaker_state{dependency="redis"} 2');
    expect(text).toContain('test_breaker_transitions_total{dependency="redis",state="open"} 1');
    breaker.shutdown();
  });
});
