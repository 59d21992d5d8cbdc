import { describe, expect, it } from 'vitest';
import {
  createRedisClient,
  InvalidRedisUrlError,
  parseRedisUrl,
  waitForRedis,
} from './connection.js';

describe('parseRedisUrl', () => {
  it('reads host, port, database and credentials', () => {
    expect(parseRedisUrl('redis://user:p%40ss@cache.internal:6380/2')).toEqual({
      host: 'cache.internal',
      port: 6380,
      db: 2,
      username: 'user',
      password: 'p@ss',
    });
  });

  it('defaults the port and database', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379, db: 0 });
  });

  it('turns on TLS for rediss://', () => {
    expect(parseRedisUrl('rediss://:secret@redis.example.com')).toMatchObject({
      host: 'redis.example.com',
      password: 'secret',
      tls: { servername: 'redis.example.com' },
    });
  });

  it('reads an IPv6 host', () => {
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
  });

  it('reads a Sentinel list, master name and database', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2:26380,s3/mymaster/1')).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
        { host: 's3', port: 26379 },
      ],
      name: 'mymaster',
      db: 1,
      password: 'pw',
      sentinelPassword: 'pw',
    });
  });

  it.each([
    ['not a URL', 'localhost:6379'],
    ['an unknown scheme', 'memcached://localhost'],
    ['a non-numeric database', 'redis://localhost/abc'],
    ['a Sentinel URL without master name', 'redis+sentinel://s1:26379'],
  ])('refuses %s without echoing secrets', (_name, url) => {
    expect(() => parseRedisUrl(url)).toThrow(InvalidRedisUrlError);
    try {
      parseRedisUrl(url.replace('//', '//:hunter2@'));
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });
});

describe('waitForRedis', () => {
  it('gives up after its timeout when nothing listens', async () => {
    const client = createRedisClient({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 100 });
    await expect(waitForRedis(client, 200)).rejects.toThrow('not ready after 200 ms');
    client.disconnect();
  });
});
