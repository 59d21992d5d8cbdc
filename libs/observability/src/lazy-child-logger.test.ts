import Fastify, { LogController } from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyChildLoggerFactory } from './lazy-child-logger.js';
import { createLogger } from './logger.js';
import { captureLogs as capture } from '@authflow/testing';

describe('lazyChildLoggerFactory', () => {
  it('makes the child only for requests that log, with the request id and redaction', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ service: 'test', level: 'info' }, stream);
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      children += 1;
      return child(...args);
    }) as typeof logger.child;
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: lazyChildLoggerFactory,
      logController: new LogController({ disableRequestLogging: true }),
    });
    app.get('/quiet', () => 'ok');
    app.get('/loud', (request) => {
      request.log.info({ req: { headers: { cookie: 'authflow_session=secret' } } }, 'hello');
      request.log.debug('filtered out by level');
      return 'ok';
    });
    await app.ready();
    const atStart = children;

    expect((await app.inject('/quiet')).statusCode).toBe(200);
    expect(children - atStart).toBe(0);
    const loud = await app.inject('/loud');
    expect(loud.statusCode).toBe(200);
    expect(children - atStart).toBe(1);
    const line = lines().find((entry) => entry.msg === 'hello');
    expect(line?.reqId).toEqual(expect.any(String));
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(lines().some((entry) => entry.msg === 'filtered out by level')).toBe(false);
    await app.close();
  });

  it('honours a route log level and reports the level it will use', async () => {
    const { stream, lines } = capture();
    const app = Fastify({
      loggerInstance: createLogger({ service: 'test', level: 'info' }, stream),
      childLoggerFactory: lazyChildLoggerFactory,
      logController: new LogController({ disableRequestLogging: true }),
    });
    let seenLevel: string | undefined;
    app.get('/silent', { logLevel: 'silent' }, (request) => {
      seenLevel = request.log.level;
      request.log.error('not written');
      return 'ok';
    });
    await app.inject('/silent');
    expect(seenLevel).toBe('silent');
    expect(lines().some((entry) => entry.msg === 'not written')).toBe(false);
    await app.close();
  });
});
