// The gateway sent SIGTERM under load: a signed-in device's steady requests, slow requests to an
// upstream that takes 500 ms, and an anonymous client. Every request in flight at the signal
// completes with 200, the process exits 0 well within GATEWAY_SHUTDOWN_DRAIN_MS without forcing,
// new connections are refused (or answered 503 while closing), and nothing reaches a backend
// without a session.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  type FaultStack,
  signedInAccount,
  startFaultStack,
} from './support/fault-stack.ts';
import { backendRequests } from './support/outage.ts';

/** Measured figures go to the test output. */
const report = (line: string): void => void process.stdout.write(`${line}\n`);

const DRAIN_MS = 5_000;
/** How long before the signal a request must have been sent to count as received by the gateway. */
const RACE_MS = 50;
const SLOW_MS = 500;

interface Outcome {
  readonly kind: 'profile' | 'slow' | 'anonymous';
  readonly startedAt: number;
  readonly endedAt: number;
  /** The HTTP status, or 0 when the request failed without one (refused, reset). */
  readonly status: number;
  readonly error?: string;
}

/** One client sending `send` back to back (after `pauseMs`) until stopped. */
function client(
  kind: Outcome['kind'],
  send: () => Promise<Response>,
  outcomes: Outcome[],
  state: { running: boolean },
  pauseMs: number,
): Promise<void> {
  return (async () => {
    while (state.running) {
      const startedAt = performance.now();
      try {
        const response = await send();
        await response.arrayBuffer();
        outcomes.push({ kind, startedAt, endedAt: performance.now(), status: response.status });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        outcomes.push({
          kind,
          startedAt,
          endedAt: performance.now(),
          status: 0,
          error: cause?.code ?? cause?.message ?? String(error),
        });
      }
      await new Promise((done) => setTimeout(done, pauseMs));
    }
  })();
}

/** Whether a new TCP connection to the gateway is accepted right now. */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

