// Memory of a process from /proc/<pid>/status (Linux): resident now (VmRSS) and at peak (VmHWM).
import { readFileSync } from 'node:fs';

export interface MemoryUse {
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size since the process started ("high water mark"), bytes. */
  readonly peakRssBytes: number;
}

/** The process's memory, or undefined when /proc cannot tell (not Linux, process gone). */
export function readMemoryUse(pid: number | undefined): MemoryUse | undefined {
  if (pid === undefined) return undefined;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'mu').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const rss = kib('VmRSS');
  const peak = kib('VmHWM');
  return rss === undefined || peak === undefined
    ? undefined
    : { rssBytes: rss, peakRssBytes: peak };
}

export const mebibytes = (bytes: number): number => bytes / 1_048_576;

/** Child process ids of `pid` (nginx's workers under its master). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/u)
      .filter((part) => part !== '')
      .map(Number);
  } catch {
    return [];
  }
}
