// Composes the sample backend from its plugins, in the order a request meets them. No process concerns.
import { errorHandlerOptions, errorHandlerPlugin } from '@authflow/errors';
import { gatewayAssertionPlugin } from '@authflow/gateway-assertion/fastify';
import { createLogger, healthPlugin, metricsPlugin } from '@authflow/observability';
import { compileTrust, fastifyTrustProxy, requestIdGenerator } from '@authflow/proxy-trust';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import type { SampleBackendConfig } from './config/load-config.js';
import { sampleBackendErrors } from './errors/sample-backend-errors.js';
import { assertionPluginOptions } from './identity/assertion-options.js';
import { gatewayKeysCheck } from './identity/gateway-keys-check.js';
import { echoSocketRoutes, MAX_MESSAGE_BYTES } from './routes/echo-socket.plugin.js';
import { homePageRoutes } from './routes/home-page.plugin.js';
import { identityApiRoutes } from './routes/identity-api.plugin.js';

export const METRIC_PREFIX = 'authflow_sample_backend_';

/** A readiness check that has not fetched the gateway's keys by then counts as failed. */
const READINESS_TIMEOUT_MS = 2_000;

export interface SampleBackendDependencies {
  /** The gateway's public keys, when known in-process (all-in-one); otherwise fetched from its JWKS URL. */
  readonly assertionKeys?: JSONWebKeySet;
  readonly logger?: FastifyBaseLogger;
  /** Process metrics (CPU, memory); off in tests that build many apps. */
  readonly collectProcessMetrics?: boolean;
}

export async function buildSampleBackendApp(
  config: SampleBackendConfig,
  dependencies: SampleBackendDependencies = {},
): Promise<FastifyInstance> {
  const trust = compileTrust(config.server.trustedProxies, 'SAMPLE_BACKEND_TRUSTED_PROXIES');
  const logger =
    dependencies.logger ?? createLogger({ service: 'sample-backend', level: config.log.level });
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: fastifyTrustProxy(trust, config.server.trustedProxies),
    // The gateway's x-request-id is kept when the gateway is a trusted proxy: one id per request
    // across both services' logs.
    genReqId: requestIdGenerator(trust),
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
  });

  await app.register(
    errorHandlerPlugin,
    errorHandlerOptions({
      registry: sampleBackendErrors,
      badRequestCode: 'bad_request',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
    }),
  );
  await app.register(metricsPlugin, {
    prefix: METRIC_PREFIX,
    collectDefaults: dependencies.collectProcessMetrics ?? true,
  });
  const keys = dependencies.assertionKeys;
  await app.register(healthPlugin, {
    timeoutMs: READINESS_TIMEOUT_MS,
    checks: {
      gateway_keys: gatewayKeysCheck(
        keys === undefined ? config.assertion.jwksUrl : undefined,
        READINESS_TIMEOUT_MS,
      ),
    },
  });
  // Before the assertion plugin: its onRequest hook marks upgrade requests, and only a marked
  // request has its socket destroyed after an HTTP answer. Registered after, a refused upgrade
  // (401) would leave the client's connection open and hold up close().
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
  // From here on, every request needs a valid assertion: this plugin is not encapsulated, so its
  // onRequest hook covers every route, the WebSocket upgrade and unknown paths alike. Only the
  // health and metrics routes above are let through (isPublic).
  await app.register(gatewayAssertionPlugin, assertionPluginOptions(config.assertion, keys));

  await app.register(homePageRoutes);
  await app.register(identityApiRoutes);
  await app.register(echoSocketRoutes);
  return app;
}
