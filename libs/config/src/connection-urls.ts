// The shape of connection URLs (Redis, Postgres), checked at start so a typo is a clear setting
// problem instead of a connection that fails later. Messages never repeat the value: these URLs
// carry passwords.

export const REDIS_URL_MESSAGE = 'must be a redis://, rediss:// or redis+sentinel:// URL';
export const DATABASE_URL_MESSAGE =
  'must be a postgres://user:password@host:5432/database URL (percent-encode special characters in the password)';

const SENTINEL = 'redis+sentinel://';
const DIGITS = /^\d+$/u;

/**
 * The problem with a Redis URL, or undefined when its shape is what the session store's
 * client accepts: `redis://` or `rediss://` with a host and an optional numeric database, or
 * `redis+sentinel://[user:password@]host:port[,host:port...]/master[/db]`.
 */
export function redisUrlProblem(value: string): string | undefined {
  if (value.startsWith(SENTINEL)) return sentinelUrlProblem(value.slice(SENTINEL.length));
  const url = URL.parse(value);
  if (url === null || !['redis:', 'rediss:'].includes(url.protocol) || url.hostname === '')
    return REDIS_URL_MESSAGE;
  return databaseIndexProblem(url.pathname.slice(1));
}

/** `URL` cannot read a Sentinel host list, so the authority is split by hand. */
function sentinelUrlProblem(rest: string): string | undefined {
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const [master = '', db = ''] = slash === -1 ? [] : rest.slice(slash + 1).split('/');
  const hosts = authority.slice(authority.lastIndexOf('@') + 1).split(',');
  const isAddress = (entry: string): boolean => {
    const [host = '', port, ...more] = entry.split(':');
    return host !== '' && more.length === 0 && (port === undefined || /^\d{1,5}$/u.test(port));
  };
  if (!hosts.every(isAddress))
    return 'must list its Sentinels as host:port (redis+sentinel://host:26379,host2:26379/mymaster)';
  if (master === '')
    return 'must name the Sentinel master as its path (redis+sentinel://host:26379/mymaster[/db])';
  return databaseIndexProblem(db);
}

function databaseIndexProblem(db: string): string | undefined {
  return db === '' || DIGITS.test(db)
    ? undefined
    : 'must name the database as a number, as in redis://host:6379/0';
}

/** The problem with a Postgres URL, or undefined when it is `postgres(ql)://` with a host. */
export function databaseUrlProblem(value: string): string | undefined {
  const url = URL.parse(value);
  if (url === null || !['postgres:', 'postgresql:'].includes(url.protocol) || url.hostname === '')
    return DATABASE_URL_MESSAGE;
  return undefined;
}
