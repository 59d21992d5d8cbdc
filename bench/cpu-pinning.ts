// CPU pinning with taskset: the load generators on one core, every server on another, so the
// servers never compete with the client that measures them.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** `load`: wrk/autocannon and this harness (WebSocket, sign-in, revocation clients); `server`: the rest. */
export type Role = 'load' | 'server';

export interface Pinning {
  /** Whether processes are pinned at all (taskset present, at least 2 CPUs, not disabled). */
  readonly enabled: boolean;
  readonly loadCpu: number;
  readonly serverCpu: number;
  /** Why pinning is off, when it is. */
  readonly reason?: string;
  /** The command and arguments that run `command` on the role's CPU. */
  wrap(role: Role, command: string, args: readonly string[]): [string, string[]];
}

export function hasTaskset(): boolean {
  const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export function planPinning(disabled: boolean): Pinning {
  const cpus = availableParallelism();
  const reason = disabled
    ? 'disabled with --no-pin'
    : !hasTaskset()
      ? 'taskset not found (util-linux)'
      : cpus < 2
        ? `only ${cpus} CPU available`
        : undefined;
  const enabled = reason === undefined;
  const loadCpu = 0;
  const serverCpu = 1;
  return {
    enabled,
    loadCpu,
    serverCpu,
    ...(reason === undefined ? {} : { reason }),
    wrap: (role, command, args) =>
      enabled
        ? ['taskset', ['-c', String(role === 'load' ? loadCpu : serverCpu), command, ...args]]
        : [command, [...args]],
  };
}

/**
 * Moves this process (every thread: libuv pool, V8 helpers) to the load CPU. Children inherit
 * it, which is why servers are started through `taskset` explicitly.
 */
export function pinSelf(pinning: Pinning): void {
  if (!pinning.enabled) return;
  const result = spawnSync('taskset', ['-a', '-cp', String(pinning.loadCpu), String(process.pid)], {
    stdio: 'ignore',
  });
  if (result.status !== 0) throw new Error('taskset could not pin the harness to its CPU');
}
