// `@authflow/gateway/policy` is for the admin API and the CLI: it must load without the server.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module the entry loads at run time (type-only imports are erased), and its packages. */
async function runtimeImports(entry: string): Promise<{ files: string[]; packages: Set<string> }> {
  const files: string[] = [];
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (files.includes(file)) continue;
    files.push(file);
    const source = await readFile(file, 'utf8');
    const statements = source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gmu);
    for (const [, specifier = ''] of statements) {
      if (specifier.startsWith('.'))
        pending.push(resolve(dirname(file), specifier.replace(/\.js$/u, '.ts')));
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

describe('@authflow/gateway/policy', () => {
  it('loads no server code: no fastify, no Redis client, no proxy', async () => {
    const { files, packages } = await runtimeImports(resolve(here, 'index.ts'));
    // Reading the YAML file is @authflow/config's (readDataFile), shared with auth's providers file.
    expect([...packages].sort()).toEqual([
      '@authflow/config',
      '@authflow/handoff',
      'node:url',
      'zod',
    ]);
    expect(files.some((file) => file.endsWith('.plugin.ts'))).toBe(false);
  });

  it('is exported by the package as the policy subpath', async () => {
    const manifest = JSON.parse(await readFile(resolve(here, '../../package.json'), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    expect(manifest.exports['./policy']).toEqual({
      '@authflow/source': './src/policy/index.ts',
      types: './dist/policy/index.d.ts',
      default: './dist/policy/index.js',
    });
    const policy = await import('@authflow/gateway/policy');
    expect(typeof policy.explainAccess).toBe('function');
    expect(typeof policy.loadRoutesFile).toBe('function');
  });
});
