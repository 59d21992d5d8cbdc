// The start-up wait: dependencies that answer after a moment are waited for quietly; one that
// never answers is one error naming its setting.
import { defineErrorRegistry, errorHandlerOptions } from '@authflow/errors';
import { createLogger } from '@authflow/observability';
import { captureLogs } from '@authflow/testing';
import { describe, expect, it } from 'vitest';
import { createServiceApp, DependencyUnreachableError, waitUntilReady } from './index.js';

const errors = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  payload_too_large: { status: 413, message: 'The body is too large.' },
  not_found: { status: 404, message: 'Nothing here.' },
  internal_error: { status: 500, message: 'Something went wrong.' },
});

async function appWithCheck(check: () => Promise<void>) {
  const logs = captureLogs();
  const app = await createServiceApp({
    service: 'test',
    logLevel: 'info',
    logger: createLogger({ service: 'test', level: 'info' }, logs.stream),
    trustedProxies: [],
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
  });
  // As a plugin that owns a dependency adds its check while loading.
  await app.register((scope, _options, done) => {
    scope.addReadinessCheck('redis', check);
    done();
  });
  return { app, logs };
}

describe('waitUntilReady', () => {
  it('waits for a dependency that answers after a few tries, without a warning per try', async () => {
    let tries = 0;
    const { app, logs } = await appWithCheck(() => {
      tries += 1;
      return tries < 3 ? Promise.reject(new Error('connecting')) : Promise.resolve();
    });
    await waitUntilReady(app, {
      timeoutMs: 5_000,
      intervalMs: 10,
      settings: { redis: 'REDIS_URL' },
    });
    expect(tries).toBe(3);
    expect(logs.lines().filter((line) => line.msg === 'readiness check failed')).toEqual([]);
    await app.close();
  });

  it('names the setting of a dependency that never answers', async () => {
    const { app } = await appWithCheck(() => Promise.reject(new Error('refused')));
    const waited = waitUntilReady(app, {
      timeoutMs: 50,
      intervalMs: 10,
      settings: { redis: 'REDIS_URL' },
    });
    await expect(waited).rejects.toThrow(DependencyUnreachableError);
    await expect(waited).rejects.toThrow('REDIS_URL: no answer within 0 s (redis)');
    await app.close();
  });
});
