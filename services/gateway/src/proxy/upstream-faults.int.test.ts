// Faults between the gateway and an upstream, against real origins on port 0: what counts against
// the upstream's breaker, what is passed on as the upstream sent it, and the request deadline.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type GatewayHarness, startGateway } from '../testing/gateway-harness.js';

/** Measured figures for the lead's report (the fault matrix prints them). */
function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

const redisUrl = inject('redisUrl');
const json = { accept: 'application/json' };
/** A breaker that opens on the first counted failure. */
const hairTrigger = { errorThresholdPercentage: 1, resetTimeoutMs: 60_000, volumeThreshold: 1 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function origin(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; received: () => number }> {
  let received = 0;
  const server: Server = createServer((request, response) => {
    received += 1;
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
  };
}

async function gatewayFor(upstream: Record<string, unknown>, route: Record<string, unknown> = {}) {
  const gateway: GatewayHarness = await startGateway({
    redisUrl,
    routes: {
      upstreams: { origin: upstream },
      routes: [{ prefix: '/up/', upstream: 'origin', access: 'public', mode: 'api', ...route }],
    },
  });
  closers.push(() => gateway.close());
  return gateway;
}

async function breakerState(gateway: GatewayHarness): Promise<number> {
  const text = (await gateway.get('/metrics')).body;
  return Number(/breaker_state\{dependency="upstream:origin"\} (\d)/u.exec(text)?.[1] ?? -1);
}

describe('what counts against an upstream', () => {
  it('passes on an early 413 the upstream sent before reading the body, and does not count it', async () => {
    // Like a service with a small body limit: it answers from the headers and closes.
    const small = await origin((_request, response) => {
      response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      response.end('{"error":{"code":"payload_too_large","message":"from the upstream"}}');
    });
    const gateway = await gatewayFor({ url: small.url, breaker: hairTrigger });
    const bodies: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    ];
    for (const headers of bodies) {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await gateway.send(
          'POST',
          '/up/signup',
          { ...json, ...headers },
          'x'.repeat(2 * 1024 * 1024),
        );
        expect(response.status).toBe(413);
        expect(response.body).toContain('from the upstream');
        expect(response.headers.connection).toBe('close');
      }
    }
    expect(await breakerState(gateway)).toBe(0);
  });

  it('refuses a declared body over the route limit with 413 without contacting the upstream', async () => {
    const echo = await origin((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    const gateway = await gatewayFor({ url: echo.url }, { maxBodyBytes: 1024 });
    const refused = await gateway.send('POST', '/up/x', json, 'x'.repeat(1025));
    expect(refused.status).toBe(413);
    expect(refused.headers['x-authflow-error']).toBe('payload_too_large');
    expect(refused.headers.connection).toBe('close');
    const streamed = await gateway.send(
      'POST',
      '/up/x',
      { ...json, 'transfer-encoding': 'chunked' },
      'x'.repeat(5_000),
    );
    expect(streamed.status).toBe(413);
    expect(echo.received()).toBe(0);
    expect((await gateway.send('POST', '/up/x', json, 'x'.repeat(1024))).status).toBe(200);
  });

  it('counts the 5xx an upstream answers itself (passed on as sent), unless told not to', async () => {
    const failing = await origin((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('upstream says no');
    });
    const counting = await gatewayFor({ url: failing.url, breaker: hairTrigger });
    const first = await counting.get('/up/x', json);
    expect(first.status).toBe(500);
    expect(first.body).toBe('upstream says no');
    expect(await breakerState(counting)).toBe(2);
    expect((await counting.get('/up/x', json)).status).toBe(503);

    const lenient = await gatewayFor({
      url: failing.url,
      breaker: { ...hairTrigger, countServerErrors: false },
    });
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect((await lenient.get('/up/x', json)).status).toBe(500);
    expect(await breakerState(lenient)).toBe(0);
  });
});

describe('the request deadline', () => {
  it('covers the wait for a pooled connection: every request is answered 504 at about the timeout', async () => {
    const stuck = await origin(() => undefined);
    const gateway = await gatewayFor({
      url: stuck.url,
      connections: 1,
      maxQueued: 10,
      timeoutMs: 300,
      breaker: { volumeThreshold: 100 },
    });
    const began = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await gateway.get('/up/x', json);
        return { status: response.status, ms: performance.now() - began };
      }),
    );
    report(
      `6 requests, 1 connection, 300 ms timeout: ${JSON.stringify(answers.map((a) => [a.status, Math.round(a.ms)]))}`,
    );
    for (const answer of answers) {
      expect(answer.status).toBe(504);
      // Without the deadline covering the pool wait the last one waits 6 × 300 ms.
      expect(answer.ms).toBeLessThan(1_000);
    }
  });

  it('refuses requests beyond the queue bound at once with 503 and Retry-After', async () => {
    const stuck = await origin(() => undefined);
    const gateway = await gatewayFor({
      url: stuck.url,
      connections: 1,
      maxQueued: 1,
      timeoutMs: 1_000,
      breaker: { volumeThreshold: 100 },
    });
    const began = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const response = await gateway.get('/up/x', json);
        return { response, ms: performance.now() - began };
      }),
    );
    const refused = answers.filter(({ response }) => response.status === 503);
    expect(refused).toHaveLength(3);
    for (const { response, ms } of refused) {
      expect(response.headers['retry-after']).toBe('1');
      expect(response.headers['x-authflow-error']).toBe('upstream_unavailable');
      expect(ms).toBeLessThan(500);
    }
    expect(answers.filter(({ response }) => response.status === 504)).toHaveLength(2);
    // The refused never reach the upstream. The queued one may: when the first exchange's deadline
    // frees the connection a moment before the queued one's own deadline passes, it is sent.
    expect(stuck.received()).toBeGreaterThanOrEqual(1);
    expect(stuck.received()).toBeLessThanOrEqual(2);
  });

  it('keeps a counted 5xx in its place among the admitted until its body has been passed on', async () => {
    const slowFailure = await origin((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.write('upstream says no, ');
      setTimeout(() => response.end('slowly'), 600);
    });
    const gateway = await gatewayFor({
      url: slowFailure.url,
      connections: 1,
      maxQueued: 0,
      breaker: { volumeThreshold: 100, countServerErrors: true },
    });
    const first = gateway.get('/up/x', json);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The first exchange still occupies the only place: the second is refused, not queued.
    const second = await gateway.get('/up/x', json);
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect((await first).body).toBe('upstream says no, slowly');
    expect(slowFailure.received()).toBe(1);
  });

  it('counts each timeout when it happens, so a burst of timeouts opens the breaker', async () => {
    const stuck = await origin(() => undefined);
    const gateway = await gatewayFor({
      url: stuck.url,
      connections: 2,
      maxQueued: 20,
      timeoutMs: 300,
      breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 10_000 },
    });
    const began = performance.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => gateway.get('/up/x', json)));
    expect(answers.every(({ status }) => status === 504)).toBe(true);
    expect(await breakerState(gateway)).toBe(2);
    report(
      `breaker open after a burst of 10 timeouts in ${Math.round(performance.now() - began)} ms`,
    );
    const fast = performance.now();
    expect((await gateway.get('/up/x', json)).status).toBe(503);
    expect(performance.now() - fast).toBeLessThan(200);
  });
});
