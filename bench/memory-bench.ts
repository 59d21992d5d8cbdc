// Memory under many sessions: 100,000 distinct sessions driven once each through one gateway,
// RSS and heap before and after, against the cache cap (GATEWAY_SESSION_CACHE_MAX_ENTRIES);
// then the same through a gateway whose cap is above the session count, to show what the cap saves.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BROWSER_HEADERS } from './browser-profile.ts';
import { type Gateway, PROTECTED_PATH } from './gateway-process.ts';
import { httpCall, metricValue } from './http-client.ts';
import type { LoadResult } from './load-generator.ts';
import { readMemoryUse, type MemoryUse } from './proc-status.ts';
import type { RunContext } from './run-context.ts';
import { openSessions, sessionStoreOn } from './session-factory.ts';
import type { Stack } from './stack.ts';

export const DEFAULT_CACHE_CAP = 10_000;

interface Snapshot {
  readonly memory: MemoryUse | undefined;
  readonly heapUsedBytes: number | undefined;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly verdictsOk: number;
}

export interface MemoryRun {
  readonly gateway: string;
  readonly cacheCap: number;
  readonly before: Snapshot;
  readonly after: Snapshot;
  readonly drive: LoadResult;
  /** Requests the gateway allowed during the drive: each a distinct session, once. */
  readonly sessionsDriven: number;
  /** RSS sampled every 500 ms during the drive. */
  readonly rssSamples: readonly { readonly seconds: number; readonly rssBytes: number }[];
  /** RSS when a quarter, half, three quarters and all of the drive had passed. */
  readonly rssAtQuartersBytes: readonly (number | undefined)[];
  /** (RSS after − RSS before) ÷ sessions driven. */
  readonly rssGrowthPerSessionBytes: number | undefined;
  /**
   * Heap in use right after a full garbage collection (the gateway writes a heap snapshot on
   * SIGWINCH, which collects first; close-with-grace owns SIGUSR2): what the process really retains, garbage excluded.
   */
  readonly liveHeapAfterBytes: number | undefined;
}

export interface MemoryResults {
  readonly sessions: number;
  readonly creationSeconds: number;
  readonly runs: readonly MemoryRun[];
  /** Whether /metrics reports the cache's size (it reports hits and misses only). */
  readonly cacheSizeExposed: boolean;
}

