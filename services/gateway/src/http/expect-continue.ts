// `Expect: 100-continue` answered by the gateway once it knows it wants the body: a request it
// refuses from its head alone (a declared length over the route's limit, a denial) is answered
// at once, without first inviting the client to send a body nobody will read.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { bodyTooLarge, isDeclaredTooLarge, routeBodyLimit } from '../proxy/body-limit.js';

/**
 * Without a `checkContinue` listener Node writes `100 Continue` the moment a head arrives, before
 * any check runs. Here the request goes through the hooks first (path, limits, session: all
 * `onRequest`), and `100 Continue` is written only when it reaches body parsing within its
 * route's limit. An answer sent without it closes the connection (Node's rule for an unsent 100).
 */
export function inviteBodiesWhenWanted(app: FastifyInstance, maxBodyBytes: number): void {
  const awaitingContinue = new WeakSet<IncomingMessage>();
  app.server.on('checkContinue', (request: IncomingMessage, response) => {
    awaitingContinue.add(request);
    app.server.emit('request', request, response);
  });
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!awaitingContinue.delete(request.raw)) {
      done(null, payload);
      return;
    }
    const limit = routeBodyLimit(request.routeOptions.config.authflowRoute, maxBodyBytes);
    if (isDeclaredTooLarge(request.raw, limit)) {
      done(bodyTooLarge(limit), payload);
      return;
    }
    reply.raw.writeContinue();
    done(null, payload);
  });
}
