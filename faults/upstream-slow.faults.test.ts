// A slow upstream (issue 12, item 3): a backend that sleeps far longer than the route's timeout,
// under a steady request rate. Every client gets an answer at about the timeout or at once (queue
// full, breaker open), the breaker opens about one timeout in, and the slow backend receives only
// what its pool and queue admit, not everything clients send.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearsSessionCookie,
  type FaultStack,
  signedInAccount,
  startFaultStack,
} from './support/fault-stack.ts';

/** Measured figures for the lead's report (the fault matrix prints them). */
function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

const TIMEOUT_MS = 1_000;
const CONNECTIONS = 8;
const MAX_QUEUED = 8;

describe('a slow upstream', () => {
  let stack: FaultStack;
  let slow: Server;
  let received = 0;
  beforeAll(async () => {
    slow = createServer((request) => {
      received += 1;
      request.resume();
      // Sleeps 40 s: far past any timeout.
    });
    await new Promise<void>((done) => slow.listen(0, '127.0.0.1', done));
    const shipped = await readFile(
      resolve(import.meta.dirname, '../services/gateway/config/routes.yaml'),
      'utf8',
    );
    const routesYaml = shipped
      .replace(
        'upstreams:\n',
        `upstreams:\n  slow:\n    url: \${SLOW_UPSTREAM_URL}\n    connections: ${CONNECTIONS}\n    maxQueued: ${MAX_QUEUED}\n    timeoutMs: ${TIMEOUT_MS}\n    breaker: { volumeThreshold: 5, resetTimeoutMs: 3000 }\n`,
      )
      .replace(
        'routes:\n',
        'routes:\n  - prefix: /slow/\n    upstream: slow\n    access: protected\n    mode: api\n',
      );
    stack = await startFaultStack({
      scenario: 'upstream-slow',
      routesYaml,
      gatewayEnv: { SLOW_UPSTREAM_URL: `http://127.0.0.1:${(slow.address() as AddressInfo).port}` },
    });
  });
  afterAll(async () => {
    await stack.stop();
    slow.closeAllConnections();
    await new Promise((done) => slow.close(done));
  });

  it('answers every request within about the timeout, opens the breaker, and sheds the rest', async () => {
    const account = await signedInAccount(stack);
    const began = performance.now();
    const statuses = new Map<number, number>();
    let slowest = 0;
    let cookieCleared = false;
    let breakerOpenAt: number | undefined;
    const requests: Promise<void>[] = [];
    // 20 requests/s for 4 s.
    for (let index = 0; index < 80; index += 1) {
      requests.push(
        (async () => {
          const sent = performance.now();
          const response = await fetch(`${stack.url}/slow/work`, {
            headers: { ...account.headers, accept: 'application/json' },
            signal: AbortSignal.timeout(15_000),
          }).catch(() => undefined);
          const status = response?.status ?? 0;
          await response?.arrayBuffer();
          if (response !== undefined && clearsSessionCookie(response)) cookieCleared = true;
          slowest = Math.max(slowest, performance.now() - sent);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        })(),
      );
      if (breakerOpenAt === undefined && index % 4 === 0) {
        const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
        if (metrics.includes('authflow_gateway_breaker_state{dependency="upstream:slow"} 2'))
          breakerOpenAt = performance.now() - began;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    await Promise.all(requests);
    report(
      `slow upstream, 80 requests at 20/s, timeout ${TIMEOUT_MS} ms: statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest answer ${Math.round(slowest)} ms, breaker open by ${breakerOpenAt === undefined ? 'never' : `${Math.round(breakerOpenAt)} ms`}, slow server received ${received}`,
    );
    // Every request answered: 504 (timed out) or 503 (queue full, breaker open); none hangs.
    expect(statuses.get(0) ?? 0).toBe(0);
    expect([...statuses.keys()].every((status) => status === 503 || status === 504)).toBe(true);
    expect(slowest).toBeLessThan(TIMEOUT_MS * 3);
    expect(breakerOpenAt).toBeDefined();
    expect(breakerOpenAt ?? Infinity).toBeLessThan(TIMEOUT_MS * 3);
    // Only what the pool and its queue admitted before the breaker opened reached the server.
    expect(received).toBeLessThan(40);
    expect(cookieCleared).toBe(false);
    // Other routes are unaffected.
    const app = await fetch(`${stack.url}/app/api/profile`, { headers: account.headers });
    expect(app.status).toBe(200);
  });
});