async function snapshot(gateway: Gateway): Promise<Snapshot> {
  const text = (await httpCall({ url: `${gateway.url}/metrics` })).body;
  const counter = (name: string, labels: Record<string, string>): number =>
    metricValue(text, name, labels) ?? 0;
  return {
    memory: readMemoryUse(gateway.child.pid),
    heapUsedBytes: heapUsedIn(text),
    cacheHits: counter('authflow_gateway_session_cache_total', { result: 'hit' }),
    cacheMisses: counter('authflow_gateway_session_cache_total', { result: 'miss' }),
    verdictsOk: counter('authflow_gateway_verdicts_total', { reason: 'ok' }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGWINCH → heap snapshot (after a full GC) → heap used as /metrics then reports it. */
async function liveHeapAfterFullGc(gateway: Gateway, folder: string): Promise<number | undefined> {
  gateway.child.process.kill('SIGWINCH');
  const deadline = Date.now() + 120_000;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    if (!gateway.child.isRunning())
      throw new Error(`${gateway.name} exited (${await gateway.child.exited}) on SIGWINCH`);
    const files = (await readdir(folder)).filter((name) => name.endsWith('.heapsnapshot'));
    const file = files[0];
    if (file === undefined) continue;
    const size = (await stat(join(folder, file))).size;
    if (size > 0 && size === lastSize) {
      // The snapshot is written on the main thread: /metrics answers once it is done.
      const text = (await httpCall({ url: `${gateway.url}/metrics`, timeoutMs: 60_000 })).body;
      await rm(join(folder, file), { force: true });
      return heapUsedIn(text);
    }
    lastSize = size;
  }
  return undefined;
}

const heapUsedIn = (metrics: string): number | undefined =>
  metricValue(metrics, 'authflow_gateway_nodejs_heap_size_used_bytes') ??
  metricValue(metrics, 'nodejs_heap_size_used_bytes');

export async function measureMemory(context: RunContext, stack: Stack): Promise<MemoryResults> {
  const { options } = context;
  const count = options.memorySessions;
  const created = performance.now();
  const sessions = await openSessions(
    sessionStoreOn(await stack.redisClient()),
    count,
    'memory',
    1_000,
  );
  const creationSeconds = (performance.now() - created) / 1_000;
  context.say(`memory: ${count} sessions created in ${creationSeconds.toFixed(1)} s`);
  const cookies = sessions.map((session) => session.cookie);
  const warmCookies = (await stack.gatewaySessions())
    .slice(0, 100)
    .map((session) => session.cookie);

  // The second gateway only tells something when the sessions outnumber the default cap.
  const caps = count > DEFAULT_CACHE_CAP ? [DEFAULT_CACHE_CAP, count + 1_000] : [DEFAULT_CACHE_CAP];
  const runs: MemoryRun[] = [];
  let cacheSizeExposed = false;
  for (const cap of caps) {
    const name = cap === DEFAULT_CACHE_CAP ? 'gateway-memory' : 'gateway-memory-uncapped';
    const snapshots = join(context.workDir, `heap-${name}`);
    await mkdir(snapshots, { recursive: true });
    const gateway = await stack.startExtraGateway(name, {
      ...(cap === DEFAULT_CACHE_CAP ? {} : { GATEWAY_SESSION_CACHE_MAX_ENTRIES: String(cap) }),
      NODE_OPTIONS: `--heapsnapshot-signal=SIGWINCH --diagnostic-dir=${snapshots}`,
    });
    try {
      const target = { origin: gateway.url, path: PROTECTED_PATH, headers: BROWSER_HEADERS };
      // JIT, pools and buffers settle on a few sessions first, so "before" is a warm process.
      await context.load.run(
        { ...target, name: `${name}-warm`, cookies: warmCookies },
        { connections: options.connections, durationSeconds: 2 },
      );
      const before = await snapshot(gateway);
      const metrics = (await httpCall({ url: `${gateway.url}/metrics` })).body;
      cacheSizeExposed ||= /session_cache_(size|entries)/u.test(metrics);
      const rssSamples: { seconds: number; rssBytes: number }[] = [];
      const driveStarted = performance.now();
      const sampler = setInterval(() => {
        const memory = readMemoryUse(gateway.child.pid);
        if (memory !== undefined)
          rssSamples.push({
            seconds: (performance.now() - driveStarted) / 1_000,
            rssBytes: memory.rssBytes,
          });
      }, 500);
      const drive = await context.load
        .run(
          { ...target, name, cookies },
          { connections: options.connections, durationSeconds: 600, once: true },
        )
        .finally(() => clearInterval(sampler));
      const after = await snapshot(gateway);
      // The load generator may repeat the last cookie while it stops: count each session once.
      const sessionsDriven = Math.min(count, after.verdictsOk - before.verdictsOk);
      const grown =
        before.memory !== undefined && after.memory !== undefined
          ? after.memory.rssBytes - before.memory.rssBytes
          : undefined;
      const lasted = (performance.now() - driveStarted) / 1_000;
      const liveHeapAfterBytes = await liveHeapAfterFullGc(gateway, snapshots);
      runs.push({
        gateway: name,
        cacheCap: cap,
        before,
        after,
        drive,
        sessionsDriven,
        rssSamples,
        rssAtQuartersBytes: [0.25, 0.5, 0.75, 1].map(
          (share) => rssSamples.findLast((sample) => sample.seconds <= share * lasted)?.rssBytes,
        ),
        rssGrowthPerSessionBytes:
          grown === undefined || sessionsDriven <= 0 ? undefined : grown / sessionsDriven,
        liveHeapAfterBytes,
      });
      context.say(
        `memory ${name} (cap ${cap}): RSS ${mib(before.memory?.rssBytes)} → ${mib(after.memory?.rssBytes)} MiB, ` +
          `peak ${mib(after.memory?.peakRssBytes)} MiB, live heap ${mib(liveHeapAfterBytes)} MiB, ${Math.round(drive.requestsPerSecond)} req/s, ` +
          `errors ${drive.errorStatuses}/${drive.socketErrors}`,
      );
    } finally {
      await gateway.child.stop();
    }
  }
  return { sessions: count, creationSeconds, runs, cacheSizeExposed };
}

const mib = (bytes: number | undefined): string =>
  bytes === undefined ? '?' : (bytes / 1_048_576).toFixed(1);
