// State-changing requests must come from our own pages: allowed Origin, JSON where JSON is expected.
import type { FastifyRequest } from 'fastify';
import { authErrors } from '../errors/auth-errors.js';

/**
 * Browsers send Origin on every cross-origin and every POST request, and Sec-Fetch-Site on
 * all requests; a request with neither comes from a non-browser client, which CSRF cannot
 * involve. `null` origins (sandboxed frames, some redirects) are refused.
 */
export function requireSameOrigin(
  request: FastifyRequest,
  allowedOrigins: readonly string[],
): void {
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins.includes(origin)) {
    throw authErrors.create('csrf_failed', { message: 'The request came from another site.' });
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw authErrors.create('csrf_failed', { message: 'The request came from another site.' });
  }
}

/** JSON endpoints take only `application/json` (a form post cannot forge it cross-site). */
export function requireJson(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw authErrors.create('unsupported_media_type');
}
