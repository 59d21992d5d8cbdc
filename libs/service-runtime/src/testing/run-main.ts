// Runs a service's process entry (its main.ts) from source as a real process, for tests of what
// an operator sees: exit code, stdout and stderr. No build needed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MainOutcome {
  /** The exit code, or null when the process was killed (after `timeoutMs`). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunMainOptions {
  /** The whole environment of the process, besides PATH and HOME. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Killed after this long (a main that does start keeps running). */
  readonly timeoutMs?: number;
}

const HOOKS = fileURLToPath(new URL('./source-hooks.ts', import.meta.url));

/** Runs `entry` (a path to a main.ts) until it exits; workspace libs resolve to their sources. */
export function runMainFromSource(
  entry: string,
  options: RunMainOptions = {},
): Promise<MainOutcome> {
  const child = spawn(
    process.execPath,
    ['--conditions=@authflow/source', '--import', HOOKS, entry],
    {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
