// Measures the HTTP setups in interleaved rounds (round r starts r places further down the list,
// so no setup always runs first or last) and takes every ratio within one round.
import { type ForeignCpu, watchForeignCpu } from './foreign-cpu.ts';
import { httpCall, metricValue } from './http-client.ts';
import type { HttpSetup } from './http-setups.ts';
import type { LoadResult } from './load-generator.ts';
import type { HttpSetupId } from './options.ts';
import { type CpuUse, serverProcesses, watchProcessCpu } from './process-cpu.ts';
import type { RunContext } from './run-context.ts';
import { rotate, type Spread, spreadOf } from './stats.ts';

export interface SetupRound {
  readonly round: number;
  /** 1-based position in its round's order. */
  readonly position: number;
  readonly result: LoadResult;
  /** req/s ÷ nginx plain proxy's req/s in the same round. */
  readonly ratioToNginx: number;
  /** req/s ÷ backend direct's req/s in the same round. */
  readonly ratioToBackend: number;
  /** p99 ÷ nginx plain proxy's p99 in the same round. */
  readonly p99RatioToNginx: number;
  /** req/s ÷ the bare Node proxy's req/s in the same round (the Node ceiling). */
  readonly ratioToNodeProxy: number;
  /** p99 ÷ the bare Node proxy's p99 in the same round. */
  readonly p99RatioToNodeProxy: number;
  /** CPU microseconds per answered request, per server process, over the measured window. */
  readonly cpuMicrosPerRequest: Readonly<Record<string, number>>;
  /** The gateway's event-loop delay during the measurement (gateway setups), from its /metrics. */
  readonly eventLoop: EventLoopDelay | undefined;
  /** CPU used by processes outside the run during the measurement (% of one CPU). */
  readonly foreignCpuPercent: number;
  /** Measurements repeated because the machine was busy with other work. */
  readonly retries: number;
  /** Session-cache hits ÷ lookups in the gateway during the measurement (gateway setups). */
  readonly cacheHitPercent: number | undefined;
}

export interface SetupSummary {
  readonly id: HttpSetupId;
  readonly title: string;
  readonly description: string;
  readonly preflight: { readonly status: number; readonly expected: number };
  readonly rounds: readonly SetupRound[];
  readonly requestsPerSecond: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly errorStatuses: number;
  readonly socketErrors: number;
  readonly ratioToNginx: Spread;
  readonly ratioToBackend: Spread;
  readonly p99RatioToNginx: Spread;
  readonly ratioToNodeProxy: Spread;
  readonly p99RatioToNodeProxy: Spread;
  /** Per server process: the median over the rounds of its CPU µs per request. */
  readonly cpuMicrosPerRequest: Readonly<Record<string, Spread>>;
  /** p99 of the event-loop delay, ms (the sampling interval taken off), over the rounds. */
  readonly eventLoopDelayP99Ms: Spread | undefined;
  readonly foreignCpuPercent: Spread;
  readonly cacheHitPercent: Spread | undefined;
}

