// The gateway's own metrics on the app's registry, for the plugins that count things.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayMetrics } from './gateway-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    gatewayMetrics: GatewayMetrics;
  }
}

export const gatewayMetricsPlugin = fp(
  (app: FastifyInstance, _options: object, done: () => void): void => {
    app.decorate('gatewayMetrics', new GatewayMetrics(app.metrics));
    done();
  },
  { name: '@authflow/gateway-metrics', fastify: '5.x', dependencies: ['@authflow/metrics'] },
);
