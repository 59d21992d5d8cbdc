// Reading a routes file from disk: the gateway's at start, or the one the admin API and CLI
// explain against. Every problem is reported together.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@authflow/config';
import { parse as parseYaml } from 'yaml';
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      problems: [
        `routes file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ],
    };
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return {
      ok: false,
      problems: [
        `routes file ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${(error as Error).message})`,
      ],
    };
  }
  return parseRoutes(raw, env, path);
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
