// A Database that can be made unreachable on demand: while down, every call fails exactly as the
// Postgres adapter fails when nothing listens (DatabaseUnavailableError, ECONNREFUSED).
import type { Database, Queryable } from '../database.js';
import { toDatabaseFailure } from '../database-unavailable.js';

export interface SwitchableDatabase {
  readonly db: Database;
  /** Calls made while down (they never reached the inner database). */
  readonly refusedCalls: number;
  down(): void;
  up(): void;
}

export function switchableDatabase(inner: Database): SwitchableDatabase {
  let isDown = false;
  let refusedCalls = 0;
  const gate = async <T>(call: () => Promise<T>): Promise<T> => {
    if (isDown) {
      refusedCalls += 1;
      throw toDatabaseFailure(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      );
    }
    return call();
  };
  const db: Database = {
    kind: inner.kind,
    query: <Row extends object>(sql: string, params?: readonly unknown[]) =>
      gate(() => inner.query<Row>(sql, params)),
    exec: (script) => gate(() => inner.exec(script)),
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => gate(() => inner.transaction(work)),
    close: () => inner.close(),
  };
  return {
    db,
    get refusedCalls() {
      return refusedCalls;
    },
    down: () => {
      isDown = true;
    },
    up: () => {
      isDown = false;
    },
  };
}
