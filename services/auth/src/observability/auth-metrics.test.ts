// The mail queue's depth is counted when /metrics is scraped, and a scrape during a database
// outage still answers.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AuthMetrics } from './auth-metrics.js';

const depthIn = (text: string) => /^authflow_auth_mail_queue_depth (\d+)$/mu.exec(text)?.[1];

describe('authflow_auth_mail_queue_depth', () => {
  it('counts the queue at each scrape, and keeps the last count while the count fails', async () => {
    const registry = new Registry();
    const metrics = new AuthMetrics(registry);
    let depth: number | Error = 3;
    let counts = 0;
    metrics.measureMailQueueDepth(() => {
      counts += 1;
      return depth instanceof Error ? Promise.reject(depth) : Promise.resolve(depth);
    });
    expect(counts).toBe(0);

    expect(depthIn(await registry.metrics())).toBe('3');
    depth = 1;
    expect(depthIn(await registry.metrics())).toBe('1');
    depth = new Error('the database did not answer');
    expect(depthIn(await registry.metrics())).toBe('1');
    expect(counts).toBe(3);
  });
});
