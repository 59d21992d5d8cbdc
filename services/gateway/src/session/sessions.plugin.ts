// The gateway's view of sessions: the store (Redis unless one is given, and then this plugin owns
// the client and quits it on close), the cache, the access path and the revocation feed.
import { ConfigError } from '@authflow/config';
import { createRedisClient, RedisSessionStore, type SessionStore } from '@authflow/sessions';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { logConnectionChanges } from '../observability/connection-log.js';
import { type RevocationFeed, listenForRevocations } from './revocations.js';
import { SessionAccess } from './session-access.js';
import { SessionCache } from './session-cache.js';

type Redis = ReturnType<typeof createRedisClient>;

export interface GatewaySessions {
  readonly store: SessionStore;
  readonly cache: SessionCache;
  readonly access: SessionAccess;
  readonly revocations: RevocationFeed;
  /** The Redis client this plugin owns (undefined with a store given): the audit stream uses it. */
  readonly redis: Redis | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: GatewaySessions;
  }
}

export interface SessionsPluginOptions {
  readonly config: GatewayConfig;
  /** A store to share (all-in-one mode); it stays open: it belongs to whoever made it. */
  readonly store?: SessionStore | undefined;
}

export const sessionsPlugin = fp(
  (app: FastifyInstance, options: SessionsPluginOptions, done: () => void): void => {
    const { config } = options;
    const {
      store,
      client: redis,
      close: closeStore,
    } = options.store
      ? { store: options.store, client: undefined, close: () => Promise.resolve() }
      : openRedisStore(config, app);
    const metrics = app.gatewayMetrics;
    const cache = new SessionCache({
      ttlMs: config.sessions.cacheTtlMs,
      maxEntries: config.sessions.cacheMaxEntries,
    });
    const access = new SessionAccess({
      store,
      cache,
      metrics,
      logger: app.log,
      // The client's own command timeout answers first; this bounds anything slower.
      timeoutMs: config.redis.commandTimeoutMs * 2,
      breaker: config.redis.breaker,
      probeIntervalMs: config.redis.probeIntervalMs,
    });
    const revocations = listenForRevocations({ store, cache, metrics, logger: app.log });
    app.decorate('sessions', { store, cache, access, revocations, redis });
    app.addReadinessCheck('redis', () => access.ping());
    app.addReadinessCheck('revocations', () =>
      revocations.state === 'live'
        ? Promise.resolve()
        : Promise.reject(new Error(`subscription ${revocations.state}`)),
    );
    app.addHook('onClose', async () => {
      await revocations.close();
      access.close();
      await closeStore();
    });
    done();
  },
  {
    name: '@authflow/gateway-sessions',
    fastify: '5.x',
    dependencies: ['@authflow/health', '@authflow/gateway-metrics'],
  },
);

function openRedisStore(
  config: GatewayConfig,
  app: FastifyInstance,
): { store: SessionStore; client: Redis; close: () => Promise<void> } {
  if (config.redis.url === undefined) {
    throw new ConfigError(['REDIS_URL: is required (the gateway reads sessions from Redis)']);
  }
  const client = createRedisClient({
    url: config.redis.url,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    connectionName: 'authflow-gateway',
  });
  const store = new RedisSessionStore({
    client,
    policy: { idleTtlMs: config.sessions.idleTtlMs, absoluteTtlMs: config.sessions.absoluteTtlMs },
  });
  const stopLogging = logConnectionChanges(client, app.log, 'redis');
  return {
    store,
    client,
    close: async () => {
      await store.close();
      // Stopped first, so a shutdown is not reported as a lost connection.
      stopLogging();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
