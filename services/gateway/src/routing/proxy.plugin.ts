// The routes file as proxies: the upstreams (pools and breakers, closed with the app) and the
// public, optional and protected contexts proxyRoutes registers, with their verification hooks.
import { compileTrust } from '@authflow/proxy-trust';
import { logBreakerTransitions } from '@authflow/resilience';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { isProxyRoute } from '../config/routes-file.js';
import { FastLane, type FastPathServer } from '../proxy/fast-path.js';
import { proxyRoutes } from '../proxy/proxy-routes.plugin.js';
import { closeUpstreams, createUpstreams } from '../proxy/upstreams.js';

export interface ProxyPluginOptions {
  readonly config: GatewayConfig;
  /** The server's fast path, opened here once the routes exist (absent: fastify only). */
  readonly fastPath?: FastPathServer | undefined;
}

export const proxyPlugin = fp(
  async (app: FastifyInstance, { config, fastPath }: ProxyPluginOptions): Promise<void> => {
    const upstreams = createUpstreams(config.routes.upstreams, app.gatewayMetrics);
    // One warning when an upstream's breaker opens and one line when it closes, not one per request.
    for (const upstream of upstreams.values()) logBreakerTransitions(upstream.breaker, app.log);
    app.addHook('onClose', () => closeUpstreams(upstreams));
    const rewrite = {
      cookieName: config.sessions.cookieName,
      legacyIdentityHeaders: new Set(config.legacyIdentityHeaders),
    };
    const trust = compileTrust(config.server.trustedProxies, 'GATEWAY_TRUSTED_PROXIES');
    // A sampled access log is written from fastify's onResponse hook: with it on, every request
    // goes through fastify.
    const fastLane =
      fastPath !== undefined && config.server.fastPath && config.log.accessLogSamplePercent === 0
        ? new FastLane({
            app,
            verifier: app.verification.verifier,
            signer: app.verification.signer,
            metrics: app.gatewayMetrics,
            requestDuration: app.requestDuration,
            rewrite,
            trust,
            anyTrusted: config.server.trustedProxies.length > 0,
            maxCookieHeaderBytes: config.server.maxCookieHeaderBytes,
            hostsInUse: config.routes.routes.some(
              (route) => isProxyRoute(route) && route.hosts !== undefined,
            ),
            handOn: fastPath.handOn,
            logger: app.log,
          })
        : undefined;
    await proxyRoutes(app, {
      routes: config.routes,
      upstreams,
      rewrite,
      trust,
      websockets: app.websocketRegistry,
      maxBodyBytes: config.server.maxBodyBytes,
      verification: app.verification,
      fastLane,
    });
    fastPath?.open(fastLane !== undefined && fastLane.size > 0 ? fastLane : undefined);
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
