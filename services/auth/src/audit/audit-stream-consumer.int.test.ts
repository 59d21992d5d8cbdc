// The gateway's audit stream read by auth, against a real redis-server and PGlite: entries are
// stored then acknowledged; while Postgres is down they stay pending and are stored once it is
// back; a malformed entry is acknowledged and counted; a dead consumer's entries are taken over.
import { createRedisClient, waitForRedis } from '@authflow/sessions';
import { uniquePrefix } from '@authflow/testing';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent } from '../admin/admin-ports.js';
import { createPgliteDatabase, type Database } from '../identity/builtin/database.js';
import { migrate } from '../identity/builtin/migrations.js';
import {
  type SwitchableDatabase,
  switchableDatabase,
} from '../identity/builtin/test-support/switchable-database.js';
import { createAuditMetrics } from './audit-metrics.js';
import { AuditStreamConsumer, type AuditStreamConsumerOptions } from './audit-stream-consumer.js';
import { auditStreamFields } from './audit-stream-entry.js';
import { AuditWriter } from './audit-writer.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { auditEvent, memoryLogger } from './test-support/audit-events.js';

const GROUP = 'authflow-auth';
let db: Database;
let redis: Redis;
let reader: SqlAuditStore;
beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
  reader = new SqlAuditStore(db);
  redis = createRedisClient({ url: inject('redisUrl') });
  await waitForRedis(redis, 5_000);
}, 60_000);
afterAll(async () => {
  redis.disconnect();
  await db.close();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await db.query('delete from audit_events');
});

interface Setup extends ReturnType<typeof memoryLogger> {
  readonly stream: string;
  readonly consumer: AuditStreamConsumer;
  readonly database: SwitchableDatabase;
  readonly registry: Registry;
}

function consumerOn(overrides: Partial<AuditStreamConsumerOptions> = {}): Setup {
  const stream = `${uniquePrefix('audit')}stream`;
  const database = switchableDatabase(db);
  const registry = new Registry();
  const metrics = createAuditMetrics(registry);
  const { logger, lines } = memoryLogger();
  const writer = new AuditWriter({ store: new SqlAuditStore(database.db), logger, metrics });
  const consumer = new AuditStreamConsumer({
    redis,
    writer,
    logger,
    metrics,
    stream,
    blockMs: 300,
    retry: { baseMs: 100, maxMs: 400 },
    ...overrides,
  });
  cleanups.push(async () => {
    database.up();
    await consumer.stop();
    await writer.close(1_000);
    await redis.del(stream);
  });
  return { stream, consumer, database, registry, logger, lines };
}

const fromGateway = (overrides: Partial<AuditEvent> = {}) =>
  auditEvent({
    source: 'gateway',
    type: 'access.denied',
    details: { path: '/admin/x' },
    ...overrides,
  });

async function storedTypes(): Promise<string[]> {
  return (await reader.query({ limit: 100 })).events.map((event) => event.type).reverse();
}

/** How many entries of the stream are delivered and not yet acknowledged. */
async function pendingCount(stream: string): Promise<number> {
  const summary = (await redis.xpending(stream, GROUP)) as [number, ...unknown[]];
  return summary[0];
}

describe('audit stream consumer', () => {
  it('stores the gateway entries and acknowledges them', async () => {
    const { stream, consumer } = consumerOn();
    // Written before auth ever read the stream: the group starts at the beginning.
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway({ type: 'access.denied' })));
    consumer.start();
    await redis.xadd(
      stream,
      '*',
      ...auditStreamFields(fromGateway({ type: 'session.fingerprint_mismatch', userId: 'ada' })),
    );
    await expect
      .poll(storedTypes, { timeout: 5_000 })
      .toEqual(['access.denied', 'session.fingerprint_mismatch']);
    await expect.poll(() => pendingCount(stream), { timeout: 2_000 }).toBe(0);
    const [latest] = (await reader.query({ limit: 1 })).events;
    expect(latest).toMatchObject({
      source: 'gateway',
      userId: 'ada',
      details: { path: '/admin/x' },
    });
  });

  it('leaves entries pending while Postgres is down and stores them once it is back', async () => {
    const { stream, consumer, database, lines } = consumerOn();
    database.down();
    consumer.start();
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway({ type: 'one' })));
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway({ type: 'two' })));
    await expect.poll(() => pendingCount(stream), { timeout: 5_000 }).toBe(2);
    await expect.poll(() => database.refusedCalls, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(await storedTypes()).toEqual([]);
    expect(await pendingCount(stream)).toBe(2);
    expect(lines.filter((line) => line.fields.event === 'audit.stream_unavailable')[0]?.level).toBe(
      'warn',
    );

    database.up();
    await expect.poll(storedTypes, { timeout: 5_000 }).toEqual(['one', 'two']);
    await expect.poll(() => pendingCount(stream), { timeout: 2_000 }).toBe(0);
  });

  it('acknowledges and counts an entry that is not an event, and goes on', async () => {
    const { stream, consumer, registry, lines } = consumerOn();
    await redis.xadd(stream, '*', 'event', '{not json');
    await redis.xadd(stream, '*', 'other', 'field');
    await redis.xadd(stream, '*', 'event', JSON.stringify({ type: 'no.time' }));
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway({ type: 'good' })));
    consumer.start();
    await expect.poll(storedTypes, { timeout: 5_000 }).toEqual(['good']);
    await expect.poll(() => pendingCount(stream), { timeout: 2_000 }).toBe(0);
    const dropped = await registry.getSingleMetric('authflow_auth_audit_dropped_total')?.get();
    expect(dropped?.values.find((value) => value.labels.reason === 'invalid')?.value).toBe(3);
    expect(lines.some((line) => line.fields.reason === 'invalid' && line.level === 'warn')).toBe(
      true,
    );
  });

  it('takes over the entries a dead consumer left pending', async () => {
    const { stream, consumer } = consumerOn({ claimIdleMs: 200 });
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway({ type: 'orphan.1' })));
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway({ type: 'orphan.2' })));
    // Another auth process read them, then died before storing them.
    await redis.call(
      'XREADGROUP',
      'GROUP',
      GROUP,
      'dead-process',
      'COUNT',
      10,
      'STREAMS',
      stream,
      '>',
    );
    expect(await pendingCount(stream)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 250));
    consumer.start();
    await expect.poll(storedTypes, { timeout: 5_000 }).toEqual(['orphan.1', 'orphan.2']);
    await expect.poll(() => pendingCount(stream), { timeout: 2_000 }).toBe(0);
  });

  it('stops promptly while waiting for entries and leaves the group tidy', async () => {
    const { stream, consumer } = consumerOn({ blockMs: 5_000 });
    consumer.start();
    await redis.xadd(stream, '*', ...auditStreamFields(fromGateway()));
    await expect.poll(storedTypes, { timeout: 5_000 }).toEqual(['access.denied']);
    const consumers = async () =>
      ((await redis.xinfo('CONSUMERS', stream, GROUP)) as unknown[][]).map((fields) => fields[1]);
    expect(await consumers()).toEqual([consumer.consumer]);
    // Now blocked in a 5 s read.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await consumers()).toEqual([]);
  });
});
