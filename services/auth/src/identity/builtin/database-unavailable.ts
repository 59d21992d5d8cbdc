// Tells "the database did not answer" apart from "the database answered with an error".
import pg from 'pg';

/**
 * The database could not be reached, timed out, or refused service (shutting down, too many
 * connections). Breakers count only this; a constraint violation or an empty result never is.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly code = 'database_unavailable';
}

export function isDatabaseUnavailableError(error: unknown): error is DatabaseUnavailableError {
  return error instanceof DatabaseUnavailableError;
}

/**
 * SQLSTATE classes that mean "not serving" rather than "your statement is wrong": 08 connection
 * exception, 28 and 3D000 credentials or database refused at connect, 53 insufficient
 * resources, 57P01-57P05 shutdown / cannot connect now / idle session timeout, 57014 a
 * statement cancelled by statement_timeout.
 */
const UNAVAILABLE_SQLSTATE = /^(08|28|53|3D000$|57P0[1-5]$|57014$)/u;

/**
 * node-postgres reports a server's refusal as a `DatabaseError` with a SQLSTATE. Anything else
 * it throws from a connection or a query (ECONNREFUSED, "Connection terminated unexpectedly",
 * "timeout exceeded when trying to connect", "Query read timeout") means the server did not
 * answer. Programming errors (TypeError, RangeError) stay what they are.
 */
export function toDatabaseFailure(error: unknown): unknown {
  if (isDatabaseUnavailableError(error)) return error;
  if (error instanceof pg.DatabaseError) {
    return UNAVAILABLE_SQLSTATE.test(error.code ?? '')
      ? new DatabaseUnavailableError(`the database refused service (${error.code})`, {
          cause: error,
        })
      : error;
  }
  if (error instanceof TypeError || error instanceof RangeError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new DatabaseUnavailableError(
    `the database did not answer${typeof code === 'string' ? ` (${code})` : ''}`,
    { cause: error },
  );
}
