// The one place a route turns its request into the facts a flow takes about the client.
import type { FastifyRequest } from 'fastify';
import type { ClientFacts } from '../flows/account-flows.js';

/** The client IP is fastify's, derived behind the trusted proxies only (DESIGN.md §4). */
export function clientFactsOf(request: FastifyRequest): ClientFacts {
  return { ip: request.ip, id: request.id, headers: request.headers, log: request.log };
}
