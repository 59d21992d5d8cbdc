// Puts one circuit breaker in front of the built-in store's database: once Postgres stops
// answering, calls fail at once instead of each waiting for its own timeout.
import { type Breaker, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import type { Database, Queryable } from './database.js';
import { DatabaseUnavailableError, isDatabaseUnavailableError } from './database-unavailable.js';

export type DatabaseBreaker = Breaker<[() => Promise<unknown>], unknown>;

export interface DatabaseBreakerOptions {
  /** How long the breaker stays open before one trial call goes through. */
  readonly resetTimeoutMs: number;
  readonly volumeThreshold?: number;
}

export function createDatabaseBreaker(options: DatabaseBreakerOptions): DatabaseBreaker {
  return createBreaker((call: () => Promise<unknown>) => call(), {
    name: 'postgres',
    // node-postgres bounds every connect and query itself (AUTH_DATABASE_*_TIMEOUT_MS).
    timeoutMs: false,
    resetTimeoutMs: options.resetTimeoutMs,
    volumeThreshold: options.volumeThreshold ?? 5,
    // "No such user", a taken address, a used token: answers, not outages.
    isFailure: isDatabaseUnavailableError,
  });
}

/** The same Database, every call through `breaker`; an open breaker rejects as unavailable. */
export function guardDatabase(db: Database, breaker: DatabaseBreaker): Database {
  const through = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return (await breaker.fire(call)) as T;
    } catch (error) {
      if (isBreakerOpenError(error))
        throw new DatabaseUnavailableError('the database breaker is open', { cause: error });
      throw error;
    }
  };
  return {
    kind: db.kind,
    query: <Row extends object>(sql: string, params?: readonly unknown[]) =>
      through(() => db.query<Row>(sql, params)),
    exec: (script) => through(() => db.exec(script)),
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => through(() => db.transaction(work)),
    close: async () => {
      breaker.shutdown();
      await db.close();
    },
  };
}
