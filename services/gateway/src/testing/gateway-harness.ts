// Builds a real, listening gateway against a real Redis and real upstreams, and signs browsers in
// the way the auth service does (a session in the store, its token in a cookie).
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  createRedisClient,
  type NewSession,
  RedisSessionStore,
  type SessionRecord,
  type SessionStore,
  waitForRedis,
} from '@authflow/sessions';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { buildGatewayApp, type GatewayDependencies } from '../app.js';
import { type GatewayConfig, loadGatewayConfig } from '../config/load-config.js';
import {
  type Browser,
  deviceLabelOf,
  fingerprintOf,
  type Response,
  sendRaw,
} from '@authflow/testing';

export const TEST_HANDOFF_SECRET = 'test-handoff-secret-0123456789abcdef';

export interface GatewayHarnessOptions {
  readonly redisUrl: string;
  readonly authUrl?: string;
  readonly backendUrl?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** A routes file body to use instead of the shipped one. */
  readonly routes?: unknown;
  readonly dependencies?: GatewayDependencies;
  /** Listen here instead of a free port (when another service must know the URL first). */
  readonly port?: number;
}

export interface GatewayHarness {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly config: GatewayConfig;
  /** A handle on the same Redis, as the auth service would hold. */
  readonly store: SessionStore;
  readonly redis: Redis;
  signIn(
    browser: Browser,
    overrides?: Partial<NewSession>,
  ): Promise<{ cookie: string; session: SessionRecord }>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  send(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayHarnessOptions): Promise<GatewayHarness> {
  const env: Record<string, string> = {
    GATEWAY_PORT: '0',
    AUTHFLOW_COOKIE_SECURE: 'false',
    GATEWAY_LOG_LEVEL: 'silent',
    REDIS_URL: options.redisUrl,
    AUTHFLOW_HANDOFF_SECRET: TEST_HANDOFF_SECRET,
    AUTH_UPSTREAM_URL: options.authUrl ?? 'http://127.0.0.1:9',
    SAMPLE_BACKEND_UPSTREAM_URL: options.backendUrl ?? 'http://127.0.0.1:9',
    ...options.env,
  };
  if (options.routes !== undefined) {
    const folder = await mkdtemp(join(tmpdir(), 'authflow-routes-'));
    env.GATEWAY_ROUTES_FILE = join(folder, 'routes.yaml');
    await writeFile(env.GATEWAY_ROUTES_FILE, stringify(options.routes));
  }
  const config = await loadGatewayConfig(env);
  const app = await buildGatewayApp(config, {
    collectProcessMetrics: false,
    ...options.dependencies,
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const redis = createRedisClient({ url: options.redisUrl, commandTimeoutMs: 2_000 });
  await waitForRedis(redis, 5_000);
  const store =
    options.dependencies?.sessionStore ??
    new RedisSessionStore({
      client: redis,
      policy: {
        idleTtlMs: config.sessions.idleTtlMs,
        absoluteTtlMs: config.sessions.absoluteTtlMs,
      },
    });

  const send = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Response> => sendRaw(url, method, path, headers, body);

  return {
    app,
    url,
    config,
    store,
    redis,
    signIn: async (browser, overrides = {}) => {
      const { token, session } = await store.create({
        userId: `user-${Math.random().toString(36).slice(2)}`,
        email: 'ada@example.com',
        roles: ['member'],
        provider: 'builtin',
        fingerprint: fingerprintOf(browser, config.fingerprint.ipGranularity),
        ip: browser.ip,
        userAgent: browser.headers['user-agent'] ?? '',
        deviceLabel: deviceLabelOf(browser),
        aal: 'aal1',
        ...overrides,
      });
      return { cookie: `${config.sessions.cookieName}=${token}`, session };
    },
    get: (path, headers) => send('GET', path, headers),
    send,
    close: async () => {
      await app.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
