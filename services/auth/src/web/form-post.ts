// The guard every form post passes: a valid CSRF token, then a request from this site.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { requireSameOrigin } from '../security/request-origin.js';

/** Route options for a form post; the token check runs first, as a preHandler. */
export function formPost(
  app: FastifyInstance,
  allowedOrigins: readonly string[],
  sessionCookieName: string,
): RouteShorthandOptions {
  return {
    preHandler: [
      app.csrfProtection.bind(app),
      (request: FastifyRequest, _reply: FastifyReply, next: (error?: Error) => void) => {
        try {
          requireSameOrigin(request, allowedOrigins, sessionCookieName);
          next();
        } catch (error) {
          next(error as Error);
        }
      },
    ],
  };
}
