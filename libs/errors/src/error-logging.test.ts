// Regression: a dependency outage must not write an error line with a stack per request (issue 12,
// item 7: a 10 s Redis outage at 100 req/s wrote 3,821 of them).
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { errorHandlerPlugin } from './error-handler.plugin.js';
import { defineErrorRegistry } from './error-registry.js';

const registry = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  session_invalid: { status: 401, message: 'The session is not valid.' },
  not_found: { status: 404, message: 'Nothing here.' },
  payload_too_large: { status: 413, message: 'The body is too large.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  internal_error: { status: 500, message: 'Something went wrong.' },
  bad_gateway: { status: 502, message: 'The upstream answered nonsense.' },
  session_store_unavailable: { status: 503, message: 'Try again shortly.' },
  upstream_timeout: { status: 504, message: 'The service did not answer in time.' },
});

interface LogLine extends Record<string, unknown> {
  level: number;
  msg: string;
}

const DEBUG = 20;
const ERROR = 50;

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app logging at debug into memory, with routes that fail in each way. */
async function loggedApp(): Promise<{ app: FastifyInstance; lines: () => LogLine[] }> {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const app = Fastify({
    logger: { level: 'debug', stream },
    logController: new LogController({ disableRequestLogging: true }),
  });
  apps.push(app);
  await app.register(errorHandlerPlugin, {
    registry,
    badRequestCode: 'bad_request',
    payloadTooLargeCode: 'payload_too_large',
    notFoundCode: 'not_found',
    internalCode: 'internal_error',
  });
  const outage = (code: 'bad_gateway' | 'session_store_unavailable' | 'upstream_timeout') => () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
    });
    throw registry.create(code, { headers: { 'retry-after': '5' }, cause });
  };
  app.get('/store-down', outage('session_store_unavailable'));
  app.get('/bad-gateway', outage('bad_gateway'));
  app.get('/timeout', outage('upstream_timeout'));
  app.get('/refused-connect', () => {
    // What undici reports for a refused dual-stack connect: no message of its own.
    const cause = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    throw registry.create('session_store_unavailable', { cause });
  });
  app.get('/denied', () => {
    throw registry.create('session_invalid', { cause: new Error('no such session') });
  });
  app.get('/limited', () => {
    throw registry.create('rate_limited');
  });
  app.get('/bug', () => {
    throw new Error('secret internals at /srv/app.ts:12');
  });
  app.get('/unexpected-503', () => {
    // A 5xx that is not a registry error (a plugin's, say) is not a known outage: a bug.
    throw Object.assign(new Error('plugin gave up'), { statusCode: 503 });
  });
  const lines = (): LogLine[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.msg !== 'Server listening at');
  return { app, lines };
}

describe('how the error handler logs', () => {
  it.each([
    ['/store-down', 'session_store_unavailable', 503],
    ['/bad-gateway', 'bad_gateway', 502],
    ['/timeout', 'upstream_timeout', 504],
  ])(
    'logs a dependency outage (%s) at debug with its code and reason only: no stack, no error object',
    async (url, code, status) => {
      const { app, lines } = await loggedApp();
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(status);
      expect(response.json().error.code).toBe(code);
      const logged = lines();
      expect(logged).toHaveLength(1);
      const [line] = logged;
      expect(line).toMatchObject({
        level: DEBUG,
        msg: 'dependency unavailable',
        code,
        reason: 'connect ECONNREFUSED 127.0.0.1:6379',
      });
      expect(line).not.toHaveProperty('err');
      expect(line).not.toHaveProperty('cause');
      const text = JSON.stringify(line);
      expect(text).not.toContain('stack');
      expect(text).not.toContain('"address"');
      expect(text).not.toContain('    at ');
      // A few hundred bytes at most, against ~0.9 KB with the stack.
      expect(text.length).toBeLessThan(300);
    },
  );

  it('writes nothing at info level and above for an outage, however many requests fail', async () => {
    const { app, lines } = await loggedApp();
    for (let index = 0; index < 50; index += 1) await app.inject({ url: '/store-down' });
    expect(lines().filter((line) => line.level > DEBUG)).toEqual([]);
    expect(lines()).toHaveLength(50);
  });

  it("names a cause without a message by its code (a refused connect's AggregateError)", async () => {
    const { app, lines } = await loggedApp();
    await app.inject({ url: '/refused-connect' });
    expect(lines()[0]).toMatchObject({ level: DEBUG, reason: 'ECONNREFUSED' });
  });

  it('keeps refusals (4xx) at debug as "request refused" with their code', async () => {
    const { app, lines } = await loggedApp();
    await app.inject({ url: '/denied' });
    await app.inject({ url: '/limited' });
    await app.inject({ url: '/nowhere' });
    expect(lines()).toEqual([
      expect.objectContaining({ level: DEBUG, msg: 'request refused', code: 'session_invalid' }),
      expect.objectContaining({ level: DEBUG, msg: 'request refused', code: 'rate_limited' }),
    ]);
  });

  it('keeps unexpected errors at error level with the stack', async () => {
    const { app, lines } = await loggedApp();
    for (const url of ['/bug', '/unexpected-503']) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(500);
    }
    const [bug, unexpected] = lines();
    expect(bug).toMatchObject({ level: ERROR, msg: 'request failed', code: 'internal_error' });
    expect((bug?.err as { stack?: string }).stack).toContain('secret internals');
    expect(unexpected).toMatchObject({ level: ERROR, code: 'internal_error' });
    expect((unexpected?.err as { stack?: string }).stack).toContain('plugin gave up');
  });
});
