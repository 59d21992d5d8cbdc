import { Writable } from 'node:stream';
import { createLogger } from '@authflow/observability';
import {
  createRedisClient,
  RedisSessionStore,
  type SessionStore,
  SessionStoreUnavailableError,
} from '@authflow/sessions';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  chromeOnMac,
  firefoxOnLinux,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  },
});

let backend: TestUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  backend = await startTestUpstream();
  gateway = await startGateway({
    redisUrl: inject('redisUrl'),
    backendUrl: backend.url,
    env: { GATEWAY_ACCESS_LOG_SAMPLE_RATE: '100' },
    dependencies: { logger: createLogger({ service: 'gateway', level: 'debug' }, sink) },
  });
});
afterAll(async () => {
  await gateway.close();
  await backend.close();
});

describe('gateway logs', () => {
  it('record denials and revocations as audit events and never contain a token, cookie or assertion', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const token = cookie.split('=')[1] ?? '';
    await gateway.get('/app/ok?token=query-secret', {
      ...chromeOnMac.headers,
      cookie,
      authorization: 'Bearer api-secret',
    });
    const assertion = String(backend.received.at(-1)?.headers['x-authflow-assertion']);
    await gateway.get('/app/denied', { accept: 'application/json' });
    await gateway.get('/app/stolen', {
      ...firefoxOnLinux.headers,
      cookie,
      accept: 'application/json',
    });

    const text = JSON.stringify(lines);
    for (const secret of [token, assertion, 'query-secret', 'api-secret'])
      expect(text).not.toContain(secret);
    const audits = lines.filter((line) => line.audit === true);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'access.denied',
          reason: 'unauthenticated',
          path: '/app/denied',
        }),
        expect.objectContaining({
          event: 'session.revoked',
          reason: 'fingerprint_mismatch',
          sessionId: session.id,
          userId: session.userId,
          parts: ['userAgent', 'language'],
        }),
        expect.objectContaining({
          event: 'access.denied',
          reason: 'fingerprint_mismatch',
          path: '/app/stolen',
        }),
      ]),
    );
    // The sampled access log carries the path without its query string.
    expect(
      lines.some((line) => line.msg === 'request' && JSON.stringify(line).includes('/app/ok')),
    ).toBe(true);
  });
  it('log an IP change allowed by the default policy, without the addresses themselves', async () => {
    // Signed in from another network; the request comes from loopback.
    const { cookie, session } = await gateway.signIn({ ...chromeOnMac, ip: '198.51.100.20' });
    const moved = await gateway.get('/app/moved', { ...chromeOnMac.headers, cookie });
    expect(moved.status).toBe(200);
    const observed = lines.find(
      (line) => line.event === 'fingerprint.observed_difference' && line.sessionId === session.id,
    );
    expect(observed).toMatchObject({ parts: ['ip'], msg: 'fingerprint part changed' });
    expect(JSON.stringify(observed)).not.toContain('198.51.100.20');
  });
});

describe('gateway logs during a session store outage (issue 12, item 7)', () => {
  const outageLines: Record<string, unknown>[] = [];
  const outageSink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') outageLines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const client = createRedisClient({ url: inject('redisUrl') });
  let down = false;
  /** The real store, failing like an unreachable Redis while `down`. */
  const flaky = (store: RedisSessionStore): SessionStore =>
    new Proxy(store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          down && (property === 'find' || property === 'ping')
            ? Promise.reject(
                new SessionStoreUnavailableError('session store find failed', {
                  cause: new Error('Connection is closed.'),
                }),
              )
            : (value as (...args: unknown[]) => unknown).apply(target, args);
      },
    });
  let outage: GatewayHarness;

  beforeAll(async () => {
    outage = await startGateway({
      redisUrl: inject('redisUrl'),
      backendUrl: backend.url,
      env: { GATEWAY_SESSION_CACHE_TTL_MS: '0', GATEWAY_REDIS_PROBE_INTERVAL_MS: '50' },
      dependencies: {
        sessionStore: flaky(new RedisSessionStore({ client })),
        logger: createLogger({ service: 'gateway', level: 'info' }, outageSink),
      },
    });
  });
  afterAll(async () => {
    await outage.close();
    client.disconnect();
  });

  it('write one line per state change and a count of refused requests, no stack per request', async () => {
    const { cookie } = await outage.signIn(chromeOnMac);
    const call = () =>
      outage.get('/app/x', { ...chromeOnMac.headers, cookie, accept: 'application/json' });
    expect((await call()).status).toBe(200);
    const before = outageLines.length;

    down = true;
    for (let i = 0; i < 60; i += 1) expect((await call()).status).toBe(503);
    down = false;
    await vi.waitFor(async () => expect((await call()).status).toBe(200), { timeout: 2_000 });

    const written = outageLines.slice(before);
    expect(written.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(JSON.stringify(written)).not.toContain('"stack"');
    expect(written.map((line) => line.event)).toEqual([
      'breaker.open',
      'dependency.refused',
      'breaker.closed',
    ]);
    expect(written[0]).toMatchObject({ level: 40, dependency: 'redis' });
    expect(written[1]).toMatchObject({ level: 40, dependency: 'redis' });
    // Every refusal counted (the recovery wait may add one), each reason kept to its message.
    expect(written[1]?.refused).toBeGreaterThanOrEqual(60);
    expect(written[1]?.lastReason).toEqual(expect.stringMatching(/^session store /u));
    expect(written[2]).toMatchObject({ level: 30, dependency: 'redis' });
  });
});
