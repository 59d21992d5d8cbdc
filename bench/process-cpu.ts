// CPU time of processes from /proc/<pid>/stat (Linux): utime + stime, every thread of the process
// (V8's GC helpers and libuv's pool included), so a setup's cost per request can be read per server.
import { readFileSync } from 'node:fs';
import type { Child } from './process-group.ts';
import { childPids } from './proc-status.ts';

/** Linux USER_HZ: /proc reports CPU times in 1/100 s on every common kernel configuration. */
export const TICKS_PER_SECOND = 100;

export interface ProcessStat {
  readonly ppid: number;
  /** utime + stime, in ticks of 1/TICKS_PER_SECOND s. */
  readonly ticks: number;
  readonly command: string;
}

/** Parses /proc/<pid>/stat; the command may hold spaces and parentheses, so fields count from its end. */
export function parseStat(stat: string): ProcessStat {
  const close = stat.lastIndexOf(')');
  const command = stat.slice(stat.indexOf('(') + 1, close);
  // After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  const fields = stat.slice(close + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), command };
}

/** The process's CPU ticks so far, or undefined when it is gone (or not Linux). */
export function readCpuTicks(pid: number): number | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks;
  } catch {
    return undefined;
  }
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
}

/** The run's servers now running (not the load generators), nginx's workers as `nginx worker`. */
export function serverProcesses(running: readonly Child[]): ServerProcess[] {
  const servers: ServerProcess[] = [];
  for (const child of running) {
    if (child.name.startsWith('wrk-')) continue;
    servers.push({ name: child.name, pid: child.pid });
    if (child.name === 'nginx')
      for (const worker of childPids(child.pid))
        servers.push({ name: 'nginx worker', pid: worker });
  }
  return servers;
}

/** CPU seconds each process used in a window; a name seen twice (several workers) is summed. */
export type CpuUse = Readonly<Record<string, number>>;

/** Starts a window over `processes`; the returned function ends it. */
export function watchProcessCpu(processes: readonly ServerProcess[]): () => CpuUse {
  const before = processes.map((process) => readCpuTicks(process.pid));
  return () => {
    const used: Record<string, number> = {};
    processes.forEach((process, index) => {
      const start = before[index];
      const end = readCpuTicks(process.pid);
      if (start === undefined || end === undefined) return;
      used[process.name] = (used[process.name] ?? 0) + (end - start) / TICKS_PER_SECOND;
    });
    return used;
  };
}
