// Composes the gateway from its plugins, in the order a request meets them. No process concerns.
import {
  createClientErrorHandler,
  errorHandlerOptions,
  errorHandlerPlugin,
} from '@authflow/errors';
import {
  createLogger,
  healthPlugin,
  lazyChildLoggerFactory,
  metricsPlugin,
} from '@authflow/observability';
import type { SessionStore } from '@authflow/sessions';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/load-config.js';
import { isProxyRoute } from './config/routes-file.js';
import { renderBrowserErrorPage } from './errors/error-pages.js';
import { gatewayErrors } from './errors/gateway-errors.js';
import { forwardAuthRoutes } from './forward-auth/forward-auth.plugin.js';
import { compileTrust, fastifyTrustProxy, requestIdGenerator } from '@authflow/proxy-trust';
import { guardRequests } from './http/request-guard.js';

import { AssertionSigner } from './identity/assertion-signer.js';
import { jwksRoutes } from './identity/jwks.plugin.js';
import { generateSigningKeys, loadSigningKeys, type SigningKeys } from './identity/signing-keys.js';
import { logSampledRequests } from './observability/access-log.js';
import { GatewayMetrics, METRIC_PREFIX } from './observability/gateway-metrics.js';
import { proxyRoutes } from './proxy/proxy-routes.plugin.js';
import { closeUpstreams, createUpstreams } from './proxy/upstreams.js';
import { logBreakerTransitions } from '@authflow/resilience';
import { createSessionLayer } from './session/session-layer.js';
import { SessionVerifier } from './verification/session-verifier.js';

export interface GatewayDependencies {
  /** A store to share (all-in-one mode); otherwise the gateway connects to REDIS_URL. */
  readonly sessionStore?: SessionStore;
  readonly logger?: Logger;
  readonly signingKeys?: SigningKeys;
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
  const trust = compileTrust(config.server.trustedProxies, 'GATEWAY_TRUSTED_PROXIES');
  // Typed as fastify's logger so the app's type stays FastifyInstance (pino's Logger is wider).
  const logger: FastifyBaseLogger =
    dependencies.logger ?? createLogger({ service: 'gateway', level: config.log.level });
  const app = Fastify({
    loggerInstance: logger,
    // The per-request child logger is made on the request's first log line, not for every request.
    childLoggerFactory: lazyChildLoggerFactory,
    trustProxy: fastifyTrustProxy(trust, config.server.trustedProxies),
    genReqId: requestIdGenerator(trust),
    requestIdHeader: false,
    // Per-request log lines cost on every request; denials and errors are logged where they
    // happen, and GATEWAY_ACCESS_LOG_SAMPLE_RATE turns on a sampled access log.
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: true,
    }),
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
    return503OnClosing: true,
  });

  await app.register(
    errorHandlerPlugin,
    errorHandlerOptions({
      registry: gatewayErrors,
      badRequestCode: 'bad_request',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
      errorHeader: true,
      render: renderBrowserErrorPage,
    }),
  );
  guardRequests(app, config.server);
  await app.register(metricsPlugin, {
    prefix: METRIC_PREFIX,
    collectDefaults: dependencies.collectProcessMetrics ?? true,
  });
  const metrics = new GatewayMetrics(app.metrics);
  logSampledRequests(app, config.log.accessLogSamplePercent);

  // Once per start, with the service's logger: config loading only collects them.
  for (const { name, replacement, message } of config.deprecations)
    app.log.warn({ event: 'config.deprecated', setting: name, replacement }, message);
  if (!config.sessions.cookieSecure) {
    app.log.warn(
      'AUTHFLOW_COOKIE_SECURE=false: the session cookie works over plain HTTP. Use this for local development only.',
    );
  }
  const keys = dependencies.signingKeys ?? (await signingKeysFor(config, app));
  const sessions = createSessionLayer(config, dependencies.sessionStore, metrics, app.log);
  const upstreams = createUpstreams(config.routes.upstreams, metrics);
  // One warning when an upstream's breaker opens and one line when it closes, not one per request.
  for (const upstream of upstreams.values()) logBreakerTransitions(upstream.breaker, app.log);
  app.addHook('onClose', async () => {
    await sessions.close();
    await closeUpstreams(upstreams);
  });

  const signer = new AssertionSigner({
    keys,
    issuer: config.assertion.issuer,
    ttlSeconds: config.assertion.ttlSeconds,
    maxCached: config.sessions.cacheMaxEntries,
  });
  const verifier = new SessionVerifier({
    access: sessions.access,
    metrics,
    logger: app.log,
    cookieName: config.sessions.cookieName,
    policy: config.fingerprint.policy,
    ipGranularity: config.fingerprint.ipGranularity,
  });
  const denial = {
    cookieSecure: config.sessions.cookieSecure,
    loginPath: config.handoff.loginPath,
    handoffSecret: config.handoff.secret,
    retryAfterSeconds: config.server.retryAfterSeconds,
  };

  await app.register(healthPlugin, {
    timeoutMs: config.redis.commandTimeoutMs * 4,
    checks: {
      redis: () => sessions.access.ping(),
      revocations: () =>
        sessions.subscription.state === 'live'
          ? Promise.resolve()
          : Promise.reject(new Error(`subscription ${sessions.subscription.state}`)),
    },
  });
  await app.register(jwksRoutes, { keys });
  await app.register(forwardAuthRoutes, {
    verifier,
    signer,
    denial,
    routes: config.routes.routes.filter(isProxyRoute),
    defaultAudience: config.assertion.forwardAuthAudience,
  });
  await proxyRoutes(app, {
    routes: config.routes,
    upstreams,
    rewrite: {
      cookieName: config.sessions.cookieName,
      legacyIdentityHeaders: new Set(config.legacyIdentityHeaders),
    },
    trust,
    websockets: sessions.websockets,
    maxBodyBytes: config.server.maxBodyBytes,
    verification: { verifier, signer, websockets: sessions.websockets, denial },
  });
  return app;
}

async function signingKeysFor(config: GatewayConfig, app: FastifyInstance): Promise<SigningKeys> {
  if (config.assertion.signingKeysFile !== undefined)
    return loadSigningKeys(config.assertion.signingKeysFile);
  const keys = await generateSigningKeys();
  app.log.warn(
    { kid: keys.activeKid },
    'GATEWAY_SIGNING_KEYS_FILE is not set: signing assertions with a key generated at start. ' +
      'Every restart and every replica gets a different key; set a keys file for anything but local development.',
  );
  return keys;
}