export interface HttpResults {
  readonly orders: readonly (readonly HttpSetupId[])[];
  readonly setups: readonly SetupSummary[];
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Above this much CPU used by other processes, a measurement is repeated (--retries, 2). */
export const BUSY_MACHINE_PERCENT = 15;

interface Measured {
  readonly result: LoadResult;
  readonly foreign: ForeignCpu;
  readonly retries: number;
  readonly cacheHitPercent: number | undefined;
  readonly cpu: CpuUse;
  readonly eventLoop: EventLoopDelay | undefined;
}

/**
 * The gateway's event-loop delay as prom-client's default metrics report it
 * (`nodejs_eventloop_lag_*_seconds`, from `perf_hooks.monitorEventLoopDelay`). prom-client
 * resets the histogram at every scrape, so the scrape after a measurement covers exactly the
 * window since the scrape before it. Its timer fires every 10 ms and each sample is the whole
 * interval between two firings: the delay is the sample less those 10 ms.
 */
export interface EventLoopDelay {
  /** As exported, in ms: the sampling interval included. */
  readonly rawP50Ms: number;
  readonly rawP99Ms: number;
  readonly rawMaxMs: number;
  /** p99 and max of the delay itself (raw less the sampling interval), ms. */
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** prom-client's default `eventLoopMonitoringPrecision`, the gateway's setting (ms). */
export const EVENT_LOOP_SAMPLING_MS = 10;
const GATEWAY_PREFIX = 'authflow_gateway_';

interface GatewayScrape {
  readonly hits: number;
  readonly lookups: number;
  readonly eventLoop: EventLoopDelay | undefined;
}

async function scrapeGateway(gatewayUrl: string | undefined): Promise<GatewayScrape | undefined> {
  if (gatewayUrl === undefined) return undefined;
  const text = (await httpCall({ url: `${gatewayUrl}/metrics` })).body;
  const count = (result: string): number =>
    metricValue(text, `${GATEWAY_PREFIX}session_cache_total`, { result }) ?? 0;
  const lagMs = (name: string): number | undefined => {
    const seconds = metricValue(text, `${GATEWAY_PREFIX}nodejs_eventloop_lag_${name}_seconds`);
    return seconds === undefined ? undefined : seconds * 1_000;
  };
  const [p50, p99, max] = [lagMs('p50'), lagMs('p99'), lagMs('max')];
  const delay = (raw: number): number => Math.max(0, raw - EVENT_LOOP_SAMPLING_MS);
  return {
    hits: count('hit'),
    lookups: count('hit') + count('miss') + count('bypass'),
    eventLoop:
      p50 === undefined || p99 === undefined || max === undefined
        ? undefined
        : { rawP50Ms: p50, rawP99Ms: p99, rawMaxMs: max, p99Ms: delay(p99), maxMs: delay(max) },
  };
}

function hitPercent(
  before: GatewayScrape | undefined,
  after: GatewayScrape | undefined,
): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const lookups = after.lookups - before.lookups;
  return lookups > 0 ? ((after.hits - before.hits) / lookups) * 100 : undefined;
}

/**
 * Warm-up, then the measurement; repeated when other processes took CPU meanwhile, keeping the
 * attempt least disturbed.
 */
async function measureOnce(context: RunContext, setup: HttpSetup): Promise<Measured> {
  const { options, load } = context;
  const run = { connections: options.connections };
  let best: Measured | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt += 1) {
    await load.run(setup.target, { ...run, durationSeconds: options.warmupSeconds });
    // This scrape also starts the event-loop window (prom-client resets it at each scrape).
    const before = await scrapeGateway(setup.gatewayUrl);
    const finish = watchForeignCpu();
    const finishCpu = watchProcessCpu(serverProcesses(context.group.running()));
    const result = await load.run(setup.target, {
      ...run,
      durationSeconds: options.durationSeconds,
    });
    const cpu = finishCpu();
    const foreign = finish();
    const after = await scrapeGateway(setup.gatewayUrl);
    const cacheHitPercent = hitPercent(before, after);
    if (best === undefined || foreign.percent < best.foreign.percent)
      best = {
        result,
        foreign,
        retries: attempt,
        cacheHitPercent,
        cpu,
        eventLoop: after?.eventLoop,
      };
    if (foreign.percent <= BUSY_MACHINE_PERCENT) break;
    context.say(
      `${setup.id}: other processes used ${foreign.percent.toFixed(0)}% CPU meanwhile (${foreign.top.join(', ')})` +
        (attempt < options.retries ? '; measuring again' : '; keeping the least disturbed attempt'),
    );
    await pause(3_000);
  }
  if (best === undefined) throw new Error(`${setup.id}: no measurement`);
  return best;
}

async function preflight(setup: HttpSetup): Promise<number> {
  const { target } = setup;
  const cookie = target.cookies[0];
  const answer = await httpCall({
    url: `${target.origin}${target.path}`,
    headers: { ...target.headers, ...(cookie === undefined ? {} : { cookie }) },
  });
  return answer.status;
}

export async function measureHttpSetups(
  context: RunContext,
  setups: readonly HttpSetup[],
): Promise<HttpResults> {
  const { options } = context;
  const statuses = new Map<HttpSetupId, number>();
  for (const setup of setups) {
    const status = await preflight(setup);
    statuses.set(setup.id, status);
    if (status !== setup.expectedStatus)
      context.say(`WARNING ${setup.id}: answered ${status}, expected ${setup.expectedStatus}`);
  }
  const perRound: Map<HttpSetupId, Measured>[] = [];
  const orders: HttpSetupId[][] = [];
  const total = options.rounds * setups.length;
  let done = 0;
  for (let round = 0; round < options.rounds; round += 1) {
    const order = rotate(setups, round);
    orders.push(order.map((setup) => setup.id));
    const results = new Map<HttpSetupId, Measured>();
    for (const setup of order) {
      done += 1;
      const measured = await measureOnce(context, setup);
      results.set(setup.id, measured);
      const { result } = measured;
      context.say(
        `[${done}/${total}] round ${round + 1} ${setup.id}: ${Math.round(result.requestsPerSecond)} req/s, ` +
          `p99 ${result.latencyMs.p99.toFixed(2)} ms, errors ${result.errorStatuses}/${result.socketErrors}, ` +
          `other CPU ${measured.foreign.percent.toFixed(0)}%`,
      );
      await pause(500);
    }
    perRound.push(results);
  }
  return {
    orders,
    setups: setups.map((setup) => summarize(setup, statuses.get(setup.id) ?? 0, perRound, orders)),
  };
}

