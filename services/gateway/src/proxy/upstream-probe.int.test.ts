// Recovery of an upstream whose process was gone: the gateway's connect probe closes its breaker
// as soon as it listens again, long before the reset timeout; a hung upstream is not probed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type GatewayHarness, startGateway } from '../testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
const json = { accept: 'application/json' };
/** Opens on the first counted failure; stays open a minute unless something closes it. */
const hairTrigger = { errorThresholdPercentage: 1, resetTimeoutMs: 60_000, volumeThreshold: 1 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

async function gatewayFor(url: string, timeoutMs = 30_000): Promise<GatewayHarness> {
  const gateway = await startGateway({
    redisUrl,
    routes: {
      upstreams: { origin: { url, timeoutMs, breaker: hairTrigger } },
      routes: [{ prefix: '/up/', upstream: 'origin', access: 'public', mode: 'api' }],
    },
  });
  closers.push(() => gateway.close());
  return gateway;
}

async function breakerState(gateway: GatewayHarness): Promise<number> {
  const text = (await gateway.get('/metrics')).body;
  return Number(/breaker_state\{dependency="upstream:origin"\} (\d)/u.exec(text)?.[1] ?? -1);
}

describe('the upstream connect probe', () => {
  it('closes the breaker within a probe interval once a refused upstream listens again', async () => {
    // A free port, released: nothing listens there now.
    const placeholder = createServer();
    const port = await listen(placeholder);
    placeholder.closeAllConnections();
    await new Promise((resolve) => placeholder.close(resolve));
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`);
    const refused = await gateway.get('/up/x', json);
    expect(refused.status).toBe(503);
    expect(await breakerState(gateway)).toBe(2);

    const back = createServer((_request, response) => response.end('{"ok":true}'));
    await listen(back, port);
    const began = performance.now();
    while ((await breakerState(gateway)) !== 0 && performance.now() - began < 3_000)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(performance.now() - began).toBeLessThan(2_000);
    expect((await gateway.get('/up/x', json)).status).toBe(200);
  });

  it('does not close the breaker of an upstream that accepts connections and never answers', async () => {
    const hung = createServer(() => undefined);
    const port = await listen(hung);
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`, 200);
    expect((await gateway.get('/up/x', json)).status).toBe(504);
    expect(await breakerState(gateway)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await breakerState(gateway)).toBe(2);
  });
});
