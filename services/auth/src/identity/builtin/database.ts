// The Database port for the built-in provider: node-postgres for a server, PGlite embedded otherwise.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface QueryResult<Row> {
  readonly rows: Row[];
}

export interface Queryable {
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
}

export interface Database extends Queryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A multi-statement script (migrations). */
  exec(script: string): Promise<void>;
  /** What kind of database this is, for logs and readiness. */
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** A Postgres server through a node-postgres pool (`AUTH_DATABASE_URL`). */
export function createPostgresDatabase(
  url: string,
  options: { maxConnections?: number } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const on = (target: pg.Pool | pg.PoolClient): Queryable => ({
    // The port's signature: callers name the row shape they selected.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    async query<Row extends object>(sql: string, params?: readonly unknown[]) {
      const result = await target.query(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows as Row[] };
    },
  });
  return {
    kind: 'postgres',
    ...on(pool),
    exec: async (script) => {
      await pool.query(script);
    },
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(on(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Embedded Postgres (WASM) in a data folder, or in memory with `memory://`. */
export async function createPgliteDatabase(location: string): Promise<Database> {
  if (!location.startsWith('memory://')) await mkdir(location, { recursive: true });
  const db = await PGlite.create(location);
  const on = (target: Pick<PGlite, 'query'>): Queryable => ({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as above
    async query<Row extends object>(sql: string, params?: readonly unknown[]) {
      const result = await target.query<Row>(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows };
    },
  });
  return {
    kind: 'pglite',
    ...on(db),
    exec: async (script) => {
      await db.exec(script);
    },
    transaction: (work) => db.transaction((tx) => work(on(tx))),
    close: () => db.close(),
  };
}
