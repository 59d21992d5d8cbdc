// Prometheus metrics for a fastify service: a per-app registry, request histogram, /metrics.
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics registry (no global registry: many apps can share a process). */
    metrics: Registry;
    /**
     * The request histogram the onResponse hook fills; for requests answered outside fastify's
     * lifecycle (the gateway's fast path), which observe it themselves with the same labels.
     */
    requestDuration: Histogram<'route' | 'method' | 'status_code'>;
  }
  interface FastifyContextConfig {
    /** Route label in request metrics; defaults to the route pattern. */
    metricsRoute?: string;
  }
}

/**
 * When a request arrived (`performance.now()`), set on the raw request by code that saw it before
 * fastify did and then handed it on (the gateway's fast path, with a failure to answer): its
 * duration counts from then, not from when fastify took it.
 */
export const REQUEST_ARRIVED_AT: unique symbol = Symbol('authflow.requestArrivedAt');

export interface MetricsPluginOptions {
  /** Metric name prefix, e.g. `authflow_gateway_`. */
  readonly prefix: string;
  readonly path?: string;
  /** Process metrics (CPU, memory, event loop lag). Off for tests that build many apps. */
  readonly collectDefaults?: boolean;
}

export const metricsPlugin = fp(
  (app: FastifyInstance, options: MetricsPluginOptions, done: () => void): void => {
    const registry = new Registry();
    if (options.collectDefaults !== false)
      collectDefaultMetrics({ register: registry, prefix: options.prefix });
    const duration = new Histogram({
      name: `${options.prefix}http_request_duration_seconds`,
      help: 'Time from request received to response sent, by route and status',
      labelNames: ['route', 'method', 'status_code'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.decorate('metrics', registry);
    app.decorate('requestDuration', duration);
    app.addHook('onResponse', (request, reply, hookDone) => {
      const route =
        request.routeOptions.config.metricsRoute ?? request.routeOptions.url ?? 'unmatched';
      const arrivedAt = (request.raw as { [REQUEST_ARRIVED_AT]?: number })[REQUEST_ARRIVED_AT];
      duration.observe(
        { route, method: request.method, status_code: String(reply.statusCode) },
        (arrivedAt === undefined ? reply.elapsedTime : performance.now() - arrivedAt) / 1_000,
      );
      hookDone();
    });
    app.get(
      options.path ?? '/metrics',
      { logLevel: 'silent', config: { metricsRoute: 'metrics' } },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
    done();
  },
  { name: '@authflow/metrics', fastify: '5.x' },
);
