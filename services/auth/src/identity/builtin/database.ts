// The Database port for the built-in provider: node-postgres for a server, PGlite embedded otherwise.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { isDatabaseUnavailableError, toDatabaseFailure } from './database-unavailable.js';

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

export interface PostgresOptions {
  readonly maxConnections?: number;
  /** Opening a connection (TCP, TLS, authentication) that takes longer fails. */
  readonly connectTimeoutMs?: number;
  /**
   * A query not answered by then fails on our side (`query_timeout`, covers a silent network)
   * and is cancelled on the server's (`statement_timeout`, frees the connection there).
   */
  readonly queryTimeoutMs?: number;
}

/**
 * A Postgres server through a node-postgres pool (`AUTH_DATABASE_URL`). Every failure to reach
 * it, whatever its shape in node-postgres, rejects with `DatabaseUnavailableError`.
 */
export function createPostgresDatabase(url: string, options: PostgresOptions = {}): Database {
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2_000,
    query_timeout: queryTimeoutMs,
    statement_timeout: queryTimeoutMs,
    // A dead peer behind a NAT or a proxy is noticed by TCP instead of never.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const on = (target: pg.Pool | pg.PoolClient): Queryable => ({
    // The port's signature: callers name the row shape they selected.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    async query<Row extends object>(sql: string, params?: readonly unknown[]) {
      try {
        const result = await target.query(sql, params === undefined ? undefined : [...params]);
        return { rows: result.rows as Row[] };
      } catch (error) {
        throw toDatabaseFailure(error);
      }
    },
  });
  return {
    kind: 'postgres',
    ...on(pool),
    exec: async (script) => {
      await pool.query(script).catch((error: unknown) => {
        throw toDatabaseFailure(error);
      });
    },
    transaction: async (work) => {
      const client = await pool.connect().catch((error: unknown) => {
        throw toDatabaseFailure(error);
      });
      let broken: Error | undefined;
      try {
        await on(client).query('begin');
        const result = await work(on(client));
        await on(client).query('commit');
        return result;
      } catch (error) {
        // A connection that failed or timed out is not asked to roll back (that would wait a
        // second timeout): it is destroyed, and the server rolls back when it goes.
        if (isDatabaseUnavailableError(error)) broken = error;
        else
          await client.query('rollback').catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
          });
        throw error;
      } finally {
        client.release(broken);
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
