// The verified identity of a request on a protected route, typed as present.
import type { AssertionIdentity } from '@authflow/gateway-assertion';
import type { FastifyRequest } from 'fastify';
import { sampleBackendErrors } from '../errors/sample-backend-errors.js';

/**
 * The assertion plugin sets `request.identity` on every request it lets through, except the
 * operational routes. A null here would be a wiring bug: refuse rather than serve anonymously.
 */
export function requireIdentity(request: FastifyRequest): AssertionIdentity {
  if (request.identity === null) throw sampleBackendErrors.create('unauthenticated');
  return request.identity;
}
