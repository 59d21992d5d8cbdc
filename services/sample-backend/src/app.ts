// Composes the sample backend from its plugins, in the order a request meets them. No process concerns.
import { errorHandlerOptions } from '@authflow/errors';
import { gatewayAssertionPlugin } from '@authflow/gateway-assertion/fastify';
import { createServiceApp } from '@authflow/service-runtime';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
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
  const app = await createServiceApp({
    service: 'sample-backend',
    logLevel: config.log.level,
    logger: dependencies.logger,
    // The gateway's x-request-id is kept when the gateway is a trusted proxy: one id per request
    // across both services' logs.
    trustedProxies: config.server.trustedProxies,
    trustedProxiesSetting: 'SAMPLE_BACKEND_TRUSTED_PROXIES',
    errors: errorHandlerOptions({
      registry: sampleBackendErrors,
      badRequestCode: 'bad_request',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
    }),
    metricsPrefix: METRIC_PREFIX,
    collectProcessMetrics: dependencies.collectProcessMetrics,
    readinessTimeoutMs: READINESS_TIMEOUT_MS,
  });
  const keys = dependencies.assertionKeys;
  app.addReadinessCheck(
    'gateway_keys',
    gatewayKeysCheck(
      keys === undefined ? config.assertion.jwksUrl : undefined,
      READINESS_TIMEOUT_MS,
    ),
  );
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
