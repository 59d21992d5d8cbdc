import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { chromeOnMac, startTestUpstream, type TestUpstream } from '@authflow/testing';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
const json = { accept: 'application/json' };
const RESET_MS = 800;

let flaky: TestUpstream;
let healthy: TestUpstream;
let slow: TestUpstream;
let gateway: GatewayHarness;
let cookie: string;

beforeAll(async () => {
  [flaky, healthy, slow] = await Promise.all([
    startTestUpstream(),
    startTestUpstream(),
    startTestUpstream(),
  ]);
  slow.delayMs = 2_000;
  const breaker = { errorThresholdPercentage: 50, resetTimeoutMs: RESET_MS, volumeThreshold: 3 };
  gateway = await startGateway({
    redisUrl,
    routes: {
      upstreams: {
        flaky: { url: flaky.url, breaker },
        healthy: { url: healthy.url, breaker },
        slow: { url: slow.url, timeoutMs: 10_000 },
      },
      routes: [
        { prefix: '/flaky/', upstream: 'flaky', access: 'protected', mode: 'api' },
        { prefix: '/healthy/', upstream: 'healthy', access: 'protected', mode: 'api' },
        { prefix: '/public/', upstream: 'healthy', access: 'public', mode: 'api' },
        { prefix: '/slow/', upstream: 'slow', access: 'public', mode: 'api', timeoutMs: 300 },
      ],
    },
  });
  ({ cookie } = await gateway.signIn(chromeOnMac));
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([flaky.close(), healthy.close(), slow.close()]);
});

const call = (path: string) => gateway.get(path, { ...chromeOnMac.headers, cookie, ...json });

describe('a failing upstream', () => {
  it('answers 503 with Retry-After while down, opens its breaker, and leaves other upstreams alone', async () => {
    expect((await call('/flaky/x')).status).toBe(200);
    const port = flaky.port;
    await flaky.close();

    const refused = await call('/flaky/x');
    expect(refused.status).toBe(503);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('upstream_unavailable');
    expect(refused.headers['x-authflow-error']).toBe('upstream_unavailable');
    expect(refused.headers['retry-after']).toBe('1');
    for (let i = 0; i < 4; i += 1) await call('/flaky/x');
    expect((await gateway.get('/metrics')).body).toContain(
      'authflow_gateway_breaker_state{dependency="upstream:flaky"} 2',
    );

    // Bring a server back on the same port: while the breaker is open it is not even tried.
    flaky = await startTestUpstream({ port });
    const started = performance.now();
    const fastFail = await call('/flaky/x');
    expect(fastFail.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(200);
    expect(flaky.received).toHaveLength(0);

    expect((await call('/healthy/x')).status).toBe(200);
    expect((await gateway.get('/public/x', json)).status).toBe(200);

    // After the reset timeout one trial goes through, succeeds, and the breaker closes.
    await new Promise((resolve) => setTimeout(resolve, RESET_MS + 100));
    await vi.waitFor(async () => expect((await call('/flaky/x')).status).toBe(200), {
      timeout: 3_000,
      interval: 100,
    });
    expect((await gateway.get('/metrics')).body).toContain(
      'authflow_gateway_breaker_state{dependency="upstream:flaky"} 0',
    );
  });

  it('answers 504 when the upstream is slower than the route timeout', async () => {
    const started = performance.now();
    const response = await gateway.get('/slow/x', json);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('upstream_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1_900);
  });

  it('answers 413 when a streamed body outgrows the limit, without blaming the upstream', async () => {
    const limited = await startGateway({
      redisUrl,
      env: { GATEWAY_MAX_BODY_BYTES: '1024' },
      routes: {
        upstreams: {
          healthy: {
            url: healthy.url,
            breaker: { volumeThreshold: 1, resetTimeoutMs: 60_000, errorThresholdPercentage: 1 },
          },
        },
        routes: [{ prefix: '/public/', upstream: 'healthy', access: 'public', mode: 'api' }],
      },
    });
    try {
      const response = await limited.send(
        'POST',
        '/public/upload',
        { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
        'x'.repeat(5_000),
      );
      expect(response.status).toBe(413);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('payload_too_large');
      expect((await limited.get('/metrics')).body).toContain(
        'authflow_gateway_breaker_state{dependency="upstream:healthy"} 0',
      );
    } finally {
      await limited.close();
    }
  });
});
