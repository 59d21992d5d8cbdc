// Builds the gateway's view of sessions: the store (Redis unless one is given), cache, access, revocations.
import { ConfigError } from '@authflow/config';
import {
  createRedisClient,
  RedisSessionStore,
  type RevocationSubscription,
  type SessionStore,
} from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../config/load-config.js';
import { logConnectionChanges } from '../observability/connection-log.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { WebSocketRegistry } from '../proxy/websocket-registry.js';
import { listenForRevocations } from './revocations.js';
import { SessionAccess } from './session-access.js';
import { SessionCache } from './session-cache.js';
import { WebSocketRecheck } from './websocket-recheck.js';

export interface SessionLayer {
  readonly store: SessionStore;
  readonly cache: SessionCache;
  readonly access: SessionAccess;
  readonly websockets: WebSocketRegistry;
  readonly subscription: RevocationSubscription;
  close(): Promise<void>;
}

export function createSessionLayer(
  config: GatewayConfig,
  given: SessionStore | undefined,
  metrics: GatewayMetrics,
  logger: FastifyBaseLogger,
): SessionLayer {
  const policy = {
    idleTtlMs: config.sessions.idleTtlMs,
    absoluteTtlMs: config.sessions.absoluteTtlMs,
  };
  let closeClient = (): Promise<void> => Promise.resolve();
  let store = given;
  if (store === undefined) {
    if (config.redis.url === undefined) {
      throw new ConfigError(['REDIS_URL: is required (the gateway reads sessions from Redis)']);
    }
    const client = createRedisClient({
      url: config.redis.url,
      commandTimeoutMs: config.redis.commandTimeoutMs,
      connectionName: 'authflow-gateway',
    });
    store = new RedisSessionStore({ client, policy });
    const stopLogging = logConnectionChanges(client, logger, 'redis');
    closeClient = async () => {
      stopLogging();
      await client.quit().catch(() => client.disconnect());
    };
  }
  const cache = new SessionCache({
    ttlMs: config.sessions.cacheTtlMs,
    maxEntries: config.sessions.cacheMaxEntries,
  });
  const access = new SessionAccess({
    store,
    cache,
    metrics,
    logger,
    // The client's own command timeout answers first; this bounds anything slower.
    timeoutMs: config.redis.commandTimeoutMs * 2,
    breaker: config.redis.breaker,
    probeIntervalMs: config.redis.probeIntervalMs,
  });
  const websockets = new WebSocketRegistry({
    wasRevoked: (sessionId) => cache.wasRevoked(sessionId),
    onCountChange: (open) => metrics.websocketsOpen.set(open),
  });
  const recheck = new WebSocketRecheck({
    websockets,
    find: (sessionId) => access.find(sessionId),
    logger,
    graceMs: config.websockets.storeGraceMs,
  });
  // A store that does not answer cannot vouch for sockets either (the grace runs meanwhile).
  access.breaker.on('open', () => recheck.lost('breaker'));
  access.breaker.on('close', () => recheck.back('breaker'));
  const subscription = listenForRevocations({
    store,
    cache,
    websockets,
    recheck,
    metrics,
    logger,
  });
  const owned = store;
  return {
    store,
    cache,
    access,
    websockets,
    subscription,
    close: async () => {
      await subscription.close();
      access.close();
      // A store handed in (all-in-one) belongs to whoever made it.
      if (given === undefined) await owned.close();
      await closeClient();
    },
  };
}
