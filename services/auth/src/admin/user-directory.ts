// The UserDirectory of the identity provider in use: the built-in users table, or Supabase's admin
// API (roles in app_metadata, disabling as a ban). Shared by the service (app.ts) and the CLI.
import type { AuthConfig } from '../config/load-config.js';
import { BuiltinUserDirectory } from '../identity/builtin/builtin-user-directory.js';
import type { Database } from '../identity/builtin/database.js';
import type { IdentityProvider } from '../identity/identity-provider.js';
import { SupabaseIdentityProvider } from '../identity/supabase/supabase-provider.js';
import { SupabaseUserDirectory } from '../identity/supabase/supabase-user-directory.js';
import type { UserDirectory } from './admin-ports.js';

/**
 * `undefined` only for a built-in provider without auth's database (a test that injects its own
 * provider): there is then nothing to administer.
 */
export function userDirectoryFor(
  provider: IdentityProvider,
  db: Database | undefined,
  config: AuthConfig,
): UserDirectory | undefined {
  if (provider instanceof SupabaseIdentityProvider) return new SupabaseUserDirectory(provider);
  return db === undefined ? undefined : builtinUserDirectory(db, config);
}

/** The users table in auth's database; an outage answers with the breaker's retry time. */
export function builtinUserDirectory(db: Database, config: AuthConfig): UserDirectory {
  return new BuiltinUserDirectory({
    db,
    unavailableRetryAfterSeconds: Math.ceil(config.resilience.breakerResetMs / 1_000),
  });
}
