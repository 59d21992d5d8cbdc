// The fastify setup every service shares: logger, request ids behind trusted proxies, the error
// handler, metrics, health, and the start-up warnings. Each service adds its own plugins after it.
import type { ServerOptions } from 'node:http';
import type { Deprecation } from '@authflow/config';
import { type ErrorHandlerOptions, errorHandlerPlugin } from '@authflow/errors';
import {
  createLogger,
  healthPlugin,
  lazyChildLoggerFactory,
  metricsPlugin,
} from '@authflow/observability';
import { compileTrust, fastifyTrustProxy, requestIdGenerator } from '@authflow/proxy-trust';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify';

/** Server options a service may set beyond the shared ones (limits, timeouts, client errors). */
export interface ServiceServerOptions {
  readonly bodyLimit?: number;
  readonly http?: ServerOptions;
  readonly requestTimeout?: number;
  readonly clientErrorHandler?: FastifyServerOptions['clientErrorHandler'];
  /** Makes the HTTP server (fastify's option): a service that answers some requests before fastify. */
  readonly serverFactory?: FastifyServerOptions['serverFactory'];
}

export interface ServiceAppOptions {
  /** The `service` field of every log line, e.g. `gateway`. */
  readonly service: string;
  readonly logLevel: string;
  /** A logger to use instead of one built from `service` and `logLevel` (tests, all-in-one). */
  readonly logger?: FastifyBaseLogger | undefined;
  /** Peers whose X-Forwarded-* and X-Request-Id are believed. */
  readonly trustedProxies: readonly string[];
  /** The setting `trustedProxies` came from, named when an entry is not valid. */
  readonly trustedProxiesSetting: string;
  /** The error handler's options (`errorHandlerOptions({...})` of the service's registry). */
  readonly errors: ErrorHandlerOptions<string>;
  /** Metric name prefix, e.g. `authflow_gateway_`. */
  readonly metricsPrefix: string;
  /** Process metrics (CPU, memory); off in tests that build many apps. */
  readonly collectProcessMetrics?: boolean | undefined;
  /** A readiness check that has not answered by then counts as failed. */
  readonly readinessTimeoutMs: number;
  /** One request log line per request (fastify's own). Off where it would cost on every request. */
  readonly logRequests?: boolean;
  /** The per-request child logger is made on the request's first log line, not for every request. */
  readonly lazyRequestLoggers?: boolean;
  /** False: cookies without `Secure`, which is worth a warning at every start. */
  readonly cookieSecure?: boolean;
  /** Old setting names in use, warned about once per start with the service's logger. */
  readonly deprecations?: readonly Deprecation[];
  readonly server?: ServiceServerOptions;
}

export const INSECURE_COOKIES_WARNING =
  'AUTHFLOW_COOKIE_SECURE=false: cookies work over plain HTTP. Use this for local development only.';

/**
 * A fastify app with the shared plugins registered (errors, metrics, health): routes added after
 * get the JSON error envelope, the request histogram and `app.addReadinessCheck`.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<FastifyInstance> {
  const trust = compileTrust(options.trustedProxies, options.trustedProxiesSetting);
  // Typed as fastify's logger so the app's type stays FastifyInstance (pino's Logger is wider).
  const logger: FastifyBaseLogger =
    options.logger ?? createLogger({ service: options.service, level: options.logLevel });
  const app = Fastify({
    ...options.server,
    loggerInstance: logger,
    ...(options.lazyRequestLoggers === true ? { childLoggerFactory: lazyChildLoggerFactory } : {}),
    trustProxy: fastifyTrustProxy(trust, options.trustedProxies),
    // An upstream's x-request-id is kept only from a trusted proxy: one id per request across
    // the services' logs, and no id a client made up.
    genReqId: requestIdGenerator(trust),
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: options.logRequests === false,
    }),
    return503OnClosing: true,
  });

  await app.register(errorHandlerPlugin, options.errors);
  await app.register(metricsPlugin, {
    prefix: options.metricsPrefix,
    collectDefaults: options.collectProcessMetrics ?? true,
  });
  await app.register(healthPlugin, { timeoutMs: options.readinessTimeoutMs });

  // Once per start, with the service's logger: config loading only collects them.
  for (const { name, replacement, message } of options.deprecations ?? [])
    app.log.warn({ event: 'config.deprecated', setting: name, replacement }, message);
  if (options.cookieSecure === false) app.log.warn(INSECURE_COOKIES_WARNING);
  return app;
}
