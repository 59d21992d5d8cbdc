// The "typical Node gateway" peer: express + express-session (connect-redis on node-redis) +
// http-proxy-middleware, answering 401 without a session and proxying /app/ with the user id.
// Env: BENCH_PORT, REDIS_URL, BACKEND_URL, PEER_SECRET, PEER_DIR (where its packages live).
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { asFunction, exportOf, importFrom } from '../peer-modules.ts';

type Next = (error?: unknown) => void;
type Middleware = (request: IncomingMessage, response: ServerResponse, next: Next) => void;
interface ExpressApp {
  (request: IncomingMessage, response: ServerResponse): void;
  use(...handlers: Middleware[]): unknown;
  disable(setting: string): unknown;
}
interface RedisClient {
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}
type RedisStoreClass = new (options: {
  client: RedisClient;
  prefix: string;
  ttl: number;
}) => object;

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`express peer: ${name} is not set`);
  return value;
};
const peerDir = env('PEER_DIR');

const express = asFunction<() => ExpressApp>(
  exportOf(await importFrom(peerDir, 'express'), 'default'),
  'express',
);
const session = asFunction<(options: object) => Middleware>(
  exportOf(await importFrom(peerDir, 'express-session'), 'default'),
  'express-session',
);
const RedisStore = asFunction<RedisStoreClass>(
  exportOf(await importFrom(peerDir, 'connect-redis'), 'RedisStore'),
  'connect-redis RedisStore',
);
const createClient = asFunction<(options: { url: string }) => RedisClient>(
  exportOf(await importFrom(peerDir, 'redis'), 'createClient'),
  'redis createClient',
);
const createProxyMiddleware = asFunction<(options: object) => Middleware>(
  exportOf(await importFrom(peerDir, 'http-proxy-middleware'), 'createProxyMiddleware'),
  'http-proxy-middleware createProxyMiddleware',
);

const redis = createClient({ url: env('REDIS_URL') });
redis.on('error', () => undefined);
await redis.connect();

const app = express();
app.disable('x-powered-by');
app.use(
  session({
    store: new RedisStore({ client: redis, prefix: 'sess:', ttl: 3_600 }),
    secret: env('PEER_SECRET'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, secure: false, sameSite: 'lax', maxAge: 3_600_000 },
  }),
);
app.use((request, response, next) => {
  const userId: unknown = Reflect.get(Reflect.get(request, 'session') ?? {}, 'userId');
  if (typeof userId !== 'string') {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end('{"error":"unauthenticated"}');
    return;
  }
  // What such a gateway hands the backend: the user, as a plain header.
  request.headers['x-user-id'] = userId;
  next();
});
app.use(
  createProxyMiddleware({
    target: env('BACKEND_URL'),
    pathFilter: '/app',
    xfwd: true,
    // Keep-alive to the backend: without it every request would pay a TCP handshake.
    agent: new Agent({ keepAlive: true, maxSockets: 128 }),
  }),
);

const server = createServer(app);
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(env('BENCH_PORT')), '127.0.0.1');

const stop = (): void => {
  server.close();
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 500).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
