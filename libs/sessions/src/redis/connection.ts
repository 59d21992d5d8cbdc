// Builds the ioredis client every service uses for sessions: fail fast, never queue blindly.
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** `redis://`, `rediss://` (TLS) or `redis+sentinel://[:password@]host:port[,host:port]/master[/db]`. */
  readonly url: string;
  /** A command that has not answered by then fails (the store is then "unavailable"). */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly connectionName?: string;
}

/** Longest wait between reconnect attempts. */
const RECONNECT_CAP_MS = 1_000;

/**
 * Commands fail at once while disconnected (no offline queue, no per-request retries), so a
 * Redis outage turns into a quick 503 instead of requests piling up; the client keeps
 * reconnecting in the background with capped backoff.
 */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  const client = new Redis({
    ...parseRedisUrl(options.url),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Commands issued in the same tick go out in one write: under load, many session lookups
    // share a syscall and a round trip instead of paying one each.
    enableAutoPipelining: true,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    // Capped at 1 s: once Redis is back, the gateway is back within about a second (plus its
    // breaker probe); an attempt a second against a down server costs nothing.
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, RECONNECT_CAP_MS),
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  });
  // Failures are reported through command rejections and readiness; without a listener
  // ioredis would print every reconnect attempt to stderr.
  client.on('error', () => undefined);
  return client;
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

export class InvalidRedisUrlError extends Error {
  override readonly name = 'InvalidRedisUrlError';
}

/** Connection options from a URL; the password never appears in an error message. */
export function parseRedisUrl(url: string): RedisOptions {
  if (url.startsWith('redis+sentinel://'))
    return parseSentinelUrl(url.slice('redis+sentinel://'.length));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidRedisUrlError('REDIS_URL is not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidRedisUrlError(`unsupported REDIS_URL scheme ${parsed.protocol}`);
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/gu, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: parseDb(parsed.pathname.slice(1)),
    ...credentialsOf(decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
  };
}

/** `[user:password@]host[:port][,host[:port]...]/master[/db]`: URL() cannot read a host list. */
function parseSentinelUrl(rest: string): RedisOptions {
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const [name = '', db = ''] = (slash === -1 ? '' : rest.slice(slash + 1)).split('/');
  if (name === '')
    throw new InvalidRedisUrlError('a Sentinel REDIS_URL needs the master name as its path');
  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? '' : authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  const username = decodeURIComponent(colon === -1 ? userInfo : userInfo.slice(0, colon));
  const password = colon === -1 ? '' : decodeURIComponent(userInfo.slice(colon + 1));
  const sentinels = authority
    .slice(at + 1)
    .split(',')
    .map((entry) => {
      const [host = '', port = '26379'] = entry.split(':');
      if (host === '' || !/^\d{1,5}$/u.test(port))
        throw new InvalidRedisUrlError('a Sentinel address in REDIS_URL is not host:port');
      return { host, port: Number(port) };
    });
  return {
    sentinels,
    name,
    db: parseDb(db),
    ...credentialsOf(username, password),
    ...(password === '' ? {} : { sentinelPassword: password }),
  };
}

function credentialsOf(
  username: string,
  password: string,
): { username?: string; password?: string } {
  return { ...(username === '' ? {} : { username }), ...(password === '' ? {} : { password }) };
}

function parseDb(value: string): number {
  if (value === '') return 0;
  const db = Number(value);
  if (!Number.isInteger(db) || db < 0)
    throw new InvalidRedisUrlError('the database in REDIS_URL must be a number');
  return db;
}
