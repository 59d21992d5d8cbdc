// Runs nginx for the edge: finds the binary, prepares a private prefix, checks the configuration,
// starts nginx in the foreground and waits until it listens.
import { type ChildProcess, spawn, type SpawnOptions, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  EDGE_ERROR_PAGES_DIR,
  EDGE_ERROR_PAGES_ROOT,
  NGINX_TEMP_FOLDERS,
} from './render-config.ts';

const CANDIDATES = [
  'nginx',
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/usr/local/nginx/sbin/nginx',
  '/usr/local/bin/nginx',
  '/opt/homebrew/bin/nginx',
];

export const NGINX_MISSING_MESSAGE =
  'nginx is not installed (Debian/Ubuntu: apt-get install nginx; macOS: brew install nginx), ' +
  'or set EDGE_NGINX_BINARY to its path.';

/** The nginx binary: `preferred` if given and working, else the first one found; or undefined. */
export function findNginx(preferred?: string): string | undefined {
  for (const candidate of preferred === undefined ? CANDIDATES : [preferred]) {
    const probe = spawnSync(candidate, ['-v'], { stdio: 'ignore' });
    if (probe.error === undefined && probe.status === 0) return candidate;
  }
  return undefined;
}

/**
 * Creates `prefix` with nginx's temporary folders and the error pages (the template's `root`
 * names them relative to the prefix), writes `nginxConf` there; returns its path.
 */
export async function prepareNginxPrefix(prefix: string, nginxConf: string): Promise<string> {
  await mkdir(prefix, { recursive: true });
  // nginx started as root runs its workers as an unprivileged user, which must reach the prefix
  // and write buffered request bodies and responses into the temporary folders.
  const workersUnprivileged = process.getuid?.() === 0;
  if (workersUnprivileged) await chmod(prefix, 0o755);
  for (const folder of NGINX_TEMP_FOLDERS) {
    const path = join(prefix, folder);
    await mkdir(path, { recursive: true });
    if (workersUnprivileged) await chmod(path, 0o777);
  }
  const pages = join(prefix, EDGE_ERROR_PAGES_ROOT);
  await cp(EDGE_ERROR_PAGES_DIR, pages, { recursive: true, force: true });
  if (workersUnprivileged) await chmod(pages, 0o755);
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, nginxConf);
  return confPath;
}

/** Arguments that run nginx on `confPath` in `prefix`, reporting start-up errors to `errorLog`. */
export function nginxArguments(prefix: string, confPath: string, errorLog = 'stderr'): string[] {
  // -e (nginx 1.19.5+): the error log used before the configuration is read, so nginx never
  // reaches for its compiled-in /var/log path.
  return ['-p', prefix, '-c', confPath, '-e', errorLog];
}

export interface ConfigCheck {
  readonly ok: boolean;
  /** What `nginx -t` said (its messages go to stderr). */
  readonly output: string;
}

/**
 * `nginx -t`: parses the configuration and opens its files without starting anything. stdout is
 * this process's own, as nginx will have it when started (an access log on /dev/stdout opens only
 * when that is a terminal, file or pipe, not a socket).
 */
export function checkNginxConfig(binary: string, prefix: string, confPath: string): ConfigCheck {
  const result = spawnSync(binary, [...nginxArguments(prefix, confPath), '-t'], {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const output = result.stderr.trim();
  return { ok: result.error === undefined && result.status === 0, output };
}

/** Starts nginx in the foreground (`daemon off`); the caller owns and stops the process. */
export function spawnNginx(
  binary: string,
  prefix: string,
  confPath: string,
  options: SpawnOptions = {},
): ChildProcess {
  return spawn(binary, [...nginxArguments(prefix, confPath), '-g', 'daemon off;'], options);
}

/** Resolves once `host:port` accepts connections; rejects if `child` exits first or on timeout. */
export async function waitForListening(
  port: number,
  child: ChildProcess,
  options: { host?: string; timeoutMs?: number } = {},
): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited before listening on ${host}:${port}`);
    }
    if (await isAccepting(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nginx did not listen on ${host}:${port} within the time allowed`);
}

function isAccepting(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The port of a `listen` value: `8080`, `127.0.0.1:8080` or `[::1]:8080`. */
export function portOf(listen: string): number {
  const port = Number(/(\d+)$/u.exec(listen)?.[1]);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`EDGE_PORT must be a port or address:port, not ${JSON.stringify(listen)}`);
  }
  return port;
}
