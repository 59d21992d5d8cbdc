// Loads the comparison peer's packages from bench/.peer (installed at run time, never project
// dependencies), checking at the boundary that each export is what the peer calls.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Imports `name` as resolved from `prefix/node_modules`. */
export async function importFrom(prefix: string, name: string): Promise<unknown> {
  const require = createRequire(join(prefix, 'package.json'));
  const resolved = require.resolve(name);
  return (await import(pathToFileURL(resolved).href)) as unknown;
}

/** A named export, or the same name on a CommonJS module's default export. */
export function exportOf(namespace: unknown, name: string): unknown {
  if (typeof namespace !== 'object' || namespace === null) return undefined;
  const direct: unknown = Reflect.get(namespace, name);
  if (direct !== undefined) return direct;
  const fallback: unknown = Reflect.get(namespace, 'default');
  return (typeof fallback === 'object' || typeof fallback === 'function') && fallback !== null
    ? (Reflect.get(fallback, name) as unknown)
    : undefined;
}

/** Narrows an export known by its documentation to the signature the caller uses. */
export function asFunction<T>(value: unknown, what: string): T {
  if (typeof value !== 'function') throw new Error(`${what} is not a function in bench/.peer`);
  return value as T;
}
