// Summarises `node --trace-gc` lines from a process log (`npm run bench --
// --gateway-flags=--trace-gc` writes them into bench/results/<time>-logs/gateway-warm.log):
// how often each collector ran and how long it paused the main thread, in the busy seconds.
//
//   node bench/gc-trace-summary.ts bench/results/<time>-logs/gateway-warm.log [requests]
//
// With the number of requests the process answered meanwhile, the counts are also per request.
import { readFileSync } from 'node:fs';
import { fixed, integer, table } from './markdown.ts';
import { summarizeLatencies } from './stats.ts';

export interface GcEvent {
  /** ms since the process started. */
  readonly atMs: number;
  readonly kind: string;
  readonly pauseMs: number;
  readonly beforeMb: number;
  readonly afterMb: number;
}

// [pid:0x…]    1234 ms: Scavenge 12.3 (14.0) -> 11.2 (15.0) MB, pooled: 0 MB, 0.85 / 0.00 ms …
const LINE =
  /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: ([A-Za-z -]+?)(?: \([a-z ]+\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ [\d.]+ ms/u;

export function parseGcTrace(text: string): GcEvent[] {
  const events: GcEvent[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    events.push({
      atMs: Number(match[1]),
      kind: match[2] ?? 'unknown',
      beforeMb: Number(match[3]),
      afterMb: Number(match[4]),
      pauseMs: Number(match[5]),
    });
  }
  return events;
}

/**
 * The busy seconds: those with at least `minimum` collections (under load), leaving out the
 * start-up and idle minutes between measurements.
 */
export function busySeconds(
  events: readonly GcEvent[],
  minimum = 2,
): { readonly events: GcEvent[]; readonly seconds: number } {
  const perSecond = new Map<number, number>();
  for (const event of events) {
    const second = Math.floor(event.atMs / 1_000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  // The first second is start-up (the young generation is still small and fills every few ms).
  const busy = new Set(
    [...perSecond]
      .filter(([second, count]) => second > 0 && count >= minimum)
      .map(([second]) => second),
  );
  return {
    events: events.filter((event) => busy.has(Math.floor(event.atMs / 1_000))),
    seconds: busy.size,
  };
}

function main(argv: readonly string[]): void {
  const [file, requestsText] = argv;
  if (file === undefined) {
    process.stderr.write('usage: node bench/gc-trace-summary.ts PROCESS.log [requests]\n');
    process.exitCode = 2;
    return;
  }
  const all = parseGcTrace(readFileSync(file, 'utf8'));
  const busy = busySeconds(all);
  const { events } = busy;
  const seconds = Math.max(1, busy.seconds);
  const requests = requestsText === undefined ? undefined : Number(requestsText);
  const kinds = [...new Set(events.map((event) => event.kind))];
  const rows = kinds.map((kind) => {
    const of = events.filter((event) => event.kind === kind);
    const pauses = summarizeLatencies(of.map((event) => event.pauseMs));
    const total = of.reduce((sum, event) => sum + event.pauseMs, 0);
    const freed = of.reduce((sum, event) => sum + (event.beforeMb - event.afterMb), 0);
    return [
      kind,
      integer(of.length),
      fixed(of.length / seconds, 1),
      requests === undefined ? '—' : integer(requests / of.length),
      `${fixed(pauses.p50)} / ${fixed(pauses.p99)} / ${fixed(pauses.max)}`,
      `${fixed(total, 0)} (${fixed((total / (seconds * 1_000)) * 100, 1)} %)`,
      fixed(freed / of.length, 2),
    ];
  });
  process.stdout.write(
    `${integer(all.length)} collections logged; in the ${integer(seconds)} busy seconds (at least 2 a second): ${integer(events.length)}.\n\n` +
      table(
        [
          'collector',
          'count',
          'per second',
          'requests per collection',
          'pause p50 / p99 / max ms',
          'paused ms (% of the busy seconds)',
          'MB freed each',
        ],
        rows,
      ) +
      '\n',
  );
}

if (import.meta.main) main(process.argv.slice(2));
