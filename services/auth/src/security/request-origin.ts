// State-changing requests must come from our own pages: allowed Origin, JSON where JSON is expected.
import { ASSERTION_HEADER } from '@authflow/gateway-assertion';
import type { FastifyRequest } from 'fastify';
import { authErrors } from '../errors/auth-errors.js';

const refused = () =>
  authErrors.create('csrf_failed', { message: 'The request came from another site.' });

/**
 * The origin a request says it comes from: `Origin`, else the origin of `Referer` (some
 * browsers and privacy settings drop Origin on same-origin requests), else undefined.
 */
function claimedOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin;
  const referer = request.headers.referer;
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/**
 * Cross-site request forgery needs the browser to attach credentials the attacker does not
 * have. Through the gateway that is the session cookie, which the gateway turns into
 * `x-authflow-assertion` (and strips); straight to auth, a session cookie still lets a sign-out
 * end its session. So:
 * - a signed-in request (one that carries an assertion: the gateway adds it only for a session
 *   it verified, and strips any a client sends) or one that carries the session cookie must
 *   prove where it comes from: an allowed `Origin` (or `Referer`), or, with neither,
 *   `Sec-Fetch-Site: same-origin`; none of them → refused. Presence is enough here: an invalid
 *   assertion identifies nobody later, so being strict about it costs nothing;
 * - a request with neither (signup, signin, forgot-password from curl or a mobile app) has
 *   nothing to forge, so a missing Origin is fine; a foreign or `null` Origin is still refused;
 * - `Sec-Fetch-Site: cross-site` is refused always.
 */
export function requireSameOrigin(
  request: FastifyRequest,
  allowedOrigins: readonly string[],
  sessionCookieName?: string,
): void {
  if (request.headers['sec-fetch-site'] === 'cross-site') throw refused();
  const origin = claimedOrigin(request);
  if (origin !== undefined) {
    if (!allowedOrigins.includes(origin)) throw refused();
    return;
  }
  if (
    carriesCredentials(request, sessionCookieName) &&
    request.headers['sec-fetch-site'] !== 'same-origin'
  ) {
    throw authErrors.create('csrf_failed', {
      message: 'A signed-in request needs an Origin header from this site.',
    });
  }
}

/** Signed in through the gateway (an assertion), or holding the session cookie (straight to auth). */
function carriesCredentials(
  request: FastifyRequest,
  sessionCookieName: string | undefined,
): boolean {
  if (request.headers[ASSERTION_HEADER] !== undefined) return true;
  return sessionCookieName !== undefined && request.cookies[sessionCookieName] !== undefined;
}

/** JSON endpoints take only `application/json` (a form post cannot forge it cross-site). */
export function requireJson(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw authErrors.create('unsupported_media_type');
}

/**
 * The route option every JSON state change uses: from an allowed origin (signed-in callers must
 * prove it, see requireSameOrigin) and, except DELETE (no body), `application/json`.
 */
export function jsonStateChange(
  allowedOrigins: readonly string[],
  sessionCookieName: string,
): {
  preHandler: (request: FastifyRequest, reply: unknown, next: (error?: Error) => void) => void;
} {
  return {
    preHandler: (request, _reply, next) => {
      try {
        requireSameOrigin(request, allowedOrigins, sessionCookieName);
        if (request.method !== 'DELETE') requireJson(request);
        next();
      } catch (error) {
        next(error as Error);
      }
    },
  };
}
