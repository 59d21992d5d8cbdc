// Revocation latency across gateway instances: sessions with open WebSockets and warm caches on
// two gateways; revocations published with RedisSessionStore.revoke on a connection of their own;
// time from publish to enforcement on every instance (close 4401 / first denied request).
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { BROWSER_HEADERS } from './browser-profile.ts';
import type { Gateway } from './gateway-process.ts';
import { PROTECTED_PATH } from './gateway-process.ts';
import { httpCall } from './http-client.ts';
import type { RunContext } from './run-context.ts';
import {
  connectRedis,
  type OpenedSession,
  openSessions,
  sessionStoreOn,
} from './session-factory.ts';
import type { Stack } from './stack.ts';
import { type LatencySummary, summarizeLatencies } from './stats.ts';
import { openWebSocket, type CloseEvent, type WebSocketConnection } from './websocket-client.ts';

export const REVOCATION_TARGET_P99_MS = 50;
const SESSION_ENDED_CLOSE_CODE = 4401;
const ENFORCEMENT_TIMEOUT_MS = 5_000;

export interface WebSocketRevocation {
  readonly pattern: 'paced' | 'burst';
  readonly description: string;
  readonly sessions: number;
  readonly sockets: number;
  /** Publish → close frame 4401, per socket, every instance. */
  readonly latencyMs: LatencySummary;
  /** Sockets that got no 4401 within the timeout (or another close code). */
  readonly notClosed: number;
  readonly samplesMs: readonly number[];
}

export interface HttpRevocation {
  readonly sessions: number;
  /** Publish → first denied request, per session and instance. */
  readonly latencyMs: LatencySummary;
  /** Requests still allowed after the publish (served from a cache not yet told). */
  readonly allowedAfterPublish: number;
  readonly neverDenied: number;
  readonly samplesMs: readonly number[];
}

