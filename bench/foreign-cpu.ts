// CPU used by processes that are not part of the run (another build, test suite or service on the
// same machine) while a measurement ran: the figure that tells whether a result is trustworthy.
import { readdirSync, readFileSync } from 'node:fs';
import { parseStat, type ProcessStat, TICKS_PER_SECOND } from './process-cpu.ts';

function readAll(): Map<number, ProcessStat> {
  const all = new Map<number, ProcessStat>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return all;
  }
  for (const entry of entries) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      all.set(Number(entry), parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // the process ended between readdir and read
    }
  }
  return all;
}

function isOurs(pid: number, all: ReadonlyMap<number, ProcessStat>): boolean {
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
