// Builds the configured IdentityProvider: built-in (Postgres or embedded PGlite) or Supabase.
import { resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Branding } from '../branding.js';
import type { AuthConfig } from '../config/load-config.js';
import type { Mailer } from '../mail/mailer.js';
import { BuiltinIdentityProvider } from './builtin/builtin-provider.js';
import { createPgliteDatabase, createPostgresDatabase, type Database } from './builtin/database.js';
import {
  createDatabaseBreaker,
  type DatabaseBreaker,
  guardDatabase,
} from './builtin/guarded-database.js';
import { migrate } from './builtin/migrations.js';
import { createArgon2Hasher, type PasswordHasher } from './builtin/password-hasher.js';
import type { IdentityProvider } from './identity-provider.js';
import { createSupabaseProvider } from './supabase/create-supabase-provider.js';

/**
 * The built-in store's database, migrated, every call through `breaker` (a new one when not
 * given): `given`, else Postgres at `AUTH_DATABASE_URL` with its timeouts, else embedded PGlite.
 */
export async function openIdentityDatabase(
  config: AuthConfig,
  logger: FastifyBaseLogger,
  breaker: DatabaseBreaker = createDatabaseBreaker({
    resetTimeoutMs: config.resilience.breakerResetMs,
  }),
  given?: Database,
): Promise<Database> {
  let db: Database;
  if (given !== undefined) {
    db = given;
  } else if (config.identity.databaseUrl === undefined) {
    const folder = resolve(config.identity.dataDir, 'pglite');
    logger.info({ folder }, 'AUTH_DATABASE_URL is not set: using the embedded Postgres (PGlite)');
    db = await createPgliteDatabase(folder);
  } else {
    db = createPostgresDatabase(config.identity.databaseUrl, config.identity.database);
  }
  const guarded = guardDatabase(db, breaker);
  try {
    const applied = await migrate(guarded);
    if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
  } catch (error) {
    await guarded.close().catch(() => undefined);
    throw error;
  }
  return guarded;
}

export async function createIdentityProvider(
  config: AuthConfig,
  mailer: Mailer,
  logger: FastifyBaseLogger,
  overrides: {
    hasher?: PasswordHasher | undefined;
    clock?: (() => number) | undefined;
    /** The built-in store's database, already open (the service shares it with the mail queue). */
    db?: Database | undefined;
  } = {},
): Promise<IdentityProvider> {
  const publicUrl = config.server.publicUrl;
  if (config.identity.provider === 'supabase') return createSupabaseProvider(config, logger);
  const db = overrides.db ?? (await openIdentityDatabase(config, logger));
  return new BuiltinIdentityProvider({
    db,
    hasher:
      overrides.hasher ??
      createArgon2Hasher(config.identity.argon2, config.identity.argon2.concurrency),
    mailer,
    branding: config.branding,
    links: authLinks(publicUrl),
    requireEmailVerification: config.identity.requireEmailVerification,
    verificationTokenTtlMs: config.identity.verificationTokenTtlMs,
    resetTokenTtlMs: config.identity.resetTokenTtlMs,
    unavailableRetryAfterSeconds: Math.ceil(config.resilience.breakerResetMs / 1_000),
    logger,
    ...(overrides.clock === undefined ? {} : { clock: overrides.clock }),
  });
}

/** Where mail links point: the public origin users reach (through the gateway). */
export function authLinks(publicUrl: string): {
  verifyEmail(token: string): string;
  resetPassword(token: string): string;
  login(): string;
  forgotPassword(): string;
} {
  return {
    verifyEmail: (token) =>
      `${publicUrl}/api/v1/simple_auth/verify-email?token=${encodeURIComponent(token)}`,
    resetPassword: (token) => `${publicUrl}/auth/reset-password?token=${encodeURIComponent(token)}`,
    login: () => `${publicUrl}/auth/login`,
    forgotPassword: () => `${publicUrl}/auth/forgot-password`,
  };
}

export type { Branding };
