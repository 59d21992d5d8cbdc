// A sampled access log: no per-request logging cost unless asked for (GATEWAY_ACCESS_LOG_SAMPLE_RATE).
import type { FastifyInstance } from 'fastify';

export function logSampledRequests(app: FastifyInstance, samplePercent: number): void {
  if (samplePercent <= 0) return;
  const rate = samplePercent / 100;
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.config.metricsRoute !== 'health' && Math.random() < rate) {
      request.log.info(
        { req: request, res: reply, ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request',
      );
    }
    done();
  });
}
