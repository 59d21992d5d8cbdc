import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthPlugin } from './health.plugin.js';
import { createLogger } from './logger.js';
import { metricsPlugin } from './metrics.plugin.js';
import { captureLogs } from '@authflow/testing';

describe('logger', () => {
  it('redacts cookies, authorization, assertions, tokens and passwords', () => {
    const { stream, lines } = captureLogs();
    const logger = createLogger({ service: 'test', level: 'info' }, stream);
    logger.info(
      {
        req: {
          method: 'GET',
          url: '/x',
          headers: {
            cookie: 'authflow_session=abc',
            authorization: 'Bearer t',
            'x-authflow-assertion': 'jwt',
          },
        },
        body: { password: 'hunter2', token: 'tok', email: 'a@b.c' },
      },
      'hello',
    );
    const text = JSON.stringify(lines());
    for (const secret of ['authflow_session=abc', 'Bearer t', '"jwt"', 'hunter2', '"tok"']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('a@b.c');
  });

  it('redacts secret fields at the top level, nested, and in headers objects the serializer does not touch', () => {
    const { stream, lines } = captureLogs();
    const logger = createLogger({ service: 'test', level: 'info' }, stream);
    logger.info(
      {
        password: 'top-level-pw',
        outer: { inner: { token: 'nested-token' } },
        a: { b: { c: { refresh_token: 'deep-refresh' } } },
        headers: { cookie: 'authflow_session=raw', authorization: 'Bearer raw' },
        email: 'kept@example.com',
      },
      'fields',
    );
    const text = JSON.stringify(lines());
    for (const secret of [
      'top-level-pw',
      'nested-token',
      'deep-refresh',
      'session=raw',
      'Bearer raw',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('kept@example.com');
    expect(lines()[0]).toMatchObject({ password: '[redacted]', headers: { cookie: '[redacted]' } });
  });

  it('logs request paths without their query strings', async () => {
    const { stream, lines } = captureLogs();
    const app = Fastify({
      loggerInstance: createLogger({ service: 'test', level: 'info' }, stream),
    });
    app.get('/verify', () => 'ok');
    await app.inject({ url: '/verify?token=one-time-secret' });
    await app.close();
    const text = JSON.stringify(lines());
    expect(text).toContain('"/verify"');
    expect(text).not.toContain('one-time-secret');
    expect(lines()[0]).toMatchObject({ service: 'test' });
  });
});

describe('metricsPlugin', () => {
  it('counts requests by route label and serves them in Prometheus format', async () => {
    const app = Fastify();
    await app.register(metricsPlugin, { prefix: 'test_', collectDefaults: false });
    app.get('/things/:id', { config: { metricsRoute: 'things' } }, () => 'ok');
    app.get('/plain', () => 'ok');
    await app.inject({ url: '/things/1' });
    await app.inject({ url: '/things/2' });
    await app.inject({ url: '/plain' });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(
      /test_http_request_duration_seconds_count\{route="things",method="GET",status_code="200"\} 2/u,
    );
    expect(metrics.body).toMatch(
      /test_http_request_duration_seconds_count\{route="\/plain",method="GET",status_code="200"\} 1/u,
    );
    expect(app.metrics.contentType).toContain('text/plain');
    await app.close();
  });

  it('keeps registries apart between apps in one process', async () => {
    const first = Fastify();
    const second = Fastify();
    await first.register(metricsPlugin, { prefix: 'same_' });
    await second.register(metricsPlugin, { prefix: 'same_' });
    expect(first.metrics).not.toBe(second.metrics);
    expect((await first.inject({ url: '/metrics' })).body).toContain('same_process_cpu');
    await Promise.all([first.close(), second.close()]);
  });
});

describe('healthPlugin', () => {
  it('answers live without running checks and ready only when every check passes', async () => {
    let redisUp = true;
    let calls = 0;
    const app = Fastify();
    await app.register(healthPlugin, {
      checks: {
        redis: () => {
          calls += 1;
          return redisUp ? Promise.resolve() : Promise.reject(new Error('connection refused'));
        },
        subscription: () => Promise.resolve(),
      },
    });
    expect((await app.inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect(calls).toBe(0);
    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', subscription: 'ok' } });
    redisUp = false;
    const down = await app.inject({ url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      status: 'not_ready',
      checks: { redis: 'failed', subscription: 'ok' },
    });
    expect(down.body).not.toContain('connection refused');
    await app.close();
  });

  it('fails a check that does not answer within the timeout', async () => {
    const { stream, lines } = captureLogs();
    const app = Fastify({
      loggerInstance: createLogger({ service: 'test', level: 'info' }, stream),
    });
    await app.register(healthPlugin, {
      checks: { slow: () => new Promise(() => undefined) },
      timeoutMs: 50,
    });
    const response = await app.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.slow).toBe('failed');
    // The reason is for operators, in the log.
    expect(lines()).toContainEqual(
      expect.objectContaining({ check: 'slow', reason: 'no answer within 50 ms', level: 40 }),
    );
    await app.close();
  });
});
