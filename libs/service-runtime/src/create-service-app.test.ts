import { defineErrorRegistry, errorHandlerOptions } from '@authflow/errors';
import { createLogger } from '@authflow/observability';
import { captureLogs } from '@authflow/testing';
import { describe, expect, it } from 'vitest';
import { createServiceApp, INSECURE_COOKIES_WARNING, type ServiceAppOptions } from './index.js';

const errors = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  payload_too_large: { status: 413, message: 'The body is too large.' },
  not_found: { status: 404, message: 'Nothing here.' },
  internal_error: { status: 500, message: 'Something went wrong.' },
});

function options(overrides: Partial<ServiceAppOptions> = {}): ServiceAppOptions {
  return {
    service: 'test',
    logLevel: 'silent',
    trustedProxies: ['127.0.0.1'],
    trustedProxiesSetting: 'TEST_TRUSTED_PROXIES',
    errors: errorHandlerOptions({
      registry: errors,
      badRequestCode: 'bad_request',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
    }),
    metricsPrefix: 'test_',
    collectProcessMetrics: false,
    readinessTimeoutMs: 100,
    ...overrides,
  };
}

describe('createServiceApp', () => {
  it('answers unknown paths with the JSON error envelope and the request id', async () => {
    const app = await createServiceApp(options());
    const response = await app.inject({ url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: 'not_found', message: expect.any(String), request_id: expect.any(String) },
    });
    await app.close();
  });

  it('serves health, metrics, and readiness checks added by later plugins', async () => {
    const app = await createServiceApp(options());
    let up = true;
    app.addReadinessCheck('store', () =>
      up ? Promise.resolve() : Promise.reject(new Error('down')),
    );
    app.get('/things', () => 'ok');
    expect((await app.inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/health/ready' })).json()).toEqual({
      status: 'ready',
      checks: { store: 'ok' },
    });
    up = false;
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(503);
    await app.inject({ url: '/things' });
    expect((await app.inject({ url: '/metrics' })).body).toMatch(
      /test_http_request_duration_seconds_count\{route="\/things",method="GET",status_code="200"\} 1/u,
    );
    await app.close();
  });

  it('believes X-Forwarded-For and X-Request-Id only from a trusted proxy', async () => {
    const app = await createServiceApp(options({ trustedProxies: ['10.0.0.1'] }));
    app.get('/who', (request) => ({ ip: request.ip, id: request.id }));
    const headers = { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'from-the-client' };
    const direct = (await app.inject({ url: '/who', headers, remoteAddress: '192.0.2.1' })).json<{
      ip: string;
      id: string;
    }>();
    expect(direct.ip).toBe('192.0.2.1');
    expect(direct.id).not.toBe('from-the-client');
    const proxied = (await app.inject({ url: '/who', headers, remoteAddress: '10.0.0.1' })).json<{
      ip: string;
      id: string;
    }>();
    expect(proxied.ip).toBe('203.0.113.9');
    expect(proxied.id).toBe('from-the-client');
    await app.close();
  });

  it('warns once at start about plain-HTTP cookies and each deprecated setting name', async () => {
    const { stream, lines } = captureLogs();
    const app = await createServiceApp(
      options({
        logger: createLogger({ service: 'test', level: 'info' }, stream),
        cookieSecure: false,
        deprecations: [
          {
            name: 'TEST_COOKIE_SECURE',
            replacement: 'AUTHFLOW_COOKIE_SECURE',
            message: 'TEST_COOKIE_SECURE is deprecated: set AUTHFLOW_COOKIE_SECURE instead.',
          },
        ],
      }),
    );
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'config.deprecated',
        setting: 'TEST_COOKIE_SECURE',
        replacement: 'AUTHFLOW_COOKIE_SECURE',
      }),
      expect.objectContaining({ level: 40, msg: INSECURE_COOKIES_WARNING }),
    ]);
    await app.close();
  });

  it('logs one line per request unless told not to', async () => {
    const quiet = captureLogs();
    const loud = captureLogs();
    const logger = (stream: typeof quiet.stream) =>
      createLogger({ service: 'test', level: 'info' }, stream);
    const apps = [
      await createServiceApp(options({ logger: logger(quiet.stream), logRequests: false })),
      await createServiceApp(options({ logger: logger(loud.stream) })),
    ];
    for (const app of apps) {
      app.get('/x', () => 'ok');
      await app.inject({ url: '/x' });
      await app.close();
    }
    expect(quiet.lines()).toEqual([]);
    expect(loud.lines().some((line) => line.msg === 'request completed')).toBe(true);
  });

  it('names the setting of a trusted proxy entry that is not an address', async () => {
    await expect(createServiceApp(options({ trustedProxies: ['not an ip'] }))).rejects.toThrow(
      /TEST_TRUSTED_PROXIES/u,
    );
  });
});
