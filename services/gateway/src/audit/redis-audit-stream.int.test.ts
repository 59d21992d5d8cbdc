// The audit stream against a real Redis: entries auth can read, and drops that are counted and
// logged at most once per interval, never thrown at the request that caused them.
import { createRedisClient, waitForRedis } from '@authflow/sessions';
import { captureLogs, getFreePort } from '@authflow/testing';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AUDIT_STREAM, type GatewayAuditEvent } from './audit-stream.js';
import { RedisAuditStream } from './redis-audit-stream.js';

const redisUrl = inject('redisUrl');
let redis: ReturnType<typeof createRedisClient>;

beforeAll(async () => {
  redis = createRedisClient({ url: redisUrl, commandTimeoutMs: 2_000 });
  await waitForRedis(redis, 5_000);
});
afterAll(async () => {
  await redis.quit();
});

function setup(
  client: ConstructorParameters<typeof RedisAuditStream>[0]['client'],
  unavailable = false,
) {
  const logs = captureLogs();
  const dropped = new Counter({ name: 'dropped', help: 'x', registers: [new Registry()] });
  const stream = new RedisAuditStream({
    client,
    isUnavailable: () => unavailable,
    dropped,
    logger: pino(logs.stream),
  });
  const droppedCount = async () => (await dropped.get()).values[0]?.value ?? 0;
  return { stream, logs, droppedCount };
}

async function eventsFor(userId: string): Promise<GatewayAuditEvent[]> {
  const entries = await redis.xrange(AUDIT_STREAM, '-', '+');
  return entries
    .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as GatewayAuditEvent)
    .filter((event) => event.userId === userId);
}

describe('the audit stream', () => {
  it('appends each event as one `event` field holding the JSON auth reads', async () => {
    const { stream, droppedCount } = setup(redis);
    const userId = `audit-${Math.random().toString(36).slice(2)}`;
    stream.record({
      type: 'access.denied',
      userId,
      sessionId: 's1',
      ip: '203.0.113.7',
      requestId: 'r1',
      details: { route: '/admin/', code: 'forbidden' },
    });
    await vi.waitFor(async () => expect(await eventsFor(userId)).toHaveLength(1));
    const [event] = await eventsFor(userId);
    expect(event).toEqual({
      type: 'access.denied',
      userId,
      sessionId: 's1',
      ip: '203.0.113.7',
      requestId: 'r1',
      details: { route: '/admin/', code: 'forbidden' },
      at: expect.any(Number),
      actor: null,
      source: 'gateway',
    });
    const [[, fields] = ['', []]] = await redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', 1);
    expect(fields[0]).toBe('event');
    expect(await droppedCount()).toBe(0);
  });

  it('drops (counted) when Redis does not answer, and never throws at the caller', async () => {
    const dead = createRedisClient({
      url: `redis://127.0.0.1:${await getFreePort()}`,
      commandTimeoutMs: 50,
    });
    dead.on('error', () => undefined);
    try {
      const { stream, logs, droppedCount } = setup(dead);
      for (let i = 0; i < 5; i += 1)
        expect(() =>
          stream.record({
            type: 'access.denied',
            userId: 'u',
            sessionId: null,
            ip: null,
            requestId: null,
            details: {},
          }),
        ).not.toThrow();
      await vi.waitFor(async () => expect(await droppedCount()).toBe(5), { timeout: 5_000 });
      // The first drop is logged at once; the rest of the interval waits for one line.
      const warnings = logs.lines().filter((line) => line.event === 'audit.dropped');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ dropped: 1 });
      stream.flush();
      const after = logs.lines().filter((line) => line.event === 'audit.dropped');
      expect(after).toHaveLength(2);
      expect(after[1]).toMatchObject({ dropped: 4 });
    } finally {
      dead.disconnect();
    }
  });

  it('sends nothing while the session store breaker is open (Redis known down)', async () => {
    const { stream, droppedCount } = setup(redis, true);
    const userId = `audit-${Math.random().toString(36).slice(2)}`;
    stream.record({
      type: 'access.denied',
      userId,
      sessionId: null,
      ip: null,
      requestId: null,
      details: {},
    });
    expect(await droppedCount()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await eventsFor(userId)).toEqual([]);
  });
});

describe('the drop log', () => {
  it('writes at most one line per 10 s, with the count since the last one', async () => {
    vi.useFakeTimers();
    try {
      const failing = { xadd: () => Promise.reject(new Error('READONLY')) };
      const { stream, logs } = setup(failing);
      const lines = () => logs.lines().filter((line) => line.event === 'audit.dropped');
      const record = () =>
        stream.record({
          type: 'x',
          userId: null,
          sessionId: null,
          ip: null,
          requestId: null,
          details: {},
        });
      record();
      await vi.advanceTimersByTimeAsync(0);
      expect(lines()).toEqual([expect.objectContaining({ dropped: 1, lastReason: 'READONLY' })]);
      for (let i = 0; i < 30; i += 1) {
        record();
        await vi.advanceTimersByTimeAsync(100);
      }
      expect(lines()).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(lines()).toHaveLength(2);
      expect(lines()[1]).toMatchObject({ dropped: 30 });
    } finally {
      vi.useRealTimers();
    }
  });
});
