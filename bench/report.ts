// The run's results as one JSON document and as Markdown tables (printed and saved).
import type { HttpResults } from './http-rounds.ts';
import type { LoginResults } from './login-bench.ts';
import { fixed, integer, table } from './markdown.ts';
import type { MachineInfo } from './machine.ts';
import type { MemoryResults } from './memory-bench.ts';
import type { BenchOptions } from './options.ts';
import type { MemoryUse } from './proc-status.ts';
import { renderCpuPerRequest, renderExperiment, renderNodeCeiling } from './report-ceiling.ts';
import type { RevocationResults } from './revocation-bench.ts';
import type { LogDigest } from './service-logs.ts';
import type { LatencySummary, Spread } from './stats.ts';
import type { TargetCheck } from './targets.ts';
import type { WebSocketResults } from './websocket-bench.ts';

export interface ProcessMemory {
  readonly process: string;
  readonly memory: MemoryUse | undefined;
}

export interface RunReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly wallSeconds: number;
  readonly options: BenchOptions;
  readonly machine: MachineInfo;
  readonly pinning: {
    readonly enabled: boolean;
    readonly loadCpu: number;
    readonly serverCpu: number;
    readonly reason?: string;
  };
  readonly loadGenerator: string;
  readonly http?: HttpResults;
  readonly processMemory: readonly ProcessMemory[];
  readonly logs: readonly LogDigest[];
  readonly websocket?: WebSocketResults;
  readonly revocation?: RevocationResults;
  readonly login?: LoginResults;
  readonly memory?: MemoryResults;
  readonly targets: readonly TargetCheck[];
  readonly errors: readonly string[];
}

const spreadText = (spread: Spread, format: (value: number) => string, rounds: number): string =>
  rounds > 1
    ? `${format(spread.median)} (${format(spread.min)}–${format(spread.max)})`
    : format(spread.median);
const mib = (bytes: number | undefined): string =>
  bytes === undefined ? '—' : (bytes / 1_048_576).toFixed(1);
const latency = (summary: LatencySummary, digits = 2): string[] => [
  fixed(summary.p50, digits),
  fixed(summary.p99, digits),
  fixed(summary.max, digits),
];

