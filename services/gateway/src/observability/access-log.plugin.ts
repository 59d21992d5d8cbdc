// A sampled access log: no per-request logging cost unless asked for (GATEWAY_ACCESS_LOG_SAMPLE_RATE).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
// The route's metrics label (`config.metricsRoute`) is declared by the metrics plugin.
import type {} from '@authflow/observability';

export const accessLogPlugin = fp(
  (app: FastifyInstance, options: { samplePercent: number }, done: () => void): void => {
    if (options.samplePercent > 0) {
      const rate = options.samplePercent / 100;
      app.addHook('onResponse', (request, reply, hookDone) => {
        if (request.routeOptions.config.metricsRoute !== 'health' && Math.random() < rate) {
          request.log.info(
            { req: request, res: reply, ms: Math.round(reply.elapsedTime * 100) / 100 },
            'request',
          );
        }
        hookDone();
      });
    }
    done();
  },
  { name: '@authflow/gateway-access-log', fastify: '5.x' },
);
