// A private redis-server process per test suite, so tests can stop, kill or freeze it at will.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { getFreePort } from './free-port.js';

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** Graceful stop (SIGTERM); resolves when the process has exited. */
  stop(): Promise<void>;
  /** Hard stop (SIGKILL), like a crash. */
  kill(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreezes a paused process (SIGCONT). */
  resume(): void;
  /** Starts the server again on the same port after stop or kill: empty, or reloaded with `appendOnlyDir`. */
  restart(): Promise<void>;
}

export function isRedisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisServerOptions {
  readonly port?: number;
  /**
   * Append-only persistence in this folder: a restart after stop or kill reloads what was written
   * (`appendfsync always`, so an acknowledged write survives a SIGKILL). Without it, a restart is empty.
   */
  readonly appendOnlyDir?: string;
}

export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const port = options.port ?? (await getFreePort());
  let child = await spawnRedis(port, options.appendOnlyDir);
  // Node does not report a stopped (SIGSTOP) child, so the handle remembers it: a frozen
  // process must be continued before it can act on SIGTERM.
  let paused = false;
  const exited = (process: ChildProcess): Promise<void> =>
    process.exitCode !== null || process.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => process.once('exit', () => resolve()));
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (paused) current.kill('SIGCONT');
    paused = false;
    current.kill(name);
    await exited(current);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    pause: () => {
      paused = child.kill('SIGSTOP');
    },
    resume: () => {
      child.kill('SIGCONT');
      paused = false;
    },
    restart: async () => {
      await signal('SIGKILL');
      child = await spawnRedis(port, options.appendOnlyDir);
    },
  };
}

async function spawnRedis(port: number, appendOnlyDir: string | undefined): Promise<ChildProcess> {
  const persistence =
    appendOnlyDir === undefined
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', appendOnlyDir];
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  await waitForPong(port, child);
  return child;
}

async function waitForPong(port: number, child: ChildProcess, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start`);
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

/** True when a Redis on 127.0.0.1:`port` answers PING within 200 ms. */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
