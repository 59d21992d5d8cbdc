// The machine's Postgres for tests (trust auth on 127.0.0.1), in databases of our own.
import pg from 'pg';

export const POSTGRES_ADMIN_URL =
  process.env.AUTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database; undefined (and why, on stdout) when no server answers. */
export async function freshPostgresDatabase(name: string): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: POSTGRES_ADMIN_URL,
    connectionTimeoutMillis: 2_000,
  });
  try {
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
    return POSTGRES_ADMIN_URL.replace(/\/[^/]*$/u, `/${name}`);
  } catch (error) {
    process.stdout.write(
      `SKIPPED (Postgres): no server at ${POSTGRES_ADMIN_URL} (${(error as Error).message})\n`,
    );
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
