// `Expect: 100-continue` answered by the gateway once it knows it wants the body: a request it
// refuses from its head alone (a declared length over the route's limit, a denial) is answered
// at once, without first inviting the client to send a body nobody will read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Writes `100 Continue` for a request that asked for it (`Expect: 100-continue`), once: the
     * proxy's body parser calls it when the body is wanted and within the route's limit.
     */
    inviteBody(request: IncomingMessage): void;
  }
}

/**
 * Without a `checkContinue` listener Node writes `100 Continue` the moment a head arrives, before
 * any check runs. Here the request goes through the hooks first (path, limits, session: all
 * `onRequest`), and `100 Continue` is written only from the body parser, after its limit check.
 * An answer sent without it closes the connection (Node's rule for an unsent 100). Nothing is
 * added to the path of requests that did not ask.
 */
export function inviteBodiesWhenWanted(app: FastifyInstance): void {
  const awaitingContinue = new WeakMap<IncomingMessage, ServerResponse>();
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    awaitingContinue.set(request, response);
    app.server.emit('request', request, response);
  });
  app.decorate('inviteBody', (request: IncomingMessage) => {
    const response = awaitingContinue.get(request);
    if (response === undefined) return;
    awaitingContinue.delete(request);
    response.writeContinue();
  });
}