describe('the gateway sent SIGTERM under load', () => {
  let stack: FaultStack;
  let slow: Server;
  const slowSeen: { identified: number; anonymous: number } = { identified: 0, anonymous: 0 };
  beforeAll(async () => {
    slow = createServer((request, response) => {
      if (typeof request.headers['x-authflow-assertion'] === 'string') slowSeen.identified += 1;
      else slowSeen.anonymous += 1;
      request.resume();
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"slow":true}');
      }, SLOW_MS);
    });
    await new Promise<void>((done) => slow.listen(0, '127.0.0.1', done));
    const shipped = await readFile(
      resolve(import.meta.dirname, '../services/gateway/config/routes.yaml'),
      'utf8',
    );
    const routesYaml = shipped
      .replace('upstreams:\n', 'upstreams:\n  slow:\n    url: ${SLOW_UPSTREAM_URL}\n')
      .replace(
        'routes:\n',
        'routes:\n  - prefix: /slow/\n    upstream: slow\n    access: protected\n    mode: api\n',
      );
    stack = await startFaultStack({
      scenario: 'gateway-shutdown',
      routesYaml,
      gatewayEnv: {
        SLOW_UPSTREAM_URL: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        GATEWAY_SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
      },
    });
  });
  afterAll(async () => {
    await stack.stop();
    slow.closeAllConnections();
    await new Promise((done) => slow.close(done));
  });

  it('completes every request in flight, refuses new ones, and exits 0 within the drain time', async () => {
    const account: Account = await signedInAccount(stack);
    const json = { ...account.headers, accept: 'application/json' };
    const outcomes: Outcome[] = [];
    const state = { running: true };
    const clients = [
      ...[0, 1, 2, 3].map(() =>
        client(
          'profile',
          () => fetch(`${stack.url}/app/api/profile`, { headers: json }),
          outcomes,
          state,
          10,
        ),
      ),
      ...[0, 1, 2, 3, 4, 5].map((index) =>
        client(
          'slow',
          () => fetch(`${stack.url}/slow/work?client=${index}`, { headers: json }),
          outcomes,
          state,
          20 * index,
        ),
      ),
      client(
        'anonymous',
        () => fetch(`${stack.url}/app/api/headers`, { headers: { accept: 'application/json' } }),
        outcomes,
        state,
        20,
      ),
    ];
    // Steady load first, then the signal while slow requests are mid-way.
    await new Promise((done) => setTimeout(done, 1_200));
    const signalAt = performance.now();
    const exited = stack.gateway.stop('SIGTERM');
    await new Promise((done) => setTimeout(done, 100));
    const acceptedAfterSignal = await acceptsConnections(stack.gateway.port);
    const exit = await exited;
    const exitedAt = performance.now();
    state.running = false;
    await Promise.all(clients);

    // A request sent in the last moments before the signal may not have reached the gateway yet:
    // on a kept-alive connection the drain may close it as idle just as it is reused (the
    // keep-alive race every HTTP/1.1 server has; clients retry). So "in flight" means sent at
    // least RACE_MS before the signal, and the few sent just before it count with those after.
    const inFlight = outcomes.filter(
      ({ startedAt, endedAt }) => startedAt < signalAt - RACE_MS && endedAt > signalAt,
    );
    const after = outcomes.filter(
      ({ startedAt, endedAt }) => startedAt >= signalAt - RACE_MS && endedAt > signalAt,
    );
    const count = (list: Outcome[]) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(
            Object.groupBy(list, (outcome) => `${outcome.kind}:${outcome.error ?? outcome.status}`),
          ).map(([key, value]) => [key, value?.length ?? 0]),
        ),
      );
    const slowestInFlight = Math.max(0, ...inFlight.map(({ endedAt }) => endedAt - signalAt));
    report(
      `gateway SIGTERM under load: exit code ${exit.code} after ${exit.ms} ms (drain limit ${DRAIN_MS} ms); ` +
        `${outcomes.filter(({ startedAt }) => startedAt < signalAt).length} requests before the signal, ` +
        `${inFlight.length} in flight at it (${count(inFlight)}), last of them done ${Math.round(
          slowestInFlight,
        )} ms after the signal; after the signal: ${count(after)}; new connection accepted 100 ms after the signal: ${acceptedAfterSignal}`,
    );

    // In flight at the signal: completed, every one with 200; slow ones among them.
    expect(
      inFlight.some(({ kind }) => kind === 'slow'),
      'slow requests in flight',
    ).toBe(true);
    expect(inFlight.filter(({ kind, status }) => kind !== 'anonymous' && status !== 200)).toEqual(
      [],
    );
    expect(inFlight.filter(({ kind, status }) => kind === 'anonymous' && status !== 401)).toEqual(
      [],
    );
    // Exited cleanly and in time, without the forced-shutdown path.
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(DRAIN_MS);
    expect(exitedAt - signalAt).toBeLessThan(SLOW_MS + 2_000);
    expect(stack.gateway.logs()).not.toContain('forced shutdown');
    // New connections are refused once closing. A request sent after the signal is served while
    // the signal is on its way, answered 503 on a connection still open, or fails to connect
    // (refused, or a kept-alive connection closed as idle as it was reused: a client retries).
    expect(acceptedAfterSignal, 'a new connection accepted after the signal').toBe(false);
    const unexpected = after.filter(
      ({ kind, status, error }) =>
        !(
          (status === 0 &&
            ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(error ?? '')) ||
          status === 503 ||
          (status === 200 && kind !== 'anonymous') ||
          (status === 401 && kind === 'anonymous')
        ),
    );
    expect(unexpected).toEqual([]);
    // Nothing reached a backend without a session.
    expect(backendRequests(stack, '/app/api/headers')).toBe(0);
    expect(slowSeen.anonymous).toBe(0);
    expect(slowSeen.identified).toBeGreaterThan(0);
  });
});