export interface RevocationResults {
  readonly instances: number;
  readonly websocket: readonly WebSocketRevocation[];
  readonly http: HttpRevocation;
  /** Every measurement together: the figure held to the 50 ms p99 target. */
  readonly allLatencyMs: LatencySummary;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout(closed: Promise<CloseEvent>): Promise<CloseEvent | undefined> {
  return Promise.race([closed, sleep(ENFORCEMENT_TIMEOUT_MS).then(() => undefined)]);
}

async function openSockets(
  gateways: readonly Gateway[],
  sessions: readonly OpenedSession[],
): Promise<Map<string, WebSocketConnection[]>> {
  const bySession = new Map<string, WebSocketConnection[]>();
  for (let start = 0; start < sessions.length; start += 25) {
    await Promise.all(
      sessions.slice(start, start + 25).map(async (session) => {
        const sockets = await Promise.all(
          gateways.map((gateway) =>
            openWebSocket(`${gateway.url}/app/ws`, { ...BROWSER_HEADERS, cookie: session.cookie }),
          ),
        );
        bySession.set(session.sessionId, sockets);
      }),
    );
  }
  return bySession;
}

export async function measureRevocation(
  context: RunContext,
  stack: Stack,
): Promise<RevocationResults> {
  const count = context.options.revocationSessions;
  const redis = await stack.redis();
  const gateways = [
    await stack.startExtraGateway('gateway-revocation-a', {}),
    await stack.startExtraGateway('gateway-revocation-b', {}),
  ];
  const creator = sessionStoreOn(await stack.redisClient());
  // Revocations go out on a connection of their own, as another service (auth) would publish them.
  const publisherClient = await connectRedis(redis.url, 'bench-revoker');
  const publisher = sessionStoreOn(publisherClient);
  try {
    const paced = await revokeWebSockets(
      context,
      gateways,
      publisher,
      await openSessions(creator, count, 'revoke-paced'),
      'paced',
    );
    const burst = await revokeWebSockets(
      context,
      gateways,
      publisher,
      await openSessions(creator, count, 'revoke-burst'),
      'burst',
    );
    const http = await revokeWarmCaches(
      gateways,
      publisher,
      await openSessions(creator, Math.min(count, 50), 'revoke-http'),
    );
    context.say(
      `revocation: websocket paced p99 ${paced.latencyMs.p99.toFixed(1)} ms, burst p99 ${burst.latencyMs.p99.toFixed(1)} ms, ` +
        `http p99 ${http.latencyMs.p99.toFixed(1)} ms`,
    );
    return {
      instances: gateways.length,
      websocket: [paced, burst],
      http,
      allLatencyMs: summarizeLatencies([...paced.samplesMs, ...burst.samplesMs, ...http.samplesMs]),
    };
  } finally {
    await publisherClient.quit().catch(() => undefined);
    for (const gateway of gateways) await gateway.child.stop();
  }
}

async function revokeWebSockets(
  context: RunContext,
  gateways: readonly Gateway[],
  publisher: ReturnType<typeof sessionStoreOn>,
  sessions: readonly OpenedSession[],
  pattern: 'paced' | 'burst',
): Promise<WebSocketRevocation> {
  const sockets = await openSockets(gateways, sessions);
  await sleep(500);
  const waits: Promise<{ code: number | undefined; latency: number } | undefined>[] = [];
  for (const session of sessions) {
    const published = performance.now();
    publisher
      .revoke(session.sessionId)
      .catch((error: unknown) => context.say(`revoke failed: ${String(error)}`));
    for (const socket of sockets.get(session.sessionId) ?? [])
      waits.push(
        withTimeout(socket.closed).then(
          (event) => event && { code: event.code, latency: event.at - published },
        ),
      );
    // Paced: 200 revocations a second, each measured on its own; burst: all in the same moment.
    if (pattern === 'paced') await sleep(5);
  }
  const outcomes = await Promise.all(waits);
  const samples = outcomes
    .filter((outcome) => outcome?.code === SESSION_ENDED_CLOSE_CODE)
    .map((outcome) => outcome?.latency ?? Number.NaN);
  for (const list of sockets.values()) for (const socket of list) socket.close();
  return {
    pattern,
    description:
      pattern === 'paced'
        ? 'one revocation every 5 ms (200/s)'
        : `all ${sessions.length} revocations published at once`,
    sessions: sessions.length,
    sockets: waits.length,
    latencyMs: summarizeLatencies(samples),
    notClosed: waits.length - samples.length,
    samplesMs: samples,
  };
}

async function revokeWarmCaches(
  gateways: readonly Gateway[],
  publisher: ReturnType<typeof sessionStoreOn>,
  sessions: readonly OpenedSession[],
): Promise<HttpRevocation> {
  const agents = gateways.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const get = (index: number, session: OpenedSession): Promise<number> =>
    httpCall({
      url: `${gateways[index]?.url ?? ''}${PROTECTED_PATH}`,
      headers: { ...BROWSER_HEADERS, cookie: session.cookie },
      ...(agents[index] === undefined ? {} : { agent: agents[index] }),
    }).then((answer) => answer.status);
  const samples: number[] = [];
  let allowedAfterPublish = 0;
  let neverDenied = 0;
  for (const session of sessions) {
    // Warm: each instance has the session in its cache (3 s TTL) when the revocation goes out.
    await Promise.all(gateways.map((_, index) => get(index, session)));
    const published = performance.now();
    const revoked = publisher.revoke(session.sessionId);
    await Promise.all(
      gateways.map(async (_, index) => {
        while (performance.now() - published < ENFORCEMENT_TIMEOUT_MS) {
          const status = await get(index, session);
          if (status !== 200) {
            samples.push(performance.now() - published);
            return;
          }
          allowedAfterPublish += 1;
        }
        neverDenied += 1;
      }),
    );
    await revoked;
  }
  for (const agent of agents) agent.destroy();
  return {
    sessions: sessions.length,
    latencyMs: summarizeLatencies(samples),
    allowedAfterPublish,
    neverDenied,
    samplesMs: samples,
  };
}
