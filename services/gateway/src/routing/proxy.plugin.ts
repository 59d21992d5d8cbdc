// The routes file as proxies: the upstreams (pools and breakers, closed with the app) and the
// public, optional and protected contexts proxyRoutes registers, with their verification hooks.
import { compileTrust } from '@authflow/proxy-trust';
import { logBreakerTransitions } from '@authflow/resilience';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { proxyRoutes } from '../proxy/proxy-routes.plugin.js';
import { closeUpstreams, createUpstreams } from '../proxy/upstreams.js';

export const proxyPlugin = fp(
  async (app: FastifyInstance, { config }: { config: GatewayConfig }): Promise<void> => {
    const upstreams = createUpstreams(config.routes.upstreams, app.gatewayMetrics);
    // One warning when an upstream's breaker opens and one line when it closes, not one per request.
    for (const upstream of upstreams.values()) logBreakerTransitions(upstream.breaker, app.log);
    app.addHook('onClose', () => closeUpstreams(upstreams));
    await proxyRoutes(app, {
      routes: config.routes,
      upstreams,
      rewrite: {
        cookieName: config.sessions.cookieName,
        legacyIdentityHeaders: new Set(config.legacyIdentityHeaders),
      },
      trust: compileTrust(config.server.trustedProxies, 'GATEWAY_TRUSTED_PROXIES'),
      websockets: app.websocketRegistry,
      maxBodyBytes: config.server.maxBodyBytes,
      verification: app.verification,
    });
  },
  {
    name: '@authflow/gateway-proxy',
    fastify: '5.x',
    dependencies: [
      '@authflow/gateway-metrics',
      '@authflow/gateway-websockets',
      '@authflow/gateway-verification',
    ],
  },
);
