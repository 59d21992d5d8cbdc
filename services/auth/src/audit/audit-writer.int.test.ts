// The audit writer against PGlite behind a switch that makes it unreachable: recording never
// waits, events wait through a 10 s outage and are all written, in order, when it ends; a full
// queue drops (newest first), counts, logs, and writes the gap as an event of its own.
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../admin/admin-ports.js';
import { createPgliteDatabase, type Database } from '../identity/builtin/database.js';
import { migrate } from '../identity/builtin/migrations.js';
import {
  type SwitchableDatabase,
  switchableDatabase,
} from '../identity/builtin/test-support/switchable-database.js';
import { createAuditMetrics } from './audit-metrics.js';
import { AuditWriter, type AuditWriterOptions, DROPPED_EVENT_TYPE } from './audit-writer.js';
import { type AuditBatchStore, SqlAuditStore } from './sql-audit-store.js';
import { auditEvent, memoryLogger } from './test-support/audit-events.js';

let inner: Database;
let reader: SqlAuditStore;
beforeAll(async () => {
  inner = await createPgliteDatabase('memory://');
  await migrate(inner);
  reader = new SqlAuditStore(inner);
}, 60_000);
afterAll(() => inner.close());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await inner.query('delete from audit_events');
});

function writerOn(
  overrides: Partial<AuditWriterOptions> = {},
): { writer: AuditWriter; database: SwitchableDatabase; registry: Registry } & ReturnType<
  typeof memoryLogger
> {
  const database = switchableDatabase(inner);
  const registry = new Registry();
  const { logger, lines } = memoryLogger();
  const writer = new AuditWriter({
    store: new SqlAuditStore(database.db),
    logger,
    metrics: createAuditMetrics(registry),
    breakerResetMs: 500,
    ...overrides,
  });
  cleanups.push(async () => {
    database.up();
    await writer.close(1_000);
  });
  return { writer, database, registry, logger, lines };
}

/** Every stored event, oldest first. */
async function stored(): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.query({ limit: 500, cursor });
    events.push(...page.events);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return events.reverse();
}