export function renderMarkdown(report: RunReport): string {
  const { options } = report;
  const parts: string[] = [];
  parts.push(`# AuthFlow gateway benchmark, ${report.startedAt}`);
  parts.push(
    [
      `- Machine: ${report.machine.cpuModel}, ${report.machine.cpus} CPUs, ${integer(report.machine.memoryMiB)} MiB, Linux ${report.machine.kernel}`,
      `- Software: Node ${report.machine.node}, ${report.machine.nginx}, ${report.machine.redis}, ${report.machine.wrk}`,
      `- Options: ${options.rounds} round(s) × ${options.durationSeconds} s (warm-up ${options.warmupSeconds} s), ${options.connections} connections, ${integer(options.sessions)} distinct sessions cycled per request${options.quick ? ', --quick' : ''}`,
      `- Load generator: ${report.loadGenerator}, one thread; ${report.pinning.enabled ? `pinned to CPU ${report.pinning.loadCpu}, every server on CPU ${report.pinning.serverCpu}` : `not pinned (${report.pinning.reason ?? 'off'})`}`,
      `- Interleaving: round r runs the setups in the listed order rotated left by r − 1; ratios are taken within a round, then the median`,
      `- Wall time: ${Math.round(report.wallSeconds)} s`,
    ].join('\n'),
  );
  if (report.http !== undefined) {
    const rounds = options.rounds;
    parts.push('## HTTP setups');
    parts.push(
      table(
        [
          'setup',
          'req/s',
          'p50 ms',
          'p99 ms',
          'non-2xx',
          'socket errors',
          '× nginx proxy',
          '× backend',
          'cache hits %',
          'other CPU %',
        ],
        report.http.setups.map((setup) => [
          setup.preflight.status === setup.preflight.expected
            ? setup.title
            : `${setup.title} (answered ${setup.preflight.status}!)`,
          spreadText(setup.requestsPerSecond, integer, rounds),
          fixed(setup.p50Ms.median),
          spreadText(setup.p99Ms, (value) => fixed(value), rounds),
          integer(setup.errorStatuses),
          integer(setup.socketErrors),
          fixed(setup.ratioToNginx.median),
          fixed(setup.ratioToBackend.median),
          setup.cacheHitPercent === undefined ? '' : fixed(setup.cacheHitPercent.median, 1),
          fixed(setup.foreignCpuPercent.max, 0),
        ]),
      ),
    );
    parts.push(
      "req/s and p99: median of the rounds (min–max). non-2xx: responses ≥ 400 summed over the measured rounds (wrk counts those; each setup was first checked to answer its 2xx). Ratios: per round, then the median. Cache hits: the gateway's session-cache hits ÷ lookups during the measurement (from its /metrics). Other CPU: the most CPU that processes outside the run used during one of the setup's measurements (% of one CPU; a measurement is repeated above 15%, up to --retries times, 2 by default).",
    );
  }
  if (report.http !== undefined)
    parts.push(
      ...renderNodeCeiling(report.http),
      ...renderExperiment(report.http),
      ...renderCpuPerRequest(report.http),
    );
  if (report.targets.length > 0) {
    parts.push('## Targets');
    parts.push(
      table(
        ['target', 'measured', 'met'],
        report.targets.map((check) => [
          check.target,
          check.measured,
          check.met === undefined ? '—' : check.met ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  if (report.processMemory.length > 0) {
    parts.push('## Process memory');
    parts.push(
      table(
        ['process', 'peak RSS (VmHWM) MiB', 'RSS at the end MiB'],
        report.processMemory.map((entry) => [
          entry.process,
          mib(entry.memory?.peakRssBytes),
          mib(entry.memory?.rssBytes),
        ]),
      ),
    );
  }
  if (report.websocket !== undefined)
    parts.push(...renderWebSocket(report.websocket, options.rounds));
  if (report.revocation !== undefined) parts.push(...renderRevocation(report.revocation));
  if (report.login !== undefined) parts.push(...renderLogin(report.login));
  if (report.memory !== undefined) parts.push(...renderMemory(report.memory));
  const noisy = report.logs.filter((digest) => digest.warnings + digest.errors > 0);
  if (noisy.length > 0) {
    parts.push('## Service logs (warn and above, while measured)');
    parts.push(
      table(
        ['process', 'warn', 'error+', 'most frequent'],
        noisy.map((digest) => [
          digest.process,
          integer(digest.warnings),
          integer(digest.errors),
          digest.messages
            .slice(0, 3)
            .map((message) => `${message.count}× ${message.level}: ${message.msg}`)
            .join('; '),
        ]),
      ),
    );
  }
  if (report.http !== undefined && options.rounds > 1) {
    parts.push('## HTTP rounds');
    parts.push(
      table(
        [
          'setup',
          'round',
          'position',
          'req/s',
          'p50 ms',
          'p99 ms',
          '× nginx proxy',
          '× backend',
          'other CPU %',
          'retries',
        ],
        report.http.setups.flatMap((setup) =>
          setup.rounds.map((round) => [
            setup.id,
            String(round.round),
            String(round.position),
            integer(round.result.requestsPerSecond),
            fixed(round.result.latencyMs.p50),
            fixed(round.result.latencyMs.p99),
            fixed(round.ratioToNginx),
            fixed(round.ratioToBackend),
            fixed(round.foreignCpuPercent, 0),
            String(round.retries),
          ]),
        ),
      ),
    );
  }
  if (report.errors.length > 0) {
    parts.push('## Phases that failed');
    parts.push(report.errors.map((error) => `- ${error}`).join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

function renderWebSocket(results: WebSocketResults, rounds: number): string[] {
  return [
    '## WebSocket echo',
    table(
      ['path', 'connections', 'messages/s', 'round trip p50 ms', 'round trip p99 ms'],
      results.paths.map((path) => [
        path.id,
        integer(path.connections),
        spreadText(path.messagesPerSecond, integer, rounds),
        fixed(path.p50Ms.median),
        fixed(path.p99Ms.median),
      ]),
    ),
    `One message in flight per connection. Through the gateway: ${fixed(results.ratioToDirect.median)}× the direct message rate; the gateway reported ${results.gatewayReportedOpen ?? '—'} open WebSockets; ${results.refusedUpgrades} upgrades refused.`,
  ];
}

function renderRevocation(results: RevocationResults): string[] {
  const rows = results.websocket.map((run) => [
    `WebSocket, ${run.description}`,
    integer(run.sessions),
    integer(run.sockets),
    ...latency(run.latencyMs, 1),
    integer(run.notClosed),
  ]);
  rows.push([
    'HTTP, warm caches, first denied request',
    integer(results.http.sessions),
    integer(results.http.sessions * results.instances),
    ...latency(results.http.latencyMs, 1),
    integer(results.http.neverDenied),
  ]);
  return [
    `## Revocation latency (${results.instances} gateway instances)`,
    table(
      [
        'measurement',
        'sessions',
        'sockets / instance checks',
        'p50 ms',
        'p99 ms',
        'max ms',
        'not enforced in 5 s',
      ],
      rows,
    ),
    `From the revoke call (RedisSessionStore.revoke on its own connection) to the close frame 4401, or to the first 401 of a request polling each instance back to back (${integer(results.http.allowedAfterPublish)} requests were still allowed after the publish). All together: p99 ${fixed(results.allLatencyMs.p99, 1)} ms.`,
  ];
}

function renderLogin(results: LoginResults): string[] {
  const failures =
    Object.entries(results.failures)
      .map(([status, count]) => `${count}× ${status}`)
      .join(', ') || 'none';
  return [
    '## Sign-in under load',
    table(
      [
        'database',
        'accounts',
        'clients',
        'sign-ins/s',
        'sign-in p50 / p99 ms',
        'failures',
        '/health/live p50 / p99 / max ms',
        'auth peak RSS MiB',
      ],
      [
        [
          results.database,
          integer(results.users),
          integer(results.clients),
          fixed(results.signInsPerSecond, 1),
          `${fixed(results.signInLatencyMs.p50, 0)} / ${fixed(results.signInLatencyMs.p99, 0)}`,
          failures,
          `${fixed(results.healthLatencyMs.p50)} / ${fixed(results.healthLatencyMs.p99)} / ${fixed(results.healthLatencyMs.max)}`,
          mib(results.authMemory?.peakRssBytes),
        ],
      ],
    ),
    `${integer(results.signIns)} sign-ins in ${fixed(results.seconds, 1)} s (OWASP Argon2id: 19 MiB, 2 passes); ${integer(results.healthLatencyMs.count)} health probes, ${results.healthFailures} failed. Accounts created and verified through the API in ${fixed(results.userCreationSeconds, 1)} s.`,
  ];
}

function renderMemory(results: MemoryResults): string[] {
  return [
    `## Memory: ${integer(results.sessions)} distinct sessions through one gateway`,
    table(
      [
        'gateway',
        'cache cap',
        'sessions driven',
        'req/s',
        'non-2xx / socket errors',
        'RSS before MiB',
        'RSS at ¼ / ½ / ¾ / end of the drive MiB',
        'peak RSS MiB',
        'heap used before → after MiB',
        'live heap after full GC MiB',
        'cache misses',
        'RSS growth per session',
      ],
      results.runs.map((run) => [
        run.gateway,
        integer(run.cacheCap),
        integer(run.sessionsDriven),
        integer(run.drive.requestsPerSecond),
        `${integer(run.drive.errorStatuses)} / ${integer(run.drive.socketErrors)}`,
        mib(run.before.memory?.rssBytes),
        run.rssAtQuartersBytes.map(mib).join(' / '),
        mib(run.after.memory?.peakRssBytes),
        `${mib(run.before.heapUsedBytes)} → ${mib(run.after.heapUsedBytes)}`,
        mib(run.liveHeapAfterBytes),
        integer(run.after.cacheMisses - run.before.cacheMisses),
        run.rssGrowthPerSessionBytes === undefined
          ? '—'
          : `${integer(run.rssGrowthPerSessionBytes)} B`,
      ]),
    ),
    `${results.cacheSizeExposed ? '' : '/metrics does not expose the cache size (hits and misses only), so memory is read from /proc (VmRSS, VmHWM) and the heap gauge. '}Sessions created in ${fixed(results.creationSeconds, 1)} s.`,
  ];
}
