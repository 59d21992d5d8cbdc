// The SQL outbox on PGlite and on the machine's Postgres: claims, leases, retries, bodies
// dropped once finished, and (Postgres) two workers claiming at once never share a message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
} from '../../identity/builtin/database.js';
import { migrate } from '../../identity/builtin/migrations.js';
import { freshPostgresDatabase } from '../../identity/builtin/test-support/postgres.js';
import { everyMail } from '../test-support/fixtures.js';
import { SqlOutboxStore } from './outbox-store.js';

const T0 = new Date('2025-01-14T15:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const [verification, reset] = everyMail('ada@example.com');

const databases: Database[] = [];
afterAll(async () => {
  for (const db of databases) await db.close();
});

function describeOutbox(name: string, open: () => Promise<Database>): void {
  describe(`SQL outbox on ${name}`, () => {
    // One database per suite (PGlite takes seconds to start); each test empties the outbox.
    let db: Database;
    beforeAll(async () => {
      db = await open();
      databases.push(db);
      await migrate(db);
    }, 60_000);
    async function store(): Promise<{ store: SqlOutboxStore; db: Database }> {
      await db.query('delete from mail_outbox');
      return { store: new SqlOutboxStore(db), db };
    }

    it('claims what is due once per lease, oldest first, and gives it back when the lease ends', async () => {
      const { store: outbox } = await store();
      const first = await outbox.add(verification!, T0);
      const second = await outbox.add(reset!, at(1));
      const claimed = await outbox.claimDue(at(10), 10, 1_000);
      expect(claimed.map((mail) => mail.id)).toEqual([first, second]);
      expect(claimed[0]).toMatchObject({ attempts: 0, message: verification, createdAt: T0 });
      expect(await outbox.claimDue(at(20), 10, 1_000)).toEqual([]);
      // A worker that died: after its lease the messages are due again.
      expect((await outbox.claimDue(at(1_011), 10, 1_000)).map((mail) => mail.id)).toEqual([
        first,
        second,
      ]);
      expect(await outbox.depth()).toBe(2);
    });

    it('keeps a failed message with its attempts and error code until it is due again', async () => {
      const { store: outbox } = await store();
      const id = await outbox.add(verification!, T0);
      await outbox.claimDue(T0, 10, 60_000);
      await outbox.retryLater(id, { count: 1, errorCode: 'ESOCKET', at: at(5_000) });
      expect(await outbox.claimDue(at(4_999), 10, 60_000)).toEqual([]);
      const [again] = await outbox.claimDue(at(5_000), 10, 60_000);
      expect(again).toMatchObject({ id, attempts: 1 });
      const { rows } = await db.query('select attempts, last_error from mail_outbox');
      expect(rows).toEqual([{ attempts: 1, last_error: 'ESOCKET' }]);
    });

    it('never hands out a sent or given-up message again, and drops its body', async () => {
      const { store: outbox } = await store();
      const sent = await outbox.add(verification!, T0);
      const refused = await outbox.add(reset!, T0);
      await outbox.claimDue(T0, 10, 1_000);
      await outbox.markSent(sent, at(1));
      await outbox.giveUp(refused, { count: 1, errorCode: 'EENVELOPE:550', now: at(1) });
      expect(await outbox.claimDue(at(60_000), 10, 1_000)).toEqual([]);
      expect(await outbox.depth()).toBe(0);
      const { rows } = await db.query(
        'select subject, text_body, html_body, attempts from mail_outbox order by attempts',
      );
      expect(rows).toEqual([
        { subject: null, text_body: null, html_body: null, attempts: 1 },
        { subject: null, text_body: null, html_body: null, attempts: 1 },
      ]);
      await outbox.prune(at(2));
      expect((await db.query('select id from mail_outbox')).rows).toEqual([]);
    });
  });
}

describeOutbox('PGlite', () => createPgliteDatabase('memory://'));

const url = await freshPostgresDatabase('authflow_outbox');
describe.skipIf(url === undefined)('on a real Postgres server', () => {
  describeOutbox('Postgres', () => Promise.resolve(createPostgresDatabase(url ?? '')));

  it('gives each message to exactly one of several workers claiming at once (SKIP LOCKED)', async () => {
    const workers = [1, 2, 3, 4].map(() => createPostgresDatabase(url ?? ''));
    databases.push(...workers);
    await migrate(workers[0]!);
    await workers[0]!.query('delete from mail_outbox');
    const outboxes = workers.map((db) => new SqlOutboxStore(db));
    const ids = new Set<string>();
    for (let i = 0; i < 40; i += 1) ids.add(await outboxes[0]!.add(verification!, T0));
    const claims = await Promise.all(outboxes.map((outbox) => outbox.claimDue(at(1), 15, 60_000)));
    const claimed = claims.flat().map((mail) => mail.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(40);
    expect(new Set(claimed)).toEqual(ids);
  });
});
