// One proxied exchange through its upstream's breaker, for both ways in: fastify's route handler
// and the fast path. What differs is only who answers a failure before the upstream's head.
import type { AuthflowError } from '@authflow/errors';
import { ClientClosedError, UpstreamServerError } from './forward-errors.js';
import { type ClientExchange, type ForwardRequest, forwardHttp } from './forward-http.js';
import { type Upstream, type UpstreamLease, upstreamFailure } from './upstreams.js';

/** Answers a failed exchange (502/503/504, or 400/413 for a request undici would not send). */
export type FailureAnswer = (
  client: ClientExchange,
  failure: AuthflowError,
  forwarded: ForwardRequest,
) => void;

export function attemptExchange(
  client: ClientExchange,
  upstream: Upstream,
  forwarded: ForwardRequest,
  lease: UpstreamLease,
  answerFailure: FailureAnswer,
): void {
  upstream.breaker
    .fire(async () => {
      const statusCode = await forwardHttp(client, upstream, forwarded, lease);
      if (statusCode >= 500 && upstream.countServerErrors)
        throw new UpstreamServerError(statusCode);
    })
    .catch((error: unknown) => {
      // The upstream's own 5xx is already on its way to the client, as sent: its exchange
      // keeps its place among the admitted until the body is through, then releases it.
      if (error instanceof UpstreamServerError) return;
      // The breaker refused, or the exchange failed (it released its place already: once).
      lease.release();
      const { response } = client;
      // A client that left has nobody to read an answer: release the response, log nothing.
      if (error instanceof ClientClosedError) response.destroy();
      else if (!response.headersSent && !response.writableEnded && !response.destroyed)
        answerFailure(client, upstreamFailure(error, upstream), forwarded);
    });
}
