import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import pg from 'pg';
import { createRecordingMailer } from '../../../test/support/recording-mailer.js';
import type { Branding } from '../../branding.js';
import { describeIdentityProviderContract } from '../identity-provider.contract.js';
import { BuiltinIdentityProvider } from './builtin-provider.js';
import { BuiltinUserDirectory } from './builtin-user-directory.js';
import { createPgliteDatabase, createPostgresDatabase, type Database } from './database.js';
import { migrate, MIGRATIONS_FOLDER } from './migrations.js';
import { createArgon2Hasher } from './password-hasher.js';

const branding: Branding = {
  appName: 'Test',
  logoUrl: undefined,
  primaryColor: '#2563eb',
  supportEmail: undefined,
  publicUrl: 'http://localhost:8000',
};
const RESET_TTL_MS = 30 * 60_000;
const quiet = { warn: () => undefined, error: () => undefined };

function harnessOn(makeDatabase: () => Promise<Database>) {
  return async () => {
    const db = await makeDatabase();
    await migrate(db);
    const mailer = createRecordingMailer();
    let offset = 0;
    const provider = new BuiltinIdentityProvider({
      db,
      hasher: createArgon2Hasher({ memoryKib: 1_024, iterations: 1, parallelism: 1 }, 2),
      mailer,
      branding,
      links: {
        verifyEmail: (token) =>
          `http://localhost:8000/api/v1/simple_auth/verify-email?token=${token}`,
        resetPassword: (token) => `http://localhost:8000/auth/reset-password?token=${token}`,
        login: () => 'http://localhost:8000/auth/login',
        forgotPassword: () => 'http://localhost:8000/auth/forgot-password',
      },
      requireEmailVerification: true,
      verificationTokenTtlMs: 24 * 3_600_000,
      resetTokenTtlMs: RESET_TTL_MS,
      mailCooldownMs: 0,
      logger: quiet,
      clock: () => Date.now() + offset,
    });
    return {
      provider,
      directory: new BuiltinUserDirectory({ db, clock: () => Date.now() + offset }),
      lastToken: (email: string, kind: 'verify_email' | 'reset_password') =>
        Promise.resolve(mailer.lastToken(email, kind)),
      advanceClock: (ms: number) => {
        offset += ms;
      },
      close: () => provider.close(),
    };
  };
}

describeIdentityProviderContract(
  'built-in on PGlite',
  harnessOn(() => createPgliteDatabase('memory://')),
  { resetTokenTtlMs: RESET_TTL_MS },
);

/** The machine's Postgres (trust auth on 127.0.0.1), in a database of our own. */
const POSTGRES_ADMIN_URL =
  process.env.AUTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const postgresReachable = await new pg.Client({
  connectionString: POSTGRES_ADMIN_URL,
  connectionTimeoutMillis: 2_000,
})
  .connect()
  .then(async (client) => {
    await client.query('drop database if exists authflow_contract');
    await client.query('create database authflow_contract');
    await client.end();
    return true;
  })
  .catch(() => false);
if (!postgresReachable)
  process.stdout.write(
    `SKIPPED: built-in provider on Postgres — no server at ${POSTGRES_ADMIN_URL}\n`,
  );

describe.skipIf(!postgresReachable)('on a real Postgres server', () => {
  describeIdentityProviderContract(
    'built-in on Postgres',
    harnessOn(() =>
      Promise.resolve(
        createPostgresDatabase(POSTGRES_ADMIN_URL.replace(/\/[^/]*$/u, '/authflow_contract')),
      ),
    ),
    { resetTokenTtlMs: RESET_TTL_MS },
  );

  it('applies migrations once even when two instances start together', async () => {
    const url = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/u, '/authflow_contract');
    const [first, second] = [createPostgresDatabase(url), createPostgresDatabase(url)];
    const applied = await Promise.all([migrate(first), migrate(second)]);
    expect(applied.flat()).toEqual([]);
    const { rows } = await first.query<{ version: string }>(
      'select version from schema_migrations order by version',
    );
    const files = (await readdir(MIGRATIONS_FOLDER)).filter((name) => name.endsWith('.sql'));
    expect(rows.map(({ version }) => `${version}.sql`)).toEqual(files.sort());
    expect(files).toContain('005_user_roles.sql');
    await Promise.all([first.close(), second.close()]);
  });
});
