// The gateway's audit recorder (`app.audit`): the Redis stream when the gateway owns a Redis
// client; the sink it was given when it shares a process with auth; otherwise nothing (the
// events are still in the log, as `audit: true` lines).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditRecorder, AuditSink } from './audit-stream.js';
import { RedisAuditStream } from './redis-audit-stream.js';

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditRecorder;
  }
}

export interface AuditPluginOptions {
  /** Auth's sink, when gateway and auth share a process (all-in-one). */
  readonly sink?: AuditSink | undefined;
}

/** Hands events to a sink in-process; a sink that throws loses the event, never the request. */
function sinkRecorder(sink: AuditSink, app: FastifyInstance): AuditRecorder {
  return {
    record: (facts) => {
      try {
        sink.record({ ...facts, at: Date.now(), actor: null, source: 'gateway' });
      } catch (error) {
        app.gatewayMetrics.auditDropped.inc();
        app.log.warn({ err: error, event: 'audit.dropped' }, 'audit sink refused an event');
      }
    },
  };
}

export const auditPlugin = fp(
  (app: FastifyInstance, options: AuditPluginOptions, done: () => void): void => {
    const { redis, access } = app.sessions;
    if (options.sink !== undefined) {
      app.decorate('audit', sinkRecorder(options.sink, app));
    } else if (redis !== undefined) {
      const stream = new RedisAuditStream({
        client: redis,
        isUnavailable: () => access.breaker.opened,
        dropped: app.gatewayMetrics.auditDropped,
        logger: app.log,
      });
      app.addHook('onClose', (_instance, next) => {
        stream.flush();
        next();
      });
      app.decorate('audit', stream);
    } else {
      app.decorate('audit', { record: () => undefined });
    }
    done();
  },
  {
    name: '@authflow/gateway-audit',
    fastify: '5.x',
    dependencies: ['@authflow/gateway-metrics', '@authflow/gateway-sessions'],
  },
);
