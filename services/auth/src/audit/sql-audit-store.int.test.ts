// The audit table through SqlAuditStore, on PGlite and (when the machine has one) a real Postgres:
// batches keep their order, filters and pages are exact, pages hold still while events arrive,
// nothing secret or unstorable gets in, and retention deletes only what is old.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditQuery } from '../admin/admin-ports.js';
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
} from '../identity/builtin/database.js';
import { migrate } from '../identity/builtin/migrations.js';
import { freshPostgresDatabase } from '../identity/builtin/test-support/postgres.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { auditEvent, T0 } from './test-support/audit-events.js';

const MINUTE = 60_000;

async function allPages(store: SqlAuditStore, query: Omit<AuditQuery, 'cursor'>) {
  const pages: AuditEvent[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...query, cursor });
    pages.push(page.events);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

function describeAuditStore(name: string, open: () => Promise<Database | undefined>): void {
  describe.skipIf(name === 'Postgres' && postgresUrl === undefined)(`audit store: ${name}`, () => {
    let db: Database | undefined;
    let store: SqlAuditStore;
    beforeAll(async () => {
      db = await open();
      if (db === undefined) return;
      await migrate(db);
      store = new SqlAuditStore(db);
    }, 60_000);
    afterAll(() => db?.close());
    beforeEach(async () => {
      await db?.query('delete from audit_events');
    });

    it('stores a batch in its order and reads it back newest first, every field intact', async () => {
      await store.insertBatch([
        auditEvent({
          type: 'login.failed',
          userId: null,
          details: { reason: 'invalid_credentials' },
        }),
        auditEvent({ at: T0 + 1, type: 'login.succeeded', details: { newDevice: true, count: 2 } }),
        auditEvent({
          at: T0 + 2,
          type: 'admin.roles.set',
          actor: 'cli:ops',
          source: 'cli',
          sessionId: null,
          ip: null,
          requestId: null,
          details: { roles: ['admin', 'member'], nested: { depth: 1 } },
        }),
      ]);
      const { events, nextCursor } = await store.query({ limit: 10 });
      expect(nextCursor).toBeNull();
      expect(events.map((event) => event.type)).toEqual([
        'admin.roles.set',
        'login.succeeded',
        'login.failed',
      ]);
      const ids = events.map((event) => BigInt(event.id));
      expect(ids[0]! > ids[1]! && ids[1]! > ids[2]!).toBe(true);
      expect(events[0]).toEqual({
        id: events[0]!.id,
        at: T0 + 2,
        type: 'admin.roles.set',
        userId: 'user-1',
        actor: 'cli:ops',
        sessionId: null,
        ip: null,
        requestId: null,
        source: 'cli',
        details: { roles: ['admin', 'member'], nested: { depth: 1 } },
      });
      expect(events[2]).toMatchObject({ userId: null, details: { reason: 'invalid_credentials' } });
    });

    it('filters by user, by exact type, by a type prefix and by an inclusive time range', async () => {
      await store.insertBatch([
        auditEvent({ at: T0, type: 'session.revoked', userId: 'ada' }),
        auditEvent({ at: T0 + MINUTE, type: 'session.revoked', userId: 'bob' }),
        auditEvent({ at: T0 + 2 * MINUTE, type: 'sessions.listed', userId: 'ada' }),
        auditEvent({ at: T0 + 3 * MINUTE, type: 'mfa.trusted_device.added', userId: 'ada' }),
        // `_` in a prefix is a character, not LIKE's "any character".
        auditEvent({ at: T0 + 4 * MINUTE, type: 'mfa.trustedXdevice.added', userId: 'ada' }),
        auditEvent({ at: T0 + 5 * MINUTE, type: 'login.succeeded', userId: 'ada' }),
      ]);
      const types = async (query: Omit<AuditQuery, 'limit'>) =>
        (await store.query({ ...query, limit: 50 })).events.map(
          (event) => `${event.type}/${event.userId}`,
        );

      expect(await types({ userId: 'bob' })).toEqual(['session.revoked/bob']);
      expect(await types({ type: 'session.revoked' })).toEqual([
        'session.revoked/bob',
        'session.revoked/ada',
      ]);
      expect(await types({ type: 'session.' })).toEqual([
        'session.revoked/bob',
        'session.revoked/ada',
      ]);
      expect(await types({ type: 'session' })).toEqual([]);
      expect(await types({ type: 'mfa.trusted_device.' })).toEqual([
        'mfa.trusted_device.added/ada',
      ]);
      expect(await types({ since: T0 + MINUTE, until: T0 + 3 * MINUTE })).toEqual([
        'mfa.trusted_device.added/ada',
        'sessions.listed/ada',
        'session.revoked/bob',
      ]);
      expect(await types({ userId: 'ada', type: 'session.', until: T0 + 10 * MINUTE })).toEqual([
        'session.revoked/ada',
      ]);
    });

    it('pages newest first with a cursor, and pages hold still while new events arrive', async () => {
      await store.insertBatch(
        Array.from({ length: 25 }, (_, index) =>
          auditEvent({ at: T0 + index, type: `t.${index}` }),
        ),
      );
      const first = await store.query({ limit: 10 });
      expect(first.events.map((event) => event.type)).toEqual(
        Array.from({ length: 10 }, (_, index) => `t.${24 - index}`),
      );
      // Events arrive while an admin pages through the older ones.
      const arriving = Array.from({ length: 5 }, (_, index) =>
        store.insertBatch([auditEvent({ at: T0 + 100 + index, type: `new.${index}` })]),
      );
      const second = await store.query({ limit: 10, cursor: first.nextCursor ?? undefined });
      await Promise.all(arriving);
      const third = await store.query({ limit: 10, cursor: second.nextCursor ?? undefined });
      expect(third.nextCursor).toBeNull();
      const seen = [...first.events, ...second.events, ...third.events].map((event) => event.type);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `t.${24 - index}`));
      // The new ones are on a fresh first page.
      const fresh = await store.query({ limit: 5 });
      expect(fresh.events.map((event) => event.type).sort()).toEqual([
        'new.0',
        'new.1',
        'new.2',
        'new.3',
        'new.4',
      ]);
    });

    it('orders by the id as a number, not as text (regression: 99 listed before 100)', async () => {
      await db!.query('alter table audit_events alter column id restart with 95');
      await store.insertBatch(
        Array.from({ length: 12 }, (_, index) => auditEvent({ type: `n.${index}` })),
      );
      const ids = (await allPages(store, { limit: 5 })).flat().map((event) => Number(event.id));
      expect(ids).toEqual(Array.from({ length: 12 }, (_, index) => 106 - index));
    });

    it('stops on an exactly full last page without an empty extra page', async () => {
      await store.insertBatch(
        Array.from({ length: 6 }, (_, index) => auditEvent({ at: T0 + index })),
      );
      const pages = await allPages(store, { limit: 3 });
      expect(pages.map((page) => page.length)).toEqual([3, 3]);
    });

    it('stores a redelivered stream entry once', async () => {
      const fromStream = auditEvent({ source: 'gateway', type: 'access.denied' });
      await store.insertBatch([{ ...fromStream, streamId: '1700000000000-0' }]);
      await store.insertBatch([
        { ...fromStream, streamId: '1700000000000-0' },
        { ...fromStream, streamId: '1700000000000-1' },
        auditEvent(),
        auditEvent(),
      ]);
      const { events } = await store.query({ limit: 10 });
      expect(events.map((event) => event.type)).toEqual([
        'login.succeeded',
        'login.succeeded',
        'access.denied',
        'access.denied',
      ]);
    });

    it('keeps no secret, no NUL and no lone surrogate, whatever the event carries', async () => {
      await store.insertBatch([
        auditEvent({
          type: 'login.failed\u0000',
          userId: 'ada\u0000',
          details: {
            password: 'hunter2',
            headers: {
              cookie: 'authflow_session=abc',
              authorization: 'Bearer abc',
              host: 'acme.test',
            },
            token: 'q7Zr-0xY',
            refresh_token: 'r',
            code: '123456',
            note: 'half a pair \ud800 and a NUL \u0000 here',
          },
        }),
      ]);
      const [stored] = (await store.query({ limit: 1 })).events;
      expect(stored).toMatchObject({
        type: 'login.failed',
        userId: 'ada',
        details: { headers: { host: 'acme.test' }, note: 'half a pair \ufffd and a NUL  here' },
      });
      const text = JSON.stringify(stored);
      for (const secret of ['hunter2', 'abc', 'q7Zr', '123456']) expect(text).not.toContain(secret);
    });

    it('refuses to change a stored event: the table is append-only', async () => {
      await store.insertBatch([auditEvent()]);
      await expect(db!.query("update audit_events set type = 'login.failed'")).rejects.toThrow(
        /append-only/u,
      );
    });

    it('deletes only events older than the cutoff, in batches', async () => {
      await store.insertBatch([
        ...Array.from({ length: 7 }, (_, index) =>
          auditEvent({ at: T0 - 100 - index, type: 'old' }),
        ),
        auditEvent({ at: T0, type: 'kept' }),
        auditEvent({ at: T0 + 1, type: 'kept' }),
      ]);
      expect(await store.deleteOlderThan(T0, 3)).toBe(7);
      expect((await store.query({ limit: 50 })).events.map((event) => event.type)).toEqual([
        'kept',
        'kept',
      ]);
      expect(await store.deleteOlderThan(T0)).toBe(0);
    });

    it('refuses a page size out of 1 to 500 and a cursor it did not make', async () => {
      await expect(store.query({ limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.query({ limit: 501 })).rejects.toThrow(RangeError);
      await expect(store.query({ limit: 10, cursor: "1' or 1=1" })).rejects.toThrow(RangeError);
      await expect(store.query({ limit: 10, cursor: '0' })).rejects.toThrow(RangeError);
    });
  });
}

const postgresUrl = await freshPostgresDatabase('authflow_audit_store');

describeAuditStore('PGlite', () => createPgliteDatabase('memory://'));
describeAuditStore('Postgres', () =>
  Promise.resolve(postgresUrl === undefined ? undefined : createPostgresDatabase(postgresUrl)),
);
