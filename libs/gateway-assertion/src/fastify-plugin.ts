// Fastify plugin for backends: refuses requests without a valid assertion, sets request.identity.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type AssertionError, isAssertionError } from './assertion-error.js';
import type { AssertionIdentity } from './assertion-identity.js';
import type { AssertionVerifierOptions } from './verifier-options.js';
import {
  ASSERTION_HEADER,
  type AssertionVerifier,
  createAssertionVerifier,
} from './verify-assertion.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified identity; `null` only on routes `isPublic` let through. */
    identity: AssertionIdentity | null;
  }
}

export type GatewayAssertionPluginOptions = AssertionVerifierOptions & {
  /** Header carrying the assertion (default `x-authflow-assertion`). */
  readonly header?: string;
  /** Requests for which this returns true skip verification (health checks, metrics). */
  readonly isPublic?: (request: FastifyRequest) => boolean;
};

/** Seconds a client should wait before retrying when the gateway's keys are unreachable. */
export const KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const UNAUTHENTICATED_MESSAGE =
  'This service accepts only requests forwarded by the AuthFlow gateway with a valid assertion.';
const UNAVAILABLE_MESSAGE = "The gateway's signing keys could not be fetched; retry shortly.";

const gatewayAssertion: FastifyPluginCallback<GatewayAssertionPluginOptions> = (
  fastify,
  options,
  done,
) => {
  let verify: AssertionVerifier;
  let header: string;
  try {
    // Built at registration: bad options fail the boot, and the JWKS cache lives with the app.
    verify = createAssertionVerifier(options);
    header = readHeaderName(options.header);
  } catch (error) {
    done(error instanceof Error ? error : new TypeError(String(error)));
    return;
  }
  const { isPublic } = options;

  if (!fastify.hasRequestDecorator('identity')) fastify.decorateRequest('identity', null);

  // onRequest, before body parsing: an unauthenticated request costs as little as possible.
  // Only the assertion counts; x-authflow-user-id and friends are never read here.
  fastify.addHook('onRequest', async (request, reply) => {
    if (isPublic?.(request) === true) return;
    const value = request.headers[header];
    try {
      request.identity = await verify(Array.isArray(value) ? value.join(',') : value);
    } catch (error) {
      if (!isAssertionError(error)) throw error;
      return deny(request, reply, error);
    }
  });
  done();
};

function deny(request: FastifyRequest, reply: FastifyReply, error: AssertionError): FastifyReply {
  // The code and message are logged, never the header: the token is a bearer credential.
  const log = { assertionError: error.code, reason: error.message };
  if (error.code === 'keys_unavailable') {
    request.log.error(log, 'gateway assertion keys unavailable');
    void reply.header('retry-after', String(KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS));
    return sendError(request, reply, 503, 'upstream_unavailable', UNAVAILABLE_MESSAGE);
  }
  request.log.info(log, 'gateway assertion refused');
  // One answer for every refusal: a caller probing the backend learns nothing about why.
  return sendError(request, reply, 401, 'unauthenticated', UNAUTHENTICATED_MESSAGE);
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
): FastifyReply {
  return reply
    .code(status)
    .header('x-authflow-error', code)
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, request_id: request.id } });
}

function readHeaderName(header: string | undefined): string {
  const value: unknown = header ?? ASSERTION_HEADER;
  if (typeof value !== 'string' || !/^[!#$%&'*+.^`|~\w-]+$/u.test(value)) {
    throw new TypeError('Invalid gateway assertion plugin option: header must be a header name');
  }
  // Node lower-cases incoming header names.
  return value.toLowerCase();
}

export const gatewayAssertionPlugin = fp(gatewayAssertion, {
  fastify: '5.x',
  name: '@authflow/gateway-assertion',
});

export default gatewayAssertionPlugin;
export type { AssertionIdentity } from './assertion-identity.js';
