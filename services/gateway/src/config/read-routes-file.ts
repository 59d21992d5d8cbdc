// Reading a routes file from disk: the gateway's at start, or the one the admin API and CLI
// explain against. Every problem is reported together.
import { fileURLToPath } from 'node:url';
import { ConfigError, readDataFile } from '@authflow/config';
import { parseRoutes, type RoutesFile } from './routes-file.js';

/** The routes shipped with the gateway: the dev defaults of DESIGN.md §2, upstreams from env. */
export const DEFAULT_ROUTES_FILE = fileURLToPath(
  new URL('../../config/routes.yaml', import.meta.url),
);

/** Reads, interpolates and validates a routes file; returns every problem found. */
export async function readRoutesFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ ok: true; routes: RoutesFile } | { ok: false; problems: string[] }> {
  const read = await readDataFile(path, 'routes file');
  return read.ok ? parseRoutes(read.raw, env, path) : read;
}

/**
 * Reads and validates a routes file (the gateway's, or the one a CLI or admin API explains
 * against); throws a ConfigError naming every problem.
 */
export async function loadRoutesFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RoutesFile> {
  const result = await readRoutesFile(path, env);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.routes;
}
