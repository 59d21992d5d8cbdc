// The Postgres adapter tells "did not answer" (DatabaseUnavailableError, bounded in time) from
// "answered with an error" (passed on as is), and the breaker counts only the former.
import { afterAll, describe, expect, it } from 'vitest';
import { breakerState } from '@authflow/resilience';
import { createPostgresDatabase } from './database.js';
import { isDatabaseUnavailableError } from './database-unavailable.js';
import { createDatabaseBreaker, guardDatabase } from './guarded-database.js';
import { freshPostgresDatabase } from './test-support/postgres.js';
import { closedPort, startSilentServer } from './test-support/silent-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function failureOf(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { error, ms: performance.now() - started };
}

describe('Postgres adapter, server unreachable', () => {
  it('rejects a query quickly with DatabaseUnavailableError when nothing listens', async () => {
    const db = createPostgresDatabase(
      `postgres://authflow:s3cret@127.0.0.1:${await closedPort()}/x`,
    );
    cleanups.push(() => db.close());
    const { error, ms } = await failureOf(db.query('select 1'));
    expect(isDatabaseUnavailableError(error)).toBe(true);
    expect((error as Error).message).toBe('the database did not answer (ECONNREFUSED)');
    expect((error as Error).message).not.toContain('s3cret');
    expect(ms).toBeLessThan(1_000);
  });

  it('gives up on a host that accepts and never answers after the connect timeout', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const db = createPostgresDatabase(`postgres://authflow@127.0.0.1:${silent.port}/x`, {
      connectTimeoutMs: 300,
    });
    cleanups.push(() => db.close());
    const { error, ms } = await failureOf(db.transaction((tx) => tx.query('select 1')));
    expect(isDatabaseUnavailableError(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2_000);
  });

  it('opens its breaker after repeated outages, then fails without trying', async () => {
    const db = guardDatabase(
      createPostgresDatabase(`postgres://authflow@127.0.0.1:${await closedPort()}/x`),
      createDatabaseBreaker({ resetTimeoutMs: 60_000, volumeThreshold: 3 }),
    );
    cleanups.push(() => db.close());
    for (let i = 0; i < 3; i += 1)
      expect(isDatabaseUnavailableError((await failureOf(db.query('select 1'))).error)).toBe(true);
    const { error, ms } = await failureOf(db.query('select 1'));
    expect(error).toMatchObject({ message: 'the database breaker is open' });
    expect(ms).toBeLessThan(20);
  });
});

const url = await freshPostgresDatabase('authflow_unavailable');

describe.skipIf(url === undefined)('Postgres adapter, a real server', () => {
  it('passes answers through: a missing table, a unique violation are not outages, and never open the breaker', async () => {
    const breaker = createDatabaseBreaker({ resetTimeoutMs: 60_000, volumeThreshold: 2 });
    const db = guardDatabase(createPostgresDatabase(url ?? ''), breaker);
    cleanups.push(() => db.close());
    await db.exec('create table once (id int primary key)');
    await db.query('insert into once values (1)');
    for (let i = 0; i < 5; i += 1) {
      const duplicate = await failureOf(db.query('insert into once values (1)'));
      expect(duplicate.error).toMatchObject({ code: '23505' });
      const missing = await failureOf(db.query('select * from nowhere'));
      expect(missing.error).toMatchObject({ code: '42P01' });
      expect(isDatabaseUnavailableError(missing.error)).toBe(false);
    }
    expect(breakerState(breaker)).toBe('closed');
  });

  it('cancels a query that outlives the query timeout, and the pool goes on serving', async () => {
    const db = createPostgresDatabase(url ?? '', { queryTimeoutMs: 300 });
    cleanups.push(() => db.close());
    const { error, ms } = await failureOf(db.query('select pg_sleep(5)'));
    expect(isDatabaseUnavailableError(error)).toBe(true);
    expect(ms).toBeLessThan(2_000);
    expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});
