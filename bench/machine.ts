// A description of the machine and tools a run used, recorded with its results.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { mebibytes } from './proc-status.ts';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly redis: string;
  readonly nginx: string;
  readonly wrk: string;
}

const firstLine = (command: string, args: readonly string[]): string => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) return 'not found';
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '';
};

export function describeMachine(
  nginxBinary: string | undefined,
  wrkBinary: string | undefined,
): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: availableParallelism(),
    memoryMiB: Math.round(mebibytes(totalmem())),
    kernel: release(),
    node: process.version,
    redis: firstLine('redis-server', ['--version']),
    nginx: nginxBinary === undefined ? 'not found' : firstLine(nginxBinary, ['-v']),
    wrk: wrkBinary === undefined ? 'not found' : firstLine(wrkBinary, ['--version']),
  };
}
