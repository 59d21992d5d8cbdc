// Retention on PGlite: events older than the configured days go, newer ones stay, a failed pass
// (database down) is caught up by the next one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type Database } from '../identity/builtin/database.js';
import { migrate } from '../identity/builtin/migrations.js';
import { switchableDatabase } from '../identity/builtin/test-support/switchable-database.js';
import { AuditRetention } from './audit-retention.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { auditEvent, memoryLogger, T0 } from './test-support/audit-events.js';

const DAY = 86_400_000;
let db: Database;
beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
}, 60_000);
afterAll(() => db.close());

const remaining = async (store: SqlAuditStore) =>
  (await store.query({ limit: 100 })).events.map((event) => event.type).sort();

describe('audit retention', () => {
  it('deletes events older than the retention days, keeps the rest, and says how many went', async () => {
    await db.query('delete from audit_events');
    const store = new SqlAuditStore(db);
    await store.insertBatch([
      auditEvent({ at: T0 - 91 * DAY, type: 'old.1' }),
      auditEvent({ at: T0 - 90 * DAY - 1, type: 'old.2' }),
      auditEvent({ at: T0 - 89 * DAY, type: 'recent' }),
      auditEvent({ at: T0, type: 'now' }),
    ]);
    const { logger, lines } = memoryLogger();
    const retention = new AuditRetention({ store, logger, clock: () => T0 });
    expect(await retention.runOnce()).toBe(2);
    expect(await remaining(store)).toEqual(['now', 'recent']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        fields: expect.objectContaining({ deleted: 2, retentionDays: 90 }),
      }),
    ]);
    expect(await retention.runOnce()).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('runs on its own after start, and catches up after a pass the database missed', async () => {
    await db.query('delete from audit_events');
    const switchable = switchableDatabase(db);
    const store = new SqlAuditStore(switchable.db);
    await store.insertBatch([
      auditEvent({ at: T0 - 8 * DAY, type: 'old' }),
      auditEvent({ at: T0, type: 'now' }),
    ]);
    const { logger, lines } = memoryLogger();
    const retention = new AuditRetention({
      store,
      logger,
      retentionDays: 7,
      intervalMs: 200,
      clock: () => T0,
    });
    switchable.down();
    retention.start();
    await expect
      .poll(() => lines.some((line) => line.level === 'warn'), { timeout: 5_000 })
      .toBe(true);
    switchable.up();
    await expect.poll(() => remaining(store), { timeout: 5_000 }).toEqual(['now']);
    await retention.stop();
  });

  it('refuses a retention that is not a whole number of days', () => {
    const { logger } = memoryLogger();
    const store = new SqlAuditStore(db);
    expect(() => new AuditRetention({ store, logger, retentionDays: 0 })).toThrow(RangeError);
    expect(() => new AuditRetention({ store, logger, retentionDays: 1.5 })).toThrow(RangeError);
  });
});