async function metricValue(registry: Registry, name: string, reason?: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find(
    (entry) => reason === undefined || entry.labels.reason === reason,
  );
  return value?.value ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audit writer', () => {
  it('returns at once from record and writes the events soon after, in batches', async () => {
    const batches: number[] = [];
    const sql = new SqlAuditStore(inner);
    const store: AuditBatchStore = {
      insertBatch: (events) => {
        batches.push(events.length);
        return sql.insertBatch(events);
      },
    };
    const { writer, registry } = writerOn({ store, batchSize: 500, flushThreshold: 100 });
    writer.record(auditEvent({ type: 'first' }));
    expect(writer.depth).toBe(1);
    await expect.poll(async () => (await stored()).length, { timeout: 2_000 }).toBe(1);

    for (let index = 0; index < 1_200; index += 1)
      writer.record(auditEvent({ type: `burst.${index}` }));
    await expect.poll(async () => (await stored()).length, { timeout: 5_000 }).toBe(1_201);
    expect(Math.max(...batches)).toBeLessThanOrEqual(500);
    expect(batches.length).toBeLessThan(10);
    expect((await stored()).slice(1).map((event) => event.type)).toEqual(
      Array.from({ length: 1_200 }, (_, index) => `burst.${index}`),
    );
    expect(await metricValue(registry, 'authflow_auth_audit_stored_total')).toBe(1_201);
  });

  it('keeps the events of a 10 s database outage and writes them all, in order, once it ends', async () => {
    // Production timings: backoff from 1 s to 10 s, the breaker's 5 s reset.
    const { writer, database, lines } = writerOn({ breakerResetMs: 5_000 });
    writer.record(auditEvent({ type: 'before' }));
    await writer.flush();

    database.down();
    const outageEnds = Date.now() + 10_000;
    let index = 0;
    while (Date.now() < outageEnds) {
      writer.record(auditEvent({ type: `during.${index}`, at: Date.now() }));
      index += 1;
      await sleep(200);
    }
    expect(index).toBeGreaterThanOrEqual(45);
    // Nothing got through, and the writer kept trying.
    expect((await stored()).map((event) => event.type)).toEqual(['before']);
    expect(database.refusedCalls).toBeGreaterThanOrEqual(2);
    expect(writer.depth).toBe(index);
    database.up();
    writer.record(auditEvent({ type: 'after' }));

    await expect
      .poll(async () => (await stored()).length, { timeout: 30_000, interval: 250 })
      .toBe(index + 2);
    expect((await stored()).map((event) => event.type)).toEqual([
      'before',
      ...Array.from({ length: index }, (_, n) => `during.${n}`),
      'after',
    ]);
    expect(writer.depth).toBe(0);
    expect(writer.droppedCount).toBe(0);
    // One line when it began, one when it ended: not one per attempt.
    expect(lines.filter((line) => line.fields.event === 'audit.outage')).toHaveLength(1);
    await expect
      .poll(() => lines.filter((line) => line.fields.event === 'audit.recovered').length)
      .toBe(1);
  }, 60_000);

  it('counts every event over capacity, logs the count, and writes the gap when the database is back', async () => {
    const { writer, database, registry, lines } = writerOn({
      capacity: 10,
      dropLogIntervalMs: 300,
    });
    database.down();
    for (let index = 0; index < 25; index += 1) writer.record(auditEvent({ type: `e.${index}` }));
    expect(writer.depth).toBe(10);
    expect(writer.droppedCount).toBe(15);
    expect(await metricValue(registry, 'authflow_auth_audit_dropped_total', 'queue_full')).toBe(15);
    expect(await metricValue(registry, 'authflow_auth_audit_queue_depth')).toBe(10);

    // At once for the first drop, then one line for the rest after the interval.
    const dropLines = () => lines.filter((line) => line.fields.event === 'audit.dropped');
    await expect.poll(() => dropLines().length, { timeout: 2_000 }).toBe(2);
    expect(dropLines().map((line) => [line.level, line.fields.count, line.fields.reason])).toEqual([
      ['warn', 1, 'queue_full'],
      ['warn', 14, 'queue_full'],
    ]);
    expect(dropLines()[1]!.fields.total).toBe(15);

    database.up();
    await writer.flush();
    writer.record(auditEvent({ type: 'later' }));
    await writer.flush();
    const events = await stored();
    // The ten kept (the oldest), the gap, then what came after it.
    expect(events.map((event) => event.type)).toEqual([
      ...Array.from({ length: 10 }, (_, index) => `e.${index}`),
      DROPPED_EVENT_TYPE,
      'later',
    ]);
    expect(events[10]).toMatchObject({
      source: 'auth',
      userId: null,
      details: { reason: 'queue_full', count: 15 },
    });
  });

  it('loses only the event the database refuses, not its batch-mates', async () => {
    const sql = new SqlAuditStore(inner);
    const store: AuditBatchStore = {
      insertBatch: (events) =>
        events.some((event) => event.type === 'poison')
          ? Promise.reject(Object.assign(new Error('value too long'), { code: '22001' }))
          : sql.insertBatch(events),
    };
    const { writer, registry, lines } = writerOn({ store });
    for (const type of ['a', 'poison', 'b']) writer.record(auditEvent({ type }));
    await writer.flush();
    expect((await stored()).map((event) => event.type)).toEqual(['a', 'b']);
    expect(await metricValue(registry, 'authflow_auth_audit_dropped_total', 'rejected')).toBe(1);
    expect(lines.some((line) => line.fields.reason === 'rejected')).toBe(true);
  });

  it('writes what is queued when closed, and counts what it could not write by its deadline', async () => {
    const up = writerOn();
    up.writer.record(auditEvent({ type: 'queued' }));
    await up.writer.close();
    expect((await stored()).map((event) => event.type)).toEqual(['queued']);
    up.writer.record(auditEvent({ type: 'too late' }));
    expect(await metricValue(up.registry, 'authflow_auth_audit_dropped_total', 'closed')).toBe(1);

    const down = writerOn();
    down.database.down();
    down.writer.record(auditEvent());
    down.writer.record(auditEvent());
    const started = Date.now();
    await down.writer.close(400);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await metricValue(down.registry, 'authflow_auth_audit_dropped_total', 'closed')).toBe(2);
    expect(
      down.lines.some((line) => line.fields.reason === 'closed' && line.fields.count === 2),
    ).toBe(true);
  });

  it('persists a batch for the stream consumer now, and rejects while the database is down', async () => {
    const { writer, database } = writerOn();
    database.down();
    await expect(writer.persist([auditEvent({ type: 'from.stream' })])).rejects.toMatchObject({
      code: 'database_unavailable',
    });
    database.up();
    await writer.persist([{ ...auditEvent({ type: 'from.stream' }), streamId: '1-1' }]);
    expect((await stored()).map((event) => event.type)).toEqual(['from.stream']);
  });

  it('refuses a capacity that is not a positive number', () => {
    expect(() => writerOn({ capacity: 0 })).toThrow(RangeError);
  });
});
