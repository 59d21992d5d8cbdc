// Composes the gateway from its plugins, in the order a request meets them. No process concerns.
import { createClientErrorHandler, errorHandlerOptions } from '@authflow/errors';
import { createServiceApp } from '@authflow/service-runtime';
import type { SessionStore } from '@authflow/sessions';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditSink } from './audit/audit-stream.js';
import { auditPlugin } from './audit/audit.plugin.js';
import type { GatewayConfig } from './config/load-config.js';
import { renderBrowserErrorPage } from './errors/error-pages.js';
import { gatewayErrors } from './errors/gateway-errors.js';
import { forwardAuthPlugin } from './forward-auth/forward-auth.plugin.js';
import { requestGuardPlugin } from './http/request-guard.plugin.js';
import { identityPlugin } from './identity/identity.plugin.js';
import type { SigningKeys } from './identity/signing-keys.js';
import { accessLogPlugin } from './observability/access-log.plugin.js';
import { METRIC_PREFIX } from './observability/gateway-metrics.js';
import { gatewayMetricsPlugin } from './observability/gateway-metrics.plugin.js';
import { FastPathServer } from './proxy/fast-path.js';
import { proxyPlugin } from './routing/proxy.plugin.js';
import { sessionsPlugin } from './session/sessions.plugin.js';
import { websocketsPlugin } from './session/websockets.plugin.js';
import { verificationPlugin } from './verification/verification.plugin.js';

export interface GatewayDependencies {
  /** A store to share (all-in-one mode); otherwise the gateway connects to REDIS_URL. */
  readonly sessionStore?: SessionStore;
  readonly logger?: Logger;
  readonly signingKeys?: SigningKeys;
  /**
   * Where audit events go when the gateway shares a process with auth (all-in-one: auth's sink);
   * otherwise the Redis stream `authflow:audit`, through the gateway's own Redis client.
   */
  readonly auditSink?: AuditSink;
  /** Process metrics (CPU, memory); off in tests that build many apps. */
  readonly collectProcessMetrics?: boolean;
}

/** Time for a request's header block to arrive (slow-header clients are cut off after it). */
const HEADERS_TIMEOUT_MS = 10_000;
/** Time for a whole request to arrive: a 10 MiB body at about 100 KiB/s. */
const REQUEST_TIMEOUT_MS = 120_000;

export async function buildGatewayApp(
  config: GatewayConfig,
  dependencies: GatewayDependencies = {},
): Promise<FastifyInstance> {
  // Requests the fast path can finish are proxied before fastify sees them (proxy/fast-path.ts).
  const fastPath = new FastPathServer();
  const app = await createServiceApp({
    service: 'gateway',
    logLevel: config.log.level,
    logger: dependencies.logger,
    trustedProxies: config.server.trustedProxies,
    trustedProxiesSetting: 'GATEWAY_TRUSTED_PROXIES',
    errors: errorHandlerOptions({
      registry: gatewayErrors,
      badRequestCode: 'bad_request',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
      errorHeader: true,
      render: renderBrowserErrorPage,
    }),
    metricsPrefix: METRIC_PREFIX,
    collectProcessMetrics: dependencies.collectProcessMetrics,
    readinessTimeoutMs: config.redis.commandTimeoutMs * 4,
    // Per-request log lines cost on every request; denials and errors are logged where they
    // happen, and GATEWAY_ACCESS_LOG_SAMPLE_RATE turns on a sampled access log.
    logRequests: false,
    lazyRequestLoggers: true,
    cookieSecure: config.sessions.cookieSecure,
    deprecations: config.deprecations,
    server: {
      bodyLimit: config.server.maxBodyBytes,
      http: {
        maxHeaderSize: config.server.maxHeaderBytes,
        // A client that dribbles its header block (or sends none) is cut off with 408, not left
        // holding a connection: the block must arrive within HEADERS_TIMEOUT_MS, checked every
        // second rather than Node's default 30 s.
        headersTimeout: HEADERS_TIMEOUT_MS,
        connectionsCheckingInterval: 1_000,
      },
      // The whole request, body included (fastify's default 0 would turn Node's bound off).
      requestTimeout: REQUEST_TIMEOUT_MS,
      clientErrorHandler: createClientErrorHandler({
        badRequest: 'bad_request',
        headersTooLarge: 'headers_too_large',
        pages: true,
      }),
      serverFactory: fastPath.serverFactory,
    },
  });
  await app.register(requestGuardPlugin, config.server);
  await app.register(gatewayMetricsPlugin);
  await app.register(accessLogPlugin, { samplePercent: config.log.accessLogSamplePercent });
  await app.register(identityPlugin, { config, keys: dependencies.signingKeys });
  await app.register(sessionsPlugin, { config, store: dependencies.sessionStore });
  await app.register(auditPlugin, { sink: dependencies.auditSink });
  await app.register(websocketsPlugin, { config });
  await app.register(verificationPlugin, { config });
  await app.register(forwardAuthPlugin, { config });
  await app.register(proxyPlugin, { config, fastPath });
  return app;
}
