import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { env } from './env.js';
import { ConfigError, loadConfig } from './load-config.js';

const schema = z
  .object({
    APP_PORT: env.port(8000),
    APP_WORKERS: env.integer(4, { min: 1, max: 64 }),
    APP_SECURE: env.boolean(true),
    APP_MODE: env.oneOf(['browser', 'api'], 'browser'),
    APP_UPSTREAM: env.url(),
    APP_PROXIES: env.list(['127.0.0.1']),
    APP_SECRET: env.secret({ minLength: 32 }),
    APP_NAME: env.string('AuthFlow'),
    APP_NOTE: env.optionalString(),
  })
  .transform((vars) => ({
    port: vars.APP_PORT,
    server: { workers: vars.APP_WORKERS, secure: vars.APP_SECURE },
    vars,
  }));

describe('loadConfig', () => {
  it('applies defaults and types values', () => {
    const config = loadConfig(schema, { APP_UPSTREAM: 'http://backend:8002/' });
    expect(config.port).toBe(8000);
    expect(config.server).toEqual({ workers: 4, secure: true });
    expect(config.vars).toMatchObject({
      APP_MODE: 'browser',
      APP_UPSTREAM: 'http://backend:8002',
      APP_PROXIES: ['127.0.0.1'],
      APP_NAME: 'AuthFlow',
    });
    expect(config.vars.APP_SECRET).toBeUndefined();
    expect(config.vars.APP_NOTE).toBeUndefined();
  });

  it('reads given values', () => {
    const config = loadConfig(schema, {
      APP_PORT: '9000',
      APP_WORKERS: '8',
      APP_SECURE: 'no',
      APP_MODE: 'api',
      APP_UPSTREAM: 'https://x.example',
      APP_PROXIES: ' 10.0.0.1 , 10.0.0.2,, ',
      APP_SECRET: 's'.repeat(32),
      APP_NOTE: ' hi ',
    });
    expect(config.vars).toMatchObject({
      APP_PORT: 9000,
      APP_WORKERS: 8,
      APP_SECURE: false,
      APP_MODE: 'api',
      APP_PROXIES: ['10.0.0.1', '10.0.0.2'],
      APP_NOTE: 'hi',
    });
  });

  it('reports every problem together, naming the variables, never the values', () => {
    let error: unknown;
    try {
      loadConfig(schema, {
        APP_PORT: '99999',
        APP_WORKERS: '0',
        APP_SECURE: 'maybe',
        APP_MODE: 'cli',
        APP_UPSTREAM: 'ftp://x',
        APP_SECRET: 'too-short-secret-value',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'APP_PORT: must be a port number (0-65535)',
      'APP_WORKERS: must be a whole number from 1 to 64',
      'APP_SECURE: must be true or false',
      'APP_MODE: must be one of browser, api',
      'APP_UPSTREAM: must be a URL starting with http: or https:',
      'APP_SECRET: must be at least 32 characters',
    ]);
    expect((error as ConfigError).message).not.toContain('too-short-secret-value');
  });

  it('requires values without a default and treats blank as unset', () => {
    expect(() => loadConfig(schema, { APP_UPSTREAM: '  ' })).toThrow('APP_UPSTREAM: is required');
    expect(() =>
      loadConfig(z.object({ S: env.secret({ minLength: 1, required: true }) }), {}),
    ).toThrow('S: is required');
    expect(() => loadConfig(schema, { APP_UPSTREAM: 'not a url' })).toThrow('must be a URL');
  });

  it('freezes the result deeply', () => {
    const config = loadConfig(schema, { APP_UPSTREAM: 'http://b' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.vars.APP_PROXIES)).toBe(true);
  });
});
