// What the services logged at warn level and above during the run (pino JSON lines), so
// surprises under load (errors, breaker trips, revocation trouble) show up in the report.
import { readFile } from 'node:fs/promises';

export interface LogDigest {
  readonly process: string;
  readonly warnings: number;
  readonly errors: number;
  /** warn+ lines logged after the harness asked the process to stop (not counted above). */
  readonly atShutdown: number;
  /** Distinct messages with their counts, most frequent first. */
  readonly messages: readonly {
    readonly level: string;
    readonly msg: string;
    readonly count: number;
  }[];
}

const LEVELS: Readonly<Record<number, string>> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * Warnings every start of a bench process logs by design: the plain-HTTP cookie and the
 * development outbox the bench configures, and the revocation subscription still connecting
 * before it goes live. A later "not live" (state lost) is counted.
 */
function isExpectedAtStart(entry: object, msg: unknown): boolean {
  if (typeof msg !== 'string') return false;
  if (/^(AUTHFLOW_COOKIE_SECURE=false|AUTH_SMTP_URL is not set)/u.test(msg)) return true;
  return (
    msg.startsWith('revocation subscription not live') &&
    Reflect.get(entry, 'state') === 'connecting'
  );
}

export async function digestLog(
  process: string,
  file: string,
  stopRequestedAt: number | undefined,
): Promise<LogDigest> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // a process that never wrote has nothing to report
  }
  const counts = new Map<string, { level: string; msg: string; count: number }>();
  let warnings = 0;
  let errors = 0;
  let atShutdown = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof entry !== 'object' || entry === null) continue;
    const level: unknown = Reflect.get(entry, 'level');
    const msg: unknown = Reflect.get(entry, 'msg');
    if (typeof level !== 'number' || level < 40 || isExpectedAtStart(entry, msg)) continue;
    const time: unknown = Reflect.get(entry, 'time');
    const at =
      typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : Number.NaN;
    if (stopRequestedAt !== undefined && at >= stopRequestedAt) {
      atShutdown += 1;
      continue;
    }
    if (level === 40) warnings += 1;
    else errors += 1;
    const name = LEVELS[level] ?? String(level);
    const text = typeof msg === 'string' ? msg : '(no message)';
    const key = `${name} ${text}`;
    const known = counts.get(key);
    if (known === undefined) counts.set(key, { level: name, msg: text, count: 1 });
    else known.count += 1;
  }
  return {
    process,
    warnings,
    errors,
    atShutdown,
    messages: [...counts.values()].sort((a, b) => b.count - a.count).slice(0, 8),
  };
}
