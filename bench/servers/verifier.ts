// nginx auth_request's verify service as teams often write it in Node: read the session cookie,
// one Redis round trip for the session, answer 200 (with the user id) or 401. No device check,
// no signed identity: it does less than the gateway, which is what makes it a fair floor.
// BENCH_PORT, REDIS_URL and BENCH_COOKIE_NAME configure it.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { createRedisClient, sessionKeys, waitForRedis } from '@authflow/sessions';

const port = Number(process.env.BENCH_PORT);
const cookieName = process.env.BENCH_COOKIE_NAME ?? 'authflow_session';
const redis = createRedisClient({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  commandTimeoutMs: 1_000,
});
await waitForRedis(redis, 5_000);
const keys = sessionKeys();

function tokenFrom(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === cookieName) return value;
  }
  return undefined;
}

// An explicit empty body: nginx reads only the headers of an auth_request answer, so a chunked
// one (Node's default without a length) would cost it the keep-alive connection every time.
const EMPTY = { 'content-length': '0' };

const server = createServer((request, response) => {
  const token = tokenFrom(request.headers.cookie);
  if (token === undefined) {
    response.writeHead(401, EMPTY).end();
    return;
  }
  const sessionId = createHash('sha256').update(token).digest('base64url');
  // The session is a Redis hash: one HGET is this service's "one GET".
  redis.hget(keys.session(sessionId), 'user_id').then(
    (userId) => {
      if (userId === null) response.writeHead(401, EMPTY).end();
      else response.writeHead(200, { ...EMPTY, 'x-user-id': userId }).end();
    },
    () => response.writeHead(503, EMPTY).end(),
  );
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1');

const stop = (): void => {
  server.close();
  server.closeAllConnections();
  void redis.quit().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
