// Checks every request meets before routing matters: canonical path, cookie size, declared body size.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { gatewayErrors } from '../errors/gateway-errors.js';
import { fastPathFailure } from '../proxy/fast-path.js';
import { isCanonicalPath } from './canonical-path.js';
import { inviteBodiesWhenWanted } from './expect-continue.js';

export interface RequestLimits {
  readonly maxCookieHeaderBytes: number;
  readonly maxBodyBytes: number;
}

function guardRequests(app: FastifyInstance, limits: RequestLimits, registered: () => void): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // An exchange the fast path began and that failed before the upstream answered: answered
    // here, by the error handler, like the same failure on fastify's path.
    const failure = fastPathFailure(request.raw);
    if (failure !== undefined) {
      done(failure);
      return;
    }
    if (!isCanonicalPath(request.url)) {
      done(
        gatewayErrors.create('bad_request', {
          message: 'The path is not in canonical form (dot segments, doubled or encoded slashes).',
        }),
      );
      return;
    }
    const cookie = request.headers.cookie;
    if (cookie !== undefined && cookie.length > limits.maxCookieHeaderBytes) {
      done(
        gatewayErrors.create('headers_too_large', { message: 'The Cookie header is too large.' }),
      );
      return;
    }
    const length = request.headers['content-length'];
    if (length !== undefined && Number(length) > limits.maxBodyBytes) {
      done(gatewayErrors.create('payload_too_large'));
      return;
    }
    done();
  });
  inviteBodiesWhenWanted(app);
  registered();
}

/** Not encapsulated: its checks run for every route, health and metrics included, as before routing. */
export const requestGuardPlugin = fp(guardRequests, {
  name: '@authflow/gateway-request-guard',
  fastify: '5.x',
});
