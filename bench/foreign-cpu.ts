// CPU used by processes that are not part of the run (another build, test suite or service on the
// same machine) while a measurement ran: the figure that tells whether a result is trustworthy.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc reports CPU times in 1/100 s on every common kernel configuration. */
const TICKS_PER_SECOND = 100;

interface ProcessTimes {
  readonly ppid: number;
  readonly ticks: number;
  readonly command: string;
}

function readAll(): Map<number, ProcessTimes> {
  const all = new Map<number, ProcessTimes>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return all;
  }
  for (const entry of entries) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const command = stat.slice(stat.indexOf('(') + 1, close);
      // After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
      const fields = stat.slice(close + 2).split(' ');
      all.set(Number(entry), {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
        command,
      });
    } catch {
      // the process ended between readdir and read
    }
  }
  return all;
}

function isOurs(pid: number, all: ReadonlyMap<number, ProcessTimes>): boolean {
  for (let current = pid, depth = 0; current > 1 && depth < 64; depth += 1) {
    if (current === process.pid) return true;
    const next = all.get(current)?.ppid;
    if (next === undefined) return false;
    current = next;
  }
  return false;
}

export interface ForeignCpu {
  /** CPU used by processes outside the run, in % of one CPU, over the window. */
  readonly percent: number;
  /** The biggest consumers, for the warning. */
  readonly top: readonly string[];
}

/** Starts a window; calling the returned function ends it and reports foreign CPU use. */
export function watchForeignCpu(): () => ForeignCpu {
  const before = readAll();
  const started = process.hrtime.bigint();
  return () => {
    const after = readAll();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const consumers: { command: string; ticks: number }[] = [];
    for (const [pid, times] of after) {
      if (isOurs(pid, after)) continue;
      const used = times.ticks - (before.get(pid)?.ticks ?? 0);
      if (used > 0) consumers.push({ command: `${times.command}(${pid})`, ticks: used });
    }
    const total = consumers.reduce((sum, entry) => sum + entry.ticks, 0);
    return {
      percent: seconds > 0 ? (total / TICKS_PER_SECOND / seconds) * 100 : 0,
      top: consumers
        .sort((a, b) => b.ticks - a.ticks)
        .slice(0, 3)
        .map(
          (entry) =>
            `${entry.command} ${((entry.ticks / TICKS_PER_SECOND / seconds) * 100).toFixed(0)}%`,
        ),
    };
  };
}
