// The issue 18 tables: the gateway against the Node ceiling (the bare Node proxy) round by round,
// and what every server process spent in CPU per request in each setup.
import type { HttpResults, SetupRound, SetupSummary } from './http-rounds.ts';
import { EVENT_LOOP_SAMPLING_MS } from './http-rounds.ts';
import { fixed, integer, table } from './markdown.ts';
import type { HttpSetupId } from './options.ts';
import { median } from './stats.ts';

/** Below this a process took no part in a setup (idle timers of the others). */
const NEGLIGIBLE_MICROS = 0.5;

const find = (http: HttpResults, id: HttpSetupId): SetupSummary | undefined =>
  http.setups.find((setup) => setup.id === id);

const roundOf = (setup: SetupSummary | undefined, round: number): SetupRound | undefined =>
  setup?.rounds.find((candidate) => candidate.round === round);

/** One row per round: ratios, p99s, CPU per request and the gateway's event-loop delay. */
export function renderNodeCeiling(http: HttpResults): string[] {
  const gateway = find(http, 'gateway-warm');
  const bare = find(http, 'node-proxy');
  const nginx = find(http, 'nginx-proxy');
  if (gateway === undefined || bare === undefined) return [];
  const rows = gateway.rounds.map((round) => {
    const bareRound = roundOf(bare, round.round);
    const nginxRound = roundOf(nginx, round.round);
    const cpu = (entry: SetupRound | undefined, process: string): string =>
      fixed(entry?.cpuMicrosPerRequest[process], 1);
    const loop = round.eventLoop;
    return [
      String(round.round),
      integer(round.result.requestsPerSecond),
      integer(bareRound?.result.requestsPerSecond ?? Number.NaN),
      fixed(round.ratioToNodeProxy),
      fixed(round.result.latencyMs.p99),
      fixed(bareRound?.result.latencyMs.p99),
      fixed(nginxRound?.result.latencyMs.p99),
      fixed(round.p99RatioToNodeProxy),
      fixed(round.p99RatioToNginx),
      cpu(round, 'gateway-warm'),
      cpu(bareRound, 'bare-proxy'),
      cpu(nginxRound, 'nginx worker'),
      `${cpu(round, 'backend')} / ${cpu(bareRound, 'backend')}`,
      loop === undefined
        ? '—'
        : `${fixed(loop.p99Ms)} (${fixed(loop.rawP99Ms)}; max ${fixed(loop.maxMs)})`,
    ];
  });
  return [
    '## The Node ceiling: gateway (warm cache) against the bare Node proxy, per round',
    table(
      [
        'round',
        'gateway req/s',
        'bare proxy req/s',
        'gateway × bare proxy',
        'gateway p99 ms',
        'bare proxy p99 ms',
        'nginx proxy p99 ms',
        'p99 × bare proxy',
        'p99 × nginx',
        'gateway CPU µs/req',
        'bare proxy CPU µs/req',
        'nginx worker CPU µs/req',
        'backend CPU µs/req (gateway / bare)',
        'gateway event-loop delay p99 ms (as exported; max)',
      ],
      rows,
    ),
    `Bare proxy: node:http in, undici Pool.dispatch out (128 connections, as the gateway's upstream), nothing else ([servers/bare-proxy.ts](servers/bare-proxy.ts)). CPU µs/req: utime + stime of the process (all its threads) from /proc/<pid>/stat over the measured window ÷ requests answered in it; each process in its own setup. Event-loop delay: prom-client's \`nodejs_eventloop_lag_p99_seconds\` from the gateway's /metrics, scraped just before and just after the window (prom-client resets its histogram at each scrape); a sample is the whole interval of its ${EVENT_LOOP_SAMPLING_MS} ms timer, so the delay is the exported figure less ${EVENT_LOOP_SAMPLING_MS} ms (in brackets: as exported).`,
  ];
}

/** Per setup, the CPU each server process spent per request (median over the rounds). */
export function renderCpuPerRequest(http: HttpResults): string[] {
  const rows = http.setups.map((setup) => {
    const entries = Object.entries(setup.cpuMicrosPerRequest)
      .map(([process, spread]) => [process, spread.median] as const)
      .filter(([, micros]) => micros >= NEGLIGIBLE_MICROS)
      .sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((sum, [, micros]) => sum + micros, 0);
    return [
      setup.title,
      fixed(total, 1),
      entries.map(([process, micros]) => `${process} ${fixed(micros, 1)}`).join(' · '),
    ];
  });
  return [
    '## CPU per request, by server process',
    table(['setup', 'total µs/req', 'by process (µs/req)'], rows),
    `Median over the rounds of each process's CPU time during the measurement ÷ requests answered; processes under ${NEGLIGIBLE_MICROS} µs/req left out. Every server shares one CPU, so the total bounds the req/s: 1,000,000 ÷ total.`,
  ];
}

/** The A/B experiment (setup gateway-b) against the gateway it changes, round by round. */
export function renderExperiment(http: HttpResults): string[] {
  const a = find(http, 'gateway-warm');
  const b = find(http, 'gateway-b');
  if (a === undefined || b === undefined) return [];
  const rows = a.rounds.map((roundA) => {
    const roundB = roundOf(b, roundA.round);
    const loop = (entry: SetupRound | undefined): string => fixed(entry?.eventLoop?.p99Ms);
    return [
      String(roundA.round),
      `${integer(roundA.result.requestsPerSecond)} / ${integer(roundB?.result.requestsPerSecond ?? Number.NaN)}`,
      fixed((roundB?.result.requestsPerSecond ?? Number.NaN) / roundA.result.requestsPerSecond),
      `${fixed(roundA.ratioToNodeProxy)} / ${fixed(roundB?.ratioToNodeProxy)}`,
      `${fixed(roundA.result.latencyMs.p99)} / ${fixed(roundB?.result.latencyMs.p99)}`,
      `${fixed(roundA.cpuMicrosPerRequest['gateway-warm'], 1)} / ${fixed(roundB?.cpuMicrosPerRequest['gateway-b'], 1)}`,
      `${loop(roundA)} / ${loop(roundB)}`,
    ];
  });
  const paired = (pick: (entry: SetupRound, name: string) => number | undefined): number =>
    median(
      a.rounds.flatMap((roundA) => {
        const roundB = roundOf(b, roundA.round);
        const valueA = pick(roundA, 'gateway-warm');
        const valueB = roundB === undefined ? undefined : pick(roundB, 'gateway-b');
        return valueA === undefined || valueB === undefined ? [] : [valueB / valueA];
      }),
    );
  rows.push([
    'median of B ÷ A',
    '',
    fixed(paired((entry) => entry.result.requestsPerSecond)),
    '',
    fixed(paired((entry) => entry.result.latencyMs.p99)),
    fixed(paired((entry, name) => entry.cpuMicrosPerRequest[name])),
    fixed(paired((entry) => entry.eventLoop?.p99Ms)),
  ]);
  return [
    '## Experiment: gateway B against gateway A (warm cache), per round',
    table(
      [
        'round',
        'req/s A / B',
        'B ÷ A',
        '× bare proxy A / B',
        'p99 ms A / B',
        'CPU µs/req A / B',
        'event-loop delay p99 ms A / B',
      ],
      rows,
    ),
    'A: gateway-warm; B: gateway-b (--gateway-b, --gateway-b-flags). Both serve the same sessions from the same Redis and backend, measured in the same rounds. The last row: the median over the rounds of B ÷ A in the same round (CPU µs/req moves least on a busy machine).',
  ];
}
