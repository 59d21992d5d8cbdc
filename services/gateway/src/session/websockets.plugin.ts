// Proxied WebSockets tied to their sessions: closed when the session is revoked, re-checked after
// any spell in which a revocation could have been missed.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { WebSocketRegistry } from '../proxy/websocket-registry.js';
import { WebSocketRecheck } from './websocket-recheck.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The open proxied WebSockets, by session. */
    websocketRegistry: WebSocketRegistry;
  }
}

export const websocketsPlugin = fp(
  (app: FastifyInstance, options: { config: GatewayConfig }, done: () => void): void => {
    const { cache, access, revocations } = app.sessions;
    const metrics = app.gatewayMetrics;
    const websockets = new WebSocketRegistry({
      wasRevoked: (sessionId) => cache.wasRevoked(sessionId),
      onCountChange: (open) => metrics.websocketsOpen.set(open),
    });
    const recheck = new WebSocketRecheck({
      websockets,
      find: (sessionId) => access.find(sessionId),
      logger: app.log,
      graceMs: options.config.websockets.storeGraceMs,
    });
    revocations.onRevoked((sessionId) => {
      const closed = websockets.closeSession(sessionId);
      if (closed > 0)
        app.log.info(
          { event: 'websocket.closed', reason: 'session_revoked', sessionId, closed },
          'closed WebSockets of a revoked session',
        );
    });
    revocations.onStateChange((state) => {
      if (state === 'live') recheck.back('subscription');
      else recheck.lost('subscription');
    });
    if (revocations.state !== 'live') recheck.lost('subscription');
    // A store that does not answer cannot vouch for sockets either (the grace runs meanwhile).
    access.breaker.on('open', () => recheck.lost('breaker'));
    access.breaker.on('close', () => recheck.back('breaker'));
    app.decorate('websocketRegistry', websockets);
    app.addHook('onClose', (_instance, hookDone) => {
      recheck.close();
      hookDone();
    });
    done();
  },
  {
    name: '@authflow/gateway-websockets',
    fastify: '5.x',
    dependencies: ['@authflow/gateway-sessions', '@authflow/gateway-metrics'],
  },
);
