// Every child process of a run (servers, wrk): started pinned, logged to a file each, and always
// stopped — at the end, on an error, on Ctrl-C or SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Pinning, Role } from './cpu-pinning.ts';

export interface StartOptions {
  readonly role: Role;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Pipe stdout to the caller (still copied to the log) instead of writing it to the log only. */
  readonly captureStdout?: boolean;
  /** Signal for a graceful stop (default SIGTERM; nginx: SIGQUIT). */
  readonly stopSignal?: NodeJS.Signals;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** When the harness asked it to stop (epoch ms): log lines after it are shutdown noise. */
  readonly stopRequestedAt: () => number | undefined;
  /** Graceful stop, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export class ProcessGroup {
  readonly #children: Child[] = [];
  readonly #everStarted: Child[] = [];
  readonly #logDir: string;
  readonly #pinning: Pinning;
  #stopping = false;

  constructor(logDir: string, pinning: Pinning) {
    this.#logDir = logDir;
    this.#pinning = pinning;
  }

  get logDir(): string {
    return this.#logDir;
  }

  start(name: string, command: string, args: readonly string[], options: StartOptions): Child {
    if (this.#stopping) throw new Error(`not starting ${name}: the run is stopping`);
    const logFile = join(this.#logDir, `${name}.log`);
    const log = openSync(logFile, 'a');
    writeSync(log, `# ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    const [file, argv] = this.#pinning.wrap(options.role, command, args);
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', options.captureStdout === true ? 'pipe' : log, log],
    });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    if (options.captureStdout === true) {
      const copy = openSync(logFile, 'a');
      child.stdout?.on('data', (chunk: Buffer) => writeSync(copy, chunk));
      child.once('close', () => closeSync(copy));
    }
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
    let stopRequestedAt: number | undefined;
    const handle: Child = {
      name,
      pid: child.pid,
      process: child,
      logFile,
      exited,
      isRunning,
      stopRequestedAt: () => stopRequestedAt,
      stop: async (graceMs = 5_000) => {
        if (!isRunning()) return;
        stopRequestedAt ??= Date.now();
        child.kill(options.stopSignal ?? 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        this.#forget(handle);
      },
    };
    this.#children.push(handle);
    this.#everStarted.push(handle);
    return handle;
  }

  /** Every child this run started, stopped or not, in start order. */
  history(): readonly Child[] {
    return this.#everStarted;
  }

  /** Children still running, in start order. */
  running(): Child[] {
    return this.#children.filter((child) => child.isRunning());
  }

  /** Stops every child still running, the most recently started first. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    for (const child of [...this.#children].reverse()) await child.stop(3_000);
  }

  /** Synchronous last resort (process 'exit'): SIGKILL to whatever still runs. */
  killAllNow(): void {
    for (const child of this.#children) if (child.isRunning()) child.process.kill('SIGKILL');
  }

  #forget(child: Child): void {
    const index = this.#children.indexOf(child);
    if (index !== -1) this.#children.splice(index, 1);
  }
}
