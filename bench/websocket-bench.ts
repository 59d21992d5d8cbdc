// WebSocket throughput: N connections held open through the gateway to the backend's echo (and,
// as the ceiling, straight to the backend), each echoing one message at a time; messages/s and
// round-trip latency, in interleaved rounds like the HTTP setups.
import { performance } from 'node:perf_hooks';
import { BROWSER_HEADERS } from './browser-profile.ts';
import { metricValue, httpCall } from './http-client.ts';
import type { RunContext } from './run-context.ts';
import type { Stack } from './stack.ts';
import { type LatencySummary, rotate, type Spread, spreadOf, summarizeLatencies } from './stats.ts';
import { openWebSocket, type WebSocketConnection } from './websocket-client.ts';

const MESSAGE = JSON.stringify({ type: 'bench', payload: 'x'.repeat(40) });

export interface WebSocketRun {
  readonly round: number;
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly roundTripMs: LatencySummary;
}

export interface WebSocketPath {
  readonly id: 'backend-direct' | 'through-gateway';
  readonly connections: number;
  readonly runs: readonly WebSocketRun[];
  readonly messagesPerSecond: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
}

export interface WebSocketResults {
  readonly connections: number;
  readonly paths: readonly WebSocketPath[];
  /** through-gateway ÷ backend-direct messages/s, per round, then the median. */
  readonly ratioToDirect: Spread;
  /** authflow_gateway_websockets_open while the connections were held. */
  readonly gatewayReportedOpen: number | undefined;
  readonly refusedUpgrades: number;
}

/** Keeps one message in flight on every connection for `seconds`; counts echoes. */
async function pingPong(
  connections: readonly WebSocketConnection[],
  seconds: number,
): Promise<Omit<WebSocketRun, 'round'>> {
  const latencies: number[] = [];
  let running = true;
  const started = performance.now();
  const loops = connections.map(
    (connection) =>
      new Promise<void>((resolve) => {
        let sentAt = 0;
        const send = (): void => {
          if (!running) {
            resolve();
            return;
          }
          sentAt = performance.now();
          connection.send(MESSAGE);
        };
        connection.onMessage(() => {
          latencies.push(performance.now() - sentAt);
          send();
        });
        void connection.closed.then(() => resolve());
        send();
      }),
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  running = false;
  const elapsed = (performance.now() - started) / 1_000;
  await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  return {
    messages: latencies.length,
    seconds: elapsed,
    messagesPerSecond: latencies.length / elapsed,
    roundTripMs: summarizeLatencies(latencies),
  };
}

async function openMany(
  url: string,
  cookies: readonly string[],
  count: number,
): Promise<{ open: WebSocketConnection[]; refused: number }> {
  const open: WebSocketConnection[] = [];
  let refused = 0;
  for (let start = 0; start < count; start += 50) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(50, count - start) }, (_, offset) => {
        const cookie = cookies[(start + offset) % Math.max(1, cookies.length)];
        return openWebSocket(url, {
          ...BROWSER_HEADERS,
          ...(cookie === undefined ? {} : { cookie }),
        });
      }),
    );
    for (const outcome of batch) {
      if (outcome.status === 'fulfilled') open.push(outcome.value);
      else refused += 1;
    }
  }
  return { open, refused };
}

/**
 * The gateway registers a socket once its upstream connection is open, a moment after the
 * client's 101: poll /metrics until the count matches (or 3 s passed) and report what it says.
 */
async function openSocketsReported(
  gatewayUrl: string,
  expected: number,
): Promise<number | undefined> {
  let reported: number | undefined;
  const deadline = Date.now() + 3_000;
  do {
    const metrics = await httpCall({ url: `${gatewayUrl}/metrics` });
    reported = metricValue(metrics.body, 'authflow_gateway_websockets_open');
    if (reported === expected) return reported;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  return reported;
}

export async function measureWebSockets(
  context: RunContext,
  stack: Stack,
): Promise<WebSocketResults> {
  const { options } = context;
  const count = options.websocketConnections;
  const [backend, gateway, sessions] = await Promise.all([
    stack.backend(),
    stack.gateway('warm'),
    stack.gatewaySessions(),
  ]);
  const cookies = sessions.map((session) => session.cookie);
  const toWs = (origin: string): string => `${origin}/app/ws`;
  const direct = await openMany(toWs(backend.url), cookies, count);
  const proxied = await openMany(toWs(gateway.url), cookies, count);
  if (proxied.refused > 0)
    context.say(`WARNING websocket: ${proxied.refused} upgrades through the gateway refused`);
  const gatewayReportedOpen = await openSocketsReported(gateway.url, proxied.open.length);

  const paths = { 'backend-direct': direct.open, 'through-gateway': proxied.open } as const;
  const runs: Record<keyof typeof paths, WebSocketRun[]> = {
    'backend-direct': [],
    'through-gateway': [],
  };
  const ids = Object.keys(paths) as (keyof typeof paths)[];
  for (let round = 0; round < options.rounds; round += 1) {
    for (const id of rotate(ids, round)) {
      await pingPong(paths[id], Math.min(2, options.warmupSeconds));
      const run = { round: round + 1, ...(await pingPong(paths[id], options.durationSeconds)) };
      runs[id].push(run);
      context.say(
        `round ${round + 1} websocket ${id}: ${Math.round(run.messagesPerSecond)} msg/s, ` +
          `p99 ${run.roundTripMs.p99.toFixed(2)} ms over ${paths[id].length} connections`,
      );
    }
  }
  for (const connection of [...direct.open, ...proxied.open]) connection.close();

  const ratios = runs['through-gateway'].map(
    (run, index) =>
      run.messagesPerSecond / (runs['backend-direct'][index]?.messagesPerSecond ?? Number.NaN),
  );
  return {
    connections: count,
    paths: ids.map((id) => ({
      id,
      connections: paths[id].length,
      runs: runs[id],
      messagesPerSecond: spreadOf(runs[id].map((run) => run.messagesPerSecond)),
      p50Ms: spreadOf(runs[id].map((run) => run.roundTripMs.p50)),
      p99Ms: spreadOf(runs[id].map((run) => run.roundTripMs.p99)),
    })),
    ratioToDirect: spreadOf(ratios),
    gatewayReportedOpen,
    refusedUpgrades: proxied.refused + direct.refused,
  };
}
