// The CLI's user directory: the configured provider's (see admin/user-directory.ts). With
// Supabase the CLI makes its own client of the admin API, closed with the command.
import type { FastifyBaseLogger } from 'fastify';
import type { UserDirectory } from '../admin/admin-ports.js';
import { builtinUserDirectory, userDirectoryFor } from '../admin/user-directory.js';
import type { AuthConfig } from '../config/load-config.js';
import type { Database } from '../identity/builtin/database.js';
import { createSupabaseProvider } from '../identity/supabase/create-supabase-provider.js';

export interface OpenedDirectory {
  readonly directory: UserDirectory;
  close(): Promise<void>;
}

export async function openUserDirectory(
  config: AuthConfig,
  db: Database,
  logger: FastifyBaseLogger,
): Promise<OpenedDirectory> {
  if (config.identity.provider !== 'supabase')
    return { directory: builtinUserDirectory(db, config), close: () => Promise.resolve() };
  const provider = await createSupabaseProvider(config, logger);
  const directory = userDirectoryFor(provider, db, config);
  if (directory === undefined) throw new TypeError('the Supabase provider was expected');
  return { directory, close: () => provider.close() };
}
