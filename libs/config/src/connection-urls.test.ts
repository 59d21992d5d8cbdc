import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { env } from './env.js';
import { ConfigError, loadConfig } from './load-config.js';

const schema = z.object({
  REDIS_URL: env.redisUrl(),
  AUTH_DATABASE_URL: env.databaseUrl(),
});

/** The problems loadConfig reports for an environment, or [] when it loads. */
function problemsOf(values: Record<string, string>): readonly string[] {
  try {
    loadConfig(schema, values);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('env.redisUrl', () => {
  it.each([
    'redis://127.0.0.1:6379',
    'redis://:secret@redis:6379/2',
    'rediss://user:secret@cache.example.com:6380',
    'redis://[::1]:6379/0',
    'redis+sentinel://sentinel-a:26379,sentinel-b:26379/mymaster',
    'redis+sentinel://:secret@sentinel/mymaster/1',
  ])('accepts %s as given', (url) => {
    expect(loadConfig(schema, { REDIS_URL: ` ${url} ` }).REDIS_URL).toBe(url);
  });

  it('is optional unless required', () => {
    expect(loadConfig(schema, { REDIS_URL: '' }).REDIS_URL).toBeUndefined();
    expect(() => loadConfig(z.object({ REDIS_URL: env.redisUrl({ required: true }) }), {})).toThrow(
      'REDIS_URL: is required',
    );
  });

  it.each([
    ['http://redis:6379', 'REDIS_URL: must be a redis://, rediss:// or redis+sentinel:// URL'],
    ['localhost:6379', 'REDIS_URL: must be a redis://, rediss:// or redis+sentinel:// URL'],
    ['redis://', 'REDIS_URL: must be a redis://, rediss:// or redis+sentinel:// URL'],
    ['redis:// spaces :6379', 'REDIS_URL: must be a redis://, rediss:// or redis+sentinel:// URL'],
    [
      'redis://redis:6379/zero',
      'REDIS_URL: must name the database as a number, as in redis://host:6379/0',
    ],
    [
      'redis+sentinel://sentinel:26379',
      'REDIS_URL: must name the Sentinel master as its path (redis+sentinel://host:26379/mymaster[/db])',
    ],
    [
      'redis+sentinel://a:26379,:26379/mymaster',
      'REDIS_URL: must list its Sentinels as host:port (redis+sentinel://host:26379,host2:26379/mymaster)',
    ],
    [
      'redis+sentinel://a:port/mymaster',
      'REDIS_URL: must list its Sentinels as host:port (redis+sentinel://host:26379,host2:26379/mymaster)',
    ],
    [
      'redis+sentinel://a/mymaster/x',
      'REDIS_URL: must name the database as a number, as in redis://host:6379/0',
    ],
  ])('refuses %s, saying what shape it needs', (url, problem) => {
    expect(problemsOf({ REDIS_URL: url })).toEqual([problem]);
  });

  it('never repeats the URL, whose password is a secret', () => {
    const problems = problemsOf({ REDIS_URL: 'http://:hunter2-secret@redis:6379' });
    expect(problems).toHaveLength(1);
    expect(problems.join('')).not.toContain('hunter2');
  });
});

describe('env.databaseUrl', () => {
  it.each([
    'postgres://authflow:secret@postgres:5432/authflow',
    'postgresql://authflow@db.example.com/authflow?sslmode=require',
    'postgres://[::1]:5432/authflow',
  ])('accepts %s as given', (url) => {
    expect(loadConfig(schema, { AUTH_DATABASE_URL: url }).AUTH_DATABASE_URL).toBe(url);
  });

  it('is optional unless required', () => {
    expect(loadConfig(schema, {}).AUTH_DATABASE_URL).toBeUndefined();
    expect(() =>
      loadConfig(z.object({ AUTH_DATABASE_URL: env.databaseUrl({ required: true }) }), {}),
    ).toThrow('AUTH_DATABASE_URL: is required');
  });

  it.each([
    'mysql://authflow:secret@db/authflow',
    'postgres:///authflow',
    'postgres://authflow:p#ss@db/authflow',
    'db:5432/authflow',
  ])('refuses %s, naming the expected shape and never the password', (url) => {
    const problems = problemsOf({ AUTH_DATABASE_URL: url });
    expect(problems).toEqual([
      'AUTH_DATABASE_URL: must be a postgres://user:password@host:5432/database URL (percent-encode special characters in the password)',
    ]);
    expect(problems.join('')).not.toMatch(/secret|p#ss/u);
  });

  it('reports both URLs together with every other problem', () => {
    expect(problemsOf({ REDIS_URL: 'redis', AUTH_DATABASE_URL: 'postgres' })).toHaveLength(2);
  });
});
