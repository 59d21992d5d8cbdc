// Installs the comparison peer (express stack) and, without wrk, autocannon at run time into
// bench/.peer and bench/.tools with npm: a comparison, never a project dependency. Versions are
// pinned so every run compares against the same code.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PEER_PACKAGES: Readonly<Record<string, string>> = {
  express: '5.3.0',
  'express-session': '1.19.0',
  'connect-redis': '10.0.0',
  redis: '6.3.1',
  'http-proxy-middleware': '4.2.1',
};

export const TOOL_PACKAGES: Readonly<Record<string, string>> = { autocannon: '9.0.0' };

async function installedVersion(prefix: string, name: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(
      await readFile(join(prefix, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** Installs `packages` into `prefix` unless each is already there at its pinned version. */
export async function ensurePackages(
  prefix: string,
  packages: Readonly<Record<string, string>>,
  say: (text: string) => void,
): Promise<void> {
  const wanted = Object.entries(packages);
  const present = await Promise.all(
    wanted.map(async ([name, version]) => (await installedVersion(prefix, name)) === version),
  );
  if (present.every(Boolean)) return;
  const specs = wanted.map(([name, version]) => `${name}@${version}`);
  say(`installing ${specs.join(' ')} into ${prefix}`);
  const args = [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--loglevel=error',
    ...specs,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm ${args.join(' ')} exited with ${code}`)),
    );
  });
}