function summarize(
  setup: HttpSetup,
  status: number,
  perRound: readonly Map<HttpSetupId, Measured>[],
  orders: readonly HttpSetupId[][],
): SetupSummary {
  const rounds: SetupRound[] = [];
  perRound.forEach((results, round) => {
    const measured = results.get(setup.id);
    if (measured === undefined) return;
    const { result } = measured;
    const nginx = results.get('nginx-proxy')?.result;
    const backend = results.get('backend')?.result;
    const nodeProxy = results.get('node-proxy')?.result;
    rounds.push({
      round: round + 1,
      position: (orders[round]?.indexOf(setup.id) ?? -1) + 1,
      result,
      foreignCpuPercent: measured.foreign.percent,
      retries: measured.retries,
      cacheHitPercent: measured.cacheHitPercent,
      ratioToNginx:
        nginx === undefined ? Number.NaN : result.requestsPerSecond / nginx.requestsPerSecond,
      ratioToBackend:
        backend === undefined ? Number.NaN : result.requestsPerSecond / backend.requestsPerSecond,
      p99RatioToNginx:
        nginx === undefined ? Number.NaN : result.latencyMs.p99 / nginx.latencyMs.p99,
      ratioToNodeProxy:
        nodeProxy === undefined
          ? Number.NaN
          : result.requestsPerSecond / nodeProxy.requestsPerSecond,
      p99RatioToNodeProxy:
        nodeProxy === undefined ? Number.NaN : result.latencyMs.p99 / nodeProxy.latencyMs.p99,
      cpuMicrosPerRequest: microsPerRequest(measured.cpu, result.requests),
      eventLoop: measured.eventLoop,
    });
  });
  const of = (pick: (entry: SetupRound) => number): Spread => spreadOf(rounds.map(pick));
  return {
    id: setup.id,
    title: setup.title,
    description: setup.description,
    preflight: { status, expected: setup.expectedStatus },
    rounds,
    requestsPerSecond: of((entry) => entry.result.requestsPerSecond),
    p50Ms: of((entry) => entry.result.latencyMs.p50),
    p99Ms: of((entry) => entry.result.latencyMs.p99),
    errorStatuses: rounds.reduce((sum, entry) => sum + entry.result.errorStatuses, 0),
    socketErrors: rounds.reduce((sum, entry) => sum + entry.result.socketErrors, 0),
    ratioToNginx: of((entry) => entry.ratioToNginx),
    ratioToBackend: of((entry) => entry.ratioToBackend),
    p99RatioToNginx: of((entry) => entry.p99RatioToNginx),
    ratioToNodeProxy: of((entry) => entry.ratioToNodeProxy),
    p99RatioToNodeProxy: of((entry) => entry.p99RatioToNodeProxy),
    cpuMicrosPerRequest: cpuSpreads(rounds),
    eventLoopDelayP99Ms:
      setup.gatewayUrl === undefined
        ? undefined
        : of((entry) => entry.eventLoop?.p99Ms ?? Number.NaN),
    foreignCpuPercent: of((entry) => entry.foreignCpuPercent),
    cacheHitPercent:
      setup.gatewayUrl === undefined
        ? undefined
        : of((entry) => entry.cacheHitPercent ?? Number.NaN),
  };
}

function microsPerRequest(cpu: CpuUse, requests: number): Record<string, number> {
  const micros: Record<string, number> = {};
  if (requests <= 0) return micros;
  for (const [name, seconds] of Object.entries(cpu)) micros[name] = (seconds * 1e6) / requests;
  return micros;
}

function cpuSpreads(rounds: readonly SetupRound[]): Record<string, Spread> {
  const names = new Set(rounds.flatMap((round) => Object.keys(round.cpuMicrosPerRequest)));
  const spreads: Record<string, Spread> = {};
  for (const name of names)
    spreads[name] = spreadOf(rounds.map((round) => round.cpuMicrosPerRequest[name] ?? Number.NaN));
  return spreads;
}
